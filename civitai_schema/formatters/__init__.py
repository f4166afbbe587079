"""Formatters: plain functions from a report to text. The CLI picks one by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..findings import Report
from . import concise, full, github, gitlab, json, jsonl, junit, sarif


@dataclass(frozen=True)
class View:
    """How a person asked to see the report."""

    quiet: bool = False  # findings only, no summary
    color: bool = False
    statistics: bool = False  # a count per rule instead of the findings
    unsafe_fixes: bool = False  # whether unsafe fixes count as fixable in the summary


Formatter = Callable[[Report, View], str]

FORMATTERS: dict[str, Formatter] = {
    "full": full.render,
    "concise": concise.render,
    "text": concise.render,  # the name of the concise format before 0.2
    "json": json.render,
    "jsonl": jsonl.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
    "gitlab": gitlab.render,
}
