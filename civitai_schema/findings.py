"""The one shape every problem takes: a located, coded :class:`Finding`, and the :class:`Report` that holds them."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple


class Severity(str, enum.Enum):
    """How much a finding matters; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Kind(str, enum.Enum):
    """What a document is: a request body, or a record the API returned."""

    SUBMISSION = "submission"
    WORKFLOW = "workflow"

    def __str__(self) -> str:
        return self.value


Target = Literal["value", "key"]


class Span(NamedTuple):
    """A 1-based, end-inclusive-of-line, end-exclusive-of-column region of a file."""

    line: int
    column: int
    end_line: int
    end_column: int


class Edit(NamedTuple):
    """Replace ``text[start:end]`` (character offsets in the decoded file) with ``replacement``."""

    start: int
    end: int
    replacement: str


class Fix(NamedTuple):
    """How to fix a finding. Rules state the ``action`` (a :class:`~civitai_schema.fix_actions.FixAction`:
    ``Replace``, ``Rename``, or one of the rule's own); the engine turns it into ``edits`` on the
    exact span of the value or key, so the rest of the file keeps its formatting and comments.
    """

    description: str
    applicability: Literal["safe", "unsafe"]
    # A fix_actions.FixAction; not named here, so that findings stay the floor every other
    # module stands on (fix_actions reads findings and documents).
    action: Any
    edits: tuple[Edit, ...] = ()


# Text for people (a terminal, a CI log) never carries a character that drives the terminal or
# changes how the text around it reads. Quoted raw, an escape sequence from a document's string
# or a file name would clear the screen, retitle the window or fake a hyperlink; a bidi control
# (U+202E) reorders what follows (the "Trojan Source" trick), and U+2028/U+2029 break lines
# where no line ends. Each is shown as one visible character, so code-frame carets still align:
# C0 controls (but tab) and DEL as their Unicode pictures (␛ for ESC), C1 controls, bidi
# controls and the two separators as U+FFFD. A file name's bytes that are not UTF-8 reach us
# as U+DC80..U+DCFF (os.fsdecode); those in 0x80..0x9F, which an 8-bit terminal takes for C1
# controls, are U+FFFD too, the others are left for the output encoding to write as the bytes
# they were. (One character for one everywhere, so a message keeps its length bound.)
_BIDI_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_PICTURES: dict[int, int] = {
    **{code: 0x2400 + code for code in range(0x20) if code != 0x09},
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
    **dict.fromkeys((*_BIDI_CONTROLS, 0x2028, 0x2029, *range(0xDC80, 0xDCA0)), 0xFFFD),
}
_KEEP_LINES = {**_PICTURES, 0x0A: 0x0A, 0x0D: 0x0D}  # (a lone \r is replaced first, see printable_lines)
_LONE_CR = re.compile(r"\r(?!\n)")


def printable(text: str) -> str:
    """``text`` as one line safe for a terminal: see the comment above for what is replaced."""
    if text.isprintable():  # (none of them is printable: the common case is one C-level scan)
        return text
    return text.translate(_PICTURES)


def printable_lines(text: str, *, styled: bool = False) -> str:
    """:func:`printable` for text of several lines: line breaks (LF, CRLF) are kept, a lone CR
    (which returns the cursor, so what follows overwrites the line) is shown. With ``styled``,
    the colour sequences our own formatters add (SGR: ``ESC [ digits m``) are kept too."""
    if text.isprintable():
        return text
    if not styled:
        return _LONE_CR.sub("\u240d", text).translate(_KEEP_LINES)
    parts = _STYLE.split(text)
    for i in range(0, len(parts), 2):  # (the odd parts are the colour sequences themselves)
        parts[i] = _LONE_CR.sub("\u240d", parts[i]).translate(_KEEP_LINES)
    return "".join(parts)


_STYLE = re.compile(r"(\x1b\[[0-9;]*m)")


@dataclass(frozen=True)
class Finding:
    """One problem in one document.

    ``path`` is an RFC 6901 JSON Pointer into the document. ``target`` says whether the finding
    concerns the value at ``path`` or its key (an unknown or duplicated key); it decides where
    the span points and is not part of the output contract.
    """

    code: str
    name: str
    severity: Severity
    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    hint: str | None = None
    target: Target = field(default="value", compare=False, repr=False)

    fix: Fix | None = field(default=None, compare=False)

    def located(self, file: str, span: Span) -> Finding:
        """A copy at ``span`` of ``file``: :meth:`evolve` with known fields, so without its check
        of the names (once a finding, that check cost more than the copy)."""
        copy = object.__new__(Finding)
        fields = copy.__dict__
        fields.update(self.__dict__)
        fields["file"] = file
        fields["line"], fields["column"], fields["end_line"], fields["end_column"] = span
        return copy

    def with_severity(self, severity: Severity) -> Finding:
        return self.evolve(severity=severity)

    def with_fix(self, fix: Fix | None) -> Finding:
        return self.evolve(fix=fix)

    def evolve(self, **changes: Any) -> Finding:
        """A copy with some fields changed: ``dataclasses.replace`` without re-running
        ``__init__``, which costs about 7 µs a copy when a document has 100,000 findings.
        (Finding has no ``__post_init__``; a test checks it stays equal to ``replace``.)"""
        unknown = changes.keys() - self.__dict__.keys()
        if unknown:
            raise TypeError(f"Finding has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(Finding)
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    @property
    def fixable(self) -> bool:
        return self.fix is not None and bool(self.fix.edits)

    def to_dict(self) -> dict[str, object]:
        """The JSON output contract (version 1) for one finding."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "hint": self.hint,
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.path)


@dataclass(frozen=True)
class DocumentInfo:
    """One checked document: which file, which document within it (YAML streams hold several), which kind."""

    file: str
    index: int
    kind: Kind | None


@dataclass(frozen=True)
class Report:
    """Everything one check found. Pure data: it pickles, compares and serialises."""

    findings: tuple[Finding, ...] = ()
    documents: tuple[DocumentInfo, ...] = ()
    files: int = 0
    # The text of each file that has findings, for formatters that show code frames.
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def merge(cls, reports: Iterable[Report]) -> Report:
        findings: list[Finding] = []
        documents: list[DocumentInfo] = []
        sources: dict[str, str] = {}
        files = 0
        for report in reports:
            findings.extend(report.findings)
            documents.extend(report.documents)
            sources.update(report.sources)
            files += report.files
        return cls(tuple(findings), tuple(documents), files, sources)

    @property
    def fixable(self) -> int:
        return sum(1 for f in self.findings if f.fixable)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def infos(self) -> int:
        return self.count(Severity.INFO)

    @property
    def ok(self) -> bool:
        """True when nothing stops the document from being submitted (no error-severity finding)."""
        return self.errors == 0

    @property
    def kind(self) -> Kind | None:
        """The kind of the checked documents when they all share one, else None."""
        kinds = {d.kind for d in self.documents}
        return kinds.pop() if len(kinds) == 1 else None

    def fails(self, threshold: Severity) -> bool:
        """True when any finding is at or above ``threshold``."""
        return any(f.severity.rank >= threshold.rank for f in self.findings)

    def summary(self) -> dict[str, int]:
        return {"files": self.files, "errors": self.errors, "warnings": self.warnings, "infos": self.infos}
