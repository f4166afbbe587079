"""GitLab Code Quality report (a JSON array of issues) for merge-request widgets."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from ..findings import Report, Severity

if TYPE_CHECKING:
    from . import View

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(report: Report, view: View) -> str:
    issues = []
    for f in report.findings:
        # Stable across runs and line moves: file, rule, JSON Pointer and message, not positions.
        identity = f"{f.file}|{f.code}|{f.path}|{f.message}".encode("utf-8", "surrogatepass")  # (any text)
        fingerprint = hashlib.sha256(identity).hexdigest()
        issues.append(
            {
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
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
