"""The check command's two other modes: JSON Lines streams (printed a record at a time with the
formats that can be), and fixing files (or showing the fixes as a diff)."""

from __future__ import annotations

import functools
import sys
from typing import Any, NoReturn

import click

from .. import api
from ..api import DocumentInfo, Finding, Report, Severity
from ..formatters import FORMATTERS, View, printable_lines, traits
from .terminal import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UNPRINTABLE, echo_in_parts


def stream_jsonl(
    paths: tuple[str, ...],
    stdin: Any,
    stdin_name: str | None,
    opts: api.Options,
    fmt: str,
    *,
    quiet: bool,
    streamed: bool,
) -> Report:
    """Check JSON Lines inputs. With a streamed format each record's findings are printed as
    they are found and only counts are kept (the returned report holds one representative finding
    per count, enough for the exit status); other formats get every finding and every record's
    document."""
    kept: list[Finding] = []
    documents: list[DocumentInfo] = []
    run = api.check_jsonl_inputs(paths, opts, stdin=stdin, stdin_name=stdin_name)
    for report in run:
        if streamed:
            click.echo(FORMATTERS[fmt](report, View(quiet=True)), nl=False)
            kept.extend(_representative(f) for f in report.findings)
        else:
            kept.extend(report.findings)
            documents.extend(report.documents)
    summary = Report(tuple(kept), tuple(documents), files=run.files)
    if streamed and not quiet and traits(fmt).stream_summary:
        click.echo(_jsonl_summary(summary, run.records))
    return summary


@functools.cache
def _severity_marker(code: str, severity: Severity) -> Finding:
    return Finding(code, "", severity, "")


def _representative(finding: Finding) -> Finding:
    """A shared, message-less stand-in: counting a million findings keeps a million references,
    not a million messages."""
    return _severity_marker(finding.code, finding.severity)


def _jsonl_summary(report: Report, records: int) -> str:
    from ..formatters.concise import plural

    if not report.findings:
        return f"All checks passed ({plural(records, 'record')})."
    counted = ((report.errors, "error"), (report.warnings, "warning"), (report.infos, "info"))
    counts = ", ".join(plural(n, noun) for n, noun in counted)
    return f"Found {counts} in {plural(records, 'record')}."


def exit_after_diff(report: Report, changed: list[str], *, quiet: bool, unsafe: bool) -> NoReturn:
    """End a --diff run: as ruff, 1 exactly when there is a diff (2 when a path could not be read)."""
    if not changed and not quiet:
        click.echo(nothing_to_fix(report, unsafe), err=True)
    if api.unreadable(report):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if changed else EXIT_OK)


def nothing_to_fix(report: Report, unsafe: bool) -> str:
    """What ``--diff`` says when it has no diff (as ruff: ``No errors would be fixed``)."""
    hidden = 0 if unsafe else sum(1 for f in report.findings if f.fixable and f.fix and f.fix.applicability != "safe")
    more = f" ({hidden} fix{'es' if hidden != 1 else ''} available with --unsafe-fixes)" if hidden else ""
    return f"No errors would be fixed{more}."


def fix(runs: Any, *, write: bool, show: bool, stdin: bool) -> tuple[Report, list[str], list[str], list[Finding]]:
    """Fix (or, with --diff, show the fixes for) every file: the report of what is left, the
    files that changed (or would), those left as they were, and the findings fixed. A file that
    may not be replaced is named on stderr with the reason; its findings stay in the report.
    With --fix, standard input's fixed text (its text as it was when nothing could be fixed)
    goes to standard output, as editors expect from ``ruff check --fix -``."""
    reports, changed, not_fixed = [], [], []
    fixed: list[Finding] = []
    summary: list[str] = []
    for done in runs:
        name, outcome = done.name, done.outcome
        reports.append(outcome.report)
        if done.not_replaced is not None:
            click.echo(printable_lines(f"civitai-schema: warning: not fixed: {name}: {done.not_replaced}"), err=True)
            not_fixed.append(name)
            continue
        if stdin and write:
            fixed_text = api.with_bom(done.raw, outcome.after.encode("utf-8", errors=UNPRINTABLE))
            sys.stdout.flush()
            sys.stdout.buffer.write(fixed_text if outcome.changed else done.raw)
            sys.stdout.flush()
        if not outcome.changed:
            continue
        fixed.extend(outcome.fixed)
        changed.append(name)
        if not write:
            echo_in_parts(printable_lines(done.diff()))
        if show and not stdin:
            counts: dict[str, int] = {}
            for finding in outcome.fixed:
                label = f"{finding.code} ({finding.name})"
                counts[label] = counts.get(label, 0) + 1
            verb = "Fixed" if write else "Would fix"
            lines = [f"{verb} {len(outcome.fixed)} in {name}:"] + [
                f"    {n} × {what}" for what, n in sorted(counts.items())
            ]
            summary.append("\n".join(lines))
    if summary:
        click.echo(printable_lines("\n".join(summary)), err=True)
    return Report.merge(reports), changed, not_fixed, fixed
