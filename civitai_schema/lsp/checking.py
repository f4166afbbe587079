"""What the server asks of the engine: check an editor's text as the command line checks a file,
with the same recognition as the pre-commit hook, configuration discovery and rule selection.

The library's ``check_text`` and ``fix_text`` take no configuration, so this is the one place
that reaches past them, to :func:`civitai_schema.api.options` and the checker functions they wrap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import checker, config, pipeline
from ..api import options as make_options
from ..findings import Finding, Report, Span
from ..rules import engine as engine_rules


@dataclass(frozen=True)
class Outcome:
    """One check of one text: the report, and why the configuration could not be used, if so."""

    report: Report
    config_problem: str | None = None


class Engine:
    """Checks texts by the path they would have on disk (so the closest configuration file
    applies), skipping documents that are not Civitai workflows, as the hook does."""

    def __init__(self, *, config_path: str | None = None, isolated: bool = False) -> None:
        self.config_path = config_path
        self.isolated = isolated
        self.reload()

    def reload(self) -> None:
        """Forget every configuration read so far (a configuration file changed)."""
        self.problem: str | None = None
        try:
            self.resolver = config.Resolver(
                config=Path(self.config_path) if self.config_path else None, isolated=self.isolated
            )
        except config.ConfigError as exc:
            self.problem = str(exc)
            self.resolver = config.Resolver(isolated=True)

    def _options(self, resolver: config.Resolver) -> checker.Options:
        return make_options(skip_unrecognized=True, resolver=resolver)

    def settings_for(self, path: str) -> config.Settings:
        try:
            return self.resolver.for_path(path)
        except config.ConfigError:
            return config.DEFAULT

    def check(self, path: str, text: str, fmt: str) -> Outcome:
        raw = text.encode("utf-8", "surrogatepass")
        problem = self.problem
        try:
            self.resolver.for_path(path)  # (raises here, not inside the check, for a bad file)
            resolver = self.resolver
        except config.ConfigError as exc:
            problem, resolver = str(exc), config.Resolver(isolated=True)
        try:
            report = pipeline.check_bytes(path, raw, self._options(resolver), fmt)
        except Exception as exc:  # the engine turns a crashing rule into X001; this is anything else
            report = crashed(path, exc)
        return Outcome(report, problem)

    def fix(self, path: str, text: str, fmt: str, *, unsafe: bool = False) -> str:
        """The text with every safe (or also unsafe) fix applied, re-checked between passes."""
        raw = text.encode("utf-8", "surrogatepass")
        try:
            resolver = self.resolver
            resolver.for_path(path)
        except config.ConfigError:
            resolver = config.Resolver(isolated=True)
        outcome = pipeline.fix_bytes(path, raw, self._options(resolver), unsafe=unsafe, fmt=fmt)
        return outcome.after if outcome.changed else text


def crashed(path: str, exc: BaseException) -> Report:
    """A report holding one internal-error finding: the server keeps running."""
    message = f"the check crashed: {type(exc).__name__}: {exc}"[:300]
    finding: Finding = engine_rules.INTERNAL_ERROR.finding(message).located(path, Span(1, 1, 1, 2))
    return Report((finding,), (), files=1)


def document_format(path: str, language_id: str | None) -> str | None:
    """``json`` or ``yaml`` for a document the server checks, or None for any other."""
    lowered = path.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith((".yaml", ".yml")):
        return "yaml"
    if language_id in ("json", "jsonc"):
        return "json"
    if language_id == "yaml":
        return "yaml"
    return None


def is_config_file(path: str) -> bool:
    return os.path.basename(path) in config.CONFIG_FILES
