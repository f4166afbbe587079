"""The library API: check a Python object, a text, a file or many paths, and get a report.

Pure: nothing is printed, nothing exits, nothing touches the network, and nothing is written
but the files :func:`fix_files` is asked to fix. Reports and findings are frozen dataclasses, so
they pickle and cross process boundaries. The command line is built on this module alone (with
the configuration and the formatters): what it can do, a program can do through the same
:class:`Options` (see "The command line's runs" below).
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, NamedTuple

from . import config, jsonable, pipeline, sources
from .checker import Options
from .files import TooLarge
from .findings import DocumentInfo, Finding, Kind, Report, Severity, Span
from .pipeline import FixOutcome
from .processes import Terminated, terminate_on_sigterm
from .readers import Parsed, Problem
from .sources import STDIN
from .validators import SchemaMode

__all__ = [
    "STDIN",
    "DocumentInfo",
    "Finding",
    "FixOutcome",
    "InvalidWorkflowError",
    "Kind",
    "Options",
    "Overrides",
    "Report",
    "Severity",
    "Terminated",
    "check",
    "check_file",
    "check_inputs",
    "check_jsonl_inputs",
    "check_paths",
    "check_text",
    "clean_cache",
    "fix_files",
    "fix_text",
    "options",
    "resolver",
    "result_cache",
    "split_cache_dir",
    "terminate_on_sigterm",
    "validate",
]

if TYPE_CHECKING:
    from .cache import ResultCache

KindName = Literal["auto", "submission", "workflow"]
SchemaName = Literal["effective", "vendored"]


class InvalidWorkflowError(ValueError):
    """Raised by :func:`validate` when a document is not fit to submit; carries every finding.

    It pickles (``validate()`` inside a process pool sends it back to the parent): an exception
    pickles as its class and ``args``, and ``args`` here is the message, not the report, so
    unpickling called ``__init__`` with a string; :meth:`__reduce__` gives the report."""

    def __reduce__(self) -> tuple[type[InvalidWorkflowError], tuple[Report]]:
        return (type(self), (self.report,))

    def __init__(self, report: Report) -> None:
        self.report = report
        self.findings: tuple[Finding, ...] = report.findings
        errors = [f for f in report.findings if f.severity.rank >= 2]
        lines = [f"{f.path or '/'}: {f.code} {f.message}" for f in errors[:10]]
        if len(errors) > 10:
            lines.append(f"… and {len(errors) - 10} more")
        super().__init__(f"{len(errors)} error(s):\n" + "\n".join(lines))


_SETTINGS_FIELDS = frozenset(f.name for f in dataclasses.fields(config.Settings))


@dataclass(frozen=True)
class Overrides:
    """Settings given on the command line (or to the library), applied over whatever each
    configuration file says, in this order: the files, then ``fragments`` (``--config "key =
    value"``, in the order given; each key replaces the file's key, and each ``options`` key the
    file's option), then ``select`` (replaces the selection: ``select`` and ``extend-select``, as
    a ruff command line starts the selection afresh), ``extend_select`` and ``ignore`` (added to
    the file's) and ``per_file_ignores`` (added, a pattern given here replacing the file's same
    pattern; globs are relative to the configuration file's folder, as the file's own). An
    ignore wins over a selection, as within one file."""

    fragments: tuple[Mapping[str, Any], ...] = ()
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:  # every value checked as a configuration file's is
        for fragment in self.fragments:
            config.parse(fragment, Path("--config"))
        given: dict[str, Any] = {"extend-select": list(self.extend_select), "ignore": list(self.ignore)}
        given["per-file-ignores"] = {k: list(v) for k, v in self.per_file_ignores.items()}
        if self.select is not None:
            given["select"] = list(self.select)
        config.parse(given, Path("the command line"))

    def __bool__(self) -> bool:
        return bool(self.fragments or self.select is not None or self.extend_select or self.ignore) or bool(
            self.per_file_ignores
        )

    def apply(self, settings: config.Settings) -> config.Settings:
        for fragment in self.fragments:
            parsed = config.parse(fragment, Path("--config"))
            changes: dict[str, Any] = {}
            for key in fragment:
                if key.replace("-", "_") not in _SETTINGS_FIELDS:
                    continue  # a setting of the run, not of each file (cache-dir)
                if key == "options":
                    changes["options"] = settings.options.replaced(parsed.options, fragment["options"])
                else:
                    changes[key.replace("-", "_")] = getattr(parsed, key.replace("-", "_"))
            settings = dataclasses.replace(settings, **changes)
        if self.select is not None:
            settings = dataclasses.replace(settings, select=self.select, extend_select=())
        return dataclasses.replace(
            settings,
            extend_select=settings.extend_select + self.extend_select,
            ignore=settings.ignore + self.ignore,
            per_file_ignores={**settings.per_file_ignores, **self.per_file_ignores},
        )


class OverridingResolver(config.Resolver):
    """A :class:`config.Resolver` whose settings have :class:`Overrides` applied (once per
    configuration, so each file's settings stay one object, as per-path ignores are counted)."""

    _applied: dict[int, tuple[config.Settings, config.Settings]]

    def __init__(self, overrides: Overrides, *, config: Path | None = None, isolated: bool = False) -> None:
        super().__init__(config=config, isolated=isolated)
        self.overrides = overrides
        self._applied = {}

    def for_path(self, path: str) -> config.Settings:
        base = super().for_path(path)
        hit = self._applied.get(id(base))
        if hit is None or hit[0] is not base:
            hit = self._applied[id(base)] = (base, self.overrides.apply(base))
        return hit[1]


def resolver(
    *, config_file: str | os.PathLike[str] | None = None, isolated: bool = False, overrides: Overrides | None = None
) -> config.Resolver:
    """How the CLI finds each file's settings: ``config_file`` for every file, none with
    ``isolated``, else the closest configuration file above each file; ``overrides`` on top."""
    path = Path(config_file) if config_file is not None else None
    if overrides:
        return OverridingResolver(overrides, config=path, isolated=isolated)
    return config.Resolver(config=path, isolated=isolated)


Selectors = Iterable[str]


def options(
    *,
    kind: str | Kind = "auto",
    schema: str | SchemaMode = "effective",
    skip_unrecognized: bool = False,
    resolver: config.Resolver | None = None,
    select: Selectors | None = None,
    extend_select: Selectors = (),
    ignore: Selectors = (),
    per_file_ignores: Mapping[str, Selectors] | None = None,
    keep_sources: bool = True,
) -> Options:
    """The options object the checker takes, from the names the CLI and API use.

    ``select``, ``extend_select``, ``ignore`` and ``per_file_ignores`` are the configuration's
    keys (codes, prefixes or rule names), applied over the settings ``resolver`` finds (with no
    resolver, over the defaults: no configuration file is read). They are checked as a
    configuration file's are: a selector that names no rule raises :class:`config.ConfigError`.
    ``keep_sources=False`` keeps no file's text in the reports (only code frames and SARIF
    fixes need them)."""
    if str(kind) not in ("auto", "submission", "workflow"):
        raise ValueError(f"kind must be auto, submission or workflow, not {kind!r}")
    if str(schema) not in ("effective", "vendored"):
        raise ValueError(f"schema must be effective or vendored, not {schema!r}")
    # (with nothing to override, nothing to build or check: check() asks this for every document)
    given = select is not None or extend_select or ignore or per_file_ignores
    overrides = _overrides(select, extend_select, ignore, per_file_ignores) if given else None
    if overrides:
        if resolver is not None and not isinstance(resolver, OverridingResolver):
            resolver = _with_overrides(resolver, overrides)
        elif resolver is None:
            resolver = OverridingResolver(overrides, isolated=True)
    return Options(
        kind=None if str(kind) == "auto" else Kind(str(kind)),
        schema=SchemaMode(str(schema)),
        skip_unrecognized=skip_unrecognized,
        resolver=resolver,
        keep_sources=keep_sources,
    )


def _overrides(
    select: Selectors | None,
    extend_select: Selectors,
    ignore: Selectors,
    per_file_ignores: Mapping[str, Selectors] | None,
) -> Overrides:
    for name, value in (("select", select), ("extend_select", extend_select), ("ignore", ignore)):
        if isinstance(value, str):
            raise TypeError(f"{name} takes a list of selectors, not the string {value!r}")
    return Overrides(
        select=None if select is None else tuple(select),
        extend_select=tuple(extend_select),
        ignore=tuple(ignore),
        per_file_ignores={k: tuple(v) for k, v in (per_file_ignores or {}).items()},
    )


def _with_overrides(base: config.Resolver, overrides: Overrides) -> OverridingResolver:
    """``base``'s way of finding settings, with ``overrides`` on top."""
    wrapped = OverridingResolver(overrides)
    wrapped.fixed, wrapped._by_folder, wrapped._by_name = base.fixed, base._by_folder, base._by_name
    return wrapped


def check(
    document: Any,
    *,
    kind: KindName | Kind = "auto",
    schema: SchemaName | SchemaMode = "effective",
    select: Selectors | None = None,
    extend_select: Selectors = (),
    ignore: Selectors = (),
) -> Report:
    """Check an in-memory document (the dict you are about to POST, or a stored record).

    Lines and columns refer to ``json.dumps(document, indent=2)``. What JSON cannot carry as it
    is (a key that is not a string, an integer too long to print) is a finding, never a crash
    (see :mod:`civitai_schema.jsonable`). No configuration file is read (a document in memory
    has no folder); ``select``, ``extend_select`` and ``ignore`` choose the rules.
    """
    if select is None and not extend_select and not ignore:
        opts = _plain_options(str(kind), str(schema))
    else:
        opts = options(kind=kind, schema=schema, select=select, extend_select=extend_select, ignore=ignore)
    prepared = jsonable.prepare(document)
    if not prepared.findings:
        return pipeline.check_data(prepared.data, opts, tree=prepared.tree, plain=prepared.plain)
    return _check_prepared(prepared, opts)


@functools.cache  # (at most six entries: only valid names return, the others raise)
def _plain_options(kind: str, schema: str) -> Options:
    """The options of a check with no selection (an Options is frozen, so one object serves
    every call): building them anew was 2 % of checking a small document in memory."""
    return options(kind=kind, schema=schema)


def _check_prepared(prepared: jsonable.Prepared, opts: Options, name: str = "<object>") -> Report:
    """The report of a converted document, with the findings about what was converted located
    like the others (in ``json.dumps(document, indent=2)``); a document that cannot be checked
    gives those findings alone, as a file that cannot be parsed does."""
    if not prepared.checkable:
        start = Span(1, 1, 1, 2)
        return pipeline.check_parsed(Parsed(), name, opts, found=[f.located(name, start) for f in prepared.findings])
    return pipeline.check_data(prepared.data, opts, name, prepared.findings)


def check_text(
    text: str | bytes,
    *,
    filename: str = "<text>",
    format: Literal["json", "yaml"] | None = None,
    kind: KindName | Kind = "auto",
    schema: SchemaName | SchemaMode = "effective",
    select: Selectors | None = None,
    extend_select: Selectors = (),
    ignore: Selectors = (),
) -> Report:
    """Check JSON or YAML text; ``format`` defaults to what ``filename`` or the text suggests.
    No configuration file is read; ``select``, ``extend_select`` and ``ignore`` choose the rules."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text  # (lone surrogates: P104)
    opts = options(kind=kind, schema=schema, select=select, extend_select=extend_select, ignore=ignore)
    return pipeline.check_bytes(filename, raw, opts, format)


def _file_options(
    kind: KindName | Kind,
    schema: SchemaName | SchemaMode,
    *,
    config_file: str | os.PathLike[str] | None,
    isolated: bool,
    select: Selectors | None,
    extend_select: Selectors,
    ignore: Selectors,
    skip_unrecognized: bool = False,
) -> Options:
    overrides = _overrides(select, extend_select, ignore, None)
    found = resolver(config_file=config_file, isolated=isolated, overrides=overrides)
    return options(kind=kind, schema=schema, skip_unrecognized=skip_unrecognized, resolver=found)


def check_file(
    path: str | os.PathLike[str],
    *,
    kind: KindName | Kind = "auto",
    schema: SchemaName | SchemaMode = "effective",
    config: str | os.PathLike[str] | None = None,
    isolated: bool = False,
    select: Selectors | None = None,
    extend_select: Selectors = (),
    ignore: Selectors = (),
) -> Report:
    """Check one file; an unreadable file gives an ``unreadable-file`` finding.

    As the command line does, the file's configuration is found (the closest
    ``civitai-schema.toml``, ``.civitai-schema.toml`` or ``pyproject.toml`` with our table, in
    its folder or above): ``config`` names one file instead, ``isolated=True`` reads none.
    ``select``, ``extend_select`` and ``ignore`` go over the configuration, as the CLI's options."""
    opts = _file_options(
        kind, schema, config_file=config, isolated=isolated, select=select, extend_select=extend_select, ignore=ignore
    )
    return pipeline.check_path(os.fspath(path), opts)


def check_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    kind: KindName | Kind = "auto",
    schema: SchemaName | SchemaMode = "effective",
    skip_unrecognized: bool = False,
    jobs: int = 1,
    config: str | os.PathLike[str] | None = None,
    isolated: bool = False,
    select: Selectors | None = None,
    extend_select: Selectors = (),
    ignore: Selectors = (),
) -> Report:
    """Check files and folders (walked for ``*.json``, ``*.yaml``, ``*.yml``, or the
    configuration's ``include``), with each file's configuration found as :func:`check_file`
    finds it (``config``, ``isolated``, ``select``, ``extend_select``, ``ignore`` likewise).

    ``jobs`` is the CLI's ``-j``: how many processes to fork (0: one per core once a batch, or
    a single document, is large enough to pay for them). The default, 1, forks nothing."""
    opts = _file_options(
        kind,
        schema,
        config_file=config,
        isolated=isolated,
        select=select,
        extend_select=extend_select,
        ignore=ignore,
        skip_unrecognized=skip_unrecognized,
    )
    return pipeline.check_paths([os.fspath(p) for p in paths], opts, jobs=jobs)


def fix_text(
    text: str | bytes,
    *,
    filename: str = "<text>",
    format: Literal["json", "yaml"] | None = None,
    unsafe: bool = False,
    kind: KindName | Kind = "auto",
    schema: SchemaName | SchemaMode = "effective",
) -> FixOutcome:
    """Apply the fixes of JSON or YAML text; returns the text before and after, the findings that
    were fixed, and the report of what is left. Only the fixed values change; formatting, key
    order and comments stay. Unsafe fixes (which change meaning) only with ``unsafe=True``."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text  # (lone surrogates: P104)
    return pipeline.fix_bytes(filename, raw, options(kind=kind, schema=schema), unsafe=unsafe, fmt=format)


def validate(document: Any, *, kind: KindName | Kind = "auto", schema: SchemaName | SchemaMode = "effective") -> Report:
    """Check ``document`` and raise :class:`InvalidWorkflowError` if any finding is an error.

    Returns the report (warnings and infos included) when the document is fit to submit.
    """
    report = check(document, kind=kind, schema=schema)
    if not report.ok:
        raise InvalidWorkflowError(report)
    return report


# ------------------------------------------------------------------------------------------
# The command line's runs: paths and standard input ('-') with one options object.


def check_inputs(
    paths: Sequence[str],
    opts: Options,
    *,
    jobs: int = 1,
    stdin: BinaryIO | None = None,
    stdin_name: str | None = None,
    cache: ResultCache | None = None,
) -> Report:
    """Check paths, ``-`` standing for ``stdin`` (None: closed), as ``civitai-schema check``
    does. ``jobs`` is its ``-j`` (see :func:`check_paths`); standard input, checked by itself,
    may share a large document's checks between that many processes. ``cache`` (see
    :func:`result_cache`) answers the named files that have not changed; standard input is
    always checked afresh."""
    reports = []
    if STDIN in paths:
        label = stdin_name or "<stdin>"
        read = sources.from_bytes(label, sources.read_stream(stdin))
        reports.append(pipeline.check_source(read, dataclasses.replace(opts, jobs=jobs)))
    named = [path for path in paths if path != STDIN]
    if named:
        reports.append(pipeline.check_paths(named, dataclasses.replace(opts, cache=cache), jobs=jobs))
    return Report.merge(reports)


def split_cache_dir(values: Sequence[str], is_file: Callable[[str], bool]) -> tuple[tuple[str, ...], str | None]:
    """Take ``cache-dir`` (a setting of the run, not of each file) out of ``--config`` values:
    the other values, and the folder given, if any (see :func:`cache.split_fragments`)."""
    from . import cache

    return cache.split_fragments(tuple(values), is_file)


def result_cache(project: config.Resolver, cache_dir: str | None = None, *, off: bool = False) -> ResultCache | None:
    """The result cache ``civitai-schema check`` uses for named files, in the folder
    :func:`cache.folder_for` picks from the working folder's settings (``project``) and
    ``cache_dir``; None with ``off`` or ``CIVITAI_SCHEMA_NO_CACHE`` set."""
    from . import cache

    if off or cache.disabled():
        return None
    return cache.ResultCache(cache.folder_for(project.for_path(STDIN), cache_dir))


def clean_cache(project: config.Resolver) -> tuple[Path, bool]:
    """Remove the result cache a check from the working folder uses: its folder, and whether
    there was one. Raises ConfigError for a folder that is not our cache."""
    from . import cache

    folder = cache.folder_for(project.for_path(STDIN))
    return folder, cache.remove(folder)


class JsonlRun:
    """The reports of JSON Lines inputs, one per record (an input that cannot be opened gives its
    own report, and is not counted); iterate it once, then ``files`` and ``records`` count what
    was read."""

    def __init__(self, paths: Sequence[str], opts: Options, stdin: BinaryIO | None, stdin_name: str | None) -> None:
        self.paths, self.opts, self.stdin, self.stdin_name = paths, opts, stdin, stdin_name
        self.files = self.records = 0

    def __iter__(self) -> Iterator[Report]:
        for path in self.paths:
            label = (self.stdin_name or "<stdin>") if path == STDIN else path
            stream = sources.read_stdin_stream(self.stdin) if path == STDIN else sources.open_stream(path)
            if isinstance(stream, Problem):
                yield pipeline.not_read(label, stream)
                continue
            self.files += 1
            with stream:
                for report in pipeline.check_jsonl(label, stream, self.opts):
                    self.records += 1
                    yield report


def check_jsonl_inputs(
    paths: Sequence[str], opts: Options, *, stdin: BinaryIO | None = None, stdin_name: str | None = None
) -> JsonlRun:
    """Check JSON Lines inputs (``-``: ``stdin``), a report per record as it is read, so memory
    stays flat however long a stream is."""
    return JsonlRun(paths, opts, stdin, stdin_name)


class FileFix(NamedTuple):
    """What fixing one file gave: its outcome (the report is what the file holds afterwards),
    the bytes it held, and why it could not be replaced (None: it was, or was not asked to be)."""

    name: str
    outcome: FixOutcome
    raw: bytes = b""
    not_replaced: str | None = None

    def diff(self) -> str:
        """The change as a unified diff."""
        from .fixes import unified_diff

        return unified_diff(self.outcome.before, self.outcome.after, self.name)


def fix_files(
    paths: Sequence[str],
    opts: Options,
    *,
    unsafe: bool = False,
    write: bool = False,
    stdin: BinaryIO | None = None,
    stdin_name: str | None = None,
) -> Iterator[FileFix]:
    """Fix every file of ``paths`` (``-`` alone: ``stdin``, never written), one outcome per file
    as it is done; with ``write``, each changed file is replaced (:func:`saving.replace`: a file
    changed meanwhile, or a link leading out of a folder named here, is left as it is)."""
    from . import saving

    if tuple(paths) == (STDIN,):
        label = stdin_name or "<stdin>"
        raw = sources.read_stream(stdin)
        if isinstance(raw, Problem):
            yield FileFix(label, FixOutcome("", "", (), pipeline.not_read(label, raw)))
        else:
            yield FileFix(label, pipeline.fix_bytes(label, raw, opts, unsafe=unsafe), raw)
        return
    for named in paths:
        # A folder named here is the tree its files were found in: a link inside it is followed
        # only to a file inside it. A file named here is followed wherever its link points.
        tree = named if os.path.isdir(named) else None
        for path in sources.discover([named], opts.settings_for):
            read = sources.read_snapshot(path)
            if isinstance(read, Problem):
                yield FileFix(path, FixOutcome("", "", (), pipeline.not_read(path, read)))
                continue
            raw, snapshot = read
            outcome = pipeline.fix_bytes(path, raw, opts, unsafe=unsafe)
            if write and outcome.changed:
                try:
                    saving.replace(path, with_bom(raw, outcome.after.encode("utf-8")), snapshot, tree=tree)
                except saving.NotReplaced as exc:  # what the file still holds
                    yield FileFix(
                        path, outcome._replace(report=pipeline.check_bytes(path, raw, opts)), raw, exc.strerror
                    )
                    continue
            yield FileFix(path, outcome, raw)


def with_bom(raw: bytes, fixed: bytes) -> bytes:
    """The fixed bytes of a file, with the UTF-8 byte-order mark it started with, if any."""
    bom = codecs.BOM_UTF8
    return bom + fixed if raw.startswith(bom) else fixed


def unreadable(report: Report) -> bool:
    """Whether a path could not be read (the command line then exits 2)."""
    from .rules import parse

    return any(f.code == parse.UNREADABLE_FILE.code for f in report.findings)


# ------------------------------------------------------------------------------------------
# What else the command line tells: provenance, the schema, the rules, enum coverage. (Its
# language server is an edge of its own, civitai_schema.lsp, which is built on this module.)


def provenance_text() -> str:
    """The date of the API document the catalog was compiled from, and where the vendored
    documents come from (their provenance files), as ``--version`` prints them."""
    import json

    from . import catalog
    from .validators import PROVENANCE_FILE, schema_dir

    lines = []
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


def schema_text(kind: KindName | Kind = "submission", *, vendored: bool = False) -> str:
    """The effective JSON Schema of a document kind (for editors), or the vendored file as it is."""
    import json

    from .validators import schema_for, vendored_bytes

    if vendored:
        return vendored_bytes().decode("utf-8")
    return json.dumps(schema_for(Kind(kind), SchemaMode.EFFECTIVE), indent=2, ensure_ascii=False) + "\n"


def rule_reference(*, markdown: bool = False) -> str:
    """Every rule: a table, or the Markdown reference (docs/rules.md)."""
    from . import rule_docs

    return rule_docs.markdown() if markdown else rule_docs.table()


def rule_text(code_or_name: str) -> str | None:
    """The documentation of one rule, by code (S104) or name (unknown-key); None: no such rule."""
    from . import rules

    rule = rules.lookup(code_or_name)
    if rule is None:
        return None
    fixable = (
        f"\nFixable: {rule.fixable} (civitai-schema check --fix{' --unsafe-fixes' if 'unsafe' in rule.fixable else ''})"
        if rule.fixable
        else ""
    )
    from .rule_docs import rule_url

    doc = f"{rule.summary}\n\n{rule.doc.strip()}\n\nOnline: {rule_url(rule)}"
    return f"{rule.code} {rule.name} ({rule.severity.value}){fixable}\n\n{doc}"


class Coverage(NamedTuple):
    """Which values of the API's enums the documents use: a row per enum, the documents read,
    and the files skipped with the reason."""

    rows: list[Any]
    documents: int
    skipped: list[tuple[str, str]]


def coverage(paths: Iterable[str]) -> Coverage:
    """The enum coverage of the documents under ``paths`` (files that cannot be read are skipped)."""
    from . import coverage as measured
    from . import readers

    documents: list[Any] = []
    skipped: list[tuple[str, str]] = []
    for path in sources.discover(paths):
        try:
            raw = sources.read_regular_file(path)
        except (OSError, TooLarge) as exc:
            skipped.append((path, str(getattr(exc, "strerror", None) or exc)))
            continue
        documents.extend(d.data for d in readers.read(path, raw).documents)
    return Coverage(measured.measure(documents), len(documents), skipped)
