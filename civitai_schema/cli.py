"""The command line: parse options, call the library, print with the chosen formatter.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage error,
bad option, missing or unreadable path; 3 internal error.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import functools
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from . import __version__, checker, config, processes, rules
from .api import Overrides
from .api import options as make_options
from .api import resolver as make_resolver
from .findings import DocumentInfo, Finding, Kind, Report, Severity, printable, printable_lines
from .schema import SchemaMode, schema_for, vendored_bytes

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shell tools report a reader that stopped early
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM

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
            _fail("interrupted", EXIT_INTERRUPTED)
        except processes.Terminated:
            _fail("terminated", EXIT_TERMINATED)
        except BrokenPipeError:
            # The reader (| head, say) has gone; say nothing more, and let Python's own flush at
            # exit write to nowhere instead of raising again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:  # the output cannot be written: a full disk, no such folder
            _fail(_io_problem(exc))
        except Exception as exc:
            if debug:
                import traceback

                traceback.print_exc()
            else:
                what = printable_lines(f"{type(exc).__name__}: {exc}")
                click.echo(f"civitai-schema: internal error: {what} (run with --debug for the traceback)", err=True)
            sys.exit(EXIT_INTERNAL)

    run.__name__ = command.__name__
    run.__doc__ = command.__doc__
    return run  # type: ignore[return-value]


def _echo_in_parts(text: str, *, color: bool | None = None) -> None:
    """Write a long output in parts of 64 KiB. When the reader of a pipe goes away during one
    large write, the write ends early and quietly (the part written is counted as done), so
    the command ended with 0 instead of 141; the next part's write reports it."""
    part = 1 << 16
    for start in range(0, len(text), part):
        click.echo(text[start : start + part], nl=False, color=color)


def _unprintable(error: UnicodeError) -> tuple[str | bytes, int]:
    """How output shows what its encoding cannot: a file name's undecodable bytes (which
    ``os.fsdecode`` kept as U+DC80..U+DCFF) as those bytes, anything else, such as a lone
    surrogate a JSON string escaped (``"\\ud800"``), as a backslash escape. Strict encoding
    made such a document end the command with an internal error."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    if all(0xDC80 <= ord(c) <= 0xDCFF for c in bad):
        return bytes(ord(c) - 0xDC00 for c in bad), error.end
    return codecs.backslashreplace_errors(error)


_UNPRINTABLE = "civitai-schema-unprintable"
codecs.register_error(_UNPRINTABLE, _unprintable)


def _io_problem(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot write the output{where}: {exc.strerror or exc}"


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(printable_lines(f"civitai-schema: error: {message}"), err=True)  # (messages name paths)
    sys.exit(code)


def version_text() -> str:
    """``--version``: the tool's version, the date of the API document the catalog was compiled
    from, and where the vendored documents come from (their provenance files)."""
    from . import catalog
    from .schema import PROVENANCE_FILE, schema_dir

    lines = [f"civitai-schema, version {__version__}"]
    try:
        api = json.loads((schema_dir() / "v2-consumers.provenance.json").read_text("utf-8"))
        source = f"{api['file']} of {api.get('date', '?')}, {api.get('upstream_commit', '?')}"
        lines.append(
            f"catalog as of {catalog.as_of()}: {api.get('title', api['file'])} {api.get('version', '')}"
            f" ({source}, vendored {api.get('vendored', '?')})"
        )
        profile = json.loads((schema_dir() / PROVENANCE_FILE).read_text("utf-8"))
        commit, when = profile.get("upstream_commit", "?"), profile.get("vendored", "?")
        lines.append(f"vendored schema: {profile['file']} ({commit}, vendored {when})")
    except (OSError, ValueError, KeyError) as exc:  # a broken install still says its version
        lines.append(f"(provenance unavailable: {exc})")
    return "\n".join(lines)


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


version_option = click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version, the catalog's \"as of\" date and the vendored documents' provenance, and exit.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@version_option
def main() -> None:
    """Validate and lint Civitai Orchestration workflow documents (JSON and YAML)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "encoding", None):
            reconfigure(errors=_UNPRINTABLE)


def entry_point() -> NoReturn:
    """The console script and ``python -m``: run the command, flush what it wrote, and end the
    process without tearing the interpreter down. Unloading a few hundred modules and freeing
    every object costs about 12 ms, more than checking a file; nothing of ours needs it (files
    are closed, worker pools joined, before a command returns)."""
    _standard_streams()
    processes.terminate_on_sigterm()  # (children stopped, files cleaned up: ``finally`` blocks run)
    try:
        main(prog_name="civitai-schema")
        code: object = EXIT_OK
    except SystemExit as exc:
        code = exc.code
    except (KeyboardInterrupt, processes.Terminated) as exc:  # outside a command: while starting, say
        terminated = isinstance(exc, processes.Terminated)
        os.write(2, b"civitai-schema: error: " + (b"terminated\n" if terminated else b"interrupted\n"))
        code = EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    if isinstance(code, str):
        click.echo(code, err=True)
        code = EXIT_FINDINGS
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
    except OSError as exc:  # what was still buffered could not be written
        os.write(2, f"civitai-schema: error: {_io_problem(exc)}\n".encode(errors="backslashreplace"))
        code = EXIT_USAGE
    os._exit(code if isinstance(code, int) else EXIT_OK)


class _ClosedOutput(io.TextIOBase):
    """Standard output when the command was started without one (``>&-``): writing the report
    fails as any unwritable output does (exit 2, the reason on stderr)."""

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")


def _standard_streams() -> None:
    """Started without a standard stream (``>&-``, ``2>&-``), Python sets it to None, and the
    first write or flush raised AttributeError: a traceback, and exit 1 in place of 2. Each
    missing descriptor is pointed at /dev/null, so no file opened later takes its number (and
    receives what is meant for the terminal); a missing standard output then fails when the
    report is written, a missing standard error only loses the messages, never the exit status.
    (A missing standard input stays None: reading it is reported as "standard input is closed".)"""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if name == "stdout":
            sys.stdout = _ClosedOutput()
        elif name == "stderr":
            sys.stderr = open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = _PrintableErrors(sys.stderr)


class _PrintableErrors(io.TextIOBase):
    """Standard error, which only people read: whatever writes to it (our messages, click's own
    usage errors quoting an option's value, a --debug traceback quoting a document) goes through
    :func:`printable_lines`, so no escape sequence reaches the terminal that way."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(printable_lines(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(self.stream.isatty())

    def fileno(self) -> int:
        return int(self.stream.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(self.stream.encoding)

    def reconfigure(self, **settings: Any) -> None:
        self.stream.reconfigure(**settings)


KIND_CHOICE = click.Choice(["auto", "submission", "workflow"])
FORMATS = ["full", "concise", "json", "jsonl", "sarif", "github", "junit", "gitlab", "text"]


@main.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(FORMATS),
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
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@version_option
@_guarded
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
    show_settings: bool,
    jobs: int,
    stdin_filename: str | None,
    jsonl: bool,
    skip_unrecognized: bool,
    debug: bool,
) -> None:
    """Check workflow files and folders (recursively: *.json, *.yaml, *.yml). '-' reads stdin."""
    from .formatters import FORMATTERS, View

    paths = paths or (".",)  # as ruff: no path checks the working directory
    missing = [p for p in paths if p != checker.STDIN and not os.path.lexists(p)]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    if (fix or diff) and checker.STDIN in paths and len(paths) > 1:
        _fail("--fix and --diff take standard input ('-') alone")
    try:
        config_path, overrides = _overrides(config_values, select, extend_select, ignore_codes, per_file_ignores)
        resolver = make_resolver(config_file=config_path, isolated=isolated, overrides=overrides)
        if show_settings:
            first = (stdin_filename or paths[0]) if paths[0] == checker.STDIN else paths[0]
            click.echo(json.dumps(resolver.for_path(first).to_dict(), indent=2))
            return
        opts = make_options(kind=kind, schema=schema_mode, skip_unrecognized=skip_unrecognized, resolver=resolver)
        needs_text = diff or (output_format or _default_format()) in _FORMATS_WITH_SOURCES
        opts = dataclasses.replace(opts, keep_sources=needs_text)
        changed: list[str] = []
        not_fixed: list[str] = []
        fixed: list[Finding] = []
        if jsonl:
            if fix or diff:
                _fail("--fix and --diff do not apply to --jsonl streams")
            chosen = output_format or _default_format()
            if chosen == "full":
                chosen = "concise"  # a stream is read once; code frames would need to keep it
            streamed = output_file is None and chosen in _STREAMED and not statistics
            report = _stream_jsonl(paths, stdin_filename, opts, chosen, quiet=quiet, streamed=streamed)
            if streamed:
                _exit_for(report, fail_on, exit_zero)
            output_format = chosen
        elif fix or diff:
            report, changed, not_fixed, fixed = _fix(
                paths,
                opts,
                unsafe=unsafe_fixes,
                write=fix and not diff,
                show=show_fixes or diff,
                stdin_name=stdin_filename,
            )
        else:
            named = [p for p in paths if p != checker.STDIN]
            one_by_one = dataclasses.replace(opts, jobs=jobs)  # a large document may share its checks
            reports = [_check_stdin(stdin_filename, one_by_one)] if checker.STDIN in paths else []
            if named:
                reports.append(checker.check_paths(named, opts, jobs=jobs))
            report = Report.merge(reports)
    except config.ConfigError as exc:
        _fail(f"bad configuration: {exc}")
    if report.files == 0 and not skip_unrecognized:  # (skipped files are not counted as checked)
        click.echo("civitai-schema: warning: no JSON or YAML files found", err=True)
    chosen = output_format or _default_format()
    stream_is_terminal = output_file is None and sys.stdout.isatty()
    view = View(
        quiet=quiet,
        color=_color(stream_is_terminal),
        statistics=statistics,
        unsafe_fixes=unsafe_fixes,
        fixed=tuple(fixed) if fix and not diff else None,
    )
    # With --diff the diff is the output, as with ruff; the exit status says whether there was one.
    text = "" if diff else FORMATTERS[chosen](report, view)
    if chosen in _FOR_PEOPLE:  # the edge: nothing from a document drives the reader's terminal
        text = printable_lines(text, styled=view.color)
    if output_file:
        _write_output(output_file, text)
    elif fix and not diff and checker.STDIN in paths:  # stdout holds the fixed text, as with ruff
        click.echo(text, nl=False, err=True, color=view.color)
    else:
        _echo_in_parts(text, color=view.color)
    if diff:
        if not changed and not quiet:
            click.echo(_nothing_to_fix(report, unsafe_fixes), err=True)
        if any(f.code == rules.parse.UNREADABLE_FILE.code for f in report.findings):
            sys.exit(EXIT_USAGE)
        sys.exit(EXIT_FINDINGS if changed else EXIT_OK)  # as ruff: 1 exactly when there is a diff
    if not_fixed:
        sys.exit(EXIT_USAGE)
    _exit_for(report, fail_on, exit_zero)


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--select A,N104 --select S`` → ``("A", "N104", "S")``."""
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())


def _overrides(
    values: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
) -> tuple[str | None, Overrides]:
    """``--config`` values and the rule options, as ruff takes them: a ``--config`` value that is
    an existing file, or holds no '=', is the configuration file; any other is a TOML fragment
    (``--config "ignore = ['A102']"``). Raises ConfigError for anything a file could not hold."""
    paths = [v for v in values if os.path.isfile(v) or "=" not in v]
    if len(paths) > 1:
        raise config.ConfigError(f"--config names {len(paths)} files ({', '.join(paths)}); give one")
    fragments = []
    for value in values:
        if value in paths:
            continue
        toml = config._toml()  # (only then: a run without fragments imports no TOML reader)
        try:
            fragments.append(toml.loads(value))
        except toml.TOMLDecodeError as exc:
            raise config.ConfigError(f"--config {value!r}: not a TOML setting ('key = value'): {exc}") from None
    by_pattern: dict[str, tuple[str, ...]] = {}
    for entry in per_file_ignores:
        pattern, colon, codes = entry.rpartition(":")
        if not colon or not pattern or not _codes((codes,)):
            raise config.ConfigError(f"--per-file-ignores {entry!r}: expected PATTERN:CODES, as '*.yaml:A102,S104'")
        by_pattern[pattern] = by_pattern.get(pattern, ()) + _codes((codes,))
    overrides = Overrides(
        fragments=tuple(fragments),
        select=_codes(select) if select else None,
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        per_file_ignores=by_pattern,
    )
    return (paths[0] if paths else None), overrides


# Formats read by people (in a terminal or a CI log); the others escape what they carry.
_FOR_PEOPLE = ("full", "concise", "text", "github")


def _write_output(target: str, text: str) -> None:
    """Write ``--output-file``; whatever fails, the message names the file asked for."""
    try:
        Path(target).write_text(text, "utf-8", errors=_UNPRINTABLE)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), target) from exc


def _exit_for(report: Report, fail_on: str, exit_zero: bool) -> NoReturn:
    if any(f.code == rules.parse.UNREADABLE_FILE.code for f in report.findings):
        sys.exit(EXIT_USAGE)
    if not exit_zero and report.fails(Severity(fail_on)):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


# Formats that can be written one finding at a time, so a long stream needs no memory.
_STREAMED = ("concise", "text", "jsonl", "github")


def _stream_jsonl(
    paths: tuple[str, ...],
    stdin_filename: str | None,
    opts: checker.Options,
    fmt: str,
    *,
    quiet: bool,
    streamed: bool,
) -> Report:
    """Check JSON Lines inputs. With a streamed format each record's findings are printed as
    they are found and only counts are kept (the returned report holds one representative finding
    per count, enough for the exit status); other formats get every finding and every record's
    document."""
    from .formatters import FORMATTERS, View
    from .readers import lines

    kept: list[Finding] = []
    documents: list[DocumentInfo] = []
    files = records = 0

    def take(report: Report) -> None:
        if streamed:
            click.echo(FORMATTERS[fmt](report, View(quiet=True)), nl=False)
            kept.extend(_representative(f) for f in report.findings)
        else:
            kept.extend(report.findings)
            documents.extend(report.documents)

    for path in paths:
        label = (stdin_filename or "<stdin>") if path == checker.STDIN else path
        if path == checker.STDIN and sys.stdin is None:  # (started with 0<&-)
            take(checker.unreadable(label, "standard input is closed"))
            continue
        try:
            stream = sys.stdin.buffer if path == checker.STDIN else lines.open_regular(path)
        except OSError as exc:
            take(checker.unreadable(path, f"cannot read the file: {exc.strerror or exc}"))
            continue
        files += 1
        with stream:
            for report in checker.check_jsonl(label, stream, opts):
                records += 1
                take(report)
    summary = Report(tuple(kept), tuple(documents), files=files)
    if streamed and not quiet and fmt in ("concise", "text"):
        click.echo(_jsonl_summary(summary, records))
    return summary


@functools.cache
def _severity_marker(code: str, severity: Severity) -> Finding:
    return Finding(code, "", severity, "")


def _representative(finding: Finding) -> Finding:
    """A shared, message-less stand-in: counting a million findings keeps a million references,
    not a million messages."""
    return _severity_marker(finding.code, finding.severity)


def _jsonl_summary(report: Report, records: int) -> str:
    from .formatters.concise import plural

    if not report.findings:
        return f"All checks passed ({plural(records, 'record')})."
    counted = ((report.errors, "error"), (report.warnings, "warning"), (report.infos, "info"))
    counts = ", ".join(plural(n, noun) for n, noun in counted)
    return f"Found {counts} in {plural(records, 'record')}."


def _nothing_to_fix(report: Report, unsafe: bool) -> str:
    """What ``--diff`` says when it has no diff (as ruff: ``No errors would be fixed``)."""
    hidden = 0 if unsafe else sum(1 for f in report.findings if f.fixable and f.fix and f.fix.applicability != "safe")
    more = f" ({hidden} fix{'es' if hidden != 1 else ''} available with --unsafe-fixes)" if hidden else ""
    return f"No errors would be fixed{more}."


def _fix_stdin(name: str | None, opts: checker.Options, *, unsafe: bool, write: bool) -> checker.FixOutcome:
    """Fix standard input: with --fix the fixed text (the text as it was when nothing could be
    fixed) goes to standard output, as editors expect from ``ruff check --fix -``."""
    from . import fixes

    label = name or "<stdin>"
    raw = b""
    if sys.stdin is None or sys.stdin.closed:
        outcome = checker.FixOutcome("", "", (), checker.unreadable(label, "standard input is closed"))
    else:
        raw = sys.stdin.buffer.read(checker.MAX_FILE_BYTES + 1)
        if len(raw) > checker.MAX_FILE_BYTES:
            outcome = checker.FixOutcome("", "", (), checker.too_large(label, len(raw)))
        else:
            outcome = checker.fix_bytes(label, raw, opts, unsafe=unsafe)
    if write:
        if outcome.changed:
            bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
            data = bom + outcome.after.encode("utf-8", errors=_UNPRINTABLE)
        else:
            data = raw
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    elif outcome.changed:
        _echo_in_parts(printable_lines(fixes.unified_diff(outcome.before, outcome.after, label)))
    return outcome


def _fix(
    paths: tuple[str, ...],
    opts: checker.Options,
    *,
    unsafe: bool,
    write: bool,
    show: bool,
    stdin_name: str | None = None,
) -> tuple[Report, list[str], list[str], list[Finding]]:
    """Fix (or, with --diff, show the fixes for) every file: the report of what is left, the
    files that changed (or would), those left as they were, and the findings fixed. A file that
    may not be replaced (:func:`saving.replace`) is named on stderr with the reason; its findings
    stay in the report."""
    from . import files, fixes, saving

    reports, changed, not_fixed = [], [], []
    fixed: list[Finding] = []
    summary: list[str] = []
    if paths == (checker.STDIN,):
        outcome = _fix_stdin(stdin_name, opts, unsafe=unsafe, write=write)
        return outcome.report, [stdin_name or "<stdin>"] if outcome.changed else [], [], list(outcome.fixed)
    for named in paths:
        # A folder named here is the tree its files were found in: a link inside it is followed
        # only to a file inside it. A file named here is followed wherever its link points.
        tree = named if os.path.isdir(named) else None
        for path in checker.discover([named], opts):
            try:
                raw, snapshot = files.read_snapshot(path, checker.MAX_FILE_BYTES)
            except checker.TooLarge as exc:
                reports.append(checker.too_large(path, exc.size))
                continue
            except OSError as exc:
                reports.append(checker.unreadable(path, f"cannot read the file: {exc.strerror or exc}"))
                continue
            outcome = checker.fix_bytes(path, raw, opts, unsafe=unsafe)
            if write and outcome.changed:
                data = (codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b"") + outcome.after.encode("utf-8")
                try:
                    saving.replace(path, data, snapshot, tree=tree)
                except saving.NotReplaced as exc:
                    message = f"civitai-schema: warning: not fixed: {path}: {exc.strerror}"
                    click.echo(printable_lines(message), err=True)
                    reports.append(checker.check_bytes(path, raw, opts))  # what the file still holds
                    not_fixed.append(path)
                    continue
            reports.append(outcome.report)
            if not outcome.changed:
                continue
            fixed.extend(outcome.fixed)
            changed.append(path)
            if not write:
                _echo_in_parts(printable_lines(fixes.unified_diff(outcome.before, outcome.after, path)))
            if show:
                counts: dict[str, int] = {}
                for finding in outcome.fixed:
                    label = f"{finding.code} ({finding.name})"
                    counts[label] = counts.get(label, 0) + 1
                verb = "Fixed" if write else "Would fix"
                lines = [f"{verb} {len(outcome.fixed)} in {path}:"] + [
                    f"    {n} × {what}" for what, n in sorted(counts.items())
                ]
                summary.append("\n".join(lines))
    if summary:
        click.echo(printable_lines("\n".join(summary)), err=True)
    return Report.merge(reports), changed, not_fixed, fixed


_FORMATS_WITH_SOURCES = ("full", "sarif")  # code frames; SARIF fixes


def _default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "full" if sys.stdout.isatty() else "concise"


def _color(terminal: bool) -> bool:
    """NO_COLOR (https://no-color.org) wins, then FORCE_COLOR, then whether it is a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return terminal


def _check_stdin(name: str | None, opts: checker.Options) -> Report:
    label = name or "<stdin>"
    if sys.stdin is None or sys.stdin.closed:
        return checker.unreadable(label, "standard input is closed")
    try:
        raw = sys.stdin.buffer.read(checker.MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        return checker.unreadable(label, str(exc))
    if len(raw) > checker.MAX_FILE_BYTES:
        return checker.too_large(label, len(raw))
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
        _echo_in_parts(vendored_bytes().decode("utf-8"))
        return
    _echo_in_parts(json.dumps(schema_for(Kind(kind), SchemaMode.EFFECTIVE), indent=2, ensure_ascii=False) + "\n")


@main.command("coverage")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@_guarded
def coverage_command(paths: tuple[str, ...], output_format: str, debug: bool) -> None:
    """Report which values of the API's enums the documents use, and which they never do."""
    from . import coverage, readers
    from .formatters import json_text

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")
    documents: list[Any] = []
    for path in checker.discover(paths):
        try:
            raw = checker.read_regular_file(path)
        except (OSError, checker.TooLarge) as exc:
            reason = getattr(exc, "strerror", None) or exc
            click.echo(printable(f"civitai-schema: warning: skipped {path}: {reason}"), err=True)
            continue
        documents.extend(d.data for d in readers.read(path, raw).documents)
    rows = coverage.measure(documents)
    if output_format == "json":
        payload = {"version": 1, "documents": len(documents), "enums": [row.to_dict() for row in rows]}
        _echo_in_parts(json_text(json.dumps(payload, indent=2, ensure_ascii=False)) + "\n")
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

    _echo_in_parts(markdown() if output_format == "markdown" else table())


@main.command("rule")
@click.argument("code_or_name")
@_guarded
def rule_command(code_or_name: str) -> None:
    """Print the documentation of one rule, by code (S104) or name (unknown-key)."""
    rule = rules.lookup(code_or_name)
    if rule is None:
        _fail(f"no rule {code_or_name!r}; 'civitai-schema rules' lists them")
    fixable = (
        f"\nFixable: {rule.fixable} (civitai-schema check --fix{' --unsafe-fixes' if 'unsafe' in rule.fixable else ''})"
        if rule.fixable
        else ""
    )
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}){fixable}\n\n{rule.summary}\n\n{rule.doc.strip()}")


@main.command("server")
def server_command() -> None:
    """Run the language server (LSP over standard input and output) for editors."""
    from .lsp import INSTALL_HINT, missing_dependencies

    missing = missing_dependencies()
    if missing:
        _fail(f"the language server needs {' and '.join(missing)}: {INSTALL_HINT}")
    from .lsp.server import run

    run()
