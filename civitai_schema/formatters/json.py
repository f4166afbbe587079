"""The JSON output contract, version 1 (documented in the README)."""

from __future__ import annotations

import json

from ..findings import Report

VERSION = 1


def render(report: Report, quiet: bool = False) -> str:
    payload = {
        "version": VERSION,
        "findings": [f.to_dict() for f in report.findings],
        "summary": report.summary(),
        "documents": [
            {"file": d.file, "index": d.index, "kind": d.kind.value if d.kind else None} for d in report.documents
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
