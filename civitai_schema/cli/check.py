"""``civitai-schema check``: its options, read into one :class:`api.Options`, then the library
checks (or fixes, or streams) and a formatter prints."""

from __future__ import annotations

import json
import os
import sys

import click

from .. import api, config
from ..api import Finding
from ..formatters import FORMATTERS, MODULES, View, printable_lines, traits
from ..version import __version__
from . import settings
from .terminal import EXIT_USAGE, color, default_format, echo_in_parts, exit_for, fail, guarded, write_output


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"civitai-schema, version {__version__}\n{api.provenance_text()}")
        ctx.exit()


version_option = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version, the catalog's \"as of\" date and the vendored documents' provenance, and exit.",
)


KIND_CHOICE = click.Choice(["auto", "submission", "workflow"])


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(list(MODULES)),
    default=None,
    help="Output format [default: full on a terminal, github under GitHub Actions, else concise].",
)
@click.option(
    "--output-file", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the output to this file."
)
@click.option(
    "--kind",
    type=KIND_CHOICE,
    default="auto",
    show_default=True,
    help="What the documents are: request bodies (submission), API records (workflow), or decide per document.",
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
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Count the findings per rule instead of listing them.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Show the fixes as a diff and change nothing; exit 1 if there are any.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied (with --fix).")
@click.option(
    "--config",
    "config_values",
    multiple=True,
    metavar="PATH | 'KEY = VALUE'",
    help="Use this configuration file for every path; or, with '=', a TOML setting over the files' (repeatable).",
)
@click.option("--select", multiple=True, metavar="CODES", help="Rules to check (replaces the files' selection).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to check besides the selected ones.")
@click.option("--ignore", "ignore_codes", multiple=True, metavar="CODES", help="Rules not to check.")
@click.option(
    "--per-file-ignores", multiple=True, metavar="PATTERN:CODES", help="Rules not to check in files matching a glob."
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Whether a folder walk leaves out what git ignores [default: respect-gitignore, true].",
)
@click.option("--show-settings", is_flag=True, help="Print the settings that apply to the first path, and exit.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes to check with; 0 picks one per core for large batches or documents, one otherwise.",
)
@click.option("--stdin-filename", default=None, help="The file name to report for input read from '-'.")
@click.option(
    "--jsonl",
    is_flag=True,
    help="Each input holds one JSON document per line (record exports, webhook logs); findings give the line.",
)
@click.option(
    "--skip-unrecognized",
    is_flag=True,
    help="Skip documents that are not Civitai workflows (package.json, CI files, …). The pre-commit hook uses this.",
)
@click.option("--no-cache", is_flag=True, help="Check every file afresh: read and write no result cache (see 'clean').")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@version_option
@guarded
def check(
    paths: tuple[str, ...],
    output_format: str | None,
    output_file: str | None,
    kind: str,
    schema_mode: str,
    fail_on: str,
    exit_zero: bool,
    quiet: bool,
    statistics: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
    config_values: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore_codes: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
    isolated: bool,
    respect_gitignore: bool | None,
    show_settings: bool,
    jobs: int,
    stdin_filename: str | None,
    jsonl: bool,
    skip_unrecognized: bool,
    no_cache: bool,
    debug: bool,
) -> None:
    """Check workflow files and folders (recursively: *.json, *.yaml, *.yml). '-' reads stdin."""
    paths = paths or (".",)  # as ruff: no path checks the working directory
    missing = [p for p in paths if p != api.STDIN and not os.path.lexists(p)]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    if (fix or diff) and api.STDIN in paths and len(paths) > 1:
        fail("--fix and --diff take standard input ('-') alone")
    chosen = output_format or default_format()
    stdin = None if sys.stdin is None or sys.stdin.closed else sys.stdin.buffer
    changed: list[str] = []
    not_fixed: list[str] = []
    fixed: list[Finding] = []
    try:
        config_values, cache_dir = api.split_cache_dir(config_values, settings.is_config_file)
        config_path, overrides = settings.overrides(
            config_values, select, extend_select, ignore_codes, per_file_ignores, respect_gitignore=respect_gitignore
        )
        resolver = api.resolver(config_file=config_path, isolated=isolated, overrides=overrides)
        if show_settings:
            first = (stdin_filename or paths[0]) if paths[0] == api.STDIN else paths[0]
            click.echo(json.dumps(resolver.for_path(first).to_dict(), indent=2))
            return
        keep_sources = diff or traits(chosen).sources
        opts = api.options(
            kind=kind,
            schema=schema_mode,
            skip_unrecognized=skip_unrecognized,
            resolver=resolver,
            keep_sources=keep_sources,
        )
        if jsonl or fix or diff:
            from . import modes  # (the other two modes: not imported for a plain check)
        if jsonl:
            if fix or diff:
                fail("--fix and --diff do not apply to --jsonl streams")
            chosen = traits(chosen).in_streams or chosen  # (a stream is read once: no code frames)
            streamed = output_file is None and traits(chosen).streams and not statistics
            report = modes.stream_jsonl(paths, stdin, stdin_filename, opts, chosen, quiet=quiet, streamed=streamed)
            if streamed:
                exit_for(report, fail_on, exit_zero)
        elif fix or diff:
            runs = api.fix_files(
                paths, opts, unsafe=unsafe_fixes, write=fix and not diff, stdin=stdin, stdin_name=stdin_filename
            )
            report, changed, not_fixed, fixed = modes.fix(
                runs, write=fix and not diff, show=show_fixes or diff, stdin=paths == (api.STDIN,)
            )
        else:
            cache = api.result_cache(resolver, cache_dir, off=no_cache)  # (--jsonl, --fix, --diff: afresh)
            report = api.check_inputs(paths, opts, jobs=jobs, stdin=stdin, stdin_name=stdin_filename, cache=cache)
    except config.ConfigError as exc:
        fail(f"bad configuration: {exc}")
    if report.files == 0 and not skip_unrecognized:  # (skipped files are not counted as checked)
        click.echo("civitai-schema: warning: no JSON or YAML files found", err=True)
    view = View(
        quiet=quiet,
        color=color(output_file is None and sys.stdout.isatty()),
        statistics=statistics,
        unsafe_fixes=unsafe_fixes,
        fixed=tuple(fixed) if fix and not diff else None,
    )
    # With --diff the diff is the output, as with ruff; the exit status says whether there was one.
    _print(
        "" if diff else FORMATTERS[chosen](report, view),
        chosen,
        view,
        output_file,
        err=fix and not diff and api.STDIN in paths,
    )
    if diff:
        modes.exit_after_diff(report, changed, quiet=quiet, unsafe=unsafe_fixes)
    if not_fixed:
        sys.exit(EXIT_USAGE)
    exit_for(report, fail_on, exit_zero)


def _print(text: str, chosen: str, view: View, output_file: str | None, *, err: bool) -> None:
    """The report's text to the output file or the terminal (``err``: to standard error, when
    standard output holds a fixed text, as with ruff)."""
    if traits(chosen).for_people:  # the edge: nothing from a document drives the reader's terminal
        text = printable_lines(text, styled=view.color)
    if output_file:
        write_output(output_file, text)
    elif err:
        click.echo(text, nl=False, err=True, color=view.color)
    else:
        echo_in_parts(text, color=view.color)
