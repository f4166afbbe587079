"""The command line: parse options, call the library, print with the chosen formatter.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage error,
bad option, missing or unreadable path; 3 internal error.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from . import __version__, checker, rules
from .api import options as make_options
from .findings import Kind, Report, Severity
from .schema import SchemaMode, schema_for, vendored_bytes

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shell tools report a reader that stopped early

F = TypeVar("F", bound=Callable[..., Any])


def _guarded(command: F) -> F:
    """Turn any unexpected exception into one line on stderr and exit 3 (a traceback with --debug)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.get("debug", False)
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader (| head, say) has gone; say nothing more, and let Python's own flush at
            # exit write to nowhere instead of raising again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:
            if debug:
                traceback.print_exc()
            else:
                click.echo(
                    f"civitai-schema: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                    err=True,
                )
            sys.exit(EXIT_INTERNAL)

    run.__name__ = command.__name__
    run.__doc__ = command.__doc__
    return run  # type: ignore[return-value]


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"civitai-schema: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="civitai-schema")
def main() -> None:
    """Validate and lint Civitai Orchestration workflow documents (JSON and YAML)."""


KIND_CHOICE = click.Choice(["auto", "submission", "workflow"])


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--kind",
    type=KIND_CHOICE,
    default="auto",
    show_default=True,
    help="What the documents are: request bodies (submission), API records (workflow), or decide per document (auto).",
)
@click.option(
    "--schema",
    "schema_mode",
    type=click.Choice(["effective", "vendored"]),
    default="effective",
    show_default=True,
    help="Validate against our corrected schema, or the pristine vendored file.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit status 1.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (2 and 3 still apply).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
@click.option("--stdin-filename", default=None, help="The file name to report for input read from '-'.")
@click.option(
    "--skip-unrecognized",
    is_flag=True,
    help="Skip documents that are not Civitai workflows (package.json, CI files, …). The pre-commit hook uses this.",
)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.version_option(__version__, "--version", prog_name="civitai-schema")
@_guarded
def check(
    paths: tuple[str, ...],
    output_format: str,
    kind: str,
    schema_mode: str,
    fail_on: str,
    exit_zero: bool,
    quiet: bool,
    stdin_filename: str | None,
    skip_unrecognized: bool,
    debug: bool,
) -> None:
    """Check workflow files and folders (recursively: *.json, *.yaml, *.yml). '-' reads stdin."""
    from .formatters import FORMATTERS

    missing = [p for p in paths if p != checker.STDIN and not os.path.lexists(p)]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    opts = make_options(kind=kind, schema=schema_mode, skip_unrecognized=skip_unrecognized)
    reports = [
        _check_stdin(stdin_filename, opts) if p == checker.STDIN else checker.check_paths([p], opts) for p in paths
    ]
    report = Report.merge(reports)
    if report.files == 0:
        click.echo("civitai-schema: warning: no JSON or YAML files found", err=True)
    click.echo(FORMATTERS[output_format](report, quiet), nl=False)
    if any(f.code == rules.parse.UNREADABLE_FILE.code for f in report.findings):
        sys.exit(EXIT_USAGE)
    if not exit_zero and report.fails(Severity(fail_on)):
        sys.exit(EXIT_FINDINGS)


def _check_stdin(name: str | None, opts: checker.Options) -> Report:
    label = name or "<stdin>"
    if sys.stdin is None or sys.stdin.closed:
        return checker.unreadable(label, "standard input is closed")
    try:
        raw = sys.stdin.buffer.read()
    except (OSError, ValueError) as exc:
        return checker.unreadable(label, str(exc))
    return checker.check_bytes(label, raw, opts)


@main.command("schema")
@click.option(
    "--kind",
    type=click.Choice(["submission", "workflow"]),
    default="submission",
    show_default=True,
    help="The document kind whose schema to print.",
)
@click.option("--vendored", is_flag=True, help="Print the pristine vendored schema instead.")
@_guarded
def schema_command(kind: str, vendored: bool) -> None:
    """Print the effective JSON Schema (for editors such as VS Code)."""
    if vendored:
        click.echo(vendored_bytes().decode("utf-8"), nl=False)
        return
    click.echo(json.dumps(schema_for(Kind(kind), SchemaMode.EFFECTIVE), indent=2, ensure_ascii=False))


@main.command("coverage")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@_guarded
def coverage_command(paths: tuple[str, ...], output_format: str, debug: bool) -> None:
    """Report which values of the API's enums the documents use, and which they never do."""
    from . import coverage, readers

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    documents: list[Any] = []
    for path in checker.discover(paths):
        try:
            raw = checker.read_regular_file(path)
        except OSError as exc:
            click.echo(f"civitai-schema: warning: skipped {path}: {exc.strerror or exc}", err=True)
            continue
        documents.extend(d.data for d in readers.read(path, raw).documents)
    rows = coverage.measure(documents)
    if output_format == "json":
        payload = {"version": 1, "documents": len(documents), "enums": [row.to_dict() for row in rows]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    width = max(len(row.name) for row in rows)
    for row in rows:
        used = len(row.values) - len(row.missing)
        gaps = ", ".join(row.missing[:6]) + (f", … {len(row.missing) - 6} more" if len(row.missing) > 6 else "")
        line = f"{row.name:<{width}}  {used:>3}/{len(row.values):<3}  " + (f"never: {gaps}" if gaps else "all used")
        if row.unknown:
            line += f"  (not in the catalog: {', '.join(row.unknown)})"
        click.echo(line)
    total = sum(len(r.values) for r in rows)
    covered = sum(len(r.values) - len(r.missing) for r in rows)
    click.echo(f"\n{covered} of {total} enum values used by {len(documents)} documents ({covered / total:.0%}).")


@main.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "markdown"]),
    default="table",
    show_default=True,
    help="A table, or the Markdown rule reference (docs/rules.md is this output).",
)
@_guarded
def rules_command(output_format: str) -> None:
    """List every rule: code, name, default severity, summary."""
    from .rule_docs import markdown, table

    click.echo(markdown() if output_format == "markdown" else table(), nl=False)


@main.command("rule")
@click.argument("code_or_name")
@_guarded
def rule_command(code_or_name: str) -> None:
    """Print the documentation of one rule, by code (S104) or name (unknown-key)."""
    rule = rules.lookup(code_or_name)
    if rule is None:
        _fail(f"no rule {code_or_name!r}; 'civitai-schema rules' lists them")
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value})\n\n{rule.summary}\n\n{rule.doc}")
