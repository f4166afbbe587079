"""The configuration's globs (``include``, ``exclude``, ``per-file-ignores``, ``kind``), matched in
time linear in the path whatever the pattern.

gitignore's grammar, as ruff and ``.gitignore`` read it: ``*`` is any run of characters but
``/``, ``?`` one of them, ``[abc]``, ``[a-z]`` and ``[!abc]`` one of a set; ``**`` as a whole
segment is any number of folders (``**/x``, ``a/**/b``; a final ``/**`` is everything inside); a
pattern without ``/`` (but a final one) matches a name at any depth, one with ``/`` is anchored;
a pattern that matches a folder matches everything in it. ``\\`` is read as ``/``, so a pattern
written with Windows separators means what it says. A line of a ``.gitignore`` file is compiled
with ``escapes=True`` instead: there, as in git, ``\\`` makes the next character literal.

A glob compiled into one regular expression, as ``fnmatch`` and pathspec do, backtracks: with
``*a*a*a*a*a*a*b`` a 100-character name took longer than anyone waited. Here each segment is
cut at its stars into fixed-length pieces, each found by a search without quantifiers at the
leftmost place it fits (which is the right one for stars that stay within a segment), and
``**`` is matched over segments the same way: at most pieces × characters steps.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence

# A segment is its pieces between stars, each a pattern without quantifiers and its length (the
# same wherever it matches): "*a?b" is ("", 0), ("a.b", 3) once compiled. None is a ``**``.
_Piece = tuple[re.Pattern[str], int]
_Segment = tuple[_Piece, ...] | None
_ANY_FOLDERS = None


class Glob:
    """One compiled pattern; :meth:`match` takes a path relative to the pattern's folder."""

    __slots__ = ("pattern", "segments")

    def __init__(
        self, pattern: str, *, ignore_case: bool = False, escapes: bool = False, contents: bool = True
    ) -> None:
        """``escapes``: ``\\`` quotes the next character (a ``.gitignore`` line) rather than being
        a Windows separator. ``contents``: a match of a folder also matches what is inside it;
        a walk that prunes matched folders (as git does) asks about each entry alone."""
        self.pattern = pattern
        text = pattern if escapes else pattern.replace("\\", "/")
        anchored = "/" in text.rstrip("/")
        parts = text.strip("/").split("/")
        segments: list[_Segment] = [] if anchored else [_ANY_FOLDERS]
        flags = re.IGNORECASE if ignore_case else 0
        for index, part in enumerate(parts):
            if part == "**":
                if index == len(parts) - 1 and index > 0:  # a/**: something inside a
                    segments.append(_pieces("*", flags))
                if segments[-1:] != [_ANY_FOLDERS]:
                    segments.append(_ANY_FOLDERS)
            else:
                segments.append(_pieces(part, flags, escapes))
        if contents and segments[-1:] != [_ANY_FOLDERS]:
            segments.append(_ANY_FOLDERS)  # a folder's pattern covers what is inside it
        self.segments: tuple[_Segment, ...] = tuple(segments)

    def match(self, path: str) -> bool:
        """Whether ``path`` (``/``-separated, relative) or a folder on its way matches."""
        return _match_segments(self.segments, path.split("/"))


@functools.lru_cache(maxsize=512)  # (keyed by the configuration's patterns, not by documents)
def compiled(pattern: str, ignore_case: bool = False) -> Glob:
    return Glob(pattern, ignore_case=ignore_case)


def posix(path: str, sep: str = os.sep, altsep: str | None = os.altsep) -> str:
    """``path`` with this system's separators (``\\`` on Windows) written as ``/``."""
    if sep != "/":
        path = path.replace(sep, "/")
    if altsep and altsep != "/":
        path = path.replace(altsep, "/")
    return path


def _pieces(segment: str, flags: int, escapes: bool = False) -> tuple[_Piece, ...]:
    """The segment's pieces between stars (see :data:`_Segment`)."""
    pieces: list[list[str]] = [[]]  # each piece's one-character patterns
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            pieces.append([])
            while i + 1 < len(segment) and segment[i + 1] == "*":  # ** inside a segment is *
                i += 1
        elif char == "\\" and escapes and i + 1 < len(segment):
            i += 1
            pieces[-1].append(re.escape(segment[i]))
        elif char == "?":
            pieces[-1].append(".")
        elif char == "[" and (end := _class_end(segment, i)) is not None:
            pieces[-1].append(_class(segment[i + 1 : end]))
            i = end
        else:
            pieces[-1].append(re.escape(char))
        i += 1
    return tuple((re.compile("".join(piece), flags | re.DOTALL), len(piece)) for piece in pieces)


def _class_end(segment: str, start: int) -> int | None:
    """Where the set opened at ``start`` closes (a ``]`` right after ``[`` or ``[!`` is a member)."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1
    end = segment.find("]", i)
    return None if end < 0 else end


def _class(body: str) -> str:
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    members = []
    for i, char in enumerate(body):
        # A '-' between two members is a range; anywhere else it is itself.
        members.append("-" if char == "-" and 0 < i < len(body) - 1 else re.escape(char))
    return "[" + ("^/" if negated else "") + "".join(members) + "]"


def _match_segment(pieces: tuple[_Piece, ...], name: str) -> bool:
    (first, _), *rest = pieces
    if not rest:  # no star
        return first.fullmatch(name) is not None
    *middle, (last, last_length) = rest
    head = first.match(name)
    stop = len(name) - last_length  # where the last piece must start
    if head is None or stop < head.end():
        return False
    position = head.end()
    for piece, _ in middle:  # each at the leftmost place it fits
        found = piece.search(name, position, stop)
        if found is None:
            return False
        position = found.end()
    return last.fullmatch(name, stop) is not None


def _match_segments(pattern: Sequence[_Segment], names: Sequence[str]) -> bool:
    """Wildcard matching over segments, ``**`` being the star: the classic greedy walk that goes
    back only to the last ``**`` (at most pattern × path segment comparisons)."""
    p = n = 0
    star, star_n = -1, 0
    while n < len(names):
        segment = pattern[p] if p < len(pattern) else ()
        if segment is _ANY_FOLDERS:
            star, star_n = p, n
            p += 1
        elif segment and _match_segment(segment, names[n]):
            p += 1
            n += 1
        elif star >= 0:
            star_n += 1
            p, n = star + 1, star_n
        else:
            return False
    while p < len(pattern) and pattern[p] is _ANY_FOLDERS:
        p += 1
    return p == len(pattern)
