"""One line per finding, ``file:line:col: CODE [severity] message``, then the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..findings import Finding, Report, Severity, printable
from . import Traits

if TYPE_CHECKING:
    from . import View

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def line(finding: Finding, color: bool = False) -> str:
    where = f"{printable(finding.file or '')}:{finding.line or 1}:{finding.column or 1}"  # (names hold anything)
    code, level = finding.code, f"[{finding.severity}]"
    if color:
        import click  # (only for colour: nothing outside the command line needs click)

        where = click.style(where, bold=True)
        code = click.style(code, fg=_COLORS[finding.severity], bold=True)
        level = click.style(level, fg=_COLORS[finding.severity])
    return f"{where}: {code} {level} {printable(finding.message)}"


def summary(report: Report, view: View) -> str:
    files = plural(report.files, "file")
    if view.fixed:
        text = _fixed_summary(report, view.fixed)
    elif not report.findings:
        return f"All checks passed ({files})."
    else:
        counts = ", ".join(
            plural(n, noun)
            for n, noun in ((report.errors, "error"), (report.warnings, "warning"), (report.infos, "info"))
        )
        text = f"Found {counts} in {files}."
    safe = sum(1 for f in report.findings if f.fix is not None and f.fixable and f.fix.applicability == "safe")
    unsafe = report.fixable - safe
    if safe or (unsafe and view.unsafe_fixes):
        text += f"\n[*] {safe + (unsafe if view.unsafe_fixes else 0)} fixable with --fix"
        text += " --unsafe-fixes." if view.unsafe_fixes and unsafe else "."
    if unsafe and not view.unsafe_fixes:
        text += f"\n{unsafe} more fixable with --fix --unsafe-fixes."
    return text


def _fixed_summary(report: Report, fixed: tuple[Finding, ...]) -> str:
    """As ruff after ``--fix``: ``Found 7 errors (5 fixed, 2 remaining).``, counting what was
    found (fixed or not) by severity, naming only the severities there were."""
    found = [*fixed, *report.findings]
    counts = ", ".join(
        plural(n, severity.value)
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if (n := sum(1 for f in found if f.severity is severity))
    )
    return f"Found {counts} ({len(fixed)} fixed, {len(report.findings)} remaining)."


def statistics(report: Report) -> str:
    counts: dict[str, tuple[int, Finding, bool]] = {}
    for finding in report.findings:
        count, first, fixable = counts.get(finding.code, (0, finding, False))
        counts[finding.code] = (count + 1, first, fixable or finding.fixable)
    rows = sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
    width = max((len(str(c)) for c, _, _ in counts.values()), default=1)
    return "\n".join(
        f"{count:>{width}}  {code}  {'[*]' if fixable else '   '} {first.name}"
        for code, (count, first, fixable) in rows
    )


TRAITS = Traits(streams=True, for_people=True, stream_summary=True)


def render(report: Report, view: View) -> str:
    lines = [statistics(report)] if view.statistics and report.findings else []
    if not view.statistics:
        lines += [line(f, view.color) for f in report.findings]
    if not view.quiet:
        lines.append(summary(report, view))
    return "\n".join(lines) + ("\n" if lines else "")


def plural(n: int, noun: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
