"""Check: one document in, its located findings out. No reading, no printing, no exit codes.

Per document: decide its kind, run the schema layer and the rule families (each a *check*; one
that raises becomes an ``internal-error`` finding and the others still run), keep what the
selection and the file's findings budget allow, then locate it (:mod:`locating`: positions are
computed only for documents with findings). A large document's checks may be shared between
forked processes. A large JSON text read a window of steps at a time (:mod:`streaming`) goes the
same way: its windows are checked by the same checks, and what they find is kept and located as
here.
"""

from __future__ import annotations

import functools
import operator
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, Protocol

from . import config, limits, processes, rules, workflow
from .documents import Document, Lines
from .findings import DocumentInfo, Finding, Kind, Report
from .locating import located
from .recognition import looks_like_workflow
from .rule_options import RuleOptions
from .rules import engine as engine_rules
from .rules import parse
from .rules import schema as schema_rules
from .validators import SchemaMode

if TYPE_CHECKING:  # (the windowed source is imported only when a large text comes)
    from . import streaming
    from .streaming import Ran


class ReportCache(Protocol):
    """What pipeline.check_paths asks of a result cache (:class:`civitai_schema.cache.ResultCache`),
    stated here so that the checker, which the cache reads, does not read the cache."""

    def prefetch(self, paths: list[str], options: Options) -> int: ...

    def check_path(self, path: str, options: Options, session: Any = None) -> Report: ...

    def save(self) -> None: ...


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
    # Reports of unchanged files kept between runs (:mod:`civitai_schema.cache`), used by
    # pipeline.check_paths. The CLI's check passes one; the library checks every file unless given one.
    cache: ReportCache | None = None

    def settings_for(self, path: str) -> config.Settings:
        return self.resolver.for_path(path) if self.resolver is not None else config.DEFAULT


def detect_kind(data: Any) -> Kind:
    """A record returned by the API has server-assigned ``id`` and ``status``; anything else is
    checked as a request body."""
    if isinstance(data, dict) and "id" in data and "status" in data:
        return Kind.WORKFLOW
    return Kind.SUBMISSION


def kind_of(data: Any, file: str, options: Options, settings: config.Settings) -> Kind:
    """The kind a document is checked as: the option, else the configuration, else its content."""
    return options.kind or settings.kind_for(file) or detect_kind(data)


Checks = tuple[tuple[str, rules.Check], ...]


def all_checks(mode: SchemaMode) -> Checks:
    """Every check of a document, in the order its findings are reported, with its label."""
    schema = schema_rules.validation(mode)
    return ((schema.label, schema.run), *rules.CHECKS)


_MOST = limits.CHECK_LIMIT + 1  # findings taken from a check: one more than are kept, to know it stopped


def run_checks(checks: Checks, indexes: Iterable[int], data: Any, kind: Kind, options: RuleOptions) -> list[Ran]:
    """The findings of the checks at ``indexes``; a check that raises gives an internal-error
    finding naming it, and the others still run. A check is stopped after
    :data:`limits.CHECK_LIMIT` findings, its list then ending with a ``too-many-findings`` one."""
    done = []
    for index in indexes:
        label, check = checks[index]
        try:
            found = list(islice(check(data, kind, options), _MOST))
            if len(found) == _MOST:
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
    return processes.workers(jobs or os.cpu_count() or 1, checks)


def _spread(checks: Checks, data: Any, kind: Kind, options: RuleOptions, workers: int) -> dict[int, list[Finding]]:
    """The findings of every check, the checks run in ``workers`` processes (this one and forked
    children), shared by their cost per step (:data:`rules.COST`). Findings come back by check,
    so the report is the same as from one process."""
    load = [0.0] * workers
    groups: list[list[int]] = [[] for _ in range(workers)]
    for index in sorted(range(len(checks)), key=lambda i: -rules.COST.get(checks[i][0], 1.0)):
        lightest = load.index(min(load))
        groups[lightest].append(index)
        load[lightest] += rules.COST.get(checks[index][0], 1.0)
    done = processes.map_forked(lambda group: run_checks(checks, group, data, kind, options), groups)
    return {index: findings for ran in done for index, findings, _ in ran or ()}


Checked = tuple[list[Finding], DocumentInfo | None]  # a document's located findings; None info: skipped
_FOUND = operator.itemgetter(1)  # (a Ran's findings)


def check_document(
    document: Document,
    options: Options,
    settings: config.Settings = config.DEFAULT,
    budget: limits.Budget | None = None,
    read: Sequence[Finding] = (),
) -> Checked:
    """Located findings for one parsed document (``read``: what reading it found), or ``None``
    info when it was skipped. Selection and severities are applied here, so that the file's
    ``budget`` is spent on findings it reports; suppressions are applied per file afterwards."""
    if options.skip_unrecognized and not looks_like_workflow(document.data):
        return [], None
    data = document.data
    kind = kind_of(data, document.file, options, settings)
    checks = all_checks(options.schema)
    findings = [*read, *document.findings]
    with workflow.one_document(compares_quickly=data if document.compares_quickly else None):
        workers = _document_workers(options.jobs, data, len(checks))
        if workers > 1:
            spread = _spread(checks, data, kind, settings.options, workers)
            for index in sorted(spread):
                findings += spread[index]
        else:
            ran = run_checks(checks, range(len(checks)), data, kind, settings.options)
            findings.extend(chain.from_iterable(map(_FOUND, ran)))  # (run in the checks' order)
    kept = _selected(findings, document.file, settings, budget)
    return located(kept, document), DocumentInfo(document.file, document.index, kind)


def check_windowed(
    windowed: streaming.Windowed, options: Options, settings: config.Settings, budget: limits.Budget
) -> Checked | None:
    """:func:`check_document` for a large JSON text read a window of steps at a time: the checks
    that find in a step only what the step and the envelope give run on each window, the others
    (:data:`rules.DOCUMENT_CHECKS`) once on every step's skeleton, the text let go meanwhile
    when it can be read again. None when the text must be read whole (see :mod:`streaming`)."""
    from . import streaming

    checks = all_checks(options.schema)
    alone = [index for index, (label, _) in enumerate(checks) if label not in rules.DOCUMENT_CHECKS]
    kinds: list[Kind] = []

    def prepare(envelope: dict[str, Any]) -> streaming.WindowChecks | None:
        kind = kind_of(envelope, windowed.name, options, settings)
        if not schema_rules.windowable(kind, options.schema):
            return None
        kinds[:] = [kind]
        return streaming.WindowChecks(functools.partial(_in_window, checks, kind, settings.options), alone)

    windows = streaming.read(windowed, prepare, options.jobs)
    if windows is None:
        return None
    windowed.let_go()  # (the document checks read the skeletons only)
    if options.skip_unrecognized and not (
        windows.marked or looks_like_workflow({**windows.envelope, "steps": []})  # (its other fields decide)
    ):
        return [], None
    found, envelope, kind = windows.found, windows.envelope, kinds[0]
    rest = [index for index in range(len(checks)) if index not in found]
    with workflow.one_document(leaves=False):  # (the document checks read no catalog leaf)
        done = run_checks(checks, rest, windows.skeletons, kind, settings.options)
    del windows  # (every step's skeleton: not kept while the text is read again)
    found.update((index, findings) for index, findings, _ in done)
    info = DocumentInfo(windowed.name, 0, kind)
    kept = _selected([f for index in sorted(found) for f in found[index]], windowed.name, settings, budget)
    if not kept:
        return [], info  # (nothing to locate: the text is not read again)
    text = windowed.text()
    if text is None:
        return None  # the file changed after its windows were read
    from .readers.json import JsonLocator

    document = Document(envelope, windowed.name, 0, JsonLocator(Lines(text)), text=text, fmt="json")
    return located(kept, document), info


def _in_window(checks: Checks, kind: Kind, options: RuleOptions, indexes: list[int], data: Any) -> list[Ran]:
    with workflow.one_document():
        return run_checks(checks, indexes, data, kind, options)


def _selected(
    findings: list[Finding], file: str, settings: config.Settings, budget: limits.Budget | None
) -> list[Finding]:
    """Those of ``findings`` (each check's in the checks' order) that the selection and the budget keep."""
    if not findings:
        return []  # (nothing to select, nothing spent: most documents)
    selected = settings.apply(findings, file)
    return (budget or new_budget()).take(selected) if selected else []


def new_budget() -> limits.Budget:
    """The findings one file may still report (see :mod:`civitai_schema.limits`)."""
    return limits.Budget(engine_rules.TOO_MANY_FINDINGS)


def prepare_workers(mode: SchemaMode, yaml: bool) -> None:
    """Build what forked workers should inherit rather than each build again."""
    schema_rules.prepare(mode)
    if yaml:
        from .readers import yaml as yaml_reader  # noqa: F401  (imported once here, not in every child)
