"""The library API: check a Python object, a text, a file or many paths, and get a report.

Pure: nothing is printed, nothing exits, nothing is written, nothing touches the network.
Reports and findings are frozen dataclasses, so they pickle and cross process boundaries.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import checker, config, readers
from .documents import Document
from .findings import Finding, Kind, Report, Span
from .schema import SchemaMode

if TYPE_CHECKING:
    from .jsonable import Prepared

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
                if key == "options":
                    names = [name.replace("-", "_") for name in fragment["options"]]
                    picked = {name: getattr(parsed.options, name) for name in names}
                    changes["options"] = dataclasses.replace(settings.options, **picked)
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
) -> checker.Options:
    """The options object the checker takes, from the names the CLI and API use.

    ``select``, ``extend_select``, ``ignore`` and ``per_file_ignores`` are the configuration's
    keys (codes, prefixes or rule names), applied over the settings ``resolver`` finds (with no
    resolver, over the defaults: no configuration file is read). They are checked as a
    configuration file's are: a selector that names no rule raises :class:`config.ConfigError`."""
    if str(kind) not in ("auto", "submission", "workflow"):
        raise ValueError(f"kind must be auto, submission or workflow, not {kind!r}")
    if str(schema) not in ("effective", "vendored"):
        raise ValueError(f"schema must be effective or vendored, not {schema!r}")
    overrides = _overrides(select, extend_select, ignore, per_file_ignores)
    if overrides:
        if resolver is not None and not isinstance(resolver, OverridingResolver):
            resolver = _with_overrides(resolver, overrides)
        elif resolver is None:
            resolver = OverridingResolver(overrides, isolated=True)
    return checker.Options(
        kind=None if str(kind) == "auto" else Kind(str(kind)),
        schema=SchemaMode(str(schema)),
        skip_unrecognized=skip_unrecognized,
        resolver=resolver,
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
    from . import jsonable

    opts = options(kind=kind, schema=schema, select=select, extend_select=extend_select, ignore=ignore)
    prepared = jsonable.prepare(document)
    if not prepared.findings:
        return checker.check_data(prepared.data, opts)
    return _check_prepared(prepared, opts)


def _check_prepared(prepared: Prepared, opts: checker.Options, name: str = "<object>") -> Report:
    """The report of a converted document, with the findings about what was converted located
    like the others (in ``json.dumps(document, indent=2)``); a document that cannot be checked
    gives those findings alone, as a file that cannot be parsed does."""
    if not prepared.checkable:
        start = Span(1, 1, 1, 2)
        return checker.check_parsed(
            readers.Parsed(findings=[f.located(name, start) for f in prepared.findings]), name, opts
        )
    document = Document(prepared.data, name, 0, checker._DumpLocator(prepared.data), findings=list(prepared.findings))
    return checker.check_parsed(readers.Parsed(documents=[document]), name, opts)


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
    return checker.check_bytes(filename, raw, opts, format)


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
) -> checker.Options:
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
    return checker.check_path(os.fspath(path), opts)


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
    return checker.check_paths([os.fspath(p) for p in paths], opts, jobs=jobs)


def fix_text(
    text: str | bytes,
    *,
    filename: str = "<text>",
    format: Literal["json", "yaml"] | None = None,
    unsafe: bool = False,
    kind: KindName | Kind = "auto",
    schema: SchemaName | SchemaMode = "effective",
) -> checker.FixOutcome:
    """Apply the fixes of JSON or YAML text; returns the text before and after, the findings that
    were fixed, and the report of what is left. Only the fixed values change; formatting, key
    order and comments stay. Unsafe fixes (which change meaning) only with ``unsafe=True``."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text  # (lone surrogates: P104)
    return checker.fix_bytes(filename, raw, options(kind=kind, schema=schema), unsafe=unsafe, fmt=format)


def validate(document: Any, *, kind: KindName | Kind = "auto", schema: SchemaName | SchemaMode = "effective") -> Report:
    """Check ``document`` and raise :class:`InvalidWorkflowError` if any finding is an error.

    Returns the report (warnings and infos included) when the document is fit to submit.
    """
    report = check(document, kind=kind, schema=schema)
    if not report.ok:
        raise InvalidWorkflowError(report)
    return report
