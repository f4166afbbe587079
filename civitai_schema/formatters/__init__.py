"""Formatters: plain functions from a report to text. The CLI picks one by name."""

from __future__ import annotations

from collections.abc import Callable

from ..findings import Report
from . import json, text

Formatter = Callable[[Report, bool], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.render,
    "json": json.render,
}
