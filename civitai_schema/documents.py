"""A parsed document: its data, where it came from, and how to turn a JSON Pointer into a span."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from .findings import Finding, Span, Target

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LF = re.compile("\n")  # (texts without CR: the same breaks, found faster)


class Locator(Protocol):
    def span(self, pointer: str, target: Target) -> Span:
        """Where the value (or key) at ``pointer`` is; the nearest enclosing value if it is absent."""
        ...

    def offsets(self, pointer: str, target: Target) -> tuple[int, int] | None:
        """Exact character offsets of the value's (or key's) text, or None when it has none."""
        ...


@dataclass
class Document:
    """One document of a file (a YAML stream may hold several), parsed once.

    ``findings`` holds what reading it found (duplicate keys, say), already located.
    """

    data: Any
    file: str
    index: int
    locator: Locator
    findings: list[Finding] = field(default_factory=list)
    text: str = ""  # the decoded source (empty for in-memory objects)
    fmt: str = "json"
    # True: the data is known to hold no number jsonschema-rs compares slowly (an in-memory
    # object that needed no conversion), so the schema check need not look for one.
    compares_quickly: bool = False

    def locate(self, finding: Finding) -> Finding:
        if finding.line is not None:
            return finding
        return finding.located(self.file, self.locator.span(finding.path, finding.target))


def split_lines(text: str) -> list[str]:
    """The lines of a text, broken where :class:`Lines` counts lines (CR, LF, CRLF), unlike
    ``str.splitlines``, which also breaks at form feeds, U+2028 and other characters a JSON
    string may hold, and would then number lines differently from the findings."""
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()  # (a final line break ends the last line; it does not start another)
    return lines


class Lines:
    """Offsets in a text to 1-based line and column (columns count characters)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @functools.cached_property
    def starts(self) -> list[int]:
        """Where each line begins (worked out on first use: most documents never need it)."""
        # Each match's end read in C, not by a loop over the matches (a fifth of locating the
        # findings of a small document); no copy of the text, as splitting it would make.
        breaks = _LINE_BREAK if "\r" in self.text else _LF
        return [0, *map(re.Match.end, breaks.finditer(self.text))]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        """The span of ``text[start:end]``; the end column is exclusive."""
        line, column = self.position(start)
        end_line, end_column = self.position(max(end, start + 1))
        return Span(line, column, end_line, end_column)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based line and column."""
        return self.starts[line - 1] + column - 1

    def line_length(self, line: int) -> int:
        """Characters on 1-based ``line``, without its line break."""
        start = self.starts[line - 1]
        stop = self.starts[line] if line < len(self.starts) else len(self.text)
        return len(self.text[start:stop].rstrip("\r\n"))
