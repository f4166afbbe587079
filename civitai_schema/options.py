"""The knobs some rules have, set in the configuration's ``[options]`` table."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RuleOptions:
    """The knobs some rules have."""

    extra_ecosystems: frozenset[str] = frozenset()
    extra_sources: frozenset[str] = frozenset()
    extra_resource_types: frozenset[str] = frozenset()
    allowed_callback_hosts: frozenset[str] = frozenset()
    pixel_budget: Mapping[str, float] = field(default_factory=dict)  # base model → highest ratio to native

    def __hash__(self) -> int:  # a value, though pixel_budget is a dict: rules cache results per options
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        fields = (self.extra_ecosystems, self.extra_sources, self.extra_resource_types, self.allowed_callback_hosts)
        return hash((*fields, tuple(sorted(self.pixel_budget.items()))))


DEFAULT_OPTIONS = RuleOptions()
