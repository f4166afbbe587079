"""An independent oracle for the API's own OpenAPI document, and a generator of documents from it.

It reads ``schemas/v2-consumers.json`` and the reviewed corrections ``schemas/api-patches/*.json``
(RFC 6902 JSON Patch, applied here in file-name order by an applier of its own), and nothing of
``civitai_schema`` but the public ``civitai_schema.check``: it merges the .NET-style ``allOf``
inheritance chains itself (the child's property wins, ``required`` is the union, closed where the
leaf is closed), resolves the nested discriminators itself, compiles the result into one JSON
Schema per document kind and validates with ``jsonschema`` (Draft 2020-12, with format checkers
for ``date-time``, ``uri`` and ``date-span`` written here; ``int32`` / ``int64`` become bounds, and
their limits themselves are valid values).

Besides the patches, the oracle applies the rules the product documents (README, "Where the facts
come from"):

1. a required property with a ``default`` is optional in a submission (the server fills it in);
2. a nullable property accepts ``null`` even when its ``enum`` lacks it;
3. ``readOnly`` properties are never required in a submission;
4. any top-level value of a step ``input`` may be a value reference ``{"$ref": ..., "path": ...}``;
5. in records, missing required properties are not errors;
6. a discriminator with a ``default`` on the component that dispatches on it (grok's ``version``)
   takes its default when missing: it is optional in every leaf below, and a document without it
   is the default's leaf;
7. a discriminator *value* the document does not list (``$type``, an input's ``engine`` /
   ``ecosystem`` / ``model`` / ``operation`` / ..., a blob's ``type``), and a step input's
   discriminator left out, are warnings by design (the catalog may be behind the API): those
   one-violation documents are expected to get a warning (an error will do) at the pointer, its
   parent or below it, and are counted apart from the error detection rate. A discriminator of
   the wrong type, and a step without ``$type``, are still errors.

From every input leaf (every concrete end of every step type's input discriminator chain) the
generator writes valid submissions (minimal, full, nulls, both bounds, both int32 / int64 limits)
and submissions with exactly one thing wrong; from every step type a valid record and records with
one thing wrong in the step's output (blobs included), jobs, cost, transactions and timestamps.
Every generated document is checked against the oracle before it is used: a valid document the
oracle rejects is a bug here (``test_oracle_is_honest``), a mutation the oracle accepts is dropped
and counted as skipped.

Run ``python tests/api_oracle.py`` for a report of how well ``civitai_schema.check`` agrees.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import functools
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

REPO = Path(__file__).resolve().parent.parent
SPEC_PATH = REPO / "schemas" / "v2-consumers.json"
PATCHES_DIR = REPO / "schemas" / "api-patches"

Json = Any
Schema = dict[str, Any]
DocKind = Literal["submission", "workflow"]
Severity = Literal["error", "warning"]
KINDS: tuple[DocKind, ...] = ("submission", "workflow")

INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
PREFIX = "#/components/schemas/"

# A value reference, which the orchestrator accepts for any top-level value of a step input (4).
VALUE_REF: Schema = {
    "type": "object",
    "required": ["$ref"],
    "properties": {"$ref": {"type": "string"}, "path": {"type": "string"}},
    "additionalProperties": False,
}

AIR_EXAMPLE = "urn:air:sdxl:checkpoint:civitai:101055@128078"
# Values tried, in order, for a string with a pattern; the first that matches is used.
PATTERN_CANDIDATES = (AIR_EXAMPLE, "#1a2b3c", "sample_id-1", "a")
# A string that matches none of the document's patterns (checked per pattern before use).
PATTERN_MISMATCH = "not a match!"
BAD_FORMAT = {"uri": "not a uri", "date-time": "not-a-date-time", "date-span": "ten minutes"}
UNKNOWN_KEY = "unexpectedKeyFromOracle"
BAD_ENUM = "notAValidValue"


# --------------------------------------------------------------------------------------------
# Formats (written here, not taken from jsonschema's optional format packages)

_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$", re.ASCII
)
# .NET TimeSpan, constant ("c") format: [-][d.]hh:mm:ss[.fffffff]
_DATE_SPAN = re.compile(r"^-?(?:(\d{1,8})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$", re.ASCII)
# RFC 3986 absolute URI: a scheme, then only characters a URI may hold (percent-escapes allowed).
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$", re.ASCII)
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.match(value)
    if not match:
        return False
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    return not (match.group(7) and (int(match.group(8)) > 23 or int(match.group(9)) > 59))


def is_date_span(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE_SPAN.match(value)
    return match is not None and int(match.group(2)) < 24 and int(match.group(3)) < 60 and int(match.group(4)) < 60


def is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_URI.match(value)) and not _PERCENT.search(value)


def format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(is_date_time)
    checker.checks("date-span")(is_date_span)
    checker.checks("uri")(is_uri)
    return checker


def python_pattern(pattern: str) -> str:
    """ECMAScript named groups ``(?<name>…)`` in Python's spelling ``(?P<name>…)``."""
    return re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", pattern)


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(python_pattern(pattern))


def pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def parent_pointer(ptr: str) -> str | None:
    return None if ptr == "" else ptr[: ptr.rfind("/")]


def types_of(schema: Schema) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    if "enum" in schema:
        return sorted({json_type(v) for v in schema["enum"]})
    return []


def json_type(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# --------------------------------------------------------------------------------------------
# RFC 6902 JSON Patch (add, remove, replace and test: what the reviewed corrections use)


class PatchError(ValueError):
    """An operation that cannot be applied (a failed ``test`` included)."""


def json_equal(a: Json, b: Json) -> bool:
    """Equality as RFC 6902 §4.6 defines it for ``test``: numbers by value, but ``true`` is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def pointer_tokens(ptr: str) -> list[str]:
    """RFC 6901: the reference tokens of a JSON Pointer, unescaped."""
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise PatchError(f"not a JSON Pointer: {ptr!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in ptr[1:].split("/")]


def _index(holder: list[Json], token: str, ptr: str, *, end: bool = False) -> int:
    """An array index token (``end``: one past the last is allowed, as ``add`` inserts there)."""
    if token == "-" and end:
        return len(holder)
    if not re.fullmatch(r"0|[1-9][0-9]*", token):
        raise PatchError(f"{ptr}: {token!r} is not an array index")
    index = int(token)
    if index > len(holder) or (index == len(holder) and not end):
        raise PatchError(f"{ptr}: index {index} is out of range")
    return index


def _parent(document: Json, tokens: list[str], ptr: str) -> Json:
    holder = document
    for token in tokens[:-1]:
        if isinstance(holder, dict):
            if token not in holder:
                raise PatchError(f"{ptr}: {token!r} does not exist")
            holder = holder[token]
        elif isinstance(holder, list):
            holder = holder[_index(holder, token, ptr)]
        else:
            raise PatchError(f"{ptr}: {token!r} is below a scalar")
    if not isinstance(holder, (dict, list)):
        raise PatchError(f"{ptr}: the parent is not an object or an array")
    return holder


def _get(document: Json, ptr: str) -> Json:
    tokens = pointer_tokens(ptr)
    if not tokens:
        return document
    holder = _parent(document, tokens, ptr)
    if isinstance(holder, list):
        return holder[_index(holder, tokens[-1], ptr)]
    if tokens[-1] not in holder:
        raise PatchError(f"{ptr}: does not exist")
    return holder[tokens[-1]]


def apply_patch(document: Json, operations: list[Json]) -> Json:
    """``document`` with ``operations`` applied, as a new value; members other than ``op``,
    ``path`` and ``value`` (the corrections' ``reason`` and ``source``) are ignored, as RFC 6902
    says. Raises ``PatchError`` when any operation cannot be applied."""
    out = copy.deepcopy(document)
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise PatchError(f"operation {number}: not an operation with a path")
        op, ptr = operation.get("op"), operation["path"]
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"operation {number} ({op} {ptr}): no value")
        value = copy.deepcopy(operation.get("value"))
        tokens = pointer_tokens(ptr)
        if op == "test":
            if not json_equal(_get(out, ptr), value):
                raise PatchError(f"operation {number}: test {ptr} failed")
            continue
        if op not in ("add", "remove", "replace"):
            raise PatchError(f"operation {number}: unsupported op {op!r}")
        if not tokens:
            if op == "remove":
                raise PatchError(f"operation {number}: cannot remove the whole document")
            out = value
            continue
        holder = _parent(out, tokens, ptr)
        token = tokens[-1]
        if isinstance(holder, list):
            index = _index(holder, token, ptr, end=op == "add")
            if op == "add":
                holder.insert(index, value)
            elif op == "remove":
                del holder[index]
            else:
                holder[index] = value
        else:
            if op != "add" and token not in holder:
                raise PatchError(f"operation {number}: {op} {ptr}: does not exist")
            if op == "remove":
                del holder[token]
            else:
                holder[token] = value
    return out


def patch_files() -> list[Path]:
    return sorted(PATCHES_DIR.glob("*.json"))


def load_document(patched: bool = True) -> Json:
    """The vendored OpenAPI document, with the reviewed corrections applied unless ``patched`` is false."""
    document = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    if patched:
        for path in patch_files():
            try:
                document = apply_patch(document, json.loads(path.read_text(encoding="utf-8")))
            except PatchError as exc:
                raise PatchError(f"{path.name}: {exc}") from exc
    return document


# --------------------------------------------------------------------------------------------
# The document's inheritance and discriminators


class Api:
    """The component schemas, with inheritance merged and discriminators resolved."""

    def __init__(self, document: Json) -> None:
        self.document = document
        self.schemas: dict[str, Schema] = document["components"]["schemas"]
        self._chains: dict[str, tuple[str, ...]] = {}
        self._merged: dict[str, Schema] = {}

    @staticmethod
    def ref_name(schema: Json) -> str | None:
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref: str = schema["$ref"]
            if not ref.startswith(PREFIX):
                raise ValueError(f"unsupported reference {ref}")
            return ref[len(PREFIX) :]
        return None

    def parents(self, name: str) -> list[str]:
        out = []
        for part in self.schemas[name].get("allOf", []):
            parent = self.ref_name(part)
            if parent is not None:
                out.append(parent)
        return out

    def own(self, name: str) -> Schema:
        """The schema's own part: itself, or the non-reference members of its ``allOf``, merged."""
        schema = self.schemas[name]
        if "allOf" not in schema:
            return schema
        own: Schema = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            if self.ref_name(part) is None:
                own = {**own, **part}
        return own

    def chain(self, name: str) -> tuple[str, ...]:
        """The inheritance chain, root first, ``name`` last."""
        if name not in self._chains:
            out: list[str] = []
            for parent in self.parents(name):
                out.extend(n for n in self.chain(parent) if n not in out)
            self._chains[name] = (*out, name)
        return self._chains[name]

    def discriminator(self, name: str) -> Schema | None:
        disc = self.own(name).get("discriminator")
        return disc if isinstance(disc, dict) and disc.get("mapping") else None

    def mapping(self, name: str) -> dict[str, str]:
        disc = self.discriminator(name)
        if disc is None:
            return {}
        return {key: ref[len(PREFIX) :] for key, ref in disc["mapping"].items()}

    def discriminator_default(self, name: str) -> str | None:
        """The ``default`` of the discriminator property ``name`` dispatches on, written on ``name``
        itself (6): the value a document without the property selects."""
        disc = self.discriminator(name)
        if disc is None:
            return None
        prop = self.own(name).get("properties", {}).get(disc["propertyName"])
        if not isinstance(prop, dict):
            return None
        default = self.target(prop).get("default", prop.get("default"))
        return default if isinstance(default, str) and default in self.mapping(name) else None

    def is_polymorphic(self, name: str) -> bool:
        return any(target != name for target in self.mapping(name).values())

    def merged(self, name: str) -> Schema:
        """The chain merged into one schema: the child's property wins, ``required`` is the union,
        ``additionalProperties`` (and every other keyword) is the leaf's own. Do not mutate it."""
        if name not in self._merged:
            self._merged[name] = self._merge(name)
        return self._merged[name]

    def _merge(self, name: str) -> Schema:
        properties: dict[str, Schema] = {}
        required: list[str] = []
        defaults: dict[str, str] = {}  # (6): a discriminator's default, from the component dispatching on it
        for link in self.chain(name):
            own = self.own(link)
            properties.update(own.get("properties", {}))
            required.extend(r for r in own.get("required", []) if r not in required)
            default = self.discriminator_default(link)
            if default is not None:
                defaults[self.own(link)["discriminator"]["propertyName"]] = default
        for key, default in defaults.items():
            if key in properties and not self.has_default(properties[key]):
                properties[key] = {**properties[key], "default": default}
        leaf = self.own(name)
        out: Schema = {k: v for k, v in leaf.items() if k not in ("properties", "required", "discriminator")}
        if properties or "properties" in leaf:
            out["properties"] = properties
        if required:
            out["required"] = required
        if "type" not in out and properties:
            out["type"] = "object"
        return out

    def dispatch(self, name: str, value: Json) -> str | None:
        """The concrete schema ``value`` selects below ``name`` (``None``: it selects none)."""
        seen = set()
        while self.is_polymorphic(name):
            if name in seen:
                return None
            seen.add(name)
            disc = self.discriminator(name)
            assert disc is not None
            if not isinstance(value, dict):
                return None
            selector = value.get(disc["propertyName"], self.discriminator_default(name))
            target = self.mapping(name).get(selector)  # type: ignore[arg-type]
            if target is None:
                return None
            if target == name:
                return name
            name = target
        return name

    def leaves(self, name: str) -> list[tuple[str, dict[str, str]]]:
        """Every concrete end below ``name``, with the discriminator values that select it."""
        if not self.is_polymorphic(name):
            return [(name, {})]
        disc = self.discriminator(name)
        assert disc is not None
        out: list[tuple[str, dict[str, str]]] = []
        for key, target in self.mapping(name).items():
            if target == name:
                out.append((name, {disc["propertyName"]: key}))
                continue
            for leaf, values in self.leaves(target):
                out.append((leaf, {disc["propertyName"]: key, **values}))
        return out

    def discriminator_properties(self, name: str) -> set[str]:
        """Every discriminator property named along ``name``'s chain."""
        out = set()
        for link in self.chain(name):
            disc = self.discriminator(link)
            if disc is not None:
                out.add(disc["propertyName"])
        return out

    def target(self, schema: Schema) -> Schema:
        """``schema`` itself, or the component it references (for ``default`` / ``readOnly``)."""
        name = self.ref_name(schema)
        return self.schemas[name] if name is not None else schema

    def has_default(self, schema: Schema) -> bool:
        return "default" in schema or "default" in self.target(schema)

    def is_read_only(self, schema: Schema) -> bool:
        return bool(schema.get("readOnly") or self.target(schema).get("readOnly"))

    def required(self, schema: Schema, kind: DocKind) -> list[str]:
        """``required`` with the rules: none in records (5); in submissions, not a property with
        a default (1) or a read-only one (3). (``currencies`` is a patch's business.)"""
        if kind == "workflow":
            return []
        props = schema.get("properties", {})
        out = []
        for key in schema.get("required", []):
            prop = props.get(key, {})
            if self.has_default(prop) or self.is_read_only(prop):
                continue
            out.append(key)
        return out

    # The step types

    def step_types(self, base: str = "WorkflowStepTemplate") -> dict[str, str]:
        return self.mapping(base)

    def input_schema(self, step_component: str) -> Schema:
        props = self.merged(step_component).get("properties", {})
        schema: Schema = props["input"]
        return schema

    def input_components(self) -> set[str]:
        """Every component on a step template's input discriminator tree."""
        out: set[str] = set()

        def add(name: str) -> None:
            if name in out:
                return
            out.add(name)
            for target in self.mapping(name).values():
                add(target)

        for step in self.step_types().values():
            name = self.ref_name(self.input_schema(step))
            if name is not None:
                add(name)
        return out


# --------------------------------------------------------------------------------------------
# The oracle


class Oracle:
    """The document compiled to JSON Schema for one kind, validated with ``jsonschema``."""

    def __init__(self, api: Api, kind: DocKind) -> None:
        self.api = api
        self.kind = kind
        self.refable = api.input_components() if kind == "submission" else set()
        self.defs: dict[str, Schema] = {}
        self._todo: list[str] = []
        root = "WorkflowTemplate" if kind == "submission" else "Workflow"
        self.schema: Schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": self._need(root),
            "$defs": self.defs,
        }
        while self._todo:
            name = self._todo.pop()
            self.defs[name] = self._component(name)
        self.validator = Draft202012Validator(self.schema, format_checker=format_checker())

    def _need(self, name: str, concrete: bool = False) -> str:
        key = name + "~concrete" if concrete else name
        if key not in self.defs:
            self.defs[key] = {}  # a placeholder, so each component is compiled once
            self._todo.append(key)
        return "#/$defs/" + key.replace("~", "~0")

    def _component(self, key: str) -> Schema:
        concrete = key.endswith("~concrete")
        name = key.removesuffix("~concrete")
        if self.api.is_polymorphic(name) and not concrete:
            disc = self.api.discriminator(name)
            assert disc is not None
            prop = disc["propertyName"]
            mapping = self.api.mapping(name)
            default = self.api.discriminator_default(name) if self.kind == "submission" else None
            branches: list[Schema] = [
                {
                    "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                    "then": {"$ref": self._need(target, concrete=target == name)},
                }
                for value, target in mapping.items()
            ]
            if default is not None:  # (6)
                target = mapping[default]
                branches.append(
                    {"if": {"not": {"required": [prop]}}, "then": {"$ref": self._need(target, concrete=target == name)}}
                )
            return {
                "type": "object",
                "required": [] if default is not None else [prop],
                "properties": {prop: {"enum": list(mapping)}},
                "allOf": branches,
            }
        schema: Schema = self.compile(self.api.merged(name))
        if name in self.refable and "properties" in schema:
            keep = self.api.discriminator_properties(name)
            schema["properties"] = {
                k: v if k in keep else {"anyOf": [v, VALUE_REF]} for k, v in schema["properties"].items()
            }
        return schema

    def compile(self, schema: Json) -> Json:
        if not isinstance(schema, dict):
            return schema
        out: Schema = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                name = self.api.ref_name(schema)
                assert name is not None
                out["$ref"] = self._need(name)
            elif key == "properties":
                out[key] = {k: self.compile(v) for k, v in value.items()}
            elif key in ("items", "additionalProperties", "not", "contains", "propertyNames"):
                out[key] = self.compile(value)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                out[key] = [self.compile(v) for v in value]
            elif key == "pattern":
                out[key] = python_pattern(value)
            elif key == "required":
                out[key] = self.api.required(schema, self.kind)
            elif key in ("discriminator", "description", "example", "examples", "readOnly", "writeOnly", "default"):
                continue
            else:
                out[key] = value
        kinds = types_of(schema)
        if "integer" in kinds and schema.get("format") in INT_BOUNDS:
            low, high = INT_BOUNDS[schema["format"]]
            out["minimum"] = max(out.get("minimum", low), low)
            out["maximum"] = min(out.get("maximum", high), high)
        if "null" in kinds and "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]  # (2)
        return out

    def errors(self, document: Json) -> list[tuple[str, str]]:
        """(JSON Pointer, message) for every error ``jsonschema`` reports; below the value-reference
        ``anyOf`` of an input's top-level value, the errors of the value's own schema."""
        out: list[tuple[str, str]] = []

        def add(error: ValidationError) -> None:
            own = [e for e in error.context or () if e.relative_schema_path and e.relative_schema_path[0] == 0]
            if error.validator == "anyOf" and own and self._is_value_ref_choice(error.schema):
                for inner in own:
                    add(inner)
            else:
                out.append((pointer(error.absolute_path), error.message))

        for error in self.validator.iter_errors(document):
            add(error)
        return out

    @staticmethod
    def _is_value_ref_choice(schema: Json) -> bool:
        return isinstance(schema, dict) and len(schema.get("anyOf", ())) == 2 and schema["anyOf"][1] is VALUE_REF

    def is_valid(self, document: Json) -> bool:
        return bool(self.validator.is_valid(document))


# --------------------------------------------------------------------------------------------
# Generation

# minimal: required keys only; full: every property; nulls: full, every nullable property null;
# min / max: full, every explicit bound (minimum, minLength, minItems, ...) taken exactly;
# int-min / int-max: full, every integer without an explicit bound at its int32 / int64 limit.
Variant = Literal["minimal", "full", "nulls", "min", "max", "int-min", "int-max"]
VARIANTS: tuple[Variant, ...] = ("minimal", "full", "nulls", "min", "max", "int-min", "int-max")


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


SKIP: Any = _Skip()

_URL_WORDS = re.compile(r"(url|uri|image|video|audio|mask|frame)s?$", re.I)
_AIR_WORDS = re.compile(r"model|air$|^air|resource|lora|checkpoint|vae|network|embedding|upscaler", re.I)
# The AIR resource type a field's name (or its container's) asks for; checkpoint otherwise.
AIR_TYPES = (
    (("lora", "network"), "lora"),
    (("vae",), "vae"),
    (("clip", "t5", "textencoder", "text_encoder", "umt5", "llm", "qwen"), "clip"),
    (("embedding",), "embedding"),
    (("upscal",), "upscaler"),
    (("controlnet",), "controlnet"),
)
_AIR_MAP_WORDS = re.compile(r"lora|network|fee|resource|model", re.I)


@dataclass(frozen=True)
class Context:
    kind: DocKind
    variant: Variant
    name: str = ""  # the property (or, for items and map values, the container's property) name
    discriminators: tuple[tuple[str, str], ...] = ()
    stack: tuple[str, ...] = ()
    index: int = 0
    trail: tuple[str, ...] = ()  # the names of the enclosing properties, outermost first

    def at(self, name: str | None = None, **changes: Any) -> Context:
        if name is None:
            return dataclasses.replace(self, **{"index": 0, **changes})
        return dataclasses.replace(self, name=name, trail=(*self.trail, name), **{"index": 0, **changes})


@dataclass(frozen=True)
class Leaf:
    step_type: str
    step_component: str
    input_component: str | None  # None: the input is not a component (imageUpload's string)
    discriminators: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        if not self.discriminators:
            return self.step_type
        return self.step_type + ":" + ",".join(f"{k}={v}" for k, v in self.discriminators)


@dataclass(frozen=True)
class ValidDoc:
    kind: DocKind
    leaf: str
    variant: str
    body: Json

    @property
    def label(self) -> str:
        return f"{self.kind} {self.leaf} [{self.variant}]"


@dataclass(frozen=True)
class ViolationDoc:
    kind: DocKind
    leaf: str
    cls: str  # wrong-type, out-of-range, enum, pattern, format, missing-required, unknown-key
    location: str
    pointer: str
    detail: str
    body: Json
    discriminator: bool = False  # the mutated value is a discriminator's ($type, engine, ...)
    # error: the API rejects it; warning: a warning by design (7), an error will do too
    expected: Severity = "error"

    @property
    def label(self) -> str:
        return f"{self.kind} {self.leaf} {self.cls}@{self.location} {self.pointer or '(root)'}: {self.detail}"


@dataclass
class Position:
    """One value of a generated document, with the schema it answers to."""

    pointer: tuple[str | int, ...]
    schema: Schema  # resolved: references followed, inheritance merged, discriminator applied
    value: Json
    in_blob: bool  # inside a Blob (in a step output)
    components: tuple[str, ...] = ()
    discriminator: bool = False  # the value of a discriminator property ($type, engine, ...)


class Generator:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.unsatisfied: Counter[str] = Counter()  # patterns no candidate value matches

    # Leaves

    def leaves(self) -> list[Leaf]:
        out = []
        for step_type, component in self.api.step_types().items():
            schema = self.api.input_schema(component)
            name = self.api.ref_name(schema)
            if name is None:
                out.append(Leaf(step_type, component, None, ()))
                continue
            for leaf, values in self.api.leaves(name):
                out.append(Leaf(step_type, component, leaf, tuple(values.items())))
        return out

    # Values

    def value(self, schema: Json, ctx: Context) -> Json:
        if schema is True or schema == {}:
            return "sample"
        if not isinstance(schema, dict):
            return SKIP
        name = self.api.ref_name(schema)
        if name is not None:
            return self.component(name, ctx)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                for branch in schema[key]:
                    value = self.value(branch, ctx)
                    if value is not SKIP:
                        return value
                return SKIP
        kinds = [k for k in types_of(schema) if k != "null"]
        if not kinds:
            return None if "null" in types_of(schema) else "sample"
        if "enum" in schema:
            return self.enum_value(schema, ctx)
        kind = kinds[0]
        if kind == "string":
            return self.string(schema, ctx)
        if kind in ("integer", "number"):
            return self.number(schema, ctx, kind)
        if kind == "boolean":
            default = schema.get("default")
            return default if isinstance(default, bool) else ctx.variant != "min"
        if kind == "array":
            return self.array(schema, ctx)
        if kind == "object":
            return self.object(schema, ctx)
        return SKIP

    def component(self, name: str, ctx: Context, discriminators: dict[str, str] | None = None) -> Json:
        if discriminators is None:
            leaf, discriminators = self.api.leaves(name)[0]
        else:
            leaf = name
        if ctx.stack.count(leaf) >= 2 or len(ctx.stack) > 14:
            return SKIP
        if self.api.is_polymorphic(leaf):
            leaf, more = self.api.leaves(leaf)[0]
            discriminators = {**discriminators, **more}
        inner = ctx.at(
            stack=(*ctx.stack, leaf),
            discriminators=(*ctx.discriminators, *discriminators.items()),
            variant="minimal" if leaf in ctx.stack else ctx.variant,
        )
        value = self.value(self.api.merged(leaf), inner)
        if isinstance(value, dict):
            value.update(discriminators)
        return value

    def enum_value(self, schema: Schema, ctx: Context) -> Json:
        options = [v for v in schema["enum"] if v is not None]
        if not options:
            return None
        if ctx.variant == "max":
            return options[(len(options) - 1 - ctx.index) % len(options)]
        if ctx.index == 0 and schema.get("default") in options:
            return schema["default"]
        return options[ctx.index % len(options)]

    def string(self, schema: Schema, ctx: Context) -> Json:
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        fmt = schema.get("format")
        pattern = schema.get("pattern")
        fixed: str | None = None  # a value that cannot be stretched
        if pattern is not None:
            regex = compiled_pattern(pattern)
            candidates = [self.air(ctx), *PATTERN_CANDIDATES] if "urn" in pattern else list(PATTERN_CANDIDATES)
            default = schema.get("default")
            if isinstance(default, str):
                candidates.insert(0, default)
            matching = [c for c in candidates if regex.search(c)]
            if not matching:
                self.unsatisfied[pattern] += 1
                return SKIP
            fixed = matching[0]
            if ctx.index:
                fixed += f"{ctx.index}" if regex.search(f"{fixed}{ctx.index}") else ""
            stretched = fixed[:1] * (high or 0)
            if ctx.variant == "max" and high is not None and regex.search(stretched):
                return stretched
            if ctx.variant == "min" and low and regex.search(fixed[:1] * low):
                return fixed[:1] * low
        elif fmt == "uri":
            fixed = f"https://example.com/{ctx.name or 'file'}/{ctx.index}.png"
        elif fmt == "date-time":
            fixed = f"2026-01-0{1 + ctx.index % 9}T12:00:00Z"
        elif fmt == "date-span":
            fixed = f"00:{10 + ctx.index % 50}:00"
        elif _AIR_WORDS.search(ctx.name) and not _URL_WORDS.search(ctx.name):
            fixed = self.air(ctx)
        elif _URL_WORDS.search(ctx.name):
            fixed = f"https://example.com/media/{ctx.name}-{ctx.index}.png"
        if fixed is not None:
            if len(fixed) < low or (high is not None and len(fixed) > high):
                return SKIP
            return fixed
        lowered = ctx.name.lower()
        text = "blurry" if "negative" in lowered else "a photo of a cat" if "prompt" in lowered else "sample"
        if ctx.index:
            text += f" {ctx.index}"
        if ctx.variant == "min" and "minLength" in schema:
            return (text * (low // len(text) + 1))[:low]
        if ctx.variant == "max" and high is not None:
            return (text * (high // len(text) + 1))[:high]
        if len(text) < low:
            text = (text * (low // len(text) + 1))[:low]
        if high is not None:
            text = text[:high]
        return text

    def air(self, ctx: Context) -> str:
        """A real-looking AIR: the ecosystem the input selects, the resource type its field names."""
        values = dict(ctx.discriminators)
        ecosystem = values.get("ecosystem", "sdxl")
        near = " ".join(ctx.trail[-2:]).lower()
        kind = "checkpoint"
        for words, air_type in AIR_TYPES:
            if any(word in near for word in words):
                kind = air_type
                break
        if kind == "checkpoint" and ecosystem == "sdxl" and ctx.index == 0:
            return AIR_EXAMPLE
        return f"urn:air:{ecosystem}:{kind}:civitai:{101055 + ctx.index}@{128078 + ctx.index}"

    def bounds(self, schema: Schema) -> tuple[float | None, float | None, float | None, float | None]:
        """(explicit minimum, explicit maximum, format minimum, format maximum)."""
        low, high = schema.get("minimum"), schema.get("maximum")
        flow, fhigh = INT_BOUNDS.get(schema.get("format", ""), (None, None))
        return low, high, flow, fhigh

    def number(self, schema: Schema, ctx: Context, kind: str) -> Json:
        low, high, flow, fhigh = self.bounds(schema)
        out: float | None = None
        if ctx.variant == "min":
            out = low
        elif ctx.variant == "max":
            out = high
        elif ctx.variant == "int-min" and kind == "integer" and low is None:
            out = flow
        elif ctx.variant == "int-max" and kind == "integer" and high is None:
            out = fhigh
        if out is None:
            default = schema.get("default")
            if isinstance(default, (int, float)) and not isinstance(default, bool) and ctx.index == 0:
                out = default
            else:
                out = self.typical_number(ctx.name, low, high) + ctx.index
                if high is not None and out > high:
                    out = high - ctx.index
        return int(out) if kind == "integer" else out

    @staticmethod
    def typical_number(name: str, low: float | None, high: float | None) -> float:
        """An ordinary value within the bounds (the bounds themselves are the min / max variants)."""
        candidates = [1024, 512, 64] if name.lower() in ("width", "height") else []
        for candidate in [*candidates, 1]:
            if (low is None or candidate >= low) and (high is None or candidate <= high):
                return candidate
        return low if low is not None else high if high is not None else 1

    def array(self, schema: Schema, ctx: Context) -> Json:
        items = schema.get("items", {})
        low = schema.get("minItems", 0)
        high = schema.get("maxItems")
        if ctx.variant == "min" and "minItems" in schema:
            count = low
        elif ctx.variant == "max" and high is not None:
            count = high
        else:
            count = max(1, low)
            if high is not None:
                count = min(count, high)
        out: list[Json] = []
        for index in range(count):
            value = self.value(items, ctx.at(index=index))
            if value is SKIP:
                return SKIP if count > 0 and index < low else out
            if schema.get("uniqueItems") and value in out:
                break
            out.append(value)
        return out if len(out) >= low else SKIP

    def object(self, schema: Schema, ctx: Context) -> Json:
        props: dict[str, Schema] = schema.get("properties", {})
        out: dict[str, Json] = {}
        if ctx.variant == "minimal":
            wanted = [k for k in props if k in self.api.required(schema, "submission")]
        else:
            wanted = list(props)
        must = set(self.api.required(schema, ctx.kind))
        for key in wanted:
            prop = props[key]
            if ctx.variant == "nulls" and "null" in types_of(prop):
                out[key] = None
                continue
            value = self.value(prop, ctx.at(name=key))
            if value is SKIP:
                if key in must:
                    return SKIP
                continue
            out[key] = value
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict):
            if extra:
                value = self.value(extra, ctx)
                if value is SKIP:
                    return out
                key = self.air(ctx.at(name=ctx.name)) if _AIR_MAP_WORDS.search(ctx.name) else "key1"
                out[key] = value
            elif ctx.variant != "minimal":
                out["source"] = "api-oracle"
        return out

    # Documents

    def input_value(self, leaf: Leaf, ctx: Context) -> Json:
        if leaf.input_component is None:
            return self.value(self.api.input_schema(leaf.step_component), ctx.at(name="input"))
        return self.component(leaf.input_component, ctx.at(name="input"), dict(leaf.discriminators))

    def without(self, name: str, *keys: str) -> Schema:
        """``name`` merged, without ``keys`` (filled in by the caller)."""
        schema = self.api.merged(name)
        props = {k: v for k, v in schema.get("properties", {}).items() if k not in keys}
        required = [k for k in schema.get("required", []) if k not in keys]
        return {**schema, "properties": props, "required": required}

    def submission(self, leaf: Leaf, variant: Variant) -> Json:
        ctx = Context(kind="submission", variant=variant)
        body = self.value(self.without("WorkflowTemplate", "steps"), ctx)
        step = self.value(self.without(leaf.step_component, "$type", "input"), ctx)
        value = self.input_value(leaf, ctx)
        if body is SKIP or step is SKIP or value is SKIP:
            return SKIP
        if variant == "min" and body.get("callbacks") == []:
            del body["callbacks"]  # (kept short; an empty list is valid too)
        return {"steps": [{"$type": leaf.step_type, "input": value, **step}], **body}

    def record(self, leaf: Leaf, record_step: str) -> Json:
        ctx = Context(kind="workflow", variant="full")
        body = self.value(self.without("Workflow", "steps", "id", "status"), ctx)
        step = self.value(self.without(record_step, "$type", "name", "status", "input"), ctx)
        value = self.input_value(leaf, ctx)
        if body is SKIP or step is SKIP or value is SKIP:
            return SKIP
        for job in step.get("jobs") or []:
            job["status"] = "succeeded"
        step = {"$type": leaf.step_type, "name": "step0", "status": "succeeded", "input": value, **step}
        return {"id": "wf-0001", "status": "succeeded", "steps": [step], **body}

    def valid_documents(self, leaves: Iterable[Leaf] | None = None) -> Iterator[ValidDoc]:
        for leaf in self.leaves() if leaves is None else leaves:
            for variant in VARIANTS:
                body = self.submission(leaf, variant)
                if body is not SKIP:
                    yield ValidDoc("submission", leaf.label, variant, body)

    def record_steps(self) -> dict[str, str]:
        return self.api.step_types("WorkflowStep")

    def first_leaf_per_step_type(self) -> dict[str, Leaf]:
        out: dict[str, Leaf] = {}
        for leaf in self.leaves():
            out.setdefault(leaf.step_type, leaf)
        return out

    def valid_records(self) -> Iterator[ValidDoc]:
        steps = self.record_steps()
        for step_type, leaf in self.first_leaf_per_step_type().items():
            if step_type in steps:
                body = self.record(leaf, steps[step_type])
                if body is not SKIP:
                    yield ValidDoc("workflow", leaf.label, "record", body)

    # Walking a document with its schema

    def resolve(self, schema: Json, value: Json) -> tuple[Schema | None, tuple[str, ...]]:
        names: tuple[str, ...] = ()
        while True:
            name = self.api.ref_name(schema)
            if name is None:
                break
            leaf = self.api.dispatch(name, value)
            if leaf is None:
                return None, names
            names += self.api.chain(leaf)
            schema = self.api.merged(leaf)
        if not isinstance(schema, dict) or "oneOf" in schema or "anyOf" in schema:
            return None, names  # not descended into: which branch answers is not one schema's business
        return schema, names

    def positions(self, value: Json, schema: Json, at: tuple[str | int, ...] = (), **flags: bool) -> Iterator[Position]:
        resolved, names = self.resolve(schema, value)
        if resolved is None:
            return
        in_blob = flags.get("in_blob", False) or "Blob" in names
        yield Position(at, resolved, value, in_blob, names, flags.get("discriminator", False))
        if isinstance(value, dict):
            props = resolved.get("properties", {})
            extra = resolved.get("additionalProperties")
            selectors = self.api.discriminator_properties(names[-1]) if names else set()
            for key, item in value.items():
                sub = props.get(key, extra if isinstance(extra, dict) else None)
                if sub is not None:
                    yield from self.positions(item, sub, (*at, key), in_blob=in_blob, discriminator=key in selectors)
        elif isinstance(value, list) and isinstance(resolved.get("items"), dict):
            for index, item in enumerate(value):
                yield from self.positions(item, resolved["items"], (*at, index), in_blob=in_blob)

    # Mutations: each gives (class, pointer, detail, mutated value or a key edit)

    def mutations(
        self, pos: Position, kind: DocKind, ctx: Context
    ) -> Iterator[tuple[str, tuple[str | int, ...], str, Json]]:
        schema, value = pos.schema, pos.value
        kinds = types_of(schema)
        here = pos.pointer
        if kinds and value is not None:
            wrong = self.wrong_type(kinds, value)
            if wrong is not SKIP:
                yield "wrong-type", here, f"{json_type(wrong)} instead of {'/'.join(kinds)}", wrong
            if "integer" in kinds and "number" not in kinds and isinstance(value, int) and not isinstance(value, bool):
                yield "wrong-type", here, "a fraction instead of an integer", value + 0.5
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high, flow, fhigh = self.bounds(schema)
            step = 1 if "integer" in kinds else 0.5
            if low is not None:
                yield "out-of-range", here, f"minimum {low} - {step}", low - step
            elif flow is not None and "integer" in kinds:
                yield "out-of-range", here, f"{schema['format']} minimum - 1", int(flow) - 1
            if high is not None:
                yield "out-of-range", here, f"maximum {high} + {step}", high + step
            elif fhigh is not None and "integer" in kinds:
                yield "out-of-range", here, f"{schema['format']} maximum + 1", int(fhigh) + 1
        if isinstance(value, str):
            if "maxLength" in schema:
                longer = (value or "a") * (schema["maxLength"] // max(1, len(value)) + 2)
                longer = longer[: schema["maxLength"] + 1]
                if "pattern" not in schema or compiled_pattern(schema["pattern"]).search(longer):
                    yield "out-of-range", here, f"maxLength {schema['maxLength']} + 1", longer
            if schema.get("minLength", 0) > 0:
                yield "out-of-range", here, f"minLength {schema['minLength']} - 1", value[: schema["minLength"] - 1]
            if "pattern" in schema and not compiled_pattern(schema["pattern"]).search(PATTERN_MISMATCH):
                yield "pattern", here, "does not match the pattern", PATTERN_MISMATCH
            if schema.get("format") in BAD_FORMAT:
                yield "format", here, f"bad {schema['format']}", BAD_FORMAT[schema["format"]]
        if "enum" in schema and value is not None:
            options = schema["enum"]
            if isinstance(value, str):
                yield "enum", here, "not in the enum", BAD_ENUM
            elif isinstance(value, int) and not isinstance(value, bool):
                yield "enum", here, "not in the enum", max(v for v in options if isinstance(v, int)) + 1
        if isinstance(value, list):
            if "maxItems" in schema:
                items = schema.get("items", {})
                longer = list(value)
                index = len(longer)
                while len(longer) <= schema["maxItems"] and index < schema["maxItems"] + 50:
                    item = self.value(items, ctx.at(name=str(here[-1]) if here else "", index=index))
                    index += 1
                    if item is SKIP:
                        break
                    if not schema.get("uniqueItems") or item not in longer:
                        longer.append(item)
                if len(longer) == schema["maxItems"] + 1:
                    yield "out-of-range", here, f"maxItems {schema['maxItems']} + 1", longer
            if schema.get("minItems", 0) > 0:
                yield "out-of-range", here, f"minItems {schema['minItems']} - 1", value[: schema["minItems"] - 1]
        if isinstance(value, dict):
            if kind == "submission":
                for key in self.api.required(schema, "submission"):
                    if key in value:
                        yield "missing-required", (*here, key), f"without {key!r}", _Remove(key)
            if schema.get("additionalProperties") is False and UNKNOWN_KEY not in value:
                yield "unknown-key", (*here, UNKNOWN_KEY), "an unknown key", _Add(UNKNOWN_KEY, "x")

    @staticmethod
    def wrong_type(kinds: list[str], value: Json) -> Json:
        if "string" not in kinds:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            return "true" if isinstance(value, bool) else "wrong type"
        if "integer" not in kinds and "number" not in kinds:
            return 42
        if "boolean" not in kinds:
            return True
        return SKIP

    def violations(
        self, base: Json, kind: DocKind, where: Callable[[Position, tuple[str | int, ...]], str | None]
    ) -> Iterator[ViolationDoc]:
        """Every single-mutation document from ``base`` at the places ``where`` names a location for."""
        root = "WorkflowTemplate" if kind == "submission" else "Workflow"
        ctx = Context(kind=kind, variant="full")
        for pos in list(self.positions(base, {"$ref": PREFIX + root})):
            for cls, at, detail, change in self.mutations(pos, kind, ctx):
                if kind == "workflow" and cls == "missing-required":
                    continue  # (5): never an error in a record
                location = where(pos, at)
                if location is None:
                    continue
                selector = pos.discriminator
                if isinstance(change, _Remove) and pos.components:
                    selector = change.key in self.api.discriminator_properties(pos.components[-1])
                body = apply(base, pos.pointer, change)
                expected = expected_severity(cls, location, selector)
                yield ViolationDoc(kind, "", cls, location, pointer(at), detail, body, selector, expected)


def expected_severity(cls: str, location: str, discriminator: bool) -> Severity:
    """(7): an unknown discriminator value anywhere, or a discriminator left out of a step input,
    is a warning by design; everything else, a discriminator of the wrong type and a step without
    ``$type`` included, is an error."""
    if discriminator and (cls == "enum" or (cls == "missing-required" and location.startswith("input"))):
        return "warning"
    return "error"


@dataclass(frozen=True)
class _Remove:
    key: str


@dataclass(frozen=True)
class _Add:
    key: str
    value: Json


def apply(document: Json, at: tuple[str | int, ...], change: Json) -> Json:
    """A deep copy of ``document`` with the value at ``at`` replaced (or one of its keys edited)."""
    out = copy.deepcopy(document)
    if not at and not isinstance(change, (_Remove, _Add)):
        return change
    holder = out
    for part in at[:-1] if not isinstance(change, (_Remove, _Add)) else at:
        holder = holder[part]
    if isinstance(change, _Remove):
        del holder[change.key]
    elif isinstance(change, _Add):
        holder[change.key] = change.value
    else:
        holder[at[-1]] = change
    return out


# Where a position is, for the report


def submission_location(at: tuple[str | int, ...], key_of: tuple[str | int, ...] | None = None) -> str:
    """body, step (the step's own fields), input (its top level), input-nested, input-array-item.

    ``key_of``: the object whose key ``at`` is, for a key removed or added (the step's ``input``
    key is the step's)."""
    if len(at) < 2 or at[0] != "steps":
        return "body"
    if len(at) < 3 or at[2] != "input" or (key_of is not None and len(key_of) == 2):
        return "step"
    below = at[3:]
    if any(isinstance(part, int) for part in below):
        return "input-array-item"
    return "input" if len(below) <= 1 else "input-nested"


def _where(pos: Position, at: tuple[str | int, ...]) -> str:
    return submission_location(at, pos.pointer if at[:-1] == pos.pointer else None)


def body_only(pos: Position, at: tuple[str | int, ...]) -> str | None:
    return "body" if _where(pos, at) == "body" else None


def step_only(pos: Position, at: tuple[str | int, ...]) -> str | None:
    return "step" if _where(pos, at) == "step" else None


def input_only(pos: Position, at: tuple[str | int, ...]) -> str | None:
    location = _where(pos, at)
    return location if location.startswith("input") else None


def record_location(pos: Position, at: tuple[str | int, ...]) -> str | None:
    """output, output-blob, jobs, cost, transactions, timestamps (of the record and its step)."""
    if at[:1] == ("cost",):
        return "cost"
    if at[:1] == ("transactions",):
        return "transactions"
    if at[:3] == ("steps", 0, "output"):
        return "output-blob" if pos.in_blob else "output"
    if at[:3] == ("steps", 0, "jobs"):
        return "jobs"
    if pos.schema.get("format") == "date-time" and (len(at) == 1 or (len(at) == 3 and at[:2] == ("steps", 0))):
        return "timestamps"
    return None


# --------------------------------------------------------------------------------------------
# The corpus and the comparison


@dataclass(repr=False)
class Corpus:
    valid: list[ValidDoc] = field(default_factory=list)
    violations: list[ViolationDoc] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # mutations the oracle accepted, by class
    unsatisfied_patterns: Counter[str] = field(default_factory=Counter)

    def __repr__(self) -> str:
        return f"Corpus({len(self.valid)} valid, {len(self.violations)} violations)"

    oracle_rejected: list[tuple[ValidDoc, list[tuple[str, str]]]] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def load_api() -> Api:
    """The document with the reviewed corrections applied: what the oracle and the generator read."""
    return Api(load_document())


@functools.lru_cache(maxsize=2)
def oracle(kind: DocKind) -> Oracle:
    return Oracle(load_api(), kind)


def build(sample: bool = False) -> Corpus:
    """Every generated document, each checked against the oracle.

    Valid documents: every variant of every leaf, and a record per step type. Violations: from the
    full document of each leaf, at its input (every position; also every required key removed
    from the minimal document); at the step's own fields, once per step type; at the body, once;
    in each record's output, jobs, cost, transactions and timestamps.

    ``sample``: of the violations, only the first of each class at each location (discriminator
    values apart from other values, warnings by design apart from errors) per leaf, per step
    type, for the body and per record."""
    api = load_api()
    gen = Generator(api)
    corpus = Corpus()
    sub, rec = oracle("submission"), oracle("workflow")
    leaves = gen.leaves()
    firsts = {leaf.label for leaf in gen.first_leaf_per_step_type().values()}

    def keep_valid(doc: ValidDoc, judge: Oracle) -> None:
        errors = judge.errors(doc.body)
        if errors:
            corpus.oracle_rejected.append((doc, errors))
        else:
            corpus.valid.append(doc)

    def keep_violations(found: Iterable[ViolationDoc], leaf: str, judge: Oracle) -> None:
        seen: set[tuple[str, str, bool, str]] = set()
        for v in found:
            if sample and (v.cls, v.location, v.discriminator, v.expected) in seen:
                continue
            if judge.is_valid(v.body):
                corpus.skipped[v.cls] += 1
                continue
            seen.add((v.cls, v.location, v.discriminator, v.expected))
            corpus.violations.append(dataclasses.replace(v, leaf=leaf))

    for number, leaf in enumerate(leaves):
        for variant in VARIANTS:
            body = gen.submission(leaf, variant)
            if body is SKIP:
                corpus.skipped[f"valid-{variant}"] += 1
                continue
            keep_valid(ValidDoc("submission", leaf.label, variant, body), sub)
        full = gen.submission(leaf, "full")
        if full is SKIP or not sub.is_valid(full):
            continue
        if number == 0:
            keep_violations(gen.violations(full, "submission", body_only), leaf.label, sub)
        if leaf.label in firsts:
            keep_violations(gen.violations(full, "submission", step_only), leaf.label, sub)
        keep_violations(gen.violations(full, "submission", input_only), leaf.label, sub)

    for record in gen.valid_records():
        keep_valid(record, rec)
        if rec.is_valid(record.body):
            keep_violations(gen.violations(record.body, "workflow", record_location), record.leaf, rec)
    corpus.unsatisfied_patterns = gen.unsatisfied
    return corpus


def related(path: str, ptr: str) -> bool:
    """``path`` is ``ptr``, one of its ancestors, or below it."""
    return path == ptr or ptr.startswith(path + "/") or path.startswith(ptr + "/")


def oracle_agrees(violation: ViolationDoc) -> list[tuple[str, str]]:
    """The oracle's errors for ``violation`` that are not on the violation's own path: none, for a
    document with exactly one thing wrong (empty if the oracle also finds it invalid)."""
    errors = oracle(violation.kind).errors(violation.body)
    if not errors:
        return [("", "the oracle finds the document valid")]
    return [(path, message) for path, message in errors if not related(path, violation.pointer)]


# The product


@dataclass(frozen=True)
class Seen:
    code: str
    path: str
    message: str
    severity: str = "error"


def product_findings(doc: Json, kind: DocKind) -> list[Seen]:
    """Every finding of ``civitai_schema.check`` (a crash is an error nobody can act on)."""
    import civitai_schema

    try:
        report = civitai_schema.check(doc, kind=kind)
    except Exception as exc:
        return [Seen("EXCEPTION", "", f"{type(exc).__name__}: {exc}")]
    return [Seen(f.code, f.path, f.message, f.severity.value) for f in report.findings]


def product_errors(doc: Json, kind: DocKind) -> list[Seen]:
    return [f for f in product_findings(doc, kind) if f.severity == "error"]


def near(violation: ViolationDoc, finding: Seen) -> bool:
    """The finding is at the violation's pointer, its parent, or below it."""
    ptr = violation.pointer
    return finding.path in (ptr, parent_pointer(ptr)) or finding.path.startswith(ptr + "/")


def detected(violation: ViolationDoc, findings: list[Seen]) -> str | None:
    """The severity of the strongest finding near the violation that meets its expectation: an
    error for an error; a warning or an error for a warning by design (``None``: not detected)."""
    severities = {f.severity for f in findings if near(violation, f)}
    if "error" in severities:
        return "error"
    if violation.expected == "warning" and "warning" in severities:
        return "warning"
    return None


@dataclass(repr=False)
class Result:
    corpus: Corpus
    false_errors: list[tuple[ValidDoc, list[Seen]]] = field(default_factory=list)
    # expected errors
    missed: list[tuple[ViolationDoc, list[Seen]]] = field(default_factory=list)
    caught: list[ViolationDoc] = field(default_factory=list)
    # warnings by design (7): what was found near each ("warning" or "error"), or the misses
    by_design: list[tuple[ViolationDoc, str]] = field(default_factory=list)
    by_design_missed: list[tuple[ViolationDoc, list[Seen]]] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Result({len(self.false_errors)} false errors, {len(self.caught)} caught, {len(self.missed)} missed, "
            f"{len(self.by_design)} warned by design, {len(self.by_design_missed)} not)"
        )

    def rate(self, kind: DocKind | None = None) -> tuple[int, int]:
        """The error detection rate (warnings by design are not part of it)."""
        hit = sum(1 for v in self.caught if kind is None or v.kind == kind)
        total = hit + sum(1 for v, _ in self.missed if kind is None or v.kind == kind)
        return hit, total

    def by_design_rate(self, kind: DocKind | None = None) -> tuple[int, int]:
        """Warnings by design that got a warning or an error near them."""
        hit = sum(1 for v, _ in self.by_design if kind is None or v.kind == kind)
        total = hit + sum(1 for v, _ in self.by_design_missed if kind is None or v.kind == kind)
        return hit, total


def compare(corpus: Corpus) -> Result:
    result = Result(corpus)
    for doc in corpus.valid:
        errors = product_errors(doc.body, doc.kind)
        if errors:
            result.false_errors.append((doc, errors))
    for violation in corpus.violations:
        findings = product_findings(violation.body, violation.kind)
        found = detected(violation, findings)
        if violation.expected == "warning":
            if found is None:
                result.by_design_missed.append((violation, findings))
            else:
                result.by_design.append((violation, found))
        elif found is None:
            result.missed.append((violation, findings))
        else:
            result.caught.append(violation)
    return result


def _pct(hit: int, total: int) -> str:
    return f"{hit}/{total} ({100 * hit / total:.1f}%)" if total else "0/0"


def _breakdown(
    out: Callable[[str], None],
    title: str,
    key: Callable[[ViolationDoc], str],
    hits: Iterable[ViolationDoc],
    misses: Iterable[ViolationDoc],
) -> None:
    out(f"  by {title}:")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for v in hits:
        totals[key(v)][0] += 1
        totals[key(v)][1] += 1
    for v in misses:
        totals[key(v)][1] += 1
    for name in sorted(totals):
        out(f"    {name:32} {_pct(*totals[name])}")


def _misses(out: Callable[[str], None], missed: list[tuple[ViolationDoc, list[Seen]]], limit: int) -> None:
    for violation, findings in missed[:limit]:
        out(f"  MISSED {violation.label}")
        for f in findings[:2]:
            out(f"      (got {f.code} [{f.severity}] {f.path or '(root)'}: {f.message[:120]})")
    if len(missed) > limit:
        out(f"  ... and {len(missed) - limit} more")


def report(result: Result, out: Callable[[str], None] = print) -> None:
    corpus = result.corpus
    valid = Counter(d.kind for d in corpus.valid)
    variants = Counter(d.variant for d in corpus.valid)
    out(
        f"patches applied: {', '.join(p.name for p in patch_files())}; "
        f"valid documents: {len(corpus.valid)} ({valid['submission']} submissions, {valid['workflow']} records; "
        + ", ".join(f"{k} {n}" for k, n in sorted(variants.items()))
        + f"); false errors in {len(result.false_errors)}"
    )
    if corpus.oracle_rejected:
        out(f"generated valid documents the oracle rejected (generator bugs): {len(corpus.oracle_rejected)}")
        for doc, oracle_errors in corpus.oracle_rejected[:10]:
            out(f"  REJECTED {doc.label}: {oracle_errors[:2]}")
    by_code = Counter(e.code for _, errors in result.false_errors for e in errors)
    if by_code:
        out("false errors by code: " + ", ".join(f"{c} {n}" for c, n in by_code.most_common()))
    for doc, errors in result.false_errors[:30]:
        out(f"  FALSE {doc.label}")
        for e in errors[:3]:
            out(f"      {e.code} {e.path or '(root)'}: {e.message[:160]}")

    hit, total = result.rate()
    out(f"one-violation documents expected to get an error: {total}; detected {_pct(hit, total)}")
    for kind in KINDS:
        out(f"  {kind}: {_pct(*result.rate(kind))}")
    missed = [v for v, _ in result.missed]
    breakdowns: tuple[tuple[str, Callable[[ViolationDoc], str]], ...] = (
        ("class", lambda v: v.cls),
        ("location", lambda v: f"{v.kind}:{v.location}"),
        ("what was changed", lambda v: "a discriminator (type, $type)" if v.discriminator else "any other value"),
    )
    for title, key in breakdowns:
        _breakdown(out, title, key, result.caught, missed)

    hit, total = result.by_design_rate()
    got = Counter(found for _, found in result.by_design)
    out(
        f"warnings by design (unknown discriminator value, input discriminator left out): {total}; "
        f"a warning or an error near it {_pct(hit, total)} "
        f"(warning {got['warning']}, error {got['error']}, neither {len(result.by_design_missed)})"
    )
    for kind in KINDS:
        out(f"  {kind}: {_pct(*result.by_design_rate(kind))}")
    warned = [v for v, _ in result.by_design]
    design_missed = [v for v, _ in result.by_design_missed]
    for title, key in breakdowns[:2]:
        _breakdown(out, title, key, warned, design_missed)

    if corpus.skipped:
        out("skipped (the oracle accepted the mutation, or no value could be generated): ")
        out("  " + ", ".join(f"{k} {n}" for k, n in sorted(corpus.skipped.items())))
    if corpus.unsatisfied_patterns:
        out(f"patterns no generated value matches (the property was left out): {dict(corpus.unsatisfied_patterns)}")
    out(f"missed (expected an error): {len(result.missed)}")
    _misses(out, result.missed, 60)
    out(f"missed (warning by design, no finding near it): {len(result.by_design_missed)}")
    _misses(out, result.by_design_missed, 40)


def main(argv: list[str]) -> int:
    sample = "--sample" in argv
    corpus = build(sample=sample)
    result = compare(corpus)
    report(result)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main(sys.argv[1:]))
