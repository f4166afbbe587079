"""The engine: sources in, one :class:`Report` out. No printing, no exit codes.

Per document: decide its kind, validate it against the schema for that kind, run the lint
checks, then locate the findings (positions are computed only for documents with findings).
A check that raises becomes an ``internal-error`` finding and the rest still run.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import gc
import itertools
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO, NamedTuple

from . import config, files, limits, processes, readers, rules, workflow
from .documents import Document, Lines
from .files import TooLarge as TooLarge  # (re-exported: callers catch checker.TooLarge)
from .findings import DocumentInfo, Finding, Kind, Report, Span, Target
from .options import RuleOptions
from .recognition import looks_like_workflow, mentions_workflow
from .rules import engine as engine_rules
from .rules import parse
from .rules import schema as schema_rules
from .schema import SchemaMode, fast_validator

STDIN = "-"


@dataclass(frozen=True, kw_only=True)
class Options:
    """How to check. ``kind=None`` decides per document (configuration, then content);
    ``resolver=None`` uses the default settings and reads no configuration file."""

    kind: Kind | None = None
    schema: SchemaMode = SchemaMode.EFFECTIVE
    skip_unrecognized: bool = False
    resolver: config.Resolver | None = None
    # Processes a large document's checks may be shared between (0: one per core). The CLI
    # passes -j when it checks files one after another; the library forks only when asked.
    jobs: int = 1
    # Whether reports keep the text of each file with findings (Report.sources), which code
    # frames and SARIF fixes need. The CLI drops it for other formats, so a batch of large
    # files with findings does not hold every file's text until the end.
    keep_sources: bool = True

    def settings_for(self, path: str) -> config.Settings:
        return self.resolver.for_path(path) if self.resolver is not None else config.DEFAULT


def detect_kind(data: Any) -> Kind:
    """A record returned by the API has server-assigned ``id`` and ``status``; anything else is
    checked as a request body."""
    if isinstance(data, dict) and "id" in data and "status" in data:
        return Kind.WORKFLOW
    return Kind.SUBMISSION


def all_checks(mode: SchemaMode) -> list[tuple[str, rules.Check]]:
    """Every check of a document, in the order its findings are reported, with its label."""
    return [("schema validation", _schema_check(mode)), *rules.CHECKS]


@functools.cache  # one per mode, not a new closure per document
def _schema_check(mode: SchemaMode) -> rules.Check:
    def check(data: Any, kind: Kind, options: RuleOptions) -> Iterable[Finding]:
        return schema_rules.check(data, kind, mode)

    return check


# What one check gave: its index in the list of checks, its findings (or the one finding that
# says it crashed), and whether it crashed. (A plain tuple: eight NamedTuples cost about 2 µs a document.)
Ran = tuple[int, list[Finding], bool]


def run_checks(
    checks: list[tuple[str, rules.Check]], indexes: Iterable[int], data: Any, kind: Kind, options: RuleOptions
) -> list[Ran]:
    """The findings of the checks at ``indexes``; a check that raises gives an internal-error
    finding naming it, and the others still run. A check is stopped after
    :data:`limits.CHECK_LIMIT` findings, its list then ending with a ``too-many-findings`` one."""
    done = []
    for index in indexes:
        label, check = checks[index]
        try:
            found = list(itertools.islice(check(data, kind, options), limits.CHECK_LIMIT + 1))
            if len(found) > limits.CHECK_LIMIT:
                found[limits.CHECK_LIMIT :] = [new_budget().stopped(label)]
            done.append((index, found, False))
        except RecursionError:
            message = "the document is nested too deeply to validate"
            done.append((index, [parse.DOCUMENT_TOO_LARGE.finding(message)], True))
        except Exception as exc:
            message = f"{label} crashed: {type(exc).__name__}: {exc}"
            done.append((index, [engine_rules.INTERNAL_ERROR.finding(message[:300])], True))
    return done


LARGE_DOCUMENT_STEPS = 5000  # from here, sharing a document's checks between processes pays


def _document_workers(jobs: int, data: Any, checks: int) -> int:
    if jobs == 1 or not hasattr(os, "fork") or len(workflow.steps(data)) < LARGE_DOCUMENT_STEPS:
        return 1  # (steps() here also means forked children inherit each step's leaf)
    return max(1, min(jobs or os.cpu_count() or 1, checks))


def _spread(
    checks: list[tuple[str, rules.Check]], data: Any, kind: Kind, options: RuleOptions, workers: int
) -> dict[int, list[Finding]]:
    """Run the checks in this process and ``workers - 1`` forked children, shared by their
    cost per step (:data:`rules.COST`). Findings come back by check, so the report is the
    same as from one process; a child that fails leaves its checks to the caller."""
    load = [0.0] * workers
    groups: list[list[int]] = [[] for _ in range(workers)]
    for index in sorted(range(len(checks)), key=lambda i: -rules.COST.get(checks[i][0], 1.0)):
        lightest = load.index(min(load))
        groups[lightest].append(index)
        load[lightest] += rules.COST.get(checks[index][0], 1.0)
    children: list[tuple[int, int]] = []
    try:
        for group in groups[1:]:
            try:
                children.append(processes.fork(functools.partial(run_checks, checks, group, data, kind, options)))
            except OSError:  # no more processes: the caller runs what is left
                break
        found = {index: findings for index, findings, _ in run_checks(checks, groups[0], data, kind, options)}
        while children:
            found.update((index, findings) for index, findings, _ in processes.result(*children.pop()) or ())
    finally:
        processes.stop(children)
    return found


def check_document(
    document: Document,
    options: Options,
    settings: config.Settings = config.DEFAULT,
    budget: limits.Budget | None = None,
) -> tuple[list[Finding], DocumentInfo | None]:
    """Located findings for one parsed document (fixes turned into edits), or ``None`` info when
    it was skipped. Selection and severities are applied here, so that the file's ``budget`` is
    spent on findings it reports; suppressions are applied per file afterwards."""
    if options.skip_unrecognized and not looks_like_workflow(document.data):
        return [], None
    kind = options.kind or settings.kind_for(document.file) or detect_kind(document.data)
    findings = list(document.findings)
    checks = all_checks(options.schema)
    with workflow.one_document():
        workers = _document_workers(options.jobs, document.data, len(checks))
        found = _spread(checks, document.data, kind, settings.options, workers) if workers > 1 else {}
        left = [index for index in range(len(checks)) if index not in found]  # (all, in one process)
        found.update(
            (index, findings) for index, findings, _ in run_checks(checks, left, document.data, kind, settings.options)
        )
    for index in range(len(checks)):
        findings.extend(found[index])
    findings = (budget or new_budget()).take(settings.apply(findings, document.file))
    return located(findings, document), DocumentInfo(document.file, document.index, kind)


def located(findings: list[Finding], document: Document) -> list[Finding]:
    """The findings of a document located in its text, fixes turned into edits."""
    if not findings:
        return []
    from . import fixes  # here, not at start-up: a clean run never needs it

    # Located in pointer order, so the findings of one step meet its containers together while
    # the locator still keeps them (each family reports in step order, one family after another).
    done = list(findings)
    for index in sorted(range(len(findings)), key=lambda i: findings[i].path):
        done[index] = fixes.with_edits(document.locate(findings[index]), document)
    return done


def new_budget() -> limits.Budget:
    """The findings one file may still report (see :mod:`civitai_schema.limits`)."""
    return limits.Budget(engine_rules.TOO_MANY_FINDINGS)


def check_parsed(parsed: readers.Parsed, name: str, options: Options, session: Session | None = None) -> Report:
    settings = options.settings_for(name)
    text = next((d.text for d in parsed.documents if d.text), "")  # the file's text, shared by its documents
    findings = list(parsed.findings)
    infos: list[DocumentInfo] = []
    budget = new_budget()  # one for the file, however many documents it holds
    for document in parsed.documents:
        found, info = check_document(document, options, settings, budget)
        findings.extend(found)
        if info is not None:
            infos.append(info)
    findings.extend(budget.notice(name))
    yaml = any(d.fmt == "yaml" for d in parsed.documents)
    return finish(findings, infos, name, text, yaml=yaml, options=options, settings=settings, session=session)


def finish(
    findings: list[Finding],
    infos: list[DocumentInfo],
    name: str,
    text: str,
    *,
    yaml: bool,
    options: Options,
    settings: config.Settings,
    session: Session | None,
) -> Report:
    """One file's report from its located findings: selection, severities, per-path ignores,
    suppression comments (YAML), in file order. With ``skip_unrecognized``, a file whose every
    document was skipped (and that gave no finding) is not a file checked: ``files`` is 0."""
    if options.skip_unrecognized and not infos and not findings:
        return Report()
    kept = settings.apply(findings, name)
    # suppressions is imported here, not at start-up: a clean JSON file never needs it.
    if kept and settings.per_path_ignores:
        from . import suppressions

        used: set[config.PathIgnore] = session.used_path_ignores if session is not None else set()
        kept = suppressions.apply_path_ignores(kept, settings, name, used)
    if text and yaml:
        from . import suppressions

        kept, unused = suppressions.apply_comments(kept, text, name)
        if not any(f.code == engine_rules.TOO_MANY_FINDINGS.code for f in kept):  # (else some were never found)
            kept += settings.apply(unused, name)
    if any(f.fix is not None and f.fix.action[0] == "callbacks" for f in kept):
        from . import fixes

        kept = fixes.whole_fixes_only(kept)  # a rewrite of the callback pair needs both findings
    kept.sort(key=Finding.sort_key)
    sources = {name: text} if kept and text and options.keep_sources else {}
    return Report(tuple(kept), tuple(infos), files=1, sources=sources)


def check_bytes(
    name: str, raw: bytes, options: Options, fmt: str | None = None, session: Session | None = None
) -> Report:
    text, problem = readers.decode(name, raw)
    if text is None:
        return _undecodable(name, raw, problem, options, session)
    return check_text(name, text, options, fmt, session)


def _undecodable(name: str, raw: bytes, problem: Finding | None, options: Options, session: Session | None) -> Report:
    assert problem is not None  # decode() gives a text or says why not
    if options.skip_unrecognized and not mentions_workflow(raw):
        return Report()  # binary, or another encoding: not ours
    return check_parsed(readers.Parsed(findings=[problem]), name, options, session)


def check_text(
    name: str, text: str, options: Options, fmt: str | None = None, session: Session | None = None
) -> Report:
    with _collector_paused():
        if len(text) >= STREAM_MIN_CHARS and (fmt or readers.file_format(name, text)) == "json":
            from . import streaming  # (large JSON texts only)

            report = streaming.check(name, text, options, session)
            if report is not None:
                return report
        parsed = readers.read_text(name, text, fmt)
        if options.skip_unrecognized and not parsed.documents and not mentions_workflow(text):
            return Report()  # an unreadable file that is not ours: JSONC settings, say
        return check_parsed(parsed, name, options, session)


# From here a JSON text's steps are read and checked a window at a time (:mod:`streaming`), so a
# large document never stands in memory whole.
STREAM_MIN_CHARS = 4 * 2**20


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while one text is parsed and checked.

    Parsing a large document allocates millions of objects, and every so many allocations the
    collector walks all of them looking for cycles that parsed data cannot have: about 10 % of
    checking a 50 MB file. Whatever cycles the check itself leaves are collected once it is
    back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class FixOutcome(NamedTuple):
    """The result of fixing one text: the text before and after, what was fixed, and the report
    of what is left."""

    before: str
    after: str
    fixed: tuple[Finding, ...]
    report: Report

    @property
    def changed(self) -> bool:
        return self.after != self.before


MAX_FIX_PASSES = 8  # overlapping edits wait for the next pass; real documents need one or two


def fix_bytes(name: str, raw: bytes, options: Options, *, unsafe: bool = False, fmt: str | None = None) -> FixOutcome:
    """Apply fixes until none is left (or the passes run out), re-checking after each pass."""
    bom = raw.startswith(codecs.BOM_UTF8)
    report = check_bytes(name, raw, options, fmt)
    text, _ = readers.decode(name, raw)
    if text is None:
        return FixOutcome("", "", (), report)
    from . import fixes

    before, fixed = text, list[Finding]()
    for _ in range(MAX_FIX_PASSES):
        applied = fixes.apply(text, report.findings, unsafe=unsafe, fmt=fmt)
        if not applied.fixed or applied.text == text:
            if applied.refused:  # fixes that could not be shown sound are not counted as fixable
                refused = {id(f) for f in applied.refused}
                kept = tuple(f.with_fix(None) if id(f) in refused else f for f in report.findings)
                report = dataclasses.replace(report, findings=kept)
            break
        text = applied.text
        fixed.extend(applied.fixed)
        report = check_bytes(name, (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"), options, fmt)
    return FixOutcome(before, text, tuple(fixed), report)


def check_jsonl(name: str, stream: BinaryIO, options: Options) -> Iterator[Report]:
    """One report per non-blank line of a JSON Lines stream, positioned at that line; nothing
    is kept between lines, so memory stays flat however long the stream is. A record's document
    is numbered by its place among the stream's records (blank lines are not records), as a YAML
    stream's documents are."""
    from .readers import lines

    records = 0
    for number, raw in enumerate(lines.lines(stream, MAX_FILE_BYTES), start=1):
        if isinstance(raw, int):
            report = too_large(name, raw)
        elif not raw.strip():
            continue
        else:
            report = check_bytes(name, raw, options, fmt="json")
        shifted = tuple(_on_line(f, number) for f in report.findings)
        infos = tuple(DocumentInfo(name, records, info.kind) for info in report.documents)
        records += 1
        source: dict[str, str] = {}
        if shifted and options.keep_sources and isinstance(raw, bytes):
            source[name] = raw.decode("utf-8", "replace")
        yield Report(shifted, infos, files=0, sources=source)


def _on_line(finding: Finding, number: int) -> Finding:
    offset = number - 1
    return dataclasses.replace(
        finding,
        line=(finding.line or 1) + offset,
        end_line=(finding.end_line or finding.line or 1) + offset,
        fix=None,  # edits are offsets into one line, not into the file
    )


def check_data(data: Any, options: Options, name: str = "<object>") -> Report:
    """Check an in-memory object. Positions refer to ``json.dumps(data, indent=2)``. An object
    that contains itself is one finding: every walk over it would never end."""
    cycle = limits.self_reference(data)
    if cycle is not None:
        message = f"the object contains itself at {cycle or '/'}, so it has no JSON form"
        finding = parse.DOCUMENT_TOO_LARGE.finding(message, cycle).located(name, Span(1, 1, 1, 2))
        return Report((finding,), (), files=1)
    document = Document(data, name, 0, _DumpLocator(data))
    return check_parsed(readers.Parsed(documents=[document]), name, options)


def check_path(path: str, options: Options, session: Session | None = None) -> Report:
    try:
        raw = read_regular_file(path)
    except TooLarge as exc:
        return too_large(path, exc.size)
    except OSError as exc:
        what = "folder" if os.path.isdir(path) else "file"  # (a folder the walk could not list)
        return unreadable(path, f"cannot read the {what}: {exc.strerror or exc}")
    text, problem = readers.decode(path, raw)
    if text is None:
        return _undecodable(path, raw, problem, options, session)
    del raw  # a large file's bytes need not stay beside its text while it is parsed
    return check_text(path, text, options, session=session)


def unreadable(name: str, reason: str) -> Report:
    finding = parse.UNREADABLE_FILE.finding(reason)
    return Report((finding.located(name, Span(1, 1, 1, 2)),), (), files=1)


# No workflow comes near this; larger files are refused before reading, so memory stays bounded.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_regular_file(path: str) -> bytes:
    """The file's bytes, up to :data:`MAX_FILE_BYTES` (see :func:`files.read_regular_file`)."""
    return files.read_regular_file(path, MAX_FILE_BYTES)


def too_large(name: str, size: int) -> Report:
    message = f"the file is {size / 2**20:.0f} MiB, above the {MAX_FILE_BYTES // 2**20} MiB civitai-schema reads"
    finding = parse.DOCUMENT_TOO_LARGE.finding(message)
    return Report((finding.located(name, Span(1, 1, 1, 2)),), (), files=1)


SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "venv"})


def discover(paths: Iterable[str], options: Options | None = None) -> Iterator[str]:
    """Files to check: named files as given; folders walked for the configured ``include``
    globs (``*.json``, ``*.yaml``, ``*.yml``), skipping hidden entries, ``node_modules`` and
    virtual environments. ``exclude`` globs apply to every file, named or found. Links to folders
    are not followed, so a link loop cannot trap the walk. A folder the walk cannot list is
    yielded itself, so reading it reports it (an unreadable path exits 2) instead of the walk
    skipping it in silence."""
    options = options or Options()
    for path in paths:
        if path == STDIN:
            yield path
            continue
        if not os.path.isdir(path):
            if not options.settings_for(path).excluded(path):
                yield path
            continue
        unlisted: list[OSError] = []
        for root, folders, names in os.walk(path, onerror=unlisted.append):
            yield from _unlisted(unlisted, path, options)
            folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in SKIPPED_FOLDERS)
            for name in sorted(names):
                found = os.path.join(root, name)
                if name.startswith("."):
                    continue
                settings = options.settings_for(found)
                if settings.included(found) and not settings.excluded(found):
                    yield found
        yield from _unlisted(unlisted, path, options)


def _unlisted(errors: list[OSError], top: str, options: Options) -> Iterator[str]:
    """The folders ``os.walk`` could not list (its ``onerror`` gathered them), unless excluded."""
    while errors:
        folder = errors.pop(0).filename or top
        if not options.settings_for(folder).excluded(folder):
            yield folder


@dataclass
class Session:
    """State shared by the files of one run: which per-path ignores were used, and where."""

    used_path_ignores: set[config.PathIgnore] = field(default_factory=set)
    settings: dict[int, config.Settings] = field(default_factory=dict)  # by identity: settings hold dicts


def check_paths(paths: Iterable[str], options: Options, *, jobs: int = 1) -> Report:
    """Check files and folders. ``jobs`` > 1 checks in that many processes; 0 picks a number
    from the machine and the batch (one process for small batches, where forking costs more
    than it saves). When the files are checked one after another, a large document's checks
    may be shared between ``jobs`` processes instead (see :attr:`Options.jobs`)."""
    files = list(discover(paths, options))
    workers = _workers(jobs, len(files))
    session = Session()
    if workers > 1:
        report = _in_parallel(files, dataclasses.replace(options, jobs=1), workers, session)
    else:
        report = _check_block(files, dataclasses.replace(options, jobs=jobs), session)
    for path in files:  # every configuration seen, for the unused per-path ignores
        settings = options.settings_for(path)
        session.settings[id(settings)] = settings
    if not any(s.per_path_ignores for s in session.settings.values()):
        return report
    from . import suppressions

    unused = suppressions.unused_path_ignores(session.settings.values(), session.used_path_ignores)
    return Report.merge([report, Report(tuple(unused))]) if unused else report


PARALLEL_MIN_FILES = 400  # below this, forking costs more than it saves (benchmarks/)
_BLOCK = 64  # files per block; blocks are dealt round-robin, so each process gets a similar mix


def _workers(jobs: int, files: int) -> int:
    if jobs == 0:
        return min(os.cpu_count() or 1, max(1, files // PARALLEL_MIN_FILES))
    return processes.workers(jobs, -(-files // _BLOCK))  # never more processes than blocks


def _check_block(block: list[str], options: Options, session: Session) -> Report:
    return Report.merge(check_path(path, options, session) for path in block)


def _in_parallel(files: list[str], options: Options, workers: int, session: Session) -> Report:
    """Check in this process and ``workers - 1`` forked children (:mod:`processes`), which
    inherit the compiled fast validator and the catalog. Reports are merged in file order. A
    child that fails has its blocks checked here instead, so no file goes unchecked."""
    if not hasattr(os, "fork"):
        return _check_block(files, options, session)
    # Built once here and shared. The Python validators are built only where an invalid
    # document needs them, and a step type's leaves where a document uses it.
    for kind in Kind:
        fast_validator(kind, options.schema)
    if any(path.lower().endswith(readers.YAML_SUFFIXES) for path in files):
        from .readers import yaml  # noqa: F401  (imported once here, not in every child)
    blocks = [files[i : i + _BLOCK] for i in range(0, len(files), _BLOCK)]
    shares = [range(first, len(blocks), workers) for first in range(workers)]
    children: list[tuple[int, int]] = []
    try:
        for share in shares[1:]:
            try:
                children.append(processes.fork(functools.partial(_blocks_in_child, blocks, share, options)))
            except OSError:  # no more processes: this one checks the rest
                break
        reports = {k: _check_block(blocks[k], options, session) for k in shares[0]}
        while children:
            done, used = processes.result(*children.pop()) or ((), set())
            reports.update(done)
            session.used_path_ignores |= used
    finally:
        processes.stop(children)
    missing = (k for k in range(len(blocks)) if k not in reports)
    reports.update({k: _check_block(blocks[k], options, session) for k in missing})
    return Report.merge(reports[k] for k in range(len(blocks)))


def _blocks_in_child(
    blocks: list[list[str]], share: range, options: Options
) -> tuple[list[tuple[int, Report]], set[config.PathIgnore]]:
    session = Session()
    done = [(k, _check_block(blocks[k], options, session)) for k in share]
    return done, session.used_path_ignores


class _DumpLocator:
    def __init__(self, data: Any) -> None:
        self.data = data
        self._inner: Any = None

    def span(self, pointer: str, target: Target) -> Span:
        if self._inner is None:
            from .readers.json import JsonLocator

            try:
                text = json.dumps(self.data, indent=2, ensure_ascii=False, default=str)
            except (TypeError, ValueError, RecursionError):
                return Span(1, 1, 1, 2)
            self._inner = JsonLocator(Lines(text))
        span: Span = self._inner.span(pointer, target)
        return span

    def offsets(self, pointer: str, target: Target) -> tuple[int, int] | None:
        return None  # an in-memory object has no text to edit
