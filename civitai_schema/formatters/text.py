"""One line per finding, ``file:line:col: CODE [severity] message``, and a summary line."""

from __future__ import annotations

from ..findings import Finding, Report


def line(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line or 1}:{finding.column or 1}"
    return f"{where}: {finding.code} [{finding.severity}] {finding.message}"


def summary(report: Report) -> str:
    files = _plural(report.files, "file")
    if not report.findings:
        return f"All checks passed ({files})."
    counts = ", ".join(
        _plural(n, noun) for n, noun in ((report.errors, "error"), (report.warnings, "warning"), (report.infos, "info"))
    )
    return f"Found {counts} in {files}."


def render(report: Report, quiet: bool = False) -> str:
    lines = [line(f) for f in report.findings]
    if not quiet:
        lines.append(summary(report))
    return "\n".join(lines) + ("\n" if lines else "")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
