"""The one shape every problem takes: a located, coded :class:`Finding`, and the :class:`Report` that holds them."""

from __future__ import annotations

import enum
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
    """How to fix a finding. Rules state the ``action``; the engine turns it into ``edits`` on the
    exact span of the value or key, so the rest of the file keeps its formatting and comments.

    ``action`` is one of ``("replace", new_value)``, ``("rename", new_key)`` or
    ``("callbacks", callbacks_value)`` (the seed's callbackUrl/callbackEvents rewritten).
    """

    description: str
    applicability: Literal["safe", "unsafe"]
    action: tuple[str, Any]
    edits: tuple[Edit, ...] = ()


# Control characters a document's strings may hold (JSON escapes them: "\u001b") are shown as
# their Unicode pictures, one character each: quoted raw in a message or a code frame, an
# escape sequence would drive the reader's terminal (clear it, retitle it, fake a hyperlink).
_CONTROL_PICTURES = (
    {code: 0x2400 + code for code in range(0x20) if code != 0x09}
    | {0x7F: 0x2421}
    | {code: 0xFFFD for code in range(0x80, 0xA0)}
)


def printable(text: str) -> str:
    """``text`` with control characters (except tab) replaced by visible stand-ins."""
    return text.translate(_CONTROL_PICTURES)


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
        return self.evolve(
            file=file, line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column
        )

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
