"""Configuration: ``[tool.civitai-schema]`` in ``pyproject.toml``, or ``civitai-schema.toml`` /
``.civitai-schema.toml``, found from each checked file's folder upward (the closest wins).

Everything here is validated when it is read: an unknown key, a selector that names no rule or a
value of the wrong type raises :class:`ConfigError` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import files, globs, rules
from .findings import Finding, Kind, Severity
from .rule_options import DEFAULT_OPTIONS, RuleOptions
from .rules.rule import OptionError
from .suggest import did_you_mean


def _toml() -> Any:
    """The TOML reader, imported when a configuration file is read (not at start-up)."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # type: ignore[import-not-found,unused-ignore]  # pragma: no cover - Python 3.10

    return tomli  # pragma: no cover


CONFIG_FILES = ("civitai-schema.toml", ".civitai-schema.toml", "pyproject.toml")

# Every way TOML can open the table tool.civitai-schema writes one of these: a dotted name
# (``[tool.civitai-schema]``, ``tool."civitai-schema".select = ...``), a bare ``[tool]`` table
# or an inline ``tool = {...}``; an escaped key (``\u``) could hide either. A pyproject.toml
# with none of them (one that only lists us as a dependency, say) needs no TOML parser.
_MAY_HOLD_OUR_TABLE = re.compile(
    rb"""tool["']?\s*\.\s*["']?civitai-schema|^\s*\[\s*["']?tool["']?\s*\]|^\s*["']?tool["']?\s*=|\\[uU]""",
    re.M,
)
DEFAULT_INCLUDE = ("*.json", "*.yaml", "*.yml")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


class PathIgnore(NamedTuple):
    """Rules to ignore at JSON Pointers matching ``pointer`` in files matching ``files``."""

    files: str
    pointer: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    """What to check and how to report it; one per configuration file (or the defaults)."""

    root: Path | None = None  # the folder globs are relative to
    source: Path | None = None  # the file the settings came from
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    per_path_ignores: tuple[PathIgnore, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    kind: Mapping[str, Kind] = field(default_factory=dict)
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    # A folder walk leaves out what git ignores (ignore_files); files named are checked anyway.
    respect_gitignore: bool = True
    options: RuleOptions = DEFAULT_OPTIONS

    def enabled(self, code: str) -> bool:
        return code in self._enabled()

    def _enabled(self) -> frozenset[str]:
        return _enabled_codes(tuple(self.select), tuple(self.extend_select), tuple(self.ignore))

    def relative(self, path: str) -> str:
        """``path`` relative to the settings' folder, with '/' separators, for glob matching."""
        return _relative(self.root, path)

    def kind_for(self, path: str) -> Kind | None:
        if not self.kind:
            return None
        relative = self.relative(path)
        return next((kind for pattern, kind in self.kind.items() if glob_match(pattern, relative)), None)

    def excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        relative = self.relative(path)
        return any(glob_match(pattern, relative) for pattern in self.exclude)

    def included(self, path: str) -> bool:
        # File extensions vary in case (.YML, .Json); include patterns match either way.
        relative = self.relative(path)
        return any(glob_match(pattern, relative, ignore_case=True) for pattern in self.include)

    def apply(self, findings: Iterable[Finding], path: str) -> list[Finding]:
        """Drop findings of rules not selected or ignored for this file; re-level the rest."""
        findings = list(findings)
        if not findings:
            return []
        enabled = self._enabled()
        if self.per_file_ignores:
            relative = self.relative(path)
            for pattern, selectors in self.per_file_ignores.items():
                if glob_match(pattern, relative):
                    enabled = enabled.difference(*map(codes_for, selectors))
        kept = [finding for finding in findings if finding.code in enabled]
        if not self.severity:
            return kept
        severity = self.severity
        return [f if (level := severity.get(f.code)) is None else f.with_severity(level) for f in kept]

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": str(self.source) if self.source else None,
            "select": list(self.select),
            "extend-select": list(self.extend_select),
            "ignore": list(self.ignore),
            "per-file-ignores": {k: list(v) for k, v in self.per_file_ignores.items()},
            "per-path-ignores": [
                {"files": p.files, "path": p.pointer, "rules": list(p.rules)} for p in self.per_path_ignores
            ],
            "severity": {k: v.value for k, v in self.severity.items()},
            "kind": {k: v.value for k, v in self.kind.items()},
            "include": list(self.include),
            "exclude": list(self.exclude),
            "respect-gitignore": self.respect_gitignore,
            "options": {option.name: option.type.show(option.of(self.options)) for option in rules.OPTIONS},
            "enabled-rules": [code for code in rules.REGISTRY if self.enabled(code)],
        }


DEFAULT = Settings()


@functools.lru_cache(maxsize=4096)  # asked several times per file (select, kind, ignores)
def _relative(root: Path | None, path: str) -> str:
    if root is not None:
        try:
            return globs.posix(str(Path(os.path.realpath(path)).relative_to(root)))
        except ValueError:
            pass
    return globs.posix(str(Path(path)))


@functools.lru_cache(maxsize=1024)  # asked for every finding (select, ignore, per-file ignores)
def codes_for(selector: str) -> frozenset[str]:
    """The codes a selector names: ``ALL``, a code prefix (``A1``, ``N104``) or a rule name. The
    empty string names none (as a prefix it would name every rule: ``ignore = [""]`` hid all)."""
    if not selector:
        return frozenset()
    if selector == "ALL":
        return frozenset(rules.REGISTRY)
    rule = rules.lookup(selector)
    if rule is not None and (selector.lower() == rule.name or selector.upper() == rule.code):
        return frozenset({rule.code})
    return frozenset(code for code in rules.REGISTRY if code.startswith(selector.upper()))


@functools.lru_cache(maxsize=64)  # (one per selection in use: asked for every file with findings)
def _enabled_codes(select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """The codes a selection turns on: selected or extended, and not ignored."""
    chosen = frozenset().union(*map(codes_for, select), *map(codes_for, extend_select))
    return chosen.difference(*map(codes_for, ignore))


def glob_match(pattern: str, relative: str, *, ignore_case: bool = False) -> bool:
    """Glob matching with ``**`` for any number of folders; a pattern that matches a folder
    matches everything in it (see :mod:`civitai_schema.globs`: linear in the path)."""
    return globs.compiled(pattern, ignore_case).match(relative)


# ------------------------------------------------------------------------------------------
# Reading configuration files.

# ("cache-dir" is a setting of the run, read by civitai_schema.cache from the project's file.)
_TOP_KEYS = {
    "select", "extend-select", "ignore", "per-file-ignores", "per-path-ignores", "severity", "kind",
    "include", "exclude", "respect-gitignore", "options", "cache-dir",
}  # fmt: skip
_ENTRY_KEYS = ("files", "path", "rules")  # of a per-path-ignores entry
_SEVERITIES = ("error", "warning", "info")
_KINDS = ("submission", "workflow")


def _rule_hint(selector: str) -> str:
    """'; did you mean "unknown-key"?' for a selector that names no rule: the nearest rule name
    or code (a prefix such as ``N10`` is a valid selector already)."""
    names = [name for rule in rules.REGISTRY.values() for name in (rule.name, rule.code)]
    return did_you_mean(selector, names)


def load(path: Path) -> Settings:
    """Settings from one file (``pyproject.toml`` uses its ``[tool.civitai-schema]`` table)."""
    toml = _toml()
    try:
        data = toml.loads(files.read_regular_file(str(path), MAX_CONFIG_BYTES).decode("utf-8"))
    except files.TooLarge:
        raise ConfigError(
            f"{path}: larger than {MAX_CONFIG_BYTES // 2**20} MiB; a configuration is a few lines"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (toml.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    if path.name == "pyproject.toml":
        table = _our_table(data)
        data = {} if table is None else table  # (no table of ours: the defaults)
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: tool.civitai-schema: expected a table")
    return parse(data, path)


MAX_CONFIG_BYTES = 4 * 2**20  # (pyproject.toml files can be long, but not this long)


def _our_table(document: dict[str, Any]) -> Any:
    """``[tool.civitai-schema]`` of a pyproject.toml, or None when it has none."""
    tool = document.get("tool")
    return tool.get("civitai-schema") if isinstance(tool, dict) else None


def parse(data: Mapping[str, Any], path: Path | None = None) -> Settings:
    where = str(path) if path else "settings"

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {message}")

    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        hint = did_you_mean(unknown[0], sorted(_TOP_KEYS))
        raise fail(unknown[0], f"unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}{hint}")

    def strings(key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "expected a list of strings")
        return tuple(value)

    def selectors(key: str, value: Any) -> tuple[str, ...]:
        items = strings(key, value)
        for item in items:
            if not codes_for(item):
                hint = _rule_hint(item)
                raise fail(key, f'"{item}" names no rule; use ALL, a code prefix (A, N104) or a rule name{hint}')
        return items

    def table(key: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise fail(key, "expected a table")
        return value

    severity: dict[str, Severity] = {}
    for selector, level in table("severity", data.get("severity", {})).items():
        if level not in _SEVERITIES:
            hint = did_you_mean(level, _SEVERITIES) if isinstance(level, str) else ""
            raise fail(f"severity.{selector}", f'"{level}" is not a severity; allowed: error, warning, info{hint}')
        codes = codes_for(selector)
        if not codes:
            raise fail(f"severity.{selector}", f"names no rule{_rule_hint(selector)}")
        severity.update(dict.fromkeys(codes, Severity(level)))
    kinds: dict[str, Kind] = {}
    for pattern, kind in table("kind", data.get("kind", {})).items():
        if kind not in _KINDS:
            hint = did_you_mean(kind, _KINDS) if isinstance(kind, str) else ""
            raise fail(f"kind.{pattern}", f'"{kind}" is not a kind; allowed: submission, workflow{hint}')
        kinds[pattern] = Kind(kind)
    per_file = {
        pattern: selectors(f"per-file-ignores.{pattern}", value)
        for pattern, value in table("per-file-ignores", data.get("per-file-ignores", {})).items()
    }
    per_path = []
    entries = data.get("per-path-ignores", [])
    if not isinstance(entries, list):
        raise fail("per-path-ignores", "expected an array of tables with files, path and rules")
    for i, raw_entry in enumerate(entries):
        key = f"per-path-ignores[{i}]"
        entry = table(key, raw_entry)
        extra = sorted(set(entry) - set(_ENTRY_KEYS))
        if extra or not isinstance(entry.get("files"), str) or not isinstance(entry.get("path"), str):
            what = f'unknown key "{extra[0]}"; ' if extra else ""
            hint = did_you_mean(extra[0], _ENTRY_KEYS) if extra else ""
            raise fail(key, f"{what}expected files (a glob), path (a JSON Pointer pattern) and rules{hint}")
        if entry["path"] and not entry["path"].startswith("/"):
            raise fail(f"{key}.path", "a JSON Pointer pattern starts with '/' (or is empty for the whole document)")
        per_path.append(
            PathIgnore(entry["files"], entry["path"], selectors(f"{key}.rules", entry.get("rules", ["ALL"])))
        )
    rule_options = _rule_options(table("options", data.get("options", {})), fail)
    respect_gitignore = data.get("respect-gitignore", True)
    if not isinstance(respect_gitignore, bool):
        raise fail("respect-gitignore", "expected true or false")
    return Settings(
        root=path.parent.resolve() if path else None,
        source=path,
        select=selectors("select", data.get("select", ["ALL"])),
        extend_select=selectors("extend-select", data.get("extend-select", [])),
        ignore=selectors("ignore", data.get("ignore", [])),
        per_file_ignores=per_file,
        per_path_ignores=tuple(per_path),
        severity=severity,
        kind=kinds,
        include=strings("include", data.get("include", list(DEFAULT_INCLUDE))),
        exclude=strings("exclude", data.get("exclude", [])),
        respect_gitignore=respect_gitignore,
        options=rule_options,
    )


def _rule_options(given: Mapping[str, Any], fail: Callable[[str, str], ConfigError]) -> RuleOptions:
    """The ``[options]`` table, each option validated by the type its rule declares it with
    (:data:`rules.OPTIONS`); an error names the option's key (and the entry of a table)."""
    declared = {option.name: option for option in rules.OPTIONS}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        hint = did_you_mean(unknown[0], sorted(declared))
        raise fail(f"options.{unknown[0]}", f"unknown option; allowed: {', '.join(sorted(declared))}{hint}")
    values: dict[str, Any] = {}
    for name, raw in given.items():
        try:
            values[name] = declared[name].type.read(raw)
        except OptionError as error:
            raise fail(f"options.{name}" + (f".{error.key}" if error.key is not None else ""), error.message) from None
    return RuleOptions(values)


class Resolver:
    """Finds the settings for each file: ``--config`` for all, none with ``--isolated``, or the
    closest configuration file above the file (memoised per folder). One resolver serves one
    run in one working folder: relative paths are remembered as written."""

    def __init__(self, *, config: Path | None = None, isolated: bool = False) -> None:
        self.fixed = DEFAULT if isolated else (load(config) if config else None)
        self._by_folder: dict[Path, Settings] = {}
        self._by_name: dict[str, Settings] = {}  # by folder as written, to skip resolving links

    def for_path(self, path: str) -> Settings:
        if self.fixed is not None:
            return self.fixed
        written = os.path.dirname(path) if path != "-" else "-"  # (asked for each file three times)
        found = self._by_name.get(written)
        if found is None:
            folder = os.path.dirname(os.path.abspath(path)) if path != "-" else os.getcwd()
            found = self._by_name[written] = self._for_folder(Path(os.path.realpath(folder)))
        return found

    def _for_folder(self, folder: Path) -> Settings:
        if folder in self._by_folder:
            return self._by_folder[folder]
        found = _config_in(folder)
        if found is not None:
            settings = load(found)
        elif folder.parent != folder:
            settings = self._for_folder(folder.parent)
        else:
            settings = DEFAULT
        self._by_folder[folder] = settings
        return settings


def _config_in(folder: Path) -> Path | None:
    for name in CONFIG_FILES:
        candidate = folder / name
        if not candidate.is_file():
            continue
        if name != "pyproject.toml":
            return candidate
        try:
            raw = files.read_regular_file(str(candidate), MAX_CONFIG_BYTES)
        except (OSError, files.TooLarge):
            raise ConfigError(f"{candidate}: cannot read it (or larger than {MAX_CONFIG_BYTES // 2**20} MiB)") from None
        if b"civitai-schema" not in raw or not _MAY_HOLD_OUR_TABLE.search(raw):
            continue  # no table of ours (the usual pyproject.toml): no TOML parser needed
        toml = _toml()
        try:
            if _our_table(toml.loads(raw.decode("utf-8"))) is not None:
                return candidate
        except (toml.TOMLDecodeError, UnicodeDecodeError, RecursionError):
            raise ConfigError(f"{candidate}: not valid TOML") from None
    return None
