"""jsonschema-rs's verdict on a whole document, reached a step at a time.

The compiled envelope picks each step's schema with one ``allOf`` branch per step type,
``{"if": {"properties": {"$type": {"const": T}}, "required": ["$type"]}, "then": …}``: 46 of them,
which jsonschema-rs tries one after another on every step (2.7 µs a step, more than all the
rest of a small document's validation). For a step whose ``$type`` is the text ``t``, or that has
none, every branch naming another type holds without looking further (its ``if`` fails), so
validating the step against the item schema without those branches gives the same verdict.

:class:`Stepwise` validates the envelope without the steps' item schema, then each step against
the item schema with only the branches its ``$type`` can take (a validator per type met, built
from the definitions it reaches). It only decides validity: the findings of a document it
rejects are worded from the whole envelope's errors, as before.
"""

from __future__ import annotations

import functools
from typing import Any

from . import validators
from .findings import Kind
from .validators import SchemaMode

_DEFS = "#/$defs/"


def stepwise(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Stepwise | None:
    """The step-at-a-time validator of ``kind``'s schema, or None where its steps are not
    chosen by ``$type`` branches of one definition (or jsonschema-rs is unavailable): then only
    the whole validator (:func:`validators.fast_validator`) tells."""
    return _stepwise(kind, mode)


@functools.cache  # (one per kind and mode)
def _stepwise(kind: Kind, mode: SchemaMode) -> Stepwise | None:
    items = validators.step_items(kind, mode)
    source = validators.source(kind, mode)
    name = _definition(items.get("$ref")) if isinstance(items, dict) and set(items) == {"$ref"} else None
    chooser = source.get("$defs", {}).get(name) if name is not None else None
    if name is None or not isinstance(chooser, dict) or not isinstance(chooser.get("allOf"), list):
        return None
    if not validators.fast_available():
        return None
    steps = {key: value for key, value in source["properties"]["steps"].items() if key != "items"}
    envelope = _reached({**source, "properties": {**source["properties"], "steps": steps}})
    return Stepwise(kind, mode, name, validators.rust_validator(envelope))


class Stepwise:
    """A document's validity as the whole envelope's jsonschema-rs validator judges it: the
    envelope without the steps' item schema, then each step (see the module's doc). Only a
    plain object with a plain list of steps is judged so; anything else (which the schema
    rejects anyway) by the whole validator."""

    def __init__(self, kind: Kind, mode: SchemaMode, name: str, envelope: Any) -> None:
        self.kind, self.mode, self.name, self.envelope = kind, mode, name, envelope
        self.source = validators.source(kind, mode)
        self.chooser: dict[str, Any] = self.source["$defs"][name]
        self.types = frozenset(t for t in map(_branch_type, self.chooser["allOf"]) if t is not None)
        self._by_type: dict[str | None, Any] = {}  # at most one per step type, and one for none
        self._whole_item: Any = None

    def is_valid(self, data: Any) -> bool:
        """Raises what jsonschema-rs raises for what it cannot take (see rules.schema._fast_valid)."""
        steps = data.get("steps") if type(data) is dict else None
        if type(steps) is not list:
            whole = validators.fast_validator(self.kind, self.mode)
            return whole is not None and bool(whole.is_valid(data))
        if not self.envelope.is_valid(data):
            return False
        built = self._by_type
        for step in steps:
            kind = step.get("$type") if type(step) is dict else None
            # (a plain string that names a type met before: its validator, looked up at once)
            validator = built.get(kind) if type(kind) is str else None
            if validator is None:
                validator = self._validator(step)
            if not validator.is_valid(step):
                return False
        return True

    def _validator(self, step: Any) -> Any:
        """The validator of a step: by its ``$type`` for a plain object whose ``$type`` is plain
        text or absent, else the whole item schema (a subclass of str may compare equal to a
        type's name)."""
        kind = step.get("$type") if type(step) is dict else None
        if type(step) is not dict or (kind is not None and type(kind) is not str):
            if self._whole_item is None:
                self._whole_item = self._built(self.chooser["allOf"])
            return self._whole_item
        key = kind if kind in self.types else None
        found = self._by_type.get(key)
        if found is None:
            branches = [branch for branch in self.chooser["allOf"] if _branch_type(branch) in (None, key)]
            found = self._by_type[key] = self._built(branches)
        return found

    def _built(self, branches: list[Any]) -> Any:
        """The validator of a step against the item schema with only ``branches``."""
        defs = {**self.source["$defs"], self.name: {**self.chooser, "allOf": branches}}
        top = {key: self.source[key] for key in ("$schema",) if key in self.source}
        return validators.rust_validator(_reached({**top, "$defs": defs, "$ref": _DEFS + self.name}))


def _branch_type(branch: Any) -> str | None:
    """The step type a branch applies to, when it is ``if $type is T then …``; else None."""
    condition = branch.get("if") if isinstance(branch, dict) and set(branch) == {"if", "then"} else None
    if not isinstance(condition, dict) or set(condition) != {"properties", "required"}:
        return None
    if condition["required"] != ["$type"] or not isinstance(condition["properties"], dict):
        return None
    wanted = condition["properties"].get("$type")
    if set(condition["properties"]) != {"$type"} or not isinstance(wanted, dict) or set(wanted) != {"const"}:
        return None
    return wanted["const"] if isinstance(wanted["const"], str) else None


def _definition(reference: Any) -> str | None:
    """The name of the definition a ``$ref`` of ``#/$defs/<name>`` names; None for any other."""
    if not isinstance(reference, str) or not reference.startswith(_DEFS):
        return None
    name = reference[len(_DEFS) :]
    return None if "/" in name or "~" in name else name  # (escapes and deeper pointers: not a name)


def _reached(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with only the ``$defs`` its references reach: jsonschema-rs compiles every
    definition, and all of the envelope's took 1 ms where those of one step type take 0.13.
    Unchanged when a reference is not ``#/$defs/<name>`` (nothing else is then known to reach)."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    reached: set[str] = set()
    pending: list[Any] = [{key: value for key, value in schema.items() if key != "$defs"}]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if "$dynamicRef" in node or "$id" in node or "$anchor" in node or "$dynamicAnchor" in node:
            return schema
        if isinstance(node.get("$ref"), str):  # (not a property named "$ref", as value references have)
            name = _definition(node["$ref"])
            if name is None or name not in defs:
                return schema
            if name not in reached:
                reached.add(name)
                pending.append(defs[name])
        pending.extend(node.values())
    return {**schema, "$defs": {name: defs[name] for name in defs if name in reached}}
