"""The result cache: a file's report kept between runs, so an unchanged file is not checked again.

Like ruff's cache, and on by default for ``civitai-schema check`` only (the library checks every
file unless given a :class:`ResultCache`). A report is reused when all of these are as they were:

* the installation: the tool's version, the Python version, the digests the vendored documents'
  provenance files declare, the size and time of our modules and compiled data (so an edited
  checkout or a rebuilt catalog does not reuse old results) and the installed dependencies;
* the file's effective settings (everything in its :class:`config.Settings`, glob-matched
  against the file's resolved path when they hold globs) and the run's options (kind, schema);
* the path as given and the working folder (reports name the file as given);
* the file's bytes (a keyed BLAKE2b digest, never the modification time).

Layout: ``<folder>/<version>/<installation>/<shard>.json``. Each process that checked new files
writes its own shard (to a temporary name, then renamed), so batches pre-commit runs in parallel
never write the same file; a reader merges every shard it finds. When shards pile up, a writer
merges the ones it read into one and deletes those (never one it did not read). The cache is
JSON, never pickle: the working tree is not trusted, so every shard and every entry is checked
as it is read, and anything that does not fit is a miss (and is rewritten).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from . import config, files, pipeline, readers, sources
from .findings import DocumentInfo, Edit, Finding, Fix, Kind, Report, Severity
from .fix_actions import FixAction
from .version import __version__

try:  # hashlib's own BLAKE2, without the OpenSSL bindings ``import hashlib`` loads (about 2 ms)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

if TYPE_CHECKING:
    from .checker import Options
    from .pipeline import Session

_KINDS = {kind.value: kind for kind in Kind}  # (a dict: Kind(value) costs a few microseconds)

FOLDER_NAME = ".civitai_schema_cache"
FOLDER_ENV = "CIVITAI_SCHEMA_CACHE_DIR"
OFF_ENV = "CIVITAI_SCHEMA_NO_CACHE"
FORMAT = 2  # of a shard; a shard of another format is a miss
# How much older than the moment it was read a file's modification and change times must be for
# its stat to stand for its bytes (git's "racily clean" rule): a file written again within the
# filesystem's timestamp granularity of being read could keep both times. Two seconds covers
# the coarsest (FAT); a file younger than that is read and hashed, as always.
RACY_NS = 2_000_000_000
# The cache directory tag convention (https://bford.info/cachedir/): backup tools skip the folder.
TAG_NAME = "CACHEDIR.TAG"
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by civitai-schema.\n"
GITIGNORE = "# Automatically created by civitai-schema.\n*\n"

MAX_SHARDS = 8  # beyond this a writer merges the shards it read into one
MAX_SHARD_BYTES = 64 * 2**20  # a larger shard is not read (memory stays bounded)
MAX_FINDINGS = 2000  # a report with more is not kept: reading it back would cost about as much
STALE_TEMPORARY_SECONDS = 3600  # a temporary file this old was left by a writer that died


# A file looked up: its key, its bytes (b"" once answered), their digest, and the cached report
# with the per-path ignores it used, or None on a miss.
_Answer = tuple[str, bytes, bytes, "tuple[Report, set[config.PathIgnore]] | None"]


class ResultCache:
    """The reports of one cache folder for one installation: read once when made, new ones
    written by :meth:`save`. ``hits`` and ``misses`` count this process's lookups."""

    def __init__(self, folder: str | os.PathLike[str], *, installation: str | None = None) -> None:
        self.folder = Path(folder)
        self.installation = installation or installation_stamp()
        self.shards = self.folder / __version__ / self.installation
        self.hits = self.misses = 0
        self._cwd = os.getcwd()
        self._entries: dict[str, list[Any]] = {}
        self._read: list[Path] = []  # the shards the entries came from
        self._damaged: list[Path] = []  # shards that did not fit: deleted at the next save
        self._new: dict[str, list[Any]] = {}  # (a forked child's go to a shard of its own)
        # By working folder, then path as given: a file's identity, size and times, and its
        # bytes' digest, as git's index keeps them, so a warm run need not read a file to know its
        # bytes. One string each ("dev ino size mtime ctime digest"): a warm run reads them all.
        self._all_stats: dict[str, dict[str, str]] = {}
        self._new_stats: dict[str, str] = {}
        self._pid = os.getpid()  # whose _new_stats they are (a forked child starts its own)
        # By the identity of options and settings (kept alive, so an identity is never reused).
        self._prefixes: dict[tuple[int, int], tuple[Options, config.Settings, bytes, bool]] = {}
        self._answers: dict[str, _Answer] = {}  # found by prefetch, for check_path
        self._load()
        self._stats = self._all_stats.setdefault(self._cwd, {})

    # -- lookups --------------------------------------------------------------------------

    def check_path(self, path: str, options: Options, session: Session | None = None) -> Report:
        """:func:`pipeline.check_path`, answered from the cache when the file's key is in it."""
        answer = self._answers.pop(path, None) or self._look_up(path, options)
        if answer is None:  # unreadable (check_path says why), or settings with no stable form
            return pipeline.check_path(path, options, session)
        key, raw, content, found = answer
        del answer  # (the bytes: a large file's text may be let go while it is checked)
        if found is None:
            self.misses += 1
            again = _ReadAgain(path, content)
            source = sources.rereadable(sources.from_bytes(path, raw), again)
            del raw
            report, used = _check_afresh(source, options)
            entry = _entry(report, used, path)
            if entry is not None and not again.changed:  # (else the report is of newer bytes)
                self._new[key] = entry
            if not options.keep_sources:
                report = dataclasses.replace(report, sources={})
        else:
            self.hits += 1
            report, used = found
        if session is not None:
            session.used_path_ignores.update(used)
        return report

    def prefetch(self, paths: list[str], options: Options) -> int:
        """Look every file up before any is checked, and say how many the cache cannot answer
        (they decide how many processes to check with). The answers wait for check_path."""
        missing = 0
        for path in paths:
            answer = self._look_up(path, options)
            if answer is not None and answer[3] is not None:
                self._answers[path] = answer
            else:
                missing += 1
        return missing

    def _look_up(self, path: str, options: Options) -> _Answer | None:
        """The file's key, its bytes and the cached report (None on a miss); None when the
        file cannot be read at once or its settings have no stable form."""
        settings = options.settings_for(path)
        prefix = self._prefixes.get((id(options), id(settings)))
        if prefix is None or prefix[0] is not options or prefix[1] is not settings:
            try:
                digest = _prefix(options, settings, self._cwd)
            except TypeError:
                return None
            # Globs match the resolved path relative to the configuration's folder; only
            # settings that hold globs pay for resolving it (a few microseconds a file).
            globbed = bool(settings.per_file_ignores or settings.per_path_ignores or settings.kind)
            prefix = self._prefixes[(id(options), id(settings))] = (options, settings, digest, globbed)
        named = f"{path}\0{settings.relative(path) if prefix[3] else ''}\0".encode("utf-8", "surrogatepass")
        known = _stat_digest(self._stats.get(path), path)
        if known is not None:  # unchanged since it was hashed: its entry, unless it needs the text
            key = blake2b(named + known, digest_size=16, key=prefix[2]).hexdigest()
            entry = self._entries.get(key) or self._new.get(key)
            if entry is not None and not (options.keep_sources and _shows_text(entry)):
                found = _revive(entry, path, b"", options)
                if found is not None:
                    return key, b"", b"", found
        read = _read(path)
        if read is None:
            return None
        raw, record = read
        content = blake2b(raw, digest_size=16).digest()
        if record is not None:
            record = f"{record} {content.hex()}"
            if self._stats.get(path) != record:
                self._own_new_stats()[path] = record
        key = blake2b(named + content, digest_size=16, key=prefix[2]).hexdigest()
        entry = self._entries.get(key) or self._new.get(key)
        found = None if entry is None else _revive(entry, path, raw, options)
        return key, b"" if found else raw, content, found

    def _own_new_stats(self) -> dict[str, str]:
        """The stats this process found (a forked child drops those it inherited: the parent
        writes them)."""
        if self._pid != os.getpid():
            self._pid, self._new_stats = os.getpid(), {}
        return self._new_stats

    # -- reading and writing shards -------------------------------------------------------

    def _load(self) -> None:
        try:
            names = sorted(os.listdir(self.shards))
        except OSError:  # no cache yet, or a folder that cannot be listed: no entries
            return
        for name in names:
            if not name.endswith(".json") or name.startswith("."):
                continue
            shard = self.shards / name
            try:
                data = json.loads(files.read_regular_file(str(shard), MAX_SHARD_BYTES))
                entries = data["entries"] if data["format"] == FORMAT and data["stamp"] == self.installation else None
                stats = data["stats"]
                if not isinstance(entries, dict) or not isinstance(stats, dict):
                    raise ValueError("not a shard of this cache")
            except FileNotFoundError:  # another process merged it away meanwhile
                continue
            except (OSError, files.TooLarge, ValueError, TypeError, KeyError, RecursionError):
                self._damaged.append(shard)  # (entries are checked one by one when used)
                continue
            self._entries.update(entries)
            for cwd, records in stats.items():  # (each record is checked when used)
                if isinstance(records, dict):
                    self._all_stats.setdefault(cwd, {}).update(records)
            self._read.append(shard)

    def save(self) -> None:
        """Write the entries this process added; merge the shards when they pile up or one was
        damaged. Any failure (a read-only folder, a full disk) leaves the cache as it was: the run
        only loses the cache, and says nothing."""
        stats = self._own_new_stats()
        if not self._new and not stats and not self._damaged:
            return
        new, self._new, self._new_stats = self._new, {}, {}
        try:
            if not self._prepared():
                return
            merging = self._damaged or len(self._read) + 1 > MAX_SHARDS
            if not merging:
                self._write(new, {self._cwd: stats})
                self._entries.update(new)
                self._stats.update(stats)
                return
            merged = _pruned({**self._entries, **new})
            self._stats.update(stats)
            names = {str(entry[0]) for entry in merged.values()}  # (a file no entry names has gone)
            kept = {cwd: {k: v for k, v in records.items() if k in names} for cwd, records in self._all_stats.items()}
            self._write(merged, kept)
            for shard in (*self._read, *self._damaged):
                with contextlib.suppress(FileNotFoundError):  # (another writer merged it first)
                    shard.unlink()
            self._entries, self._all_stats, self._read, self._damaged = merged, kept, [], []
            self._stats = kept.setdefault(self._cwd, {})
            self._sweep_temporaries()
        except OSError:
            return

    def _prepared(self) -> bool:
        """Make the folder (with its tag and .gitignore) unless it is there. An existing folder
        that is not ours and holds anything is never used: ``clean`` could then remove it."""
        if not (self.folder / TAG_NAME).is_file():
            try:
                self.folder.mkdir(parents=True)
            except FileExistsError:
                if not self.folder.is_dir() or set(os.listdir(self.folder)) - {TAG_NAME, ".gitignore"}:
                    return False
            for name, text in ((TAG_NAME, TAG), (".gitignore", GITIGNORE)):  # the tag first: see above
                _create(self.folder / name, text)
        self.shards.mkdir(parents=True, exist_ok=True)
        return True

    def _write(self, entries: Mapping[str, list[Any]], stats: Mapping[str, Mapping[str, str]]) -> None:
        shard = {"format": FORMAT, "stamp": self.installation, "entries": entries, "stats": stats}
        data = json.dumps(shard, separators=(",", ":"))
        unique = f"{time.time_ns():x}-{os.getpid()}-{os.urandom(4).hex()}"
        temporary = self.shards / f".{unique}.tmp"
        try:
            _create(temporary, data)
            os.replace(temporary, self.shards / f"{unique}.json")  # readers see all of it or none
        finally:
            if temporary.exists():
                temporary.unlink()

    def _sweep_temporaries(self) -> None:
        now = time.time()
        for name in os.listdir(self.shards):
            path = self.shards / name
            if name.startswith(".") and name.endswith(".tmp"):
                try:
                    if now - path.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                        path.unlink()
                except OSError:
                    pass


def _create(path: Path, text: str) -> None:
    """Write a new file (never through a link or over a file that is there)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
    except FileExistsError:
        if path.name != TAG_NAME and path.name != ".gitignore":
            raise
        return  # (another process made it first)
    with open(fd, "w", encoding="utf-8", errors="surrogatepass") as out:
        out.write(text)


def _pruned(entries: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The newest entry of each file name, so a file edited a thousand times keeps one entry,
    not a thousand (and one checked with other settings now and then is checked again then).
    Entries that do not fit are dropped too."""
    newest: dict[str, tuple[int, str]] = {}
    for key, entry in entries.items():
        if not isinstance(entry, list) or len(entry) not in (3, 7) or type(entry[1]) is not int:
            continue
        name = str(entry[0])
        if name not in newest or newest[name][0] <= entry[1]:
            newest[name] = (entry[1], key)
    return {key: entries[key] for _, key in newest.values()}


# ------------------------------------------------------------------------------------------
# One file: reading it, checking it afresh, and an entry to and from JSON.


def _read(path: str) -> tuple[bytes, str | None] | None:
    """A regular file's bytes in one read, with its stat record (see :func:`_stat_digest`) when
    its times are older than the read by more than :data:`RACY_NS`; None for anything else (a
    FIFO or device, which is never waited on; a file too large, growing or unreadable), which
    check_path then reads and reports as it would without a cache. (Not
    :func:`files.read_regular_file`: its snapshot serves --fix, which never uses the cache, and
    costs as much as the read on a warm run.)"""
    began = time.time_ns()  # (before the file is opened: a write after this gets a later time)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > sources.MAX_FILE_BYTES:
            return None
        data = os.read(fd, info.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) != info.st_size:
        return None
    settled = max(info.st_mtime_ns, info.st_ctime_ns) < began - RACY_NS
    return data, _stat_record(info) if settled else None


def _stat_record(info: os.stat_result) -> str:
    return f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"


def _stat_digest(record: Any, path: str) -> bytes | None:
    """The digest of the file's bytes a stat record holds, when the file's identity, size,
    modification and change times are all still the record's (a write changes the change time
    even when it restores the size and modification time); None otherwise, or for a record that
    does not fit."""
    if type(record) is not str or len(record) < 34 or record[-33] != " ":
        return None
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if record[:-33] != _stat_record(info) or not stat.S_ISREG(info.st_mode):
        return None
    try:
        return bytes.fromhex(record[-32:])
    except ValueError:
        return None


def _shows_text(entry: Any) -> bool:
    """Whether an entry's report shows the file's text (which must then be read)."""
    compact = type(entry) is list and (len(entry) == 3 or (len(entry) == 7 and entry[5] is False))
    return not compact  # (an entry that does not fit is read with the file, and rejected then)


def _check_afresh(source: sources.Source, options: Options) -> tuple[Report, set[config.PathIgnore]]:
    """The report :func:`pipeline.check_path` gives (with the file's text kept, so the entry
    knows whether a report shows it), and the per-path ignores it used."""
    session = pipeline.Session()
    keeping = options if options.keep_sources else dataclasses.replace(options, keep_sources=True)
    return pipeline.check_source(source, keeping, session=session), session.used_path_ignores


class _ReadAgain:
    """Reads a large file's text again (its windowed reader let it go; see
    :func:`sources.rereadable`), if the file still holds the bytes its key was made from; else
    the file is checked as it is now, and ``changed`` says its report is not the key's."""

    def __init__(self, path: str, content: bytes) -> None:
        self.path, self.content, self.changed = path, content, False

    def __call__(self) -> str | None:
        read = _read(self.path)
        text = readers.decode(read[0]) if read and blake2b(read[0], digest_size=16).digest() == self.content else None
        if not isinstance(text, str):
            self.changed = True
            return None
        return text


# An entry is [file name, written at, files, documents, findings, shows the text, per-path
# ignores used]; a document [file, index, kind]; a finding its fields in order, its fix
# [description, applicability, action class, its fields, edits] or null; a file named null is
# the entry's.
# The usual report, one document and nothing found, is [file name, written at, kind]: a warm
# run's shard reads in half the time.
def _entry(report: Report, used: Iterable[config.PathIgnore], path: str) -> list[Any] | None:
    if len(report.findings) > MAX_FINDINGS or set(report.sources) - {path}:
        return None
    documents = [
        [None if d.file == path else d.file, d.index, d.kind.value if d.kind else None] for d in report.documents
    ]
    ignored = sorted([p.files, p.pointer, list(p.rules)] for p in used)
    if (
        report.files == 1
        and not report.findings
        and not ignored
        and len(documents) == 1
        and documents[0][:2] == [None, 0]
    ):
        return [path, int(time.time()), documents[0][2]]
    rows = [_finding_row(f, path) for f in report.findings]
    entry = [path, int(time.time()), report.files, documents, rows, path in report.sources, ignored]
    try:  # kept only when it reads back exactly (a fix's value could be a tuple, say)
        again = _report(json.loads(json.dumps(entry)), path)
    except (TypeError, ValueError, RecursionError):
        return None
    if again is None or again[0] != report:
        return None
    pairs = zip(again[0].findings, report.findings, strict=True)
    return None if any(a.fix != b.fix or a.target != b.target for a, b in pairs) else entry


def _finding_row(f: Finding, path: str) -> list[Any]:
    fix = f.fix
    if fix is None:
        row_fix = None
    else:
        action = fix.action
        fields = {f.name: getattr(action, f.name) for f in dataclasses.fields(action)}
        row_fix = [fix.description, fix.applicability, type(action).__name__, fields, [list(e) for e in fix.edits]]
    return [f.code, f.name, f.severity.value, f.message, f.path, None if f.file == path else f.file, f.line,
            f.column, f.end_line, f.end_column, f.hint, f.target, row_fix]  # fmt: skip


def _revive(entry: list[Any], path: str, raw: bytes, options: Options) -> tuple[Report, set[config.PathIgnore]] | None:
    """The report an entry holds (the file's text decoded again when the report shows it),
    or None when the entry does not fit."""
    try:
        found = _report(entry, path)
    except (TypeError, ValueError, KeyError, IndexError):
        return None
    if found is None:
        return None
    report, shows_text, used = found
    if shows_text and options.keep_sources:
        text = readers.decode(raw)
        if not isinstance(text, str):
            return None
        report = dataclasses.replace(report, sources={path: text})
    return report, used


def _report(entry: Any, path: str) -> tuple[Report, bool, set[config.PathIgnore]] | None:
    """An entry read back, every value's type checked (TypeError/ValueError when one is wrong);
    None when it was made for another file (a digest that collided, or a forged entry)."""
    if type(entry) is not list or not entry or entry[0] != path:
        return None
    if len(entry) == 3:
        kind = entry[2]
        return Report((), (DocumentInfo(path, 0, None if kind is None else _KINDS[kind]),), files=1), False, set()
    _, _, count, documents, findings, shows_text, used = entry
    if type(count) is not int or type(shows_text) is not bool:
        return None
    infos = tuple(
        DocumentInfo(path if file is None else _text(file), _number(index), None if kind is None else _KINDS[kind])
        for file, index, kind in documents
    )
    kept = tuple(_finding(row, path) for row in findings)
    ignores = {config.PathIgnore(_text(f), _text(p), tuple(_text(r) for r in rules)) for f, p, rules in used}
    return Report(kept, infos, files=count), shows_text, ignores


def _finding(row: list[Any], path: str) -> Finding:
    code, name, severity, message, pointer, file, line, column, end_line, end_column, hint, target, fix = row
    if target not in ("value", "key"):
        raise ValueError(target)
    line, column, end_line, end_column = (
        None if n is None else _number(n) for n in (line, column, end_line, end_column)
    )
    return Finding(
        _text(code), _text(name), Severity(severity), _text(message), _text(pointer),
        file=path if file is None else _text(file),
        line=line, column=column, end_line=end_line, end_column=end_column,
        hint=None if hint is None else _text(hint), target=target, fix=None if fix is None else _fix(fix),
    )  # fmt: skip


def _fix(row: list[Any]) -> Fix:
    description, applicability, action, fields, edits = row
    if applicability not in ("safe", "unsafe"):
        raise ValueError(applicability)
    made = _actions().get(action) if type(action) is str else None
    if made is None or type(fields) is not dict:
        raise ValueError(action)
    done = tuple(Edit(_number(start), _number(end), _text(text)) for start, end, text in edits)
    return Fix(_text(description), applicability, made(**fields), done)  # (TypeError for fields it lacks)


@functools.cache
def _actions() -> dict[str, type[FixAction]]:
    """Our fix actions by class name: the only classes an entry may name (a cache never names
    code to run, only one of these to fill with JSON values)."""
    found: dict[str, type[FixAction]] = {}
    waiting = FixAction.__subclasses__()
    while waiting:
        kind = waiting.pop()
        waiting += kind.__subclasses__()
        if dataclasses.is_dataclass(kind) and kind.__module__.startswith("civitai_schema."):
            found[kind.__name__] = kind
    return found


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError(type(value).__name__)
    return value


def _number(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(type(value).__name__)
    return value


# ------------------------------------------------------------------------------------------
# Fingerprints.


def _plain(value: Any) -> Any:
    """A value's JSON form, the same in every process: sets sorted (their order follows string
    hashing, which changes per process), mappings in their order (``kind`` globs are tried in
    order), dataclasses field by field. TypeError for anything else."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return [[str(k), _plain(v)] for k, v in value.items()]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"no stable form for {type(value).__name__}")


# Options that cannot change a file's report: how settings are found (the settings themselves
# are in the key), how many processes check, whether the text is kept (the entry says whether
# the report shows it), and the cache itself.
_OPTIONS_NOT_IN_KEY = frozenset({"resolver", "jobs", "keep_sources", "cache"})


def _prefix(options: Options, settings: config.Settings, cwd: str) -> bytes:
    """The digest of what decides every report of files with these options and settings, but
    the file's name and bytes: TypeError when a value has no stable form."""
    form = [_options_form(options), _plain(settings), cwd]
    return blake2b(json.dumps(form, ensure_ascii=True).encode(), digest_size=16).digest()


def _options_form(options: Options) -> Any:
    return {
        f.name: _plain(getattr(options, f.name))
        for f in dataclasses.fields(options)
        if f.name not in _OPTIONS_NOT_IN_KEY
    }


def installation_stamp() -> str:
    """The digest of what the installation decides: see the module's documentation."""
    from .validators import PROVENANCE_FILE, schema_dir

    package = Path(__file__).resolve().parent
    parts: list[Any] = [FORMAT, __version__, sys.implementation.name, list(sys.version_info[:3])]
    for name in ("v2-consumers.provenance.json", PROVENANCE_FILE):
        try:
            parts.append(json.loads((schema_dir() / name).read_bytes()).get("sha256"))
        except (OSError, ValueError, AttributeError):
            parts.append(None)
    # Our modules and compiled data, by size and time: cheap (a few hundred microseconds), and an
    # edit to a rule or a rebuilt catalog (which rewrites data/) changes them. The leaves under
    # data/inputs/ are rewritten with api.json, whose digest and time are here.
    for folder in ("", "rules", "readers", "formatters", "facts", "data"):
        try:
            with os.scandir(package / folder) as listing:
                for item in sorted(listing, key=lambda e: e.name):
                    if item.name.endswith((".py", ".json")) or item.is_dir():
                        info = item.stat()
                        parts.append([folder, item.name, info.st_size, info.st_mtime_ns])
        except OSError:
            parts.append([folder, None])
    parts.append(_dependencies())
    return blake2b(json.dumps(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


_DEPENDENCIES = ("jsonschema", "jsonschema_rs", "referencing", "pyyaml", "rpds_py")


def _dependencies() -> list[str]:
    """The installed versions of what shapes findings, from the names of their ``.dist-info``
    folders in the interpreter's package folders (importlib.metadata costs tens of
    milliseconds to import)."""
    found = []
    for folder in sys.path:
        if os.path.basename(folder) not in ("site-packages", "dist-packages"):
            continue
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [n for n in names if n.endswith(".dist-info") and n.split("-")[0].lower() in _DEPENDENCIES]
    return sorted(found)


# ------------------------------------------------------------------------------------------
# Where the cache is, and removing it.


def disabled(environ: Mapping[str, str] = os.environ) -> bool:
    """``CIVITAI_SCHEMA_NO_CACHE`` set to anything but empty, 0 or false."""
    return environ.get(OFF_ENV, "").strip().lower() not in ("", "0", "false", "no")


def folder_for(project: config.Settings, given: str | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """Where the cache is: ``CIVITAI_SCHEMA_CACHE_DIR`` (relative to the working folder), else
    ``cache-dir`` given with ``--config`` (``given``, relative to the working folder), else
    ``cache-dir`` in the project's configuration file (relative to its folder), else
    ``.civitai_schema_cache`` in the project's root: the folder of that configuration file, or
    the working folder when there is none. ``project`` is the settings of the working folder."""
    root = project.root or Path.cwd()
    if environ.get(FOLDER_ENV):
        return Path(os.path.abspath(environ[FOLDER_ENV]))
    if given is not None:
        return Path(os.path.abspath(given))
    configured = _configured(project.source) if project.source is not None else None
    if configured is not None:
        return root / configured
    return root / FOLDER_NAME


def _configured(source: Path) -> str | None:
    """``cache-dir`` of a configuration file the resolver has already read and checked."""
    toml = config._toml()
    try:
        data = toml.loads(files.read_regular_file(str(source), config.MAX_CONFIG_BYTES).decode("utf-8"))
    except (OSError, files.TooLarge, ValueError, RecursionError) as exc:
        raise config.ConfigError(f"{source}: cannot read it again: {exc}") from None
    if source.name == "pyproject.toml":
        data = config._our_table(data) or {}
    return _folder_value(data.get("cache-dir"), str(source))


def _folder_value(value: Any, where: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value or "\0" in value):
        raise config.ConfigError(f"{where}: cache-dir: expected a folder name (a non-empty string)")
    return value


def split_fragments(values: tuple[str, ...], is_file: Callable[[str], bool]) -> tuple[tuple[str, ...], str | None]:
    """Take ``cache-dir`` out of the ``--config 'key = value'`` fragments among ``values`` (a
    setting of the run, not of each file): the other values, and the folder given, if any. A
    fragment must give it alone, since the others are passed on as written."""
    kept, given = [], None
    for fragment in values:
        if is_file(fragment) or "cache-dir" not in fragment:
            kept.append(fragment)
            continue
        try:
            data = config._toml().loads(fragment)
        except ValueError:
            kept.append(fragment)  # (the configuration reader reports it)
            continue
        if "cache-dir" not in data:
            kept.append(fragment)
            continue
        if len(data) > 1:
            raise config.ConfigError(f"--config {fragment!r}: give cache-dir in a --config of its own")
        given = _folder_value(data["cache-dir"], "--config")
    return tuple(kept), given


def remove(folder: Path) -> bool:
    """Remove a cache folder; False when there is none. Only a folder that carries our tag is
    removed (a ``cache-dir`` set to a project's folder by mistake is refused: ConfigError)."""
    import shutil

    if not os.path.lexists(folder):
        return False
    tag = folder / TAG_NAME
    try:
        ours = not folder.is_symlink() and tag.is_file() and tag.read_text("utf-8", errors="replace") == TAG
    except OSError:
        ours = False
    if not ours:
        raise config.ConfigError(f"{folder} is not a civitai-schema cache (no {TAG_NAME} of ours); not removed")
    shutil.rmtree(folder)
    return True
