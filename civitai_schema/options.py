"""The knobs some rules have, set in the configuration's ``[options]`` table."""

from __future__ import annotations

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


DEFAULT_OPTIONS = RuleOptions()
