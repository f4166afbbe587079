"""The rule registry: every code a finding can carry, with its documentation, the checks that
find them and the options they read.

Each family lives in its own module and lists its rules, its checks (:class:`FamilyCheck`:
label, function, cost, whether it reads many steps) and its options explicitly; :data:`REGISTRY`
is the union of the rules, keyed by code, :data:`LINT_CHECKS` of the checks, :data:`OPTIONS`
of the options. A rule's ``doc`` is the user documentation (``civitai-schema rules``
prints it), so the docs cannot drift from the code that emits the finding.
"""

from __future__ import annotations

from typing import Any

from ..validators import SchemaMode
from . import air, dimensions, engine, graph, hygiene, inputs, parse, records, schema, suppression
from .rule import CheckFunction, FamilyCheck, Option, Rule

__all__ = [
    "CHECKS",
    "COST",
    "DOCUMENT_CHECKS",
    "LINT_CHECKS",
    "OPTIONS",
    "REGISTRY",
    "FamilyCheck",
    "Option",
    "Rule",
    "all_checks",
    "lookup",
]

# The type of a check's function (what checker.py and streaming.py name).
Check = CheckFunction

# The lint checks that run after schema validation, in the order their findings are reported.
LINT_CHECKS: tuple[FamilyCheck, ...] = (
    *air.CHECKS,
    *inputs.CHECKS,
    *dimensions.CHECKS,
    *graph.CHECKS,
    *hygiene.CHECKS,
    *records.CHECKS,
)


def all_checks(mode: SchemaMode) -> tuple[FamilyCheck, ...]:
    """Every check of a document under the schema ``mode``, in the order findings are reported."""
    return (schema.validation(mode), *LINT_CHECKS)


# Views of the entries by label, as checker.py and streaming.py read them: (label, function) in
# order, the labels of the checks that read many steps, and each check's cost per step (a label
# not listed counts 1).
CHECKS: tuple[tuple[str, Check], ...] = tuple((c.label, c.run) for c in LINT_CHECKS)
DOCUMENT_CHECKS = frozenset(c.label for c in LINT_CHECKS if c.reads_many_steps)
COST: dict[str, float] = {c.label: c.cost for c in all_checks(SchemaMode.EFFECTIVE)}


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


def _options(*families: tuple[Option[Any], ...]) -> tuple[Option[Any], ...]:
    declared = [option for family in families for option in family]
    read = {option.name for rule in REGISTRY.values() for option in rule.options}
    names = [option.name for option in declared]
    if len(set(names)) != len(names) or set(names) != read:
        raise ValueError(f"options declared {sorted(names)} but rules read {sorted(read)}")
    return tuple(declared)


# Every rule option, in the order --show-settings prints them; each is declared by the family
# of the rule that reads it, and the configuration validates each from its declaration.
OPTIONS: tuple[Option[Any], ...] = _options(air.OPTIONS, hygiene.OPTIONS, dimensions.OPTIONS)


def lookup(code_or_name: str) -> Rule | None:
    """The rule with this code (case-insensitive) or kebab-case name."""
    wanted = code_or_name.strip()
    rule = REGISTRY.get(wanted.upper())
    if rule is not None:
        return rule
    return next((r for r in REGISTRY.values() if r.name == wanted.lower()), None)
