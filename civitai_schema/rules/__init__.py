"""The rule registry: every code a finding can carry, with its documentation.

Each family lives in its own module and lists its rules explicitly; :data:`REGISTRY` is the
union, keyed by code. A rule's ``doc`` is the user documentation (``civitai-schema rules``
prints it), so the docs cannot drift from the code that emits the finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..findings import Finding, Kind
from ..options import RuleOptions
from . import air, dimensions, engine, graph, hygiene, inputs, parse, records, schema, suppression
from .rule import Rule

__all__ = ["CHECKS", "COST", "DOCUMENT_CHECKS", "REGISTRY", "Rule", "lookup"]

Check = Callable[[Any, Kind, RuleOptions], Iterable[Finding]]

# The lint checks that run after schema validation, in order, each with the label an
# internal-error finding names if it crashes.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("AIR checks", air.check),
    ("input checks", inputs.check),
    ("dimension checks", dimensions.check),
    ("video chain checks", dimensions.check_video_chain),
    ("step graph checks", graph.check),
    ("submission hygiene checks", hygiene.check),
    ("record checks", records.check),
)


# The checks that read more than one step at a time: step names and references, and what a video
# step takes from its source. Every other check finds in a step only what that step and the
# document's other members give, so a large document can be checked a window of steps at a time
# (civitai_schema.streaming); these then run once, on every step's skeleton (workflow.skeleton),
# which keeps all they read of a step.
DOCUMENT_CHECKS = frozenset({"step graph checks", "video chain checks"})


# What each check costs per step, in microseconds (benchmarks/rule_cost.py and a 185,000-step
# document, on this project's machine). Used only to share a large document's checks fairly
# between processes; a check not listed counts 1.
COST: dict[str, float] = {
    "schema validation": 0.5,
    "AIR checks": 2.3,
    "input checks": 1.6,
    "dimension checks": 1.7,
    "video chain checks": 0.1,
    "step graph checks": 0.9,
    "submission hygiene checks": 0.2,
    "record checks": 0.1,
}


def _index(*families: tuple[Rule, ...]) -> dict[str, Rule]:
    registry: dict[str, Rule] = {}
    names: set[str] = set()
    for family in families:
        for rule in family:
            if rule.code in registry or rule.name in names:
                raise ValueError(f"rule {rule.code} {rule.name} is registered twice")
            registry[rule.code] = rule
            names.add(rule.name)
    return registry


REGISTRY: dict[str, Rule] = _index(
    parse.RULES,
    schema.RULES,
    air.RULES,
    inputs.RULES,
    dimensions.RULES,
    graph.RULES,
    hygiene.RULES,
    records.RULES,
    suppression.RULES,
    engine.RULES,
)


def lookup(code_or_name: str) -> Rule | None:
    """The rule with this code (case-insensitive) or kebab-case name."""
    wanted = code_or_name.strip()
    rule = REGISTRY.get(wanted.upper())
    if rule is not None:
        return rule
    return next((r for r in REGISTRY.values() if r.name == wanted.lower()), None)
