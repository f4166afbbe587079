"""Each finding with a code frame: the offending lines, carets under the exact value, the hint,
the fix, and where the rule is documented (like ruff's and actionlint's full output)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import rule_docs, rules
from ..documents import split_lines
from ..findings import Finding, Report, printable
from . import Traits, concise

if TYPE_CHECKING:
    from . import View

_CONTEXT = 1  # lines shown before the finding
# Characters of a line shown, around the finding's column: a minified JSON file is one line,
# and printing all of it for each finding made megabytes of output.
_SHOWN = 200
_BEFORE = 60  # of them, before the finding's column


def frame(finding: Finding, lines: list[str], color: bool) -> list[str]:
    """The code frame of a finding in a file given as its lines."""
    if not lines or finding.line is None or finding.column is None:
        return []
    first = max(1, finding.line - _CONTEXT)
    last = min(len(lines), finding.end_line or finding.line, finding.line + 3)
    width = len(str(last))
    # The part of each line shown: all of it, or a window around the finding's column.
    current = lines[finding.line - 1] if finding.line <= len(lines) else ""
    left = max(0, finding.column - 1 - _BEFORE) if len(current) > _SHOWN else 0
    out = [f"{' ' * width} |"]
    for number in range(first, last + 1):
        source = lines[number - 1] if number <= len(lines) else ""
        shown, shift = _window(printable(source), left)  # (one character for one: carets still align)
        out.append(f"{number:>{width}} | {shown}")
        if finding.line <= number <= (finding.end_line or finding.line):
            start = finding.column if number == finding.line else 1
            last_line = number == (finding.end_line or finding.line)
            end = (finding.end_column or start + 1) if last_line else len(source) + 1
            start, end = max(1, start - shift), max(1, min(end - shift, len(shown) + 1))
            carets = "^" * max(1, end - start)
            marker = " " * (start - 1) + (_red(carets) if color else carets)
            out.append(f"{' ' * width} | {marker}")
    return out


def _red(text: str) -> str:
    import click  # (only for colour: nothing outside the command line needs click)

    return click.style(text, fg="red", bold=True)


def _window(source: str, left: int) -> tuple[str, int]:
    """At most :data:`_SHOWN` characters of a line from ``left``, an ellipsis marking each cut,
    and how many columns the shown text is shifted left."""
    if len(source) <= _SHOWN and not left:
        return source, 0
    right = left + _SHOWN
    head = "…" if left else ""
    tail = "…" if right < len(source) else ""
    return head + source[left:right] + tail, left - len(head)


TRAITS = Traits(sources=True, for_people=True, in_streams="concise")


def render(report: Report, view: View) -> str:
    if view.statistics:
        return concise.render(report, view)
    blocks = []
    split: dict[str, list[str]] = {}  # each file's lines, split once (not once per finding)
    for finding in report.findings:
        name = finding.file or ""
        if name not in split:
            split[name] = split_lines(report.sources.get(name, ""))
        lines = [concise.line(finding, view.color)]
        lines += ["  " + row for row in frame(finding, split[name], view.color)]
        if finding.hint:
            lines.append(f"  = hint: {printable(finding.hint)}")
        if finding.fix is not None and finding.fixable:
            unsafe = " (unsafe: needs --unsafe-fixes)" if finding.fix.applicability == "unsafe" else ""
            lines.append(f"  = fix: {printable(finding.fix.description)}{unsafe}")
        rule = rules.lookup(finding.code)
        url = f"  ({rule_docs.rule_url(rule)})" if rule is not None else ""
        lines.append(f"  = see: civitai-schema rule {finding.code}{url}")
        blocks.append("\n".join(lines))
    if not view.quiet:
        blocks.append(concise.summary(report, view))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
