"""Sources: what there is to check, turned into documents to check.

Paths are discovered (folders walked for the configured globs), files read as regular files up
to :data:`MAX_FILE_BYTES`, standard input and JSON Lines streams read with the same cap, bytes
decoded as UTF-8, and the text read into documents: whole (:mod:`readers`), or, for a large JSON
text, a window of steps at a time (:class:`streaming.Windowed`). What stops a source from being
read is a :class:`readers.Problem` here, once, whichever way the source came; the checker turns
it into a finding. An in-memory object is a source too (:func:`from_data`).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from . import config, files, ignore_files, limits, readers
from .documents import Document, Lines
from .files import Snapshot
from .findings import Finding, Span, Target
from .paths import shown
from .readers import Parsed, Problem, ProblemKind

if TYPE_CHECKING:
    from .streaming import Windowed

STDIN = "-"

# No workflow comes near this; larger files are refused before reading, so memory stays bounded.
MAX_FILE_BYTES = 64 * 1024 * 1024

# From here a JSON text's steps are read and checked a window at a time (:mod:`streaming`), so a
# large document never stands in memory whole.
STREAM_MIN_CHARS = 4 * 2**20


class Source(NamedTuple):
    """One file's text, or the problem that it has none. ``raw`` holds the bytes of a file that
    was read but is not UTF-8 text (whether they mention a workflow decides whether
    ``--skip-unrecognized`` leaves it alone); a file that could not be read at all has neither.
    A large JSON file's text is held by its windowed reader alone (``windowed``), which lets
    it go while it can be read again."""

    name: str
    text: str | None = None
    problem: Problem | None = None
    raw: bytes | None = None
    windowed: Windowed | None = None


def unreadable(reason: str) -> Problem:
    return Problem(ProblemKind.UNREADABLE_FILE, reason)


def too_large(size: int) -> Problem:
    message = f"the file is {size / 2**20:.0f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB civitai-schema reads"
    return Problem(ProblemKind.DOCUMENT_TOO_LARGE, message)


def read_regular_file(path: str) -> bytes:
    """The file's bytes, up to :data:`MAX_FILE_BYTES` (see :func:`files.read_regular_file`)."""
    return files.read_regular_file(path, MAX_FILE_BYTES)


def read_bytes(path: str) -> bytes | Problem:
    """A file's bytes, or why they cannot be read."""
    read = read_snapshot(path)
    return read if isinstance(read, Problem) else read[0]


def read_snapshot(path: str) -> tuple[bytes, Snapshot] | Problem:
    """A file's bytes and what it was when read (to read it again, or replace it, safely), or
    why it cannot be read."""
    try:
        return files.read_snapshot(path, MAX_FILE_BYTES)
    except files.TooLarge as exc:
        return too_large(exc.size)
    except OSError as exc:
        what = "folder" if os.path.isdir(path) else "file"  # (a folder the walk could not list)
        return unreadable(f"cannot read the {what}: {exc.strerror or exc}")


def read_stream(stream: BinaryIO | None) -> bytes | Problem:
    """Standard input's bytes, up to the cap, or why they cannot be read (it may be closed:
    ``0<&-``)."""
    if stream is None or stream.closed:
        return unreadable("standard input is closed")
    try:
        raw = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        return unreadable(str(exc))
    return too_large(len(raw)) if len(raw) > MAX_FILE_BYTES else raw


def from_bytes(name: str, raw: bytes | Problem) -> Source:
    """The source of bytes read (or of the problem that they could not be)."""
    if isinstance(raw, Problem):
        return Source(name, problem=raw)
    if len(raw) > MAX_FILE_BYTES:  # (bytes given by the library: the same cap as a file's)
        return Source(name, problem=too_large(len(raw)))
    text = readers.decode(raw)
    if isinstance(text, Problem):
        return Source(name, problem=text, raw=raw)
    return Source(name, text)


def read_path(path: str) -> Source:
    read = read_snapshot(path)
    if isinstance(read, Problem):
        return Source(path, problem=read)
    source, snapshot = from_bytes(path, read[0]), read[1]
    del read  # (the bytes: a large file's text may be let go, and they must not stay instead)
    # (a file that changed while it was read is not read again: it would not be the same)
    return rereadable(source, functools.partial(_read_again, path, snapshot) if snapshot.steady else None)


def rereadable(source: Source, again: Callable[[], str | None] | None) -> Source:
    """A file's source that, when it is JSON large enough to be read a window of steps at a time,
    may let its text go while the document checks run: ``again`` reads the same text once more
    (None: not the same file any more)."""
    if source.text is None:
        return source
    large = windowed(source.name, source.text, None, again)
    return source if large is None else Source(source.name, windowed=large)


def _read_again(path: str, first: Snapshot) -> str | None:
    """The text of the file at ``path`` if it still holds the bytes read first (as a later save
    would not: see :class:`files.Snapshot`), else None."""
    try:
        raw, now = files.read_snapshot(path, MAX_FILE_BYTES)
    except (OSError, files.TooLarge):
        return None
    text = readers.decode(raw) if now == first else None
    return text if isinstance(text, str) else None


def open_stream(path: str) -> BinaryIO | Problem:
    """A JSON Lines file opened for reading, if it is a regular file (a FIFO would wait for a
    writer forever, a device never end), or why not."""
    from .readers import lines

    try:
        return lines.open_regular(path)
    except OSError as exc:
        return unreadable(f"cannot read the file: {exc.strerror or exc}")


def read_stdin_stream(stream: BinaryIO | None) -> BinaryIO | Problem:
    """Standard input as a JSON Lines stream, or the problem that it is closed (``0<&-``)."""
    return unreadable("standard input is closed") if stream is None else stream


def jsonl(stream: BinaryIO) -> Iterator[tuple[int, bytes | Problem]]:
    """The records of a JSON Lines stream, each with its line number: a line's bytes, or the
    problem that it is longer than a file may be. Blank lines are no records."""
    from .readers import lines

    for number, raw in enumerate(lines.lines(stream, MAX_FILE_BYTES), start=1):
        if isinstance(raw, int):
            yield number, too_large(raw)
        elif raw.strip():
            yield number, raw


def windowed(name: str, text: str, fmt: str | None, again: Callable[[], str | None] | None = None) -> Windowed | None:
    """The text as a windowed source when it is JSON large enough to be read a window of steps
    at a time (it may still have to be read whole: see :mod:`streaming`); ``again`` reads it
    once more, if it can be."""
    if len(text) >= STREAM_MIN_CHARS and (fmt or readers.file_format(name, text)) == "json":
        from .streaming import Windowed

        return Windowed(name, text, again)
    return None


def from_data(
    data: Any, name: str, read: Iterable[Finding] = (), *, tree: bool = False, plain: bool = False
) -> Parsed | Problem:
    """An in-memory object as a parsed file of one document, whose positions refer to
    ``json.dumps(data, indent=2)``; ``read`` is what converting it found. An object that
    contains itself is a problem: every walk over it would never end (``tree``: the caller
    knows no container in it is reached twice, so it cannot; ``plain``: see
    :attr:`Document.compares_quickly`)."""
    cycle = None if tree else limits.self_reference(data)
    if cycle is not None:
        message = f"the object contains itself at {cycle or '/'}, so it has no JSON form"
        return Problem(ProblemKind.DOCUMENT_TOO_LARGE, message, path=cycle)
    document = Document(data, name, 0, DumpLocator(data), findings=list(read), compares_quickly=plain)
    return Parsed(documents=[document])


class DumpLocator:
    """Positions in ``json.dumps(data, indent=2)``, worked out when a finding first needs one."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self._inner: Any = None

    def span(self, pointer: str, target: Target) -> Span:
        if self._inner is None:
            from .readers.json import JsonLocator

            try:
                # (a value JSON cannot carry is written as its type's name: no method of it runs)
                text = json.dumps(self.data, indent=2, ensure_ascii=False, default=lambda v: f"<{type(v).__name__}>")
            except (TypeError, ValueError, RecursionError):
                return Span(1, 1, 1, 2)
            self._inner = JsonLocator(Lines(text))
        span: Span = self._inner.span(pointer, target)
        return span

    def offsets(self, pointer: str, target: Target) -> tuple[int, int] | None:
        return None  # an in-memory object has no text to edit


SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "venv"})

SettingsFor = Callable[[str], config.Settings]


def discover(paths: Iterable[str], settings_for: SettingsFor = lambda path: config.DEFAULT) -> Iterator[str]:
    """Files to check: named files as given; folders walked for the configured ``include``
    globs (``*.json``, ``*.yaml``, ``*.yml``), skipping hidden entries, ``node_modules``,
    virtual environments and what git ignores (unless ``respect-gitignore`` is false; see
    :mod:`ignore_files`). ``exclude`` globs apply to every file, named or found. Links to folders
    are not followed, so a link loop cannot trap the walk. A folder the walk cannot list is
    yielded itself, so reading it reports it (an unreadable path exits 2) instead of the walk
    skipping it in silence."""
    for given in paths:
        if given == STDIN:
            yield given
            continue
        path = shown(given)  # (reports name files relative to the working directory)
        if not os.path.isdir(path):
            if not settings_for(path).excluded(path):
                yield path
            continue
        unlisted: list[OSError] = []
        ignored = None
        for listed, (root, folders, names) in enumerate(os.walk(path, onerror=unlisted.append)):
            yield from _unlisted(unlisted, path, settings_for)
            # (asked once the folder could be listed: its configuration file is inside it)
            if listed == 0 and settings_for(os.path.join(root, ".gitignore")).respect_gitignore:
                ignored = ignore_files.Ignored.for_walk(path)
            folders[:] = sorted(
                f
                for f in folders
                if not f.startswith(".")
                and f not in SKIPPED_FOLDERS
                and not (ignored and ignored(root, f, is_folder=True))
            )
            for name in sorted(names):
                found = shown(os.path.join(root, name))
                if name.startswith("."):
                    continue
                settings = settings_for(found)
                wanted = settings.included(found) and not settings.excluded(found)
                if wanted and (ignored is None or not ignored(root, name, is_folder=False)):
                    yield found
        yield from _unlisted(unlisted, path, settings_for)


def _unlisted(errors: list[OSError], top: str, settings_for: SettingsFor) -> Iterator[str]:
    """The folders ``os.walk`` could not list (its ``onerror`` gathered them), unless excluded."""
    while errors:
        folder = shown(errors.pop(0).filename or top)
        if not settings_for(folder).excluded(folder):
            yield folder
