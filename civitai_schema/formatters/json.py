"""The JSON output contract, version 1 (documented in the README)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..findings import Finding, Report
from . import ITEMS, Traits, dumps_with_items, indented, json_text

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
    # (orjson only for a report with findings: a run of valid files never loads it)
    encode = _orjson_items() if report.findings else indented
    if view.statistics:
        stats = {"version": VERSION, "statistics": [ITEMS], "summary": report.summary()}
        return json_text(dumps_with_items(stats, statistics(report), encode))
    payload = {
        "version": VERSION,
        "findings": [ITEMS],
        "summary": report.summary(),
        "documents": [
            {"file": d.file, "index": d.index, "kind": d.kind.value if d.kind else None} for d in report.documents
        ],
    }
    return json_text(dumps_with_items(payload, map(finding, report.findings), encode))


def _orjson_items() -> Callable[[Any, str], str]:
    """What :func:`~civitai_schema.formatters.indented` gives, written by orjson: a finding in
    less than half the time the standard encoder takes (its indent is written in Python).
    orjson writes the same text for every value a report holds (the same escapes, spacing and
    order; tested), but refuses a lone surrogate, which UTF-8 cannot carry: a file name's
    undecodable byte, a "\\ud800" escape in a document's string. Those items (and an integer
    past 64 bits, which no report holds) are written by the standard encoder, as before."""
    import orjson

    dumps, option, refused = orjson.dumps, orjson.OPT_INDENT_2, orjson.JSONEncodeError

    def encode(value: Any, indent: str) -> str:
        try:
            text: str = dumps(value, option=option).decode()
        except refused:
            return indented(value, indent)
        return text.replace("\n", "\n" + indent)

    return encode
