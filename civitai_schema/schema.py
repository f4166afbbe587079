"""The vendored schema, our reviewed corrections, and the validators built from them.

The vendored file is never edited: :func:`effective` applies the JSON Patch documents under
``schemas/patches/`` (numbered files for both kinds, then ``kind-<kind>.json``) every time it
is loaded. Validators are built once per process and resolve ``$ref`` only against the
schema itself: anything else raises :class:`SchemaLoadError`, and nothing is ever fetched.
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

from . import patching
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


def patch_files(kind: Kind) -> list[Path]:
    """The correction files applied for ``kind``, in order."""
    folder = schema_dir() / "patches"
    shared = sorted(p for p in folder.glob("*.json") if p.name[:1].isdigit())
    return [*shared, folder / f"kind-{kind.value}.json"]


def operations(kind: Kind) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = []
    for path in patch_files(kind):
        try:
            ops.extend(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError) as exc:
            raise SchemaLoadError(f"cannot read schema correction {path.name}: {exc}") from None
    return ops


@functools.cache
def _effective(kind: Kind) -> Any:
    try:
        return patching.apply(_vendored(), operations(kind))
    except patching.PatchError as exc:
        raise SchemaLoadError(f"a schema correction for {kind} no longer applies: {exc}") from None


def schema_for(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any:
    """The schema a document of ``kind`` is validated against (a fresh copy, safe to modify)."""
    source = _vendored() if mode is SchemaMode.VENDORED else _effective(kind)
    return json.loads(json.dumps(source))


@functools.cache
def validator(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Validator:
    source = _vendored() if mode is SchemaMode.VENDORED else _effective(kind)
    return build_validator(source)


@functools.cache
def fast_validator(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any | None:
    """jsonschema-rs for the same schema, used only to decide validity (about 100× faster and
    no Python ``jsonschema`` import for valid documents); None when it is unavailable or
    disabled with CIVITAI_SCHEMA_PURE_PYTHON=1. Messages always come from :func:`validator`, and
    tests/test_differential.py shows both agree on which documents are valid, formats included."""
    if os.environ.get("CIVITAI_SCHEMA_PURE_PYTHON"):
        return None
    try:
        import jsonschema_rs
    except ImportError:
        return None
    source = _vendored() if mode is SchemaMode.VENDORED else _effective(kind)
    ensure_local_refs(source)
    return jsonschema_rs.validator_for(source, validate_formats=True)


# Keywords that cannot make a step's errors depend on anything but the step and the steps' item
# schema: at the root, and on ``properties.steps``. (An ``allOf`` at the root, say, could.)
_ROOT_KEYS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "type", "properties",
                        "required", "additionalProperties"})  # fmt: skip
_STEPS_KEYS = frozenset({"$comment", "title", "description", "type", "items", "minItems", "maxItems"})


@functools.cache
def step_items(kind: Kind, mode: SchemaMode = SchemaMode.EFFECTIVE) -> Any | None:
    """The schema every step is validated against, when steps are reached only through
    ``properties.steps.items``: then validating one step against it gives the very errors that
    validating the whole document gives for that step. None when other keywords reach steps."""
    source = _vendored() if mode is SchemaMode.VENDORED else _effective(kind)
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
    source = _vendored() if mode is SchemaMode.VENDORED else _effective(kind)
    steps = source["properties"]["steps"]
    least = steps.get("minItems", 0)
    return "maxItems" not in steps and type(least) is int and least <= 1


def build_validator(schema: Any) -> Validator:
    """A draft 2020-12 validator that checks formats and resolves only local references."""
    from jsonschema import Draft202012Validator, validators
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    ensure_local_refs(schema)

    def refuse(uri: str) -> Any:
        raise NoSuchResource(uri)

    registry: Registry[Any] = Registry(retrieve=refuse)  # type: ignore[call-arg]
    from .formats import format_checker  # only the Python validator needs it

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
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


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
            raise SchemaLoadError(
                f'the schema refers to "{ref}", which is not part of it; civitai-schema never '
                "fetches schemas from the network"
            )
