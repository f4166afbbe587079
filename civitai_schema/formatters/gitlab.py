"""GitLab Code Quality report (a JSON array of issues) for merge-request widgets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..findings import Report, Severity
from . import ITEMS, Traits, dumps_with_items, json_text

if TYPE_CHECKING:
    from . import View

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


TRAITS = Traits()


def render(report: Report, view: View) -> str:
    return json_text(dumps_with_items([ITEMS], _issues(report)))


def _issues(report: Report) -> Iterator[dict[str, Any]]:
    for f in report.findings:
        # Stable across runs and line moves: file, rule, JSON Pointer and message, not positions.
        identity = f"{f.file}|{f.code}|{f.path}|{f.message}".encode("utf-8", "surrogatepass")  # (any text)
        fingerprint = hashlib.sha256(identity).hexdigest()
        yield {
            "description": f"{f.code} {f.message}",
            "check_name": f"{f.code} {f.name}",
            "fingerprint": fingerprint,
            "severity": _SEVERITY[f.severity],
            "location": {
                "path": f.file,
                "positions": {
                    "begin": {"line": f.line or 1, "column": f.column or 1},
                    "end": {"line": f.end_line or f.line or 1, "column": f.end_column or f.column or 1},
                },
            },
        }
