"""Formatters: plain functions from a report to text. The CLI picks one by name."""

from __future__ import annotations

import importlib
import json as _json  # (not `json`: the package's json submodule takes that name once imported)
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

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


ITEMS = "\0items\0"  # in a payload given to dumps_with_items, [ITEMS] stands for the items


def dumps_with_items(payload: Any, items: Iterable[Any]) -> str:
    """``json.dumps(payload, indent=2, ensure_ascii=False)`` with ``items`` in place of the one
    list ``[ITEMS]`` in ``payload``, which must come before any text taken from the documents.

    Each item is encoded on its own and set into the text: encoding a payload of every finding
    in one call held millions of small pieces at once (see docs/performance.md). The text is the
    same."""
    head, _, tail = _json.dumps(payload, indent=2, ensure_ascii=False).partition(_json.dumps(ITEMS))
    indent = head[head.rfind("\n") + 1 :]
    parts = [head]
    for item in items:
        if len(parts) > 1:
            parts.append(",\n" + indent)
        parts.append(_json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n" + indent))
    if len(parts) == 1:  # an empty list is written "[]"
        return head[: -len(indent) - 1] + tail[tail.index("]") :] + "\n"
    parts.append(tail + "\n")
    return "".join(parts)  # (one join: the text is built once)
