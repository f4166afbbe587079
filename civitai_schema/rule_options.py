"""The values of the knobs some rules have, set in the configuration's ``[options]`` table.

Each option is declared next to the rule that reads it (:class:`civitai_schema.rules.rule.Option`:
name, type, default, doc), which reads its value with ``OPTION.of(options)``; this is only the
set of values a configuration gives, by option name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, init=False)
class RuleOptions:
    """The options a configuration sets, by name (``"extra-ecosystems"``); an option not set
    here has its declared default."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "values", dict(values or {}))

    def replaced(self, other: RuleOptions, names: Iterable[str]) -> RuleOptions:
        """These options with the values of ``names`` taken from ``other`` (their defaults
        when ``other`` does not set them): what a ``--config "options.x = …"`` does."""
        wanted = frozenset(names)
        merged = {name: value for name, value in self.values.items() if name not in wanted}
        merged.update({name: other.values[name] for name in wanted if name in other.values})
        return RuleOptions(merged)

    def __hash__(self) -> int:  # a value, though a table option is a dict: rules cache results per options
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash(tuple(sorted((name, _hashable(value)) for name, value in self.values.items())))


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((key, _hashable(item)) for key, item in value.items()))
    if isinstance(value, (list, set)):
        return tuple(sorted(map(_hashable, value)))
    return value


DEFAULT_OPTIONS = RuleOptions()
