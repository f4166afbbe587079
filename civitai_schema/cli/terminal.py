"""The command line's edge with the process: standard streams that may be missing or closed,
output no terminal can be driven by, writing in parts, and the exit statuses (0 nothing at or
above ``--fail-on``; 1 findings at or above it; 2 usage error, bad option, missing or unreadable
path; 3 internal error; 130, 141, 143 interrupted, the reader gone, terminated)."""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from ..api import Report, Severity, Terminated, terminate_on_sigterm, unreadable
from ..formatters import printable_lines

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shell tools report a reader that stopped early
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM

F = TypeVar("F", bound=Callable[..., Any])


def guarded(command: F) -> F:
    """Turn any unexpected exception into one line on stderr and exit 3 (a traceback with --debug)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.get("debug", False)
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        except Terminated:
            fail("terminated", EXIT_TERMINATED)
        except BrokenPipeError:
            # The reader (| head, say) has gone; say nothing more, and let Python's own flush at
            # exit write to nowhere instead of raising again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:  # the output cannot be written: a full disk, no such folder
            fail(io_problem(exc))
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


def echo_in_parts(text: str, *, color: bool | None = None) -> None:
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


UNPRINTABLE = "civitai-schema-unprintable"
codecs.register_error(UNPRINTABLE, _unprintable)


def printable_output() -> None:
    """Make standard output and error show what their encoding cannot (see :func:`_unprintable`)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "encoding", None):
            reconfigure(errors=UNPRINTABLE)


def exit_for(report: Report, fail_on: str, exit_zero: bool) -> NoReturn:
    """End with the status a checked report gives (2 when a path could not be read)."""
    if unreadable(report):
        sys.exit(EXIT_USAGE)
    if not exit_zero and report.fails(Severity(fail_on)):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


def io_problem(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot write the output{where}: {exc.strerror or exc}"


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(printable_lines(f"civitai-schema: error: {message}"), err=True)  # (messages name paths)
    sys.exit(code)


def entry_point(main: click.Group) -> NoReturn:
    """The console script and ``python -m``: run the command, flush what it wrote, and end the
    process without tearing the interpreter down. Unloading a few hundred modules and freeing
    every object costs about 12 ms, more than checking a file; nothing of ours needs it (files
    are closed, worker pools joined, before a command returns)."""
    standard_streams()
    terminate_on_sigterm()  # (children stopped, files cleaned up: ``finally`` blocks run)
    try:
        main(prog_name="civitai-schema")
        code: object = EXIT_OK
    except SystemExit as exc:
        code = exc.code
    except (KeyboardInterrupt, Terminated) as exc:  # outside a command: while starting, say
        terminated = isinstance(exc, Terminated)
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
        os.write(2, f"civitai-schema: error: {io_problem(exc)}\n".encode(errors="backslashreplace"))
        code = EXIT_USAGE
    os._exit(code if isinstance(code, int) else EXIT_OK)


class _ClosedOutput(io.TextIOBase):
    """Standard output when the command was started without one (``>&-``): writing the report
    fails as any unwritable output does (exit 2, the reason on stderr)."""

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")


def standard_streams() -> None:
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


def write_output(target: str, text: str) -> None:
    """Write ``--output-file``; whatever fails, the message names the file asked for."""
    try:
        Path(target).write_text(text, "utf-8", errors=UNPRINTABLE)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), target) from exc


def default_format() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return "full" if sys.stdout.isatty() else "concise"


def color(terminal: bool) -> bool:
    """NO_COLOR (https://no-color.org) wins, then FORCE_COLOR, then whether it is a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return terminal
