"""The schemas documents are validated against, and the validators built from them.

``effective`` (the default) is compiled from the API's own OpenAPI document with our reviewed
corrections (``scripts/build_catalog.py`` writes ``data/``): an *envelope* per document kind (the
body or record, its steps, outputs, jobs, cost, with each step's input left out) and one schema
per step-input leaf (``data/inputs/``), so a run compiles only the leaves its documents use.
``vendored`` is the third-party workflow schema exactly as vendored. Validators are built once
per process and resolve ``$ref`` only against the schema itself: anything else raises
:class:`SchemaLoadError`, and nothing is ever fetched.
"""

from __future__ import annotations

import enum
import functools
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin

from . import startup
from .findings import Kind

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SCHEMA_FILE = "civitai-workflow-schema.json"
PROVENANCE_FILE = "civitai-workflow-schema.provenance.json"


class SchemaMode(str, enum.Enum):
    """Which schema to validate against."""

    EFFECTIVE = "effective"  # the vendored schema with our corrections, per document kind
    VENDORED = "vendored"  # the pristine third-party file, for whoever wants exactly that

    def __str__(self) -> str:
        return self.value


class SchemaLoadError(Exception):
    """The schema or a correction could not be loaded, or refers to something not local."""


def schema_dir() -> Path:
    """Where the schemas are: inside the installed package, or at the top of a checkout."""
    packaged = Path(__file__).resolve().parent / "schemas"
    if (packaged / SCHEMA_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"


@functools.cache
def vendored_bytes() -> bytes:
    return (schema_dir() / SCHEMA_FILE).read_bytes()


def provenance() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((schema_dir() / PROVENANCE_FILE).read_text("utf-8"))
    return data


def vendored_sha256() -> str:
    import hashlib

    return hashlib.sha256(vendored_bytes()).hexdigest()


@functools.cache
def _vendored() -> Any:
    return json.loads(vendored_bytes())


_DATA = Path(__file__).resolve().parent / "data"


@functools.cache
def compiled(name: str) -> Any:
    """A generated schema under ``data/``: ``<kind>.envelope``, ``<kind>.schema`` or
    ``inputs/<leaf>`` (names come from the data itself, never from a document)."""
    try:
        return json.loads((_DATA / f"{name}.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaLoadError(f"cannot read the compiled schema {name}: {exc}") from None


def _source(kind: Kind, mode: SchemaMode) -> Any:
    return _vendored() if mode is SchemaMode.VENDORED else compiled(f"{kind.value}.envelope")


def source(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any:
    """The schema :func:`validator` and :func:`fast_validator` are built from: shared, so read
    it and never modify it (:func:`schema_for` gives a copy)."""
    return _source(kind, mode)


def schema_for(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any:
    """The whole schema a document of ``kind`` is validated against, as an editor or any
    standard validator can use it (a fresh copy, safe to modify): the effective one without the
    subschemas that only warn (an unknown engine is not an error)."""
    if mode is SchemaMode.VENDORED:
        return json.loads(json.dumps(_vendored()))
    whole = exported(compiled(f"{kind.value}.schema"))
    # An unknown step type only warns (left out above), but the vendored schema's invented types
    # are errors (S112), which an editor must show too.
    from . import catalog

    step = "WorkflowStepTemplate" if kind is Kind.SUBMISSION else "WorkflowStep"
    invented = {"properties": {"$type": {"not": {"enum": sorted(catalog.SEED_STEP_TYPES)}}}}
    whole["$defs"][f"{step}.unresolved"]["allOf"].append(invented)
    return whole


def exported(node: Any) -> Any:
    """A compiled schema as a standard validator reads it: ``x-civitai-warning`` subschemas
    accept anything, and our annotations are dropped."""
    if isinstance(node, dict):
        if "x-civitai-warning" in node:
            return True
        return {key: exported(value) for key, value in node.items() if not key.startswith("x-civitai-")}
    if isinstance(node, list):
        return [exported(item) for item in node]
    return node


@functools.cache
def validator(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Validator:
    return build_validator(_source(kind, mode))


@functools.cache
def input_validator(name: str) -> Validator:
    """The validator of one step-input schema (``Resolution.schema``)."""
    return build_validator(compiled(f"inputs/{name}"))


@functools.cache
def fast_validator(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any | None:
    """jsonschema-rs for the same schema, used only to decide validity (about 100× faster and
    no Python ``jsonschema`` import for valid documents); None when it is unavailable or
    disabled with CIVITAI_SCHEMA_PURE_PYTHON=1. tests/test_differential.py shows both agree on
    which documents are valid, formats included; tests/test_native_wording.py that findings
    worded from its errors (:mod:`.rules.native_errors`) are those :func:`validator`'s give."""
    return _fast(_source(kind, mode))


@functools.cache
def fast_input_validator(name: str) -> Any | None:
    return _fast(compiled(f"inputs/{name}"))


def fast_or_python(source: Any) -> Any:
    """A validator for ``source`` with ``is_valid``: jsonschema-rs when it is there."""
    return _fast(source) or build_validator(source)


def _fast(source: Any) -> Any | None:
    return rust_validator(source) if fast_available() else None


def fast_available() -> bool:
    """Whether validity is decided by jsonschema-rs: it is installed, and not disabled with
    CIVITAI_SCHEMA_PURE_PYTHON=1."""
    if os.environ.get("CIVITAI_SCHEMA_PURE_PYTHON"):
        return False
    try:
        startup.jsonschema_rs()  # (without the email package it would load)
    except ImportError:
        return False
    return True


def rust_validator(source: Any) -> Any:
    """jsonschema-rs's validator of ``source``, checking formats as the Python one does (only
    where :func:`fast_available`)."""
    from .spans import is_date_span  # (not .formats: jsonschema-rs knows the other formats itself)

    jsonschema_rs = startup.jsonschema_rs()
    # jsonschema-rs resolves every reference as it builds, and would fetch one that is not part
    # of the schema: it is handed a retriever that refuses instead (in Rust, the walk that
    # ensure_local_refs makes in Python: 4 ms of a one-file run).
    refused: list[str] = []

    def refuse(uri: str) -> Any:
        refused.append(uri)
        raise SchemaLoadError(uri)

    try:
        return jsonschema_rs.validator_for(
            source, validate_formats=True, formats={"date-span": is_date_span}, retriever=refuse
        )
    except jsonschema_rs.ValidationError:
        if refused:
            raise _outside(refused[0]) from None
        raise


def _outside(ref: str) -> SchemaLoadError:
    return SchemaLoadError(
        f'the schema refers to "{ref}", which is not part of it; civitai-schema never fetches schemas from the network'
    )


# Keywords that cannot make a step's errors depend on anything but the step and the steps' item
# schema: at the root, and on ``properties.steps``. (An ``allOf`` at the root, say, could.)
# (Annotations among them never make an instance invalid, as ``readOnly`` on a record's steps.)
_ANNOTATIONS = frozenset({"$comment", "title", "description", "readOnly", "writeOnly", "deprecated", "default",
                          "examples"})  # fmt: skip
_ROOT_KEYS = _ANNOTATIONS | {"$schema", "$id", "$defs", "type", "properties", "required", "additionalProperties"}
_STEPS_KEYS = _ANNOTATIONS | {"type", "items", "minItems", "maxItems"}


@functools.cache
def step_items(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any | None:
    """The schema every step is validated against, when steps are reached only through
    ``properties.steps.items``: then validating one step against it gives the very errors that
    validating the whole document gives for that step. None when other keywords reach steps."""
    source = _source(kind, mode)
    properties = source.get("properties") if isinstance(source, dict) and set(source) <= _ROOT_KEYS else None
    steps = properties.get("steps") if isinstance(properties, dict) else None
    if not isinstance(steps, dict) or not set(steps) <= _STEPS_KEYS or "items" not in steps:
        return None
    return steps["items"]


def steps_alone(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> bool:
    """Whether a document can be validated a window of steps at a time (each window with the
    document's other members): a step's errors depend only on that step, and the count of
    steps only through a ``minItems`` of at most 1, which any non-empty window meets as the
    whole array does."""
    if step_items(kind, mode) is None:
        return False
    source = _source(kind, mode)
    steps = source["properties"]["steps"]
    least = steps.get("minItems", 0)
    return "maxItems" not in steps and type(least) is int and least <= 1


# Integers jsonschema-rs holds in 64 bits; beyond them it compares numbers the slow way (an
# array of them under uniqueItems takes quadratic time, see rules.schema._numbers).
FAST_INTEGERS = range(-(2**63), 2**64)


def build_validator(schema: Any) -> Validator:
    """A draft 2020-12 validator that checks formats and resolves only local references."""
    from jsonschema import Draft202012Validator, validators
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    ensure_local_refs(schema)

    def refuse(uri: str) -> Any:
        raise NoSuchResource(uri)

    registry: Registry[Any] = Registry(retrieve=refuse)  # type: ignore[call-arg]
    from .format_checks import format_checker  # only the Python validator needs it

    checker = format_checker()
    # A tuple is an array, as json.dumps writes it (and as jsonschema-rs sees it).
    types = Draft202012Validator.TYPE_CHECKER.redefine("array", lambda _, value: isinstance(value, (list, tuple)))
    cls: Any = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {"pattern": _ecma_pattern, "uniqueItems": _unique_items}, type_checker=types
    )
    built: Validator = cls(schema, registry=registry, format_checker=checker)
    return built


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """``pattern`` as JSON Schema means it (ECMA-262): a final ``$`` does not match before a
    trailing newline, as Python's does, so ``"abc\\n"`` fails ``^[a-z]+$``."""
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _unique_items(validator: Any, unique: bool, instance: Any, schema: Any) -> Any:
    """``uniqueItems`` in linear time: jsonschema compares every pair of items that cannot be
    hashed, so 20,000 objects in one array took minutes. Same equality: 1 equals 1.0, true
    does not equal 1, key order does not count, item order does."""
    from jsonschema.exceptions import ValidationError

    if unique and validator.is_type(instance, "array") and not all_different(instance):
        yield ValidationError(f"{instance!r} has non-unique elements")


def all_different(items: Any) -> bool:
    seen: set[Any] = set()
    for item in items:
        key = comparable(item)
        if key in seen:
            return False
        seen.add(key)
    return True


def comparable(value: Any) -> Any:
    """A hashable stand-in for a JSON value, equal exactly when JSON Schema calls them equal."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, dict):
        return ("object", frozenset((key, comparable(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return ("array", tuple(comparable(item) for item in value))
    try:  # (nothing a reader produces; an object handed to the library, say)
        return ("other", value, hash(value))
    except TypeError:
        return ("other", id(value))


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    # ECMA-262 named groups (?<name>…) are Python's (?P<name>…); lookbehinds stay as they are.
    python = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", python))


def ensure_local_refs(schema: Any) -> None:
    """Raise :class:`SchemaLoadError` for a ``$ref`` that points outside the schema."""
    root = schema.get("$id", "") if isinstance(schema, dict) else ""
    known = {urldefrag(root).url}
    pending: list[tuple[Any, str]] = [(schema, root)]
    found: list[tuple[str, str]] = []
    while pending:
        node, base = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                base = urljoin(base, node["$id"])
                known.add(urldefrag(base).url)
            for keyword in ("$ref", "$dynamicRef"):
                if isinstance(node.get(keyword), str):
                    found.append((node[keyword], base))
            pending.extend((value, base) for value in node.values())
        elif isinstance(node, list):
            pending.extend((value, base) for value in node)
    for ref, base in found:
        target = urldefrag(urljoin(base, ref)).url
        if target not in known:
            raise _outside(ref)
