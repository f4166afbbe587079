"""GitHub Actions workflow commands, which show as annotations on the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings import Report, Severity, printable_lines
from . import Traits

if TYPE_CHECKING:
    from . import View

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    # printable() first: the runner echoes the command into the log, where a raw escape sequence
    # from a file name or a document would reach whoever reads it in a terminal.
    return printable_lines(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


TRAITS = Traits(streams=True, for_people=True)


def render(report: Report, view: View) -> str:
    lines = []
    for f in report.findings:
        props = f"file={_property(f.file or '')},line={f.line or 1},col={f.column or 1}"
        if f.end_line is not None:
            props += f",endLine={f.end_line},endColumn={f.end_column or 1}"
        props += f",title={_property(f'{f.code} {f.name}')}"
        lines.append(f"::{_LEVELS[f.severity]} {props}::{_data(f'{f.code} {f.message}')}")
    return "".join(line + "\n" for line in lines)
