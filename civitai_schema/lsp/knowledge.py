"""What the compiled API data knows at a place in a document: the hover text and the completions.

Step inputs are read through :func:`civitai_schema.catalog.resolve` (the leaf the discriminators
choose, or the candidates still open) and each leaf's compiled schema (the enums its fields
name); the rest of a document (top level, step, callback) through the compiled envelope schema.
Only facts are shown, never prose the data does not have.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import air, catalog, rules, validators
from .diagnostics import step_named
from .places import Place, Token

MAX_LISTED = 24  # allowed values shown in a hover; the rest are counted


@dataclass(frozen=True)
class Suggestion:
    """One completion: ``value`` is what is inserted (a key's name, or a JSON value)."""

    label: str
    value: Any
    kind: str  # "key", "value", "reference"
    detail: str | None = None
    documentation: str | None = None
    sort: str = "1"


# ---------------------------------------------------------------------------------------------
# Reading the document


def _get(data: Any, path: Iterable[Token]) -> Any:
    for token in path:
        if isinstance(data, dict) and isinstance(token, str):
            data = data.get(token)
        elif isinstance(data, list) and isinstance(token, int) and 0 <= token < len(data):
            data = data[token]
        else:
            return None
    return data


def _step(place: Place) -> tuple[int, dict[str, Any]] | None:
    path = place.path
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        step = _get(place.data, path[:2])
        if isinstance(step, dict):
            return path[1], step
    return None


def _input_key(place: Place) -> str | None:
    """The top-level key of a step's input the place is on or inside."""
    path = place.path
    if len(path) >= 4 and path[0] == "steps" and path[2] == "input" and isinstance(path[3], str):
        return path[3]
    return None


def _resolution(step: Mapping[str, Any]) -> catalog.Resolution | None:
    kind, data = step.get("$type"), step.get("input")
    if not isinstance(kind, str) or kind not in catalog.step_types():
        return None
    return catalog.resolve(kind, data if isinstance(data, dict) else {})


def _input_of(step: Mapping[str, Any]) -> Mapping[str, Any]:
    value = step.get("input")
    return value if isinstance(value, dict) else {}


def _leaves(resolution: catalog.Resolution) -> tuple[catalog.Leaf, ...]:
    return (resolution.leaf,) if resolution.leaf is not None else resolution.candidates


# ---------------------------------------------------------------------------------------------
# Facts of a step input's fields


def discriminator_values(step_type: str, step_input: Mapping[str, Any], key: str) -> list[str]:
    """The values ``key`` takes among the leaves that the discriminators before it allow (a
    discriminator not yet given allows every value)."""
    values: dict[str, None] = {}
    for leaf in catalog.leaves_of(step_type):
        chain = list(leaf.discriminators)
        if key not in chain:
            continue
        earlier = chain[: chain.index(key)]
        if all(step_input.get(p) in (None, leaf.discriminators[p]) for p in earlier):
            values.setdefault(leaf.discriminators[key])
    return list(values)


@functools.lru_cache(maxsize=4096)
def _compiled_enum(leaf_name: str, key: str) -> tuple[Any, ...]:
    """The enum a leaf's compiled schema gives ``key`` where the catalog only says ``any`` (a
    named enum such as the sdcpp sample methods)."""
    try:
        compiled = validators.compiled(f"inputs/{leaf_name}")
    except (OSError, ValueError):
        return ()
    defs = compiled.get("$defs", {})
    own = defs.get(leaf_name, {})
    node = own.get("properties", {}).get(key)
    return tuple(_enum_of(node, defs))


def _enum_of(node: Any, defs: Mapping[str, Any], depth: int = 0) -> list[Any]:
    if not isinstance(node, dict) or depth > 8:
        return []
    if "enum" in node:
        return [v for v in node["enum"] if v is not None]
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _enum_of(defs.get(ref[len("#/$defs/") :]), defs, depth + 1)
    for part in ("else", "items"):
        if part in node:
            found = _enum_of(node[part], defs, depth + 1)
            if found:
                return found
    for part in ("anyOf", "oneOf"):
        for option in node.get(part, []):
            found = _enum_of(option, defs, depth + 1)
            if found:
                return found
    return []


def field_enum(leaf: catalog.Leaf, key: str) -> tuple[Any, ...]:
    spec = leaf.fields.get(key, {})
    if spec.get("enum"):
        return tuple(spec["enum"])
    if spec.get("type") in ("any", "array"):
        return _compiled_enum(leaf.name, key)
    return ()


def _number(value: Any) -> str:
    if value == -(2**63) or value == 2**63 - 1:
        return "int64"
    if value == -(2**31) or value == 2**31 - 1:
        return "int32"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def type_text(spec: Mapping[str, Any]) -> str:
    kind = str(spec.get("type", "any"))
    text = {"air": "AIR (urn:air:…)", "any": "value"}.get(kind, kind)
    if kind == "array" and spec.get("items"):
        items = spec["items"]
        text = f"array of {'AIRs' if items == 'air' else items}"
    return text + (" or null" if spec.get("nullable") else "")


def field_facts(spec: Mapping[str, Any], enum: tuple[Any, ...] = ()) -> list[str]:
    """The facts of one field as Markdown list items."""
    named = enum and spec.get("type") == "any"  # (an enum the leaf's schema names, such as a sampler's)
    lines = [f"type: {'enum' + (' or null' if spec.get('nullable') else '') if named else type_text(spec)}"]
    if "minimum" in spec or "maximum" in spec:
        low, high = spec.get("minimum"), spec.get("maximum")
        if {_number(low), _number(high)} <= {"int64", "int32"} and _number(low) == _number(high):
            lines.append(f"range: {_number(low)}")
        else:
            lines.append(
                f"range: {_number(low) if low is not None else '…'} to {_number(high) if high is not None else '…'}"
            )
    if "minLength" in spec or "maxLength" in spec:
        lines.append(f"length: {spec.get('minLength', 0)} to {spec.get('maxLength', '…')} characters")
    if "minItems" in spec or "maxItems" in spec:
        lines.append(f"items: {spec.get('minItems', 0)} to {spec.get('maxItems', '…')}")
    if "default" in spec:
        lines.append(f"default: `{_json(spec['default'])}`")
    if enum:
        shown = ", ".join(f"`{v}`" for v in enum[:MAX_LISTED])
        more = f", … {len(enum) - MAX_LISTED} more" if len(enum) > MAX_LISTED else ""
        lines.append(f"allowed: {shown}{more}")
    if spec.get("format"):
        lines.append(f"format: {spec['format']}")
    if spec.get("required"):
        lines.append("required" + (" (the server fills in the default when missing)" if "default" in spec else ""))
    if spec.get("readOnly"):
        lines.append("read-only: set by the server")
    return lines


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def chain_text(step_type: str, resolution: catalog.Resolution, step_input: Mapping[str, Any]) -> str:
    """Which leaf the discriminators chose, or where the chain stops."""
    if resolution.leaf is not None:
        steps = " → ".join(f"`{k}` {v}" for k, v in resolution.leaf.discriminators.items())
        chosen = f"`$type` {step_type}" + (f" → {steps}" if steps else "")
        return f"leaf `{resolution.leaf.name}`, chosen by {chosen}"
    if resolution.missing is not None:
        values = discriminator_values(step_type, step_input, resolution.missing)
        count = len(resolution.candidates)
        return f"no single leaf yet: `{resolution.missing}` is missing ({_listed(values)}); {count} candidate leaves"
    if resolution.unknown is not None:
        key, value, known = resolution.unknown
        return f'no leaf: `{key}` "{value}" is not one of {_listed(known)}'
    return (
        f"{len(resolution.candidates)} candidate leaves (a discriminator is a reference, known when the workflow runs)"
    )


def _listed(values: Iterable[Any]) -> str:
    values = list(values)
    shown = ", ".join(str(v) for v in values[:MAX_LISTED])
    return shown + (f", … {len(values) - MAX_LISTED} more" if len(values) > MAX_LISTED else "")


# ---------------------------------------------------------------------------------------------
# The envelope: top level, steps, callbacks


@functools.cache
def _envelope() -> Any:
    return validators.compiled("submission.envelope")


def _deref(node: Any) -> Any:
    defs = _envelope().get("$defs", {})
    for _ in range(8):
        if not isinstance(node, dict) or "$ref" not in node or not str(node["$ref"]).startswith("#/$defs/"):
            return node
        node = defs.get(str(node["$ref"])[len("#/$defs/") :], {})
    return node


def envelope_node(path: tuple[Token, ...], data: Any) -> Any:
    """The envelope schema of the object or value at ``path`` (steps by their ``$type``)."""
    node = _envelope()
    defs = node.get("$defs", {})
    walked: list[Token] = []
    for token in path:
        node = _deref(node)
        if isinstance(token, int) and isinstance(node, dict) and "items" in node:
            node = _deref(node["items"])
            if walked == ["steps"]:
                step = _get(data, ("steps", token))
                kind = step.get("$type") if isinstance(step, dict) else None
                name = next(
                    (
                        n
                        for n, d in defs.items()
                        if n.endswith("StepTemplate") and d.get("properties", {}).get("$type", {}).get("enum") == [kind]
                    ),
                    "WorkflowStepTemplate.unresolved",
                )
                node = defs.get(name, {})
        elif isinstance(token, str) and isinstance(node, dict) and token in node.get("properties", {}):
            node = node["properties"][token]
        else:
            return None
        walked.append(token)
    return _deref(node)


def _schema_type(node: Mapping[str, Any]) -> str:
    kind = node.get("type", "value")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return " or ".join(kinds) + (" or null" if "null" in kind else "")
    return str(kind)


def _schema_facts(node: Mapping[str, Any]) -> list[str]:
    lines = [f"type: {_schema_type(node)}"]
    enum = _enum_of(node, _envelope().get("$defs", {}))
    if enum:
        lines.append(f"allowed: {', '.join(f'`{v}`' for v in enum[:MAX_LISTED])}")
    for low, high, what in (
        ("minimum", "maximum", "range"),
        ("minLength", "maxLength", "length"),
        ("minItems", "maxItems", "items"),
    ):
        if low in node or high in node:
            lines.append(f"{what}: {_number(node.get(low, 0))} to {_number(node[high]) if high in node else '…'}")
    for key in ("format", "pattern"):
        if key in node:
            lines.append(f"{key}: `{node[key]}`")
    return lines


# ---------------------------------------------------------------------------------------------
# Hover


def hover(place: Place) -> str | None:
    """Markdown for the key or value at ``place``, or None when the data knows nothing of it."""
    parts = _hover_parts(place)
    if not parts:
        return None
    return "\n\n".join([*parts, f"_Orchestration API as of {catalog.as_of()}._"])


def _hover_parts(place: Place) -> list[str]:
    path, found = place.path, _step(place)
    value = _get(place.data, path) if place.target == "value" else None
    if found is not None and path[2:] == ("$type",) and place.target == "value":
        return _step_type_hover(str(value) if value is not None else place.prefix)
    if found is not None and path and path[-1] == "$ref" and isinstance(value, str):
        return [_reference_hover(place.data, value)]
    key = _input_key(place)
    if found is not None and key is not None:
        return _input_hover(found[1], key, value if len(path) == 4 else None, place)
    node = envelope_node(path, place.data)
    if isinstance(node, dict) and node:
        title = f"**`{path[-1]}`**" if path and isinstance(path[-1], str) else "**item**"
        return [title, "\n".join(f"- {line}" for line in _schema_facts(node))]
    return []


def _step_type_hover(step_type: str) -> list[str]:
    if step_type not in catalog.step_types():
        return [f"**`{step_type}`** is not a step type of the Orchestration API"]
    leaves = catalog.leaves_of(step_type)
    first = [leaf.discriminators for leaf in leaves if leaf.discriminators]
    lines = [f"**step type `{step_type}`**: {len(leaves)} input {'leaf' if len(leaves) == 1 else 'leaves'}"]
    if first:
        key = next(iter(first[0]))
        lines.append(f"`{key}` chooses among: {_listed(discriminator_values(step_type, {}, key))}")
    return lines


def _reference_hover(data: Any, source: str) -> str:
    if source == "$arguments":
        arguments = _get(data, ("arguments",))
        names = sorted(arguments) if isinstance(arguments, dict) else []
        return f"**`$arguments`**: the workflow's arguments ({_listed(names) or 'none'})"
    steps = _get(data, ("steps",))
    steps = steps if isinstance(steps, list) else []
    index = step_named(steps, source)
    if index is None:
        return f'**`{source}`**: no step of this workflow is named "{source}"'
    step = steps[index] if isinstance(steps[index], dict) else {}
    named = f', named "{step["name"]}"' if "name" in step else ""
    return f"**`{source}`**: step {index} (`{step.get('$type', '?')}`{named})"


def _input_hover(step: dict[str, Any], key: str, value: Any, place: Place) -> list[str]:
    resolution = _resolution(step)
    if resolution is None:
        return []
    step_type = str(step["$type"])
    step_input = _input_of(step)
    leaves = _leaves(resolution)
    having = [leaf for leaf in leaves if key in leaf.fields]
    lines = [f"**`{key}`** · `{step_type}` input", chain_text(step_type, resolution, step_input)]
    if not having:
        lines.append(f"none of the {len(leaves)} leaves has `{key}`" if leaves else "")
        return [line for line in lines if line]
    leaf = having[0]
    spec = leaf.fields[key]
    facts = field_facts(spec, field_enum(leaf, key))
    if len(leaves) > 1:
        facts.append(f"in {len(having)} of {len(leaves)} candidate leaves (facts of `{leaf.name}`)")
    if key in leaf.discriminators:
        facts.append(
            f"discriminator: its value chooses the leaf ({_listed(discriminator_values(step_type, step_input, key))})"
        )
    lines.append("\n".join(f"- {line}" for line in facts))
    if isinstance(value, str) and (
        spec.get("type") == "air" or spec.get("items") == "air" or value.startswith("urn:air:")
    ):
        lines.append(_air_hover(value))
    return lines


def _air_hover(text: str) -> str:
    try:
        parsed = air.parse(text)
    except air.AIRError as exc:
        return f"not an AIR: {exc}"
    parts = [
        (name, getattr(parsed, name))
        for name in ("ecosystem", "type", "source", "id", "version", "file_id", "format")
        if getattr(parsed, name)
    ]
    return "AIR: " + ", ".join(f"{name.replace('_', ' ')} `{part}`" for name, part in parts)


def rule_hover(code: str) -> str | None:
    """The documentation of a rule, for a hover on its diagnostic."""
    rule = rules.lookup(code)
    if rule is None:
        return None
    fixable = f" · fix: {rule.fixable}" if rule.fixable else ""
    return f"**{rule.code} {rule.name}** ({rule.severity.value}{fixable})\n\n{rule.summary}\n\n{rule.doc.strip()}"


# ---------------------------------------------------------------------------------------------
# Completion


def complete(place: Place) -> list[Suggestion]:
    if place.target == "key":
        return _keys(place)
    return _values(place)


def _present(place: Place) -> set[str]:
    container = _get(place.data, place.container)
    keys = set(container) if isinstance(container, dict) else set()
    if isinstance(place.member, str):
        keys.discard(place.member)  # (the key being typed is not yet there)
    return keys


def _keys(place: Place) -> list[Suggestion]:
    container, present = place.container, _present(place)
    found = _step(Place(container, "value", None, 0, 0, "", data=place.data)) if len(container) >= 2 else None
    if found is not None and container[2:] == ("input",):
        resolution = _resolution(found[1])
        if resolution is None:
            return []
        out: dict[str, Suggestion] = {}
        for leaf in _leaves(resolution):
            for key, spec in leaf.fields.items():
                if key in present or key in out or spec.get("readOnly"):
                    continue
                rank = "0" if key in leaf.discriminators else ("1" if spec.get("required") else "2")
                facts = field_facts(spec, field_enum(leaf, key))
                out[key] = Suggestion(key, key, "key", type_text(spec), "\n".join(f"- {f}" for f in facts), rank)
        return list(out.values())
    node = envelope_node(container, place.data)
    if not isinstance(node, dict):
        return []
    required = set(node.get("required", []))
    return [
        Suggestion(key, key, "key", _schema_type(_deref(spec)), None, "1" if key in required else "2")
        for key, spec in node.get("properties", {}).items()
        if key not in present
    ]


def _values(place: Place) -> list[Suggestion]:
    path, found = place.path, _step(place)
    if found is not None and path[2:] == ("$type",):
        return [Suggestion(t, t, "value", "step type") for t in catalog.step_types()]
    if found is not None and path and path[-1] == "$ref":
        return _sources(place.data, found[0])
    if found is not None and path and path[-1] == "path":
        holder = _get(place.data, path[:-1])
        if isinstance(holder, dict) and holder.get("$ref") == "$arguments":
            arguments = _get(place.data, ("arguments",))
            names = list(arguments) if isinstance(arguments, dict) else []
            return [Suggestion(n, n, "reference", "workflow argument") for n in names]
        return []
    key = _input_key(place)
    if found is not None and key is not None and len(path) == 4:
        return _input_values(found[1], key)
    node = envelope_node(path, place.data)
    values = _enum_of(node, _envelope().get("$defs", {})) if isinstance(node, dict) else []
    present = _get(place.data, path[:-1]) if path and isinstance(path[-1], int) else None
    taken = set(v for v in present if isinstance(v, str)) if isinstance(present, list) else set()
    if isinstance(node, dict) and node.get("type") in ("boolean", ["null", "boolean"]):
        values = [True, False]
    return [Suggestion(str(v), v, "value") for v in values if v not in taken]


def _input_values(step: dict[str, Any], key: str) -> list[Suggestion]:
    resolution = _resolution(step)
    if resolution is None:
        return []
    step_type = str(step["$type"])
    step_input = _input_of(step)
    leaves = _leaves(resolution)
    if any(key in leaf.discriminators for leaf in catalog.leaves_of(step_type)):
        return [
            Suggestion(v, v, "value", f"{key} (discriminator)")
            for v in discriminator_values(step_type, step_input, key)
        ]
    seen: dict[Any, None] = {}
    for leaf in leaves:
        spec = leaf.fields.get(key, {})
        for value in field_enum(leaf, key):
            seen.setdefault(value)
        if spec.get("type") == "boolean":
            seen.setdefault(True)
            seen.setdefault(False)
    return [Suggestion(_json(v) if not isinstance(v, str) else v, v, "value", key) for v in seen]


def _sources(data: Any, own: int) -> list[Suggestion]:
    """What a ``$ref`` may name: other steps by name and position, and ``$arguments``."""
    steps = _get(data, ("steps",))
    steps = steps if isinstance(steps, list) else []
    out = []
    for index, step in enumerate(steps):
        if index == own or not isinstance(step, dict):
            continue
        kind = step.get("$type", "?")
        name = step.get("name")
        if isinstance(name, str):
            out.append(Suggestion(name, name, "reference", f"step {index} ({kind})", sort="0"))
        out.append(Suggestion(f"${index}", f"${index}", "reference", f"step {index} ({kind})", sort="1"))
    out.append(Suggestion("$arguments", "$arguments", "reference", "the workflow's arguments", sort="2"))
    return out
