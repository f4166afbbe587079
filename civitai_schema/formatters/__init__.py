"""Formatters: plain functions from a report to text. The CLI picks one by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple

from ..findings import Report


class View(NamedTuple):
    """How a person asked to see the report."""

    quiet: bool = False  # findings only, no summary
    color: bool = False
    statistics: bool = False  # a count per rule instead of the findings
    unsafe_fixes: bool = False  # whether unsafe fixes count as fixable in the summary


Formatter = Callable[[Report, View], str]

# Format name → module; a module is imported only when its format is used (start-up time).
MODULES = {
    "full": "full",
    "concise": "concise",
    "text": "concise",  # the first name of the concise format
    "json": "json",
    "jsonl": "jsonl",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "gitlab": "gitlab",
}


class _Formatters(dict[str, Formatter]):
    def __missing__(self, name: str) -> Formatter:
        render: Formatter = importlib.import_module(f"{__name__}.{MODULES[name]}").render
        self[name] = render
        return render


FORMATTERS: dict[str, Formatter] = _Formatters()
