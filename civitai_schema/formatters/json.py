"""The JSON output contract, version 1 (documented in the README)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..findings import Finding, Report
from . import ITEMS, dumps_with_items, json_text

if TYPE_CHECKING:
    from . import View

VERSION = 1


def finding(item: Finding) -> dict[str, Any]:
    data = item.to_dict()
    fix = item.fix if item.fixable else None
    data["fix"] = (
        None
        if fix is None
        else {
            "description": fix.description,
            "applicability": fix.applicability,
            "edits": [{"start": e.start, "end": e.end, "replacement": e.replacement} for e in fix.edits],
        }
    )
    return data


def render(report: Report, view: View) -> str:
    payload = {
        "version": VERSION,
        "findings": [ITEMS],
        "summary": report.summary(),
        "documents": [
            {"file": d.file, "index": d.index, "kind": d.kind.value if d.kind else None} for d in report.documents
        ],
    }
    return json_text(dumps_with_items(payload, map(finding, report.findings)))
