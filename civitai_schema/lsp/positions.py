"""Between the engine's positions and the protocol's.

The engine counts characters (code points) and breaks lines at CR, LF and CRLF only; the
protocol counts UTF-16 code units unless client and server agreed on UTF-8 or UTF-32 at start-up.
Lines are broken here the engine's way (:class:`~civitai_schema.documents.Lines`), not with
``str.splitlines``, which also breaks at U+2028 and form feeds that a JSON string may hold and
would put every later diagnostic on the wrong line.
"""

from __future__ import annotations

from lsprotocol import types

from ..documents import Lines


class Positions:
    """Offsets in one text to protocol positions and back, in the negotiated encoding."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.lines = Lines(text)
        self.encoding = str(encoding)
        self._plain = text.isascii()  # (every encoding counts an ASCII character as one unit)

    def _line_text(self, line: int) -> str:
        """0-based ``line`` without its line break."""
        starts = self.lines.starts
        start = starts[line]
        stop = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return self.text[start:stop].rstrip("\r\n")

    def _units(self, text: str) -> int:
        if self._plain or self.encoding == types.PositionEncodingKind.Utf32:
            return len(text)
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> types.Position:
        """The protocol position of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line, column = self.lines.position(offset)
        if self._plain:
            return types.Position(line=line - 1, character=column - 1)
        start = self.lines.starts[line - 1]
        return types.Position(line=line - 1, character=self._units(self.text[start:offset]))

    def offset(self, position: types.Position) -> int:
        """The character offset of a protocol position (clamped to the text, as the protocol asks)."""
        starts = self.lines.starts
        if position.line >= len(starts):
            return len(self.text)
        line = self._line_text(position.line)
        if self._plain or self.encoding == types.PositionEncodingKind.Utf32:
            return starts[position.line] + min(position.character, len(line))
        units = 0
        for index, character in enumerate(line):
            if units >= position.character:
                return starts[position.line] + index
            units += self._units(character)
        return starts[position.line] + len(line)

    def at(self, line: int, column: int) -> types.Position:
        """The protocol position of the engine's 1-based line and column."""
        if line < 1:
            return types.Position(line=0, character=0)
        if line > len(self.lines.starts):
            return self.position(len(self.text))
        length = len(self._line_text(line - 1))
        return self.position(self.lines.starts[line - 1] + min(max(column, 1) - 1, length))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))
