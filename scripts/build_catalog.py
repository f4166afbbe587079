"""Compile the Orchestration API's own OpenAPI document into what the checker reads.

    python scripts/build_catalog.py

Reads ``schemas/v2-consumers.json`` (vendored byte-identical) and the reviewed corrections in
``schemas/api-patches/*.json`` (RFC 6902, a ``reason`` and a ``source`` per operation), and writes
``civitai_schema/data/``, generated files nobody edits:

- ``submission.schema.json`` and ``workflow.schema.json``: draft 2020-12 JSON Schemas of a request
  body (``WorkflowTemplate``) and a record (``Workflow``). Every .NET-style ``allOf`` chain is
  merged into one closed object (the child's property wins, ``required`` is the union), and
  every discriminator becomes a dispatch: ``if`` the property has a mapped value ``then`` that
  value's schema, so an error names the one schema chosen instead of a ``oneOf`` of forty. When
  the property is missing, what every candidate agrees on is checked (and a key none of them
  has is unknown). Subschemas marked ``x-civitai-warning`` report warnings (an unknown or missing
  discriminator value, an undocumented key published bodies use); the exported editor schema
  leaves them out.
- ``api.json``: the document's provenance, its named enums and, per step type, the discriminator
  tree of its input.
- ``steps/<type>.json``: each step type's input leaves, with every field's type, enum, default,
  range and format, for the lint rules (a run reads only the step types it meets).

Only facts are copied: no description prose. ``tests/test_api_compiler.py`` rebuilds everything
and fails when the committed files differ.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from civitai_schema import patching  # noqa: E402  (the same RFC 6902 code the package uses)

DOCUMENT = REPO / "schemas" / "v2-consumers.json"
PROVENANCE = REPO / "schemas" / "v2-consumers.provenance.json"
PATCHES = REPO / "schemas" / "api-patches"
DRIFT = REPO / "schemas" / "api-drift.json"
OUTPUT = REPO / "civitai_schema" / "data"

PREFIX = "#/components/schemas/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Keywords copied as they are. Everything else is prose (description, example, title) or is
# handled on its own (format, nullable, discriminator, allOf, $ref, required, enum).
_COPIED = ("type", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
           "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties",
           "maxProperties", "default", "readOnly", "deprecated")  # fmt: skip
_SUBSCHEMAS = ("items", "not", "propertyNames", "contains")
_LISTS = ("oneOf", "anyOf")
# Formats that bound a number (.NET integer types) and formats the checker checks.
_INTEGER_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
CHECKED_FORMATS = frozenset({"date-time", "uri", "date-span"})
# An AIR-typed field: the document gives AIR strings this pattern (named groups for each part).
_AIR_PATTERN = re.compile(r"\(\?<source>")

# A value known only when the workflow runs: another step's output, an argument, a loop variable.
VALUE_REFERENCE = {
    "type": "object",
    "required": ["$ref"],
    "properties": {"$ref": {"type": "string", "minLength": 1}, "path": {"type": "string"}},
    "additionalProperties": False,
}
# What claims to be a value reference (and is then checked as one): an object with "$ref" or "path".
_REFERENCE_SHAPE = {"type": "object", "anyOf": [{"required": ["$ref"]}, {"required": ["path"]}]}


class CompileError(Exception):
    """The document (or a correction) is not what the compiler understands."""


# ---------------------------------------------------------------------------------------------
# Reading the document: corrections, then inheritance chains merged.


def load_patches(folder: Path = PATCHES) -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        for op in json.loads(path.read_text("utf-8")):
            if not op.get("reason") or not op.get("source"):
                raise CompileError(f"{path.name}: every correction needs a reason and a source ({op.get('path')})")
            operations.append({**op, "file": path.name})
    return operations


def corrected(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The document with every correction applied; one that no longer applies stops the build."""
    for op in operations:
        try:
            document = patching.apply(document, [op])
        except patching.PatchError as exc:
            raise CompileError(f"correction in {op['file']} no longer applies to the document: {exc}") from None
    return document


def load_drift(path: Path = DRIFT) -> list[dict[str, Any]]:
    """Keys published bodies send under another name than the document's (``fps`` for
    ``frameRate``): accepted with a warning that names the documented field."""
    rows: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
    for row in rows:
        if not row.get("reason") or not row.get("source"):
            raise CompileError(f"{path.name}: every drift row needs a reason and a source ({row.get('key')})")
    return rows


def _with_drift(components: Components, leaves: frozenset[str], rows: list[dict[str, Any]]) -> None:
    """Give each input leaf that has a row's documented field, and not its drifted name, the
    drifted name as a key that only warns."""
    for name in sorted(leaves):
        if components.discriminator(name) is not None:
            continue
        fields = components.flat(name).get("properties", {})
        raw = components.raw[name]
        own = raw["allOf"][-1] if "allOf" in raw else raw
        for row in rows:
            if row["instead"] in fields and row["key"] not in fields:
                marker = {"not": {}, "x-civitai-warning": "drift-key", "x-civitai-use": row["instead"]}
                own.setdefault("properties", {})[row["key"]] = marker
    components.forget()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


class Components:
    """The document's component schemas with their inheritance chains merged."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.raw: dict[str, Any] = document["components"]["schemas"]
        self._flat: dict[str, dict[str, Any]] = {}

    def reachable(self, names: frozenset[str]) -> frozenset[str]:
        """``names`` and every component their schemas refer to, through any depth."""
        found: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name in found:
                continue
            found.add(name)
            pending.extend(self.name(ref) for ref in _refs(self.raw[name]))
        return frozenset(found)

    def forget(self) -> None:
        """Drop the merged chains (after the raw components changed)."""
        self._flat.clear()

    def name(self, ref: str) -> str:
        if not ref.startswith(PREFIX) or ref[len(PREFIX) :] not in self.raw:
            raise CompileError(f"a reference to {ref!r}, which is not a component of the document")
        return ref[len(PREFIX) :]

    def flat(self, name: str) -> dict[str, Any]:
        """One component with its ``allOf`` parents merged in. A parent's discriminator stays
        with the parent: the child is one of its values, not a dispatch of its own."""
        if name not in self._flat:
            self._flat[name] = self._merge(self.raw[name], name)
        return self._flat[name]

    def _merge(self, schema: dict[str, Any], name: str) -> dict[str, Any]:
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {}
        for item in schema["allOf"]:
            part = item
            if "$ref" in item and len(item) == 1:
                part = {k: v for k, v in self.flat(self.name(item["$ref"])).items() if k != "discriminator"}
            elif "allOf" in item:
                part = self._merge(item, name)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", ()), *value})
                else:
                    merged[key] = value  # the child's word wins (additionalProperties, type, …)
        for key, value in schema.items():
            if key != "allOf":
                merged[key] = value
        return merged

    def discriminator(self, name: str) -> tuple[str, dict[str, str]] | None:
        """The component's own discriminator: its property and value → component name."""
        found = self.flat(name).get("discriminator")
        if not isinstance(found, dict) or "mapping" not in found:
            return None
        return found["propertyName"], {value: self.name(ref) for value, ref in found["mapping"].items()}

    def default_value(self, name: str) -> str | None:
        """The value the server assumes when a discriminator is missing (grok's ``version``
        defaults to ``v1.0``): the property's ``default``, when it is one of the mapped values."""
        chosen = self.discriminator(name)
        if chosen is None:
            return None
        spec = self.flat(name).get("properties", {}).get(chosen[0], {})
        default = spec.get("default") if isinstance(spec, dict) else None
        return default if isinstance(default, str) and default in chosen[1] else None

    def defaulted(self) -> dict[str, set[str]]:
        """Per leaf, the discriminators it need not state because their parent has a default."""
        found: dict[str, set[str]] = {}
        for name in self.raw:
            if self.default_value(name) is not None:
                prop = self.discriminator(name)[0]  # type: ignore[index]
                for _, leaf in self.leaves(name):
                    found.setdefault(leaf, set()).add(prop)
        return found

    def leaves(self, name: str) -> Iterator[tuple[dict[str, str], str]]:
        """Every concrete end of a component's discriminator chain, with the values that lead to it."""
        chosen = self.discriminator(name)
        if chosen is None:
            yield {}, name
            return
        prop, mapping = chosen
        for value, target in mapping.items():
            if target == name:
                yield {prop: value}, name
                continue
            for path, leaf in self.leaves(target):
                yield {prop: value, **path}, leaf


# ---------------------------------------------------------------------------------------------
# Writing JSON Schema.


class SchemaWriter:
    """Compiles components into the ``$defs`` of one JSON Schema for one kind of document.

    ``submission`` decides what ``readOnly`` means: a server-assigned property is never required
    in a request body, and is expected in a record."""

    def __init__(
        self, components: Components, *, submission: bool, inputs: frozenset[str], stubs: frozenset[str] = frozenset()
    ) -> None:
        self.components = components
        # Components a step input reaches: a value anywhere inside may be a value reference.
        self.reach = components.reachable(inputs)
        self.submission = submission
        self.stubs = stubs  # step inputs left out of an envelope
        self.inputs = inputs  # components that are step inputs: their values may be references
        self.defaulted = components.defaulted()
        self.defs: dict[str, Any] = {}

    def ref(self, name: str) -> dict[str, Any]:
        if name in self.stubs:
            # Checked on its own against inputs/<leaf>.json, once its discriminators say which.
            return {"type": self.components.flat(name).get("type", "object"), "x-civitai-input": name}
        if name not in self.defs:
            self.defs[name] = {}  # (reserved first: components refer to each other)
            self.defs[name] = self._definition(name)
        return {"$ref": f"#/$defs/{name}"}

    def _definition(self, name: str) -> dict[str, Any]:
        # Step inputs read the same in a record as in a request (records echo what was sent), so
        # both kinds check them alike, and an input is checked on its own (inputs/).
        kind, self.submission = self.submission, self.submission or name in self.inputs
        try:
            chosen = self.components.discriminator(name)
            if chosen is None:
                return self.node(self.components.flat(name), wrap=name in self.reach, owner=name)
            return self._dispatch(name, *chosen)
        finally:
            self.submission = kind

    def _dispatch(self, name: str, prop: str, mapping: dict[str, str]) -> dict[str, Any]:
        """``if`` the property holds a mapped value, ``then`` that value's schema; otherwise
        (:meth:`_unresolved`) what every leaf below agrees on."""
        branches: list[dict[str, Any]] = []
        default = self.components.default_value(name)
        for value, target in mapping.items():
            schema = (
                self.node(self.components.flat(name), wrap=name in self.reach, owner=name)
                if target == name
                else self.ref(target)
            )
            chosen: dict[str, Any] = {"properties": {prop: {"const": value}}, "required": [prop]}
            if value == default:  # a missing value is the default
                chosen = {"anyOf": [chosen, {"not": {"required": [prop]}}]}
            branches.append({"if": chosen, "then": schema})
        unresolved = unresolved_name(name)
        if unresolved not in self.defs:
            self.defs[unresolved] = {}
            self.defs[unresolved] = self._unresolved(name, prop, list(mapping))
        branches.append({"$ref": f"#/$defs/{unresolved}"})
        return {"type": self.components.flat(name).get("type", "object"), "allOf": branches}

    def _unresolved(self, name: str, prop: str, known: list[str]) -> dict[str, Any]:
        """When the property is missing, what every leaf below agrees on. A missing step-input
        discriminator is a warning (published bodies omit ``engine`` and the server copes); an
        unknown value is a warning everywhere, since the API adds values monthly, and nothing
        else is checked then."""
        unknown = {"properties": {prop: {"enum": known, "x-civitai-warning": "unknown-discriminator"}}}
        # A discriminator is a string: another type is an error, an unknown string a warning. In
        # a step input it may be a value reference, known only at run time.
        text: dict[str, Any] = {"type": "string"}
        if name in self.reach:
            text = self._wrapped(text)
        typed = {"properties": {prop: text}}
        if self.components.default_value(name) is not None:
            return {"allOf": [typed, unknown]}  # (a missing value is the default's branch)
        missing: dict[str, Any] = {"required": [prop]}
        if name in self.inputs:
            missing["x-civitai-warning"] = "missing-discriminator"
            missing["x-civitai-values"] = known
        # What every candidate agrees on, when the value is missing; for an unknown step type too,
        # since every step type has the same base keys.
        chosen: dict[str, Any] = {"required": [prop]}
        agreed_schema = self._agreed(name, prop)
        if prop == "$type":
            chosen["properties"] = {prop: {"enum": known}}
            agreed_schema.pop("required", None)  # (one finding for one mistake: the type says it)
        agreed = {"if": {"not": chosen}, "then": agreed_schema}
        return {"allOf": [agreed, missing, typed, unknown]}

    def _agreed(self, name: str, prop: str) -> dict[str, Any]:
        """What every leaf below ``name`` agrees on: a property all of them have with the same
        schema, the keys all of them require, and no key that none of them has."""
        names = [leaf for _, leaf in self.components.leaves(name)]
        leaves = [self.components.flat(leaf) for leaf in names]
        wrap = name in self.reach
        compiled = [
            {k: self._value(self.node(spec, wrap=wrap), wrap, spec) for k, spec in leaf.get("properties", {}).items()}
            for leaf in leaves
        ]
        keys = list(dict.fromkeys(key for props in compiled for key in props))
        properties: dict[str, Any] = {}
        for key in keys:
            texts = {json.dumps(props.get(key), sort_keys=True) for props in compiled}
            shared = next(iter(texts)) if len(texts) == 1 and key != prop else None
            value = json.loads(shared) if shared is not None else {}
            properties[key] = value
        required = set.intersection(*(set(self._required(f, n)) for f, n in zip(leaves, names, strict=True))) - {prop}
        closed = all(leaf.get("additionalProperties") is False for leaf in leaves)
        agreed: dict[str, Any] = {"properties": properties}
        if required:
            agreed["required"] = sorted(required)
        if closed:
            agreed["additionalProperties"] = False
        return agreed

    def _required(self, schema: dict[str, Any], owner: str | None = None) -> list[str]:
        """``required`` as the API enforces it: a property with a default is filled in by the
        server (a discriminator too, when its parent has a default), and a server-assigned
        (``readOnly``) one is never sent in a request."""
        properties = schema.get("properties", {})
        kept = []
        skipped = self.defaulted.get(owner or "", set())
        for key in schema.get("required", ()):
            if key in skipped:
                continue
            spec = self._resolved(properties.get(key, {}))
            if "default" in spec:
                continue
            if self.submission and spec.get("readOnly"):
                continue
            kept.append(key)
        return kept

    def _resolved(self, spec: dict[str, Any]) -> dict[str, Any]:
        """A property's own keywords, through a plain ``$ref`` (``{"$ref": Priority}``)."""
        if "$ref" in spec:
            return {**self.components.flat(self.components.name(spec["$ref"])), **spec}
        return spec

    def _wrapped(self, schema: dict[str, Any]) -> dict[str, Any]:
        """An input value, or a value reference in its place."""
        return {"if": _REFERENCE_SHAPE, "then": {"$ref": "#/$defs/ValueReference"}, "else": schema}

    def _value(self, compiled: Any, wrap: bool, raw: Any) -> Any:
        """A value inside a step input (a property, an item, a map's value), which may be a value
        reference instead, unless the schema is itself reference-shaped (a repeat's ``for``)."""
        if not wrap or not compiled or self._reference_shaped(raw):
            return compiled
        return self._wrapped(compiled)

    def _reference_shaped(self, raw: Any) -> bool:
        if not isinstance(raw, dict) or "$ref" not in raw:
            return False
        return "$ref" in self.components.flat(self.components.name(raw["$ref"])).get("properties", {})

    def node(self, schema: Any, *, wrap: bool = False, owner: str | None = None) -> Any:
        """One OpenAPI schema object as JSON Schema. ``wrap``: its properties are a step input's
        values, each of which may be a value reference."""
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            target = self.ref(self.components.name(schema["$ref"]))
            extra = {k: v for k, v in schema.items() if k in ("readOnly", "default")}
            return {**target, **extra}
        if "allOf" in schema:
            return self.node(self.components._merge(schema, "<inline>"), wrap=wrap, owner=owner)
        out: dict[str, Any] = {}
        types = schema.get("type")
        if schema.get("nullable") is True and isinstance(types, str):  # (OpenAPI 3.0 spelling)
            types = ["null", types]
        nullable = isinstance(types, list) and "null" in types
        for key in _COPIED:
            if key in schema:
                out[key] = schema[key]
        for key, value in schema.items():
            if key.startswith("x-civitai-"):  # (our own marks, from a correction)
                out[key] = value
        if types is not None:
            out["type"] = types
        if "enum" in schema:
            values = list(schema["enum"])
            if nullable and None not in values:
                values.append(None)  # a nullable property takes null, whatever its enum says
            out["enum"] = values
        fmt = schema.get("format")
        if fmt in _INTEGER_BOUNDS:
            low, high = _INTEGER_BOUNDS[fmt]
            out["minimum"] = max(out.get("minimum", low), low)
            out["maximum"] = min(out.get("maximum", high), high)
        elif fmt in CHECKED_FORMATS:
            out["format"] = fmt
        for key in _SUBSCHEMAS:
            if key in schema:
                out[key] = self.node(schema[key], wrap=wrap)
        if "items" in schema:
            out["items"] = self._value(out["items"], wrap, schema["items"])
        for key in _LISTS:
            if key in schema:
                out[key] = [self.node(item) for item in schema[key]]
        if "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            out["additionalProperties"] = (
                extra if isinstance(extra, bool) else self._value(self.node(extra, wrap=wrap), wrap, extra)
            )
        if "patternProperties" in schema:
            out["patternProperties"] = {k: self.node(v) for k, v in schema["patternProperties"].items()}
        if "properties" in schema:
            out["properties"] = {
                key: self._value(self.node(value, wrap=wrap), wrap and not _is_discriminator_value(value), value)
                for key, value in schema["properties"].items()
            }
            required = self._required(schema, owner)
            if required:
                out["required"] = required
        elif "required" in schema:
            out["required"] = list(schema["required"])
        return out


def unresolved_name(name: str) -> str:
    return f"{name}.unresolved"


def closure(defs: dict[str, Any], name: str) -> dict[str, Any]:
    """One definition as a schema of its own, with the definitions it refers to."""
    needed: dict[str, Any] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in needed:
            continue
        needed[current] = defs[current]
        pending.extend(re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(defs[current])))
    return {"$schema": DIALECT, "$ref": f"#/$defs/{name}", "$defs": dict(sorted(needed.items()))}


def _is_discriminator_value(spec: Any) -> bool:
    """A property pinned to one value (``"engine": {"enum": ["sdcpp"]}``): it selects the leaf."""
    return isinstance(spec, dict) and isinstance(spec.get("enum"), list) and len(spec["enum"]) == 1


# ---------------------------------------------------------------------------------------------
# The whole build.


def _step_types(components: Components, base: str) -> dict[str, str]:
    chosen = components.discriminator(base)
    if chosen is None or chosen[0] != "$type":
        raise CompileError(f"{base} is no longer a $type discriminator")
    return chosen[1]


def _input_of(components: Components, step: str) -> Any:
    spec = components.flat(step).get("properties", {}).get("input")
    if spec is None:
        raise CompileError(f"{step} has no input")
    return spec


def _input_components(components: Components, inputs: list[Any]) -> frozenset[str]:
    names: set[str] = set()
    pending = [components.name(spec["$ref"]) for spec in inputs if isinstance(spec, dict) and "$ref" in spec]
    while pending:
        name = pending.pop()
        if name in names:
            continue
        names.add(name)
        chosen = components.discriminator(name)
        if chosen is not None:
            pending.extend(chosen[1].values())
    return frozenset(names)


def _document_schema(
    components: Components, root: str, *, submission: bool, inputs: frozenset[str], stubs: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema of a whole document, and its definitions by name."""
    writer = SchemaWriter(components, submission=submission, inputs=inputs, stubs=stubs)
    body = writer.node(components.flat(root))
    writer.defs["ValueReference"] = VALUE_REFERENCE
    defs = dict(sorted(writer.defs.items()))
    return {"$schema": DIALECT, **body, "$defs": defs}, defs


def _input_nodes(components: Components, roots: frozenset[str]) -> list[str]:
    """What a step input is checked against on its own: each leaf, and for each discriminator
    the schema of an input whose value is missing or unknown."""
    nodes: list[str] = []
    for root in sorted(roots):
        chosen = components.discriminator(root)
        if chosen is None:
            nodes.append(root)
            continue
        nodes.append(unresolved_name(root))
        for target in chosen[1].values():
            if target == root:
                nodes.append(root)
    return nodes


def field_facts(components: Components, spec: Any, required: bool) -> dict[str, Any]:
    """What the lint rules read of one input field: its type, enum, default, bounds, format."""
    writer = SchemaWriter(components, submission=True, inputs=frozenset())
    resolved = writer._resolved(spec) if isinstance(spec, dict) else {}
    named = components.name(spec["$ref"]) if isinstance(spec, dict) and "$ref" in spec else None
    compiled = writer.node(resolved) if resolved else {}
    types = compiled.get("type")
    type_list = types if isinstance(types, list) else [types] if types else []
    base = next((t for t in type_list if t != "null"), None)
    fact: dict[str, Any] = {}
    if required:
        fact["required"] = True
    fact["nullable"] = "null" in type_list
    if "enum" in compiled:
        fact["type"] = "enum"
        fact["enum"] = [v for v in compiled["enum"] if v is not None]
        if named:
            fact["enumName"] = named
    elif base == "string" and _AIR_PATTERN.search(str(compiled.get("pattern", ""))):
        fact["type"] = "air"
    elif base in ("string", "integer", "number", "boolean", "array", "object"):
        fact["type"] = base
    else:
        fact["type"] = "any"
    if base == "array":
        items = resolved.get("items", {})
        if isinstance(items, dict) and "$ref" in items:
            fact["items"] = components.name(items["$ref"])
        elif isinstance(items, dict) and _AIR_PATTERN.search(str(items.get("pattern", ""))):
            fact["items"] = "air"
    for key in ("default", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "format"):
        if key in compiled:
            fact[key] = compiled[key]
    if compiled.get("readOnly"):
        fact["readOnly"] = True
    if "x-civitai-warning" in resolved:
        fact["drift"] = resolved["x-civitai-warning"]
    return fact


def _leaf_facts(components: Components, input_spec: Any) -> dict[str, Any]:
    if not (isinstance(input_spec, dict) and "$ref" in input_spec):
        return {"input": None, "tree": None, "leaves": []}
    root = components.name(input_spec["$ref"])
    writer = SchemaWriter(components, submission=True, inputs=frozenset())
    leaves = []
    for path, leaf in components.leaves(root):
        flat = components.flat(leaf)
        required = set(writer._required(flat, leaf))
        fields = {
            key: field_facts(components, spec, key in required) for key, spec in flat.get("properties", {}).items()
        }
        leaves.append({"name": leaf, "discriminators": path, "fields": fields})
    return {"input": root, "tree": _tree(components, root), "leaves": leaves}


def _tree(components: Components, name: str) -> Any:
    """The discriminator chain as nested data: a leaf's name, or the property and its values."""
    chosen = components.discriminator(name)
    if chosen is None:
        return name
    prop, mapping = chosen
    return {
        "name": name,
        "property": prop,
        "default": components.default_value(name),
        "values": {value: name if target == name else _tree(components, target) for value, target in mapping.items()},
    }


def _workflow_model(components: Components, steps: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The enums of the workflow model and the keys only the server writes: a record's own
    properties that a request body does not have, for the workflow and for a step."""
    callback = components.flat("WorkflowCallback")["properties"]["type"]["items"]

    def own(name: str) -> set[str]:
        return set(components.flat(name).get("properties", {}))

    return {
        "statuses": components.flat("WorkflowStatus")["enum"],
        "callbackEvents": callback["enum"],
        "priorities": components.flat("Priority")["enum"],
        "nsfwLevels": components.flat("NSFWLevel")["enum"],
        "currencies": components.flat("BuzzClientAccount")["enum"],
        "upgradeModes": components.flat("WorkflowUpgradeMode")["enum"],
        "templateKeys": sorted(own("WorkflowTemplate")),
        "recordKeys": sorted(own("Workflow")),
        "serverKeys": sorted(own("Workflow") - own("WorkflowTemplate")),
        "serverStepKeys": sorted(set().union(*(own(record) - own(template) for template, record in steps.values()))),
    }


def _named_enums(components: Components) -> dict[str, list[Any]]:
    return {
        name: [v for v in schema["enum"] if v is not None]
        for name, schema in sorted(components.raw.items())
        if isinstance(schema.get("enum"), list)
    }


def build(
    document: dict[str, Any],
    operations: list[dict[str, Any]],
    provenance: dict[str, Any],
    drift: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything written under ``civitai_schema/data/``, by relative path."""
    components = Components(corrected(copy.deepcopy(document), operations))
    templates = _step_types(components, "WorkflowStepTemplate")
    records = _step_types(components, "WorkflowStep")
    input_specs = [_input_of(components, step) for step in templates.values()]
    inputs = _input_components(components, input_specs)
    _with_drift(components, inputs, load_drift() if drift is None else drift)
    roots = frozenset(components.name(s["$ref"]) for s in input_specs if isinstance(s, dict) and "$ref" in s)
    files: dict[str, Any] = {}
    for kind, root in (("submission", "WorkflowTemplate"), ("workflow", "Workflow")):
        whole, defs = _document_schema(components, root, submission=kind == "submission", inputs=inputs)
        files[f"{kind}.schema.json"] = whole
        envelope, _ = _document_schema(components, root, submission=kind == "submission", inputs=inputs, stubs=roots)
        files[f"{kind}.envelope.json"] = envelope
        if kind == "submission":
            for name in inputs:
                if name in defs and components.discriminator(name) is None:
                    files[f"inputs/{name}.json"] = closure(defs, name)
                if unresolved_name(name) in defs:
                    files[f"inputs/{unresolved_name(name)}.json"] = closure(defs, unresolved_name(name))
    steps = {}
    for step_type, template in templates.items():
        facts = _leaf_facts(components, _input_of(components, template))
        files[f"steps/{step_type}.json"] = {"template": template, "record": records.get(step_type), **facts}
        steps[step_type] = {"input": facts["input"], "tree": facts["tree"]}
    files["api.json"] = {
        "workflow": _workflow_model(components, {t: (templates[t], records[t]) for t in templates}),
        "source": provenance["source"],
        "sha256": provenance["sha256"],
        "asOf": provenance["date"],
        "corrections": len(operations),
        "stepTypes": steps,
        "enums": _named_enums(components),
    }
    return files


def build_from(document_path: Path = DOCUMENT, patches: Path = PATCHES, provenance_path: Path = PROVENANCE) -> Any:
    raw = document_path.read_bytes()
    provenance = json.loads(provenance_path.read_text("utf-8"))
    if hashlib.sha256(raw).hexdigest() != provenance["sha256"]:
        raise CompileError(f"{document_path.name} does not have the sha256 its provenance records")
    return build(json.loads(raw), load_patches(patches), provenance)


def text(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def write(files: dict[str, Any], folder: Path = OUTPUT) -> None:
    """Write the build, removing generated files the build no longer has."""
    for stale in [*folder.glob("*.json"), *folder.glob("steps/*.json"), *folder.glob("inputs/*.json")]:
        if stale.relative_to(folder).as_posix() not in files:
            stale.unlink()
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(data), "utf-8")


def main() -> int:
    try:
        files = build_from()
    except CompileError as exc:
        print(f"build_catalog: {exc}", file=sys.stderr)
        return 1
    write(files)
    steps = [v for k, v in files.items() if k.startswith("steps/")]
    leaves = sum(len(s["leaves"]) for s in steps)
    print(f"wrote {OUTPUT.relative_to(REPO)}: {len(steps)} step types, {leaves} input leaves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
