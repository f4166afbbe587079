"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards: the rule metadata
(id, name, descriptions, default level, help) and every result, with its fix when it has one.

A file inside the working directory is named relative to it, with ``uriBaseId`` ``%SRCROOT%``
(the name GitHub code scanning and the SARIF tools use for the source root), and the run's
``originalUriBaseIds`` says where that root was (an absolute ``file:`` URI); a file outside it
is named by its absolute ``file:`` URI. The results themselves hold no machine's folders, so a
log moves with the repository."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .. import rules
from ..findings import Report, Severity
from ..version import __version__
from . import ITEMS, Traits, dumps_with_items, json_text, uri

if TYPE_CHECKING:
    from . import View

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


TRAITS = Traits(sources=True)


def render(report: Report, view: View) -> str:
    catalog = list(rules.REGISTRY.values())
    index = {rule.code: i for i, rule in enumerate(catalog)}
    driver = {
        "name": "civitai-schema",
        "version": __version__,
        "rules": [
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.doc.strip()},
                "defaultConfiguration": {"level": _LEVELS[rule.severity]},
                "help": {"text": rule.doc.strip(), "markdown": rule.doc.strip()},
                "properties": {"fixable": rule.fixable or "no"},
            }
            for rule in catalog
        ],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if any(_relative(f.file) for f in report.findings):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root_uri()}}
    run["results"] = [ITEMS]
    payload = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json_text(dumps_with_items(payload, (_result(f, index, report) for f in report.findings)))


SRCROOT = "%SRCROOT%"


def _relative(file: str | None) -> bool:
    """A file named relative to the working directory (not absolute, not ``<stdin>``)."""
    return bool(file) and not os.path.isabs(file or "") and not (file or "").startswith("<")


def root_uri() -> str:
    """The working directory as a ``file:`` URI ending in ``/`` (what %SRCROOT% stands for)."""
    return _file_uri(os.getcwd()).rstrip("/") + "/"


def _file_uri(absolute: str) -> str:
    path = uri(absolute.replace(os.sep, "/") if os.sep != "/" else absolute)
    return "file://" + (path if path.startswith("/") else "/" + path)  # (C:/x is file:///C:/x)


def _location(file: str | None) -> dict[str, str]:
    if _relative(file):
        return {"uri": uri((file or "").replace(os.sep, "/")), "uriBaseId": SRCROOT}
    if file and os.path.isabs(file):
        return {"uri": _file_uri(file)}
    return {"uri": uri(file or "")}


def _region(line: int | None, column: int | None, end_line: int | None, end_column: int | None) -> dict[str, int]:
    region = {"startLine": line or 1, "startColumn": column or 1}
    if end_line is not None:
        region["endLine"] = end_line
    if end_column is not None:
        region["endColumn"] = end_column
    return region


def _result(f: Any, index: dict[str, int], report: Report) -> dict[str, Any]:
    location = {
        "artifactLocation": _location(f.file),
        "region": _region(f.line, f.column, f.end_line, f.end_column),
    }
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": _LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": location,
                "logicalLocations": [{"fullyQualifiedName": f.path or "/", "kind": "member"}],
            }
        ],
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    text = report.sources.get(f.file or "")
    if f.fixable and text is not None:
        replacements = [
            {
                "deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                "insertedContent": {"text": e.replacement},
            }
            for e in f.fix.edits
        ]
        result["fixes"] = [
            {
                "description": {"text": f"{f.fix.description} ({f.fix.applicability})"},
                "artifactChanges": [{"artifactLocation": _location(f.file), "replacements": replacements}],
            }
        ]
    return result
