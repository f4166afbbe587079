"""The command line's other commands: the schema, enum coverage, the rules, the language server,
removing the result cache."""

from __future__ import annotations

import json
import os

import click

from .. import api, config
from ..formatters import json_text, printable
from .terminal import echo_in_parts, fail, guarded


@click.command("schema")
@click.option(
    "--kind",
    type=click.Choice(["submission", "workflow"]),
    default="submission",
    show_default=True,
    help="The document kind whose schema to print.",
)
@click.option("--vendored", is_flag=True, help="Print the pristine vendored schema instead.")
@guarded
def schema_command(kind: str, vendored: bool) -> None:
    """Print the effective JSON Schema (for editors such as VS Code)."""
    echo_in_parts(api.schema_text(kind, vendored=vendored))  # type: ignore[arg-type]


@click.command("coverage")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@guarded
def coverage_command(paths: tuple[str, ...], output_format: str, debug: bool) -> None:
    """Report which values of the API's enums the documents use, and which they never do."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    measured = api.coverage(paths)
    for path, reason in measured.skipped:
        click.echo(printable(f"civitai-schema: warning: skipped {path}: {reason}"), err=True)
    rows, documents = measured.rows, measured.documents
    if output_format == "json":
        payload = {"version": 1, "documents": documents, "enums": [row.to_dict() for row in rows]}
        echo_in_parts(json_text(json.dumps(payload, indent=2, ensure_ascii=False)) + "\n")
        return
    width = max(len(row.name) for row in rows)
    for row in rows:
        used = len(row.values) - len(row.missing)
        gaps = ", ".join(row.missing[:6]) + (f", … {len(row.missing) - 6} more" if len(row.missing) > 6 else "")
        line = f"{row.name:<{width}}  {used:>3}/{len(row.values):<3}  " + (f"never: {gaps}" if gaps else "all used")
        if row.unknown:
            line += f"  (not in the catalog: {', '.join(row.unknown)})"
        click.echo(printable(line))  # (the values a document uses are the document's text)
    total = sum(len(r.values) for r in rows)
    covered = sum(len(r.values) - len(r.missing) for r in rows)
    click.echo(f"\n{covered} of {total} enum values used by {documents} documents ({covered / total:.0%}).")


@click.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "markdown"]),
    default="table",
    show_default=True,
    help="A table, or the Markdown rule reference (docs/rules.md is this output).",
)
@guarded
def rules_command(output_format: str) -> None:
    """List every rule: code, name, default severity, summary."""
    echo_in_parts(api.rule_reference(markdown=output_format == "markdown"))


@click.command("rule")
@click.argument("code_or_name")
@guarded
def rule_command(code_or_name: str) -> None:
    """Print the documentation of one rule, by code (S104) or name (unknown-key)."""
    text = api.rule_text(code_or_name)
    if text is None:
        fail(f"no rule {code_or_name!r}; 'civitai-schema rules' lists them")
    click.echo(text)


@click.command("server")
def server_command() -> None:
    """Run the language server (LSP over standard input and output) for editors."""
    # (the one thing here not from the API: the server is an edge of its own, built on the API)
    from ..lsp import INSTALL_HINT, missing_dependencies

    missing = missing_dependencies()
    if missing:
        fail(f"the language server needs {' and '.join(missing)}: {INSTALL_HINT}")
    from ..lsp.server import run

    run()


@click.command("clean")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@guarded
def clean_command(debug: bool) -> None:
    """Remove the result cache that 'check' run from here uses."""
    try:
        folder, removed = api.clean_cache(api.resolver())
    except config.ConfigError as exc:
        fail(str(exc))
    click.echo(printable(f"{'Removed' if removed else 'No cache at'} {folder}"), err=True)
