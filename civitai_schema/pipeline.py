"""The flow a finding takes, top to bottom: sources → read → check → locate → suppress → report.

:mod:`sources` gives a file's text (or the problem that it has none) and reads it into
documents, whole or a window of steps at a time; :mod:`checker` checks and locates each
document's findings within the file's budget; here they are suppressed (per-path ignores,
suppression comments) and made the file's :class:`Report`. Batches of files are shared between
forked processes (:func:`processes.map_forked`). No printing, no exit codes.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from . import checker, config, processes, readers, sources
from .checker import Options
from .findings import DocumentInfo, Finding, Report, Severity
from .readers import Parsed, Problem
from .recognition import mentions_workflow
from .rules import engine as engine_rules
from .rules import parse

if TYPE_CHECKING:
    from . import streaming


@dataclass
class Session:
    """State shared by the files of one run: which per-path ignores were used, and where."""

    used_path_ignores: set[config.PathIgnore] = field(default_factory=set)
    settings: dict[int, config.Settings] = field(default_factory=dict)  # by identity: settings hold dicts


def not_read(name: str, problem: Problem) -> Report:
    """The report of a file that could not be read (no selection applies: it was not checked)."""
    return Report((parse.finding_of(problem, name),), (), files=1)


def check_source(
    source: sources.Source, options: Options, fmt: str | None = None, session: Session | None = None
) -> Report:
    if source.windowed is not None:
        return check_large(source.windowed, options, fmt, session)
    if source.text is not None:
        return check_text(source.name, source.text, options, fmt, session)
    assert source.problem is not None  # (a source has its text or the problem that it has none)
    if source.raw is None:
        return not_read(source.name, source.problem)
    if options.skip_unrecognized and not mentions_workflow(source.raw):
        return Report()  # binary, or another encoding: not ours
    return check_parsed(Parsed(problems=[source.problem]), source.name, options, session)


def check_bytes(
    name: str, raw: bytes, options: Options, fmt: str | None = None, session: Session | None = None
) -> Report:
    return check_source(sources.from_bytes(name, raw), options, fmt, session)


def check_path(path: str, options: Options, session: Session | None = None) -> Report:
    return check_source(sources.read_path(path), options, session=session)


def check_text(
    name: str, text: str, options: Options, fmt: str | None = None, session: Session | None = None
) -> Report:
    windowed = sources.windowed(name, text, fmt)
    if windowed is not None:
        return check_large(windowed, options, fmt, session)
    with _collector_paused():
        return _check_whole(name, text, options, fmt, session)


def check_large(
    windowed: streaming.Windowed, options: Options, fmt: str | None = None, session: Session | None = None
) -> Report:
    """The report of a large JSON text, read a window of steps at a time or else whole."""
    with _collector_paused():
        report = check_windowed(windowed, options, session)
        if report is not None:
            return report
        text = windowed.text()
        if text is not None:
            return _check_whole(windowed.name, text, options, fmt, session)
    # The file changed after its windows were read: it is checked as it is now.
    return check_source(sources.from_bytes(windowed.name, sources.read_bytes(windowed.name)), options, fmt, session)


def _check_whole(name: str, text: str, options: Options, fmt: str | None, session: Session | None) -> Report:
    parsed = readers.read_text(name, text, fmt)
    if options.skip_unrecognized and not parsed.documents and not mentions_workflow(text):
        return Report()  # an unreadable file that is not ours: JSONC settings, say
    return check_parsed(parsed, name, options, session)


def check_windowed(windowed: streaming.Windowed, options: Options, session: Session | None = None) -> Report | None:
    """The report of a large JSON text read a window of steps at a time, or None when it must
    be read whole (see :mod:`streaming`)."""
    name = windowed.name
    settings = options.settings_for(name)
    budget = checker.new_budget()
    checked = checker.check_windowed(windowed, options, settings, budget)
    if checked is None:
        return None
    findings, info = checked
    infos = [info] if info is not None else []
    findings.extend(budget.notice(name))
    text = (windowed.text() or "") if findings else ""  # (a report shows the text of files with findings only)
    return finish(findings, infos, name, text, False, options, settings, session)


def check_parsed(
    parsed: Parsed, name: str, options: Options, session: Session | None = None, found: Sequence[Finding] = ()
) -> Report:
    """The report of a file read into documents (``found``: what was known of it beforehand).

    One pass: a YAML stream reads each document as it is asked for, so each is checked, located
    and let go before the next is read (:class:`readers.yaml.Stream`)."""
    settings = options.settings_for(name)
    findings: list[Finding] = []
    infos: list[DocumentInfo] = []
    budget = checker.new_budget()  # one for the file, however many documents it holds
    text, yaml = "", False  # the file's text (its documents share it), and whether it is YAML
    for document, problems in parsed.one_by_one():
        text, yaml = text or document.text, yaml or document.fmt == "yaml"
        read = [parse.finding_of(problem, name) for problem in problems] if problems else ()
        located, info = checker.check_document(document, options, settings, budget, read)
        findings.extend(located)
        if info is not None:
            infos.append(info)
    # The file's own problems (a stream's are known once its documents are read).
    if found or parsed.problems:
        findings[:0] = [*found, *(parse.finding_of(p, name) for p in parsed.problems if p.document is None)]
    findings.extend(budget.notice(name))
    return finish(findings, infos, name, text, yaml, options, settings, session)


def finish(
    findings: list[Finding],
    infos: list[DocumentInfo],
    name: str,
    text: str,
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
    kept = settings.apply(findings, name) if findings else []
    if not kept and not (text and yaml):
        return Report((), tuple(infos), files=1)  # (no finding, and no suppression comment to check)
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
    if any(f.fix is not None and f.fix.action.one_edit_per_finding for f in kept):
        from . import fixes

        kept = fixes.whole_fixes_only(kept)  # a rewrite several findings share needs them all
    kept.sort(key=Finding.sort_key)
    kept_sources = {name: text} if kept and text and options.keep_sources else {}
    return Report(tuple(kept), tuple(infos), files=1, sources=kept_sources)


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


def check_data(
    data: Any,
    options: Options,
    name: str = "<object>",
    found: Sequence[Finding] = (),
    *,
    tree: bool = False,
    plain: bool = False,
) -> Report:
    """Check an in-memory object (``found``: what converting it found; ``tree``: no container in
    it is reached twice; ``plain``: it holds no number jsonschema-rs compares slowly, see
    :attr:`jsonable.Prepared.plain`). Positions refer to ``json.dumps(data, indent=2)``."""
    parsed = sources.from_data(data, name, found, tree=tree, plain=plain)
    if isinstance(parsed, Problem):
        return not_read(name, parsed)
    return check_parsed(parsed, name, options)


def check_jsonl(name: str, stream: BinaryIO, options: Options) -> Iterator[Report]:
    """One report per non-blank line of a JSON Lines stream, positioned at that line; nothing
    is kept between lines, so memory stays flat however long the stream is. A record's document
    is numbered by its place among the stream's records (blank lines are not records), as a YAML
    stream's documents are."""
    for records, (number, raw) in enumerate(sources.jsonl(stream)):
        report = not_read(name, raw) if isinstance(raw, Problem) else check_bytes(name, raw, options, fmt="json")
        shifted = tuple(_on_line(f, number) for f in report.findings)
        infos = tuple(DocumentInfo(name, records, info.kind) for info in report.documents)
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


def check_paths(paths: Iterable[str], options: Options, *, jobs: int = 1) -> Report:
    """Check files and folders. ``jobs`` > 1 checks in that many processes; 0 picks a number
    from the machine and the batch (one process for small batches, where forking costs more
    than it saves). When the files are checked one after another, a large document's checks
    may be shared between ``jobs`` processes instead (see :attr:`Options.jobs`)."""
    files = list(sources.discover(paths, options.settings_for))
    # With a result cache only the files it cannot answer are work (a warm run forks nothing).
    workers = _workers(jobs, len(files) if options.cache is None else options.cache.prefetch(files, options))
    session = Session()
    if workers > 1:
        report = _in_parallel(files, dataclasses.replace(options, jobs=1), workers, session)
    else:
        report = _check_block(files, dataclasses.replace(options, jobs=jobs), session)
    if options.cache is not None:
        options.cache.save()
    checked: dict[int, list[str]] = {}  # the files of each configuration, for its unused per-path ignores
    for path in files:
        settings = options.settings_for(path)
        session.settings[id(settings)] = settings
        checked.setdefault(id(settings), []).append(path)
    if not any(s.per_path_ignores for s in session.settings.values()):
        return report
    from . import suppressions

    runs = [(settings, checked[key]) for key, settings in session.settings.items()]
    unused = suppressions.unused_path_ignores(runs, session.used_path_ignores)
    return Report.merge([report, Report(tuple(unused))]) if unused else report


# Below this, forking costs more than it saves. On 2 shared cores, `-j 0` against `-j 1` (pairs of
# whole runs, medians of 7): 1,000 valid JSON files 1.24× slower, 1,000 findings-heavy 1.11×,
# 1,000 YAML 1.16×; 10,000 valid files 0.98× (docs/performance.md).
PARALLEL_MIN_FILES = 5000
_BLOCK = 64  # files per block; blocks are dealt round-robin, so each process gets a similar mix


def _workers(jobs: int, files: int) -> int:
    if jobs == 0:
        return min(os.cpu_count() or 1, max(1, files // PARALLEL_MIN_FILES))
    return processes.workers(jobs, -(-files // _BLOCK))  # never more processes than blocks


def _check_block(block: list[str], options: Options, session: Session) -> Report:
    check = check_path if options.cache is None else options.cache.check_path
    return Report.merge(check(path, options, session) for path in block)


def _in_parallel(files: list[str], options: Options, workers: int, session: Session) -> Report:
    """Check in this process and ``workers - 1`` forked children, which inherit the compiled
    fast validator and the catalog. Reports are merged in file order; a child that fails has its
    blocks checked here instead, so no file goes unchecked."""
    checker.prepare_workers(options.schema, any(path.lower().endswith(readers.YAML_SUFFIXES) for path in files))
    blocks = [files[i : i + _BLOCK] for i in range(0, len(files), _BLOCK)]
    shares = [range(first, len(blocks), workers) for first in range(workers)]
    reports: dict[int, Report] = {}
    for done in processes.map_forked(functools.partial(_blocks, blocks, options), shares):
        assert done is not None  # (redone here when a child failed)
        reports.update(done.reports)
        session.used_path_ignores |= done.used
    return Report.merge(reports[k] for k in range(len(blocks)))


class _Share(NamedTuple):
    reports: list[tuple[int, Report]]
    used: set[config.PathIgnore]


def _blocks(blocks: list[list[str]], options: Options, share: range) -> _Share:
    session = Session()
    done = [(k, _check_block(blocks[k], options, session)) for k in share]
    if options.cache is not None:
        options.cache.save()  # (this child's own shard: the parent writes only what it checked)
    return _Share(done, session.used_path_ignores)


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
    """Apply fixes until none is left (or the passes run out), re-checking after each pass. A
    pass whose result has an error the text before it did not (counted by code: paths move
    with the edits) is not kept; its fixes are then tried one at a time, and a fix that makes
    things worse on its own is dropped and no longer offered (renaming ``teps`` to ``steps``
    has the steps checked for the first time: that is a new error, not a fix)."""
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    report = check_bytes(name, raw, options, fmt)
    text = readers.decode(raw)
    if isinstance(text, Problem):
        return FixOutcome("", "", (), report)
    from . import fixes

    def recheck(candidate: str) -> Report:
        return check_bytes(name, bom + candidate.encode("utf-8"), options, fmt)

    before, fixed, dropped = text, list[Finding](), set[tuple[str, str, str]]()
    safe = (text, report, 0)  # the last state with no error the text had not: what is kept at worst
    trials = MAX_FIX_TRIALS
    for _ in range(MAX_FIX_PASSES):
        offered = [f.with_fix(None) if _fix_key(f) in dropped else f for f in report.findings]
        applied = fixes.apply(text, offered, unsafe=unsafe, fmt=fmt)
        if not applied.fixed or applied.text == text:
            refused = {id(f) for f in applied.refused}  # fixes not shown sound are not fixable
            report = dataclasses.replace(report, findings=tuple(
                f.with_fix(None) if id(f) in refused or _fix_key(f) in dropped else f for f in report.findings
            ))  # fmt: skip
            break
        after = recheck(applied.text)
        if not _adds_errors(after, report):
            text, report = applied.text, after
            fixed.extend(applied.fixed)
        else:
            for group in _fix_groups(applied.fixed):
                one = fixes.apply(text, group, unsafe=unsafe, fmt=fmt) if trials > 0 else None
                trials -= 1
                trial = recheck(one.text) if one is not None and one.fixed and one.text != text else None
                if one is not None and trial is not None and not _adds_errors(trial, report):
                    text, report = one.text, trial
                    fixed.extend(one.fixed)
                    break  # the others' edits were made on the old text: the next pass finds them again
                dropped.update(map(_fix_key, group))
        if not _adds_errors(report, safe[1], fixable_allowed=False):
            safe = (text, report, len(fixed))
    text, report, count = safe  # (passes that ran out with an error still to fix are undone)
    if dropped:  # what made things worse is not offered as a fix
        report = dataclasses.replace(
            report, findings=tuple(f.with_fix(None) if _fix_key(f) in dropped else f for f in report.findings)
        )
    return FixOutcome(before, text, tuple(fixed[:count]), report)


MAX_FIX_TRIALS = 64  # fixes tried one at a time per text, when a pass as a whole made things worse


def _fix_key(finding: Finding) -> tuple[str, str, str]:
    return finding.code, finding.path, finding.fix.description if finding.fix is not None else ""


def _adds_errors(after: Report, before: Report, *, fixable_allowed: bool = True) -> bool:
    """Whether ``after`` has more errors than ``before``. A fix may trade its error for a truer
    one (``tts`` made ``textToSpeech`` has its input checked), but not for more. With
    ``fixable_allowed``, errors that carry a fix of their own are not counted: the next pass
    makes it (an engine's name fixed has its sampler checked, whose name is then fixed too).
    Warnings a fix uncovers are news, not harm."""
    errors = sum(f.severity is Severity.ERROR and not (fixable_allowed and f.fixable) for f in after.findings)
    return errors > sum(f.severity is Severity.ERROR for f in before.findings)


def _fix_groups(findings: Iterable[Finding]) -> list[list[Finding]]:
    """The fixes a pass made, as the units they can be made in: one finding each, but a rewrite
    that several findings share (the legacy callback pair) only with all of them."""
    groups: dict[object, list[Finding]] = {}
    for finding in findings:
        shared = finding.fix is not None and finding.fix.action.one_edit_per_finding
        groups.setdefault(finding.fix.edits if shared else id(finding), []).append(finding)  # type: ignore[union-attr]
    return list(groups.values())
