"""The JSON output contract, version 1 (documented in the README)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..findings import Finding, Report
from . import ITEMS, Traits, dumps_with_items, json_text

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


def statistics(report: Report) -> list[dict[str, Any]]:
    """``--statistics``: a count per rule, most frequent first (as ruff's JSON statistics)."""
    counts: dict[str, dict[str, Any]] = {}
    for item in report.findings:
        row = counts.setdefault(item.code, {"code": item.code, "name": item.name, "count": 0, "fixable": False})
        row["count"] += 1
        row["fixable"] = row["fixable"] or item.fixable
    return sorted(counts.values(), key=lambda row: (-row["count"], row["code"]))


TRAITS = Traits()


def render(report: Report, view: View) -> str:
    if view.statistics:
        stats = {"version": VERSION, "statistics": [ITEMS], "summary": report.summary()}
        return json_text(dumps_with_items(stats, statistics(report)))
    payload = {
        "version": VERSION,
        "findings": [ITEMS],
        "summary": report.summary(),
        "documents": [
            {"file": d.file, "index": d.index, "kind": d.kind.value if d.kind else None} for d in report.documents
        ],
    }
    return json_text(dumps_with_items(payload, map(finding, report.findings)))
