"""Facts about the real Orchestration API that the checks need, as data with their sources.

What the API's own OpenAPI document states (step types, each input's discriminator chain and
leaves, named enums) is compiled from it into ``data/`` by ``scripts/build_catalog.py`` and read
here; the tables below are the facts the document does not state.

Source abbreviations follow ``shared/domain/civitai-facts.md``: SPEC is the official OpenAPI
document (``schemas/v2-consumers.json``, 2026-08-20), CLIENT is ``@civitai/client@0.2.0-beta.86``
(2026-08-22), DOCS is developer.civitai.com (2026-08-07), SEED is the vendored third-party schema.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from . import air, limits

# The vendored schema's step types that do not exist, and the real type to use instead.
# Source: facts §0 and §3.3 (SEED enum vs SPEC/CLIENT step types).
SEED_STEP_TYPES: dict[str, str] = {
    "audioGen": "aceStepAudio",
    "music": "aceStepAudio",
    "textGen": "chatCompletion",
    "transcribe": "transcription",
    "tts": "textToSpeech",
    "upscale": "imageUpscaler",
    "interpolate": "videoInterpolation",
    "moderation": "xGuardModeration",
}

# The vendored schema's webhook fields, which the workflow API does not have (facts §0).
SEED_CALLBACK_KEYS = ("callbackUrl", "callbackEvents")

_FACTS = Path(__file__).resolve().parent / "facts"
_DATA = Path(__file__).resolve().parent / "data"


def _facts(name: str) -> dict[str, Any]:
    """A table of domain facts the API's document does not state (``facts/<name>.json``): each
    row with its ``source`` and the date it is ``asOf``."""
    table: dict[str, Any] = json.loads((_FACTS / f"{name}.json").read_text("utf-8"))
    return table


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    """Provenance, named enums, the workflow model and each step type's discriminator tree
    (data/api.json, compiled from the API's document)."""
    index: dict[str, Any] = json.loads((_DATA / "api.json").read_text("utf-8"))
    return index


def workflow_model() -> dict[str, Any]:
    """The workflow model's enums and key sets, as the API's document states them."""
    model: dict[str, Any] = _index()["workflow"]
    return model


# ---------------------------------------------------------------------------------------------
# The workflow model, as the API's document states it (data/api.json).
_MODEL = workflow_model()
STATUSES: tuple[str, ...] = tuple(_MODEL["statuses"])
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "expired", "canceled"})
RUNNING_STATUSES = frozenset(STATUSES) - TERMINAL_STATUSES
CALLBACK_EVENTS: tuple[str, ...] = tuple(_MODEL["callbackEvents"])
PRIORITIES: tuple[str, ...] = tuple(_MODEL["priorities"])
NSFW_LEVELS: tuple[str, ...] = tuple(_MODEL["nsfwLevels"])
CURRENCIES: tuple[str, ...] = tuple(_MODEL["currencies"])
UPGRADE_MODES: tuple[str, ...] = tuple(_MODEL["upgradeModes"])
# Keys only the server writes: a record's properties that a request body does not have.
SERVER_WORKFLOW_KEYS: tuple[str, ...] = tuple(_MODEL["serverKeys"])
SERVER_STEP_KEYS: tuple[str, ...] = tuple(_MODEL["serverStepKeys"])

# ---------------------------------------------------------------------------------------------
# AIR parts (facts/air.json; no closed list exists, so an unknown part is a warning).
_AIR = _facts("air")
ECOSYSTEMS = frozenset(row["value"] for row in _AIR["ecosystems"])
LEGACY_ECOSYSTEMS = frozenset(row["value"] for row in _AIR["legacyEcosystems"])
RESOURCE_TYPES = frozenset(row["value"] for row in _AIR["resourceTypes"])
SOURCES = frozenset(row["value"] for row in _AIR["sources"])
UNGENERATABLE_ECOSYSTEMS = frozenset(row["value"] for row in _AIR["ungeneratableEcosystems"])
# Which resource types a field may hold. Types in no set (other, unknown, model…) are never flagged.
FIELD_RESOURCE_TYPES: dict[str, frozenset[str]] = {
    row["field"]: frozenset(row["types"]) for row in _AIR["fieldResourceTypes"]
}
CHECKPOINT_TYPES = FIELD_RESOURCE_TYPES["model"]
NETWORK_TYPES = FIELD_RESOURCE_TYPES["additionalNetworks"]
KNOWN_RESOURCE_TYPES = CHECKPOINT_TYPES | NETWORK_TYPES | {"vae", "clip", "text_encoders", "controlnet", "upscaler"}

# ---------------------------------------------------------------------------------------------
# Base-model families (facts/base-models.json).
_BASE = _facts("base-models")
# An add-on works on a checkpoint of the same family; ecosystems in no row match only themselves.
COMPAT_GROUPS: dict[str, str] = {row["ecosystem"]: row["family"] for row in _BASE["compatibility"]}
# Embeddings (textual inversions) of SD1 also work, partly, on the SDXL family.
EMBEDDING_EXTRA_GROUPS: dict[str, frozenset[str]] = {
    row["family"]: frozenset(row["alsoWorksOn"]) for row in _BASE["embeddingExtras"]
}
# The checkpoint family behind a leaf's own `ecosystem` discriminator.
LEAF_ECOSYSTEM_GROUPS: dict[str, str] = {row["value"]: row["family"] for row in _BASE["leafEcosystems"]}


def compat_group(ecosystem: str) -> str:
    return COMPAT_GROUPS.get(ecosystem.lower(), ecosystem.lower())


# The fields that name the checkpoint a step generates with, in the order they decide.
CHECKPOINT_FIELDS = ("model", "diffuserModel", "diffusionModel", "checkpointModel")


def base_group(step_input: Mapping[str, Any]) -> str | None:
    """The base-model family a step generates with: the engine's own ``ecosystem`` when it takes
    one (it picks the pipeline that runs), else the checkpoint AIR's ecosystem. Every rule that
    asks which base model a step uses asks this."""
    ecosystem = step_input.get("ecosystem")
    if isinstance(ecosystem, str) and ecosystem in LEAF_ECOSYSTEM_GROUPS:
        return LEAF_ECOSYSTEM_GROUPS[ecosystem]
    for name in CHECKPOINT_FIELDS:
        value = step_input.get(name)
        if not isinstance(value, str) or not air.looks_like_air(value):
            continue
        try:
            parsed = air.parse(value).ecosystem
        except air.AIRError:
            continue
        if parsed and parsed.lower() != "other":
            return compat_group(parsed)
    return None


# ---------------------------------------------------------------------------------------------
# Per-engine facts the document does not state (facts/engines.json), matched against a leaf's
# discriminators, first match wins.
_ENGINES = _facts("engines")
# Keys the docs say the API answers HTTP 400 to on these engines.
REJECTED_KEYS: tuple[tuple[dict[str, str], str, str], ...] = tuple(
    (row["selector"], row["key"], row["why"]) for row in _ENGINES["rejectedKeys"]
)
# Sizes the documentation asks to be multiples of (the document has no multipleOf).
DIVISIBLE_BY: tuple[tuple[dict[str, str], int], ...] = tuple(
    (row["selector"], row["multiple"]) for row in _ENGINES["sizeMultiples"]
)


class PixelBudget(NamedTuple):
    """A base model's comfortable pixel count; far outside it, subjects repeat or detail fails."""

    native: int
    low: float
    high: float
    note: str


PIXEL_BUDGETS: dict[str, PixelBudget] = {
    row["family"]: PixelBudget(row["native"], row["low"], row["high"], row["note"]) for row in _BASE["pixelBudgets"]
}

# A1111-style sampler names people paste from other tools, and their v2 spellings (lower-case keys).
A1111_SAMPLERS: dict[str, dict[str, str]] = {row["name"]: row["spellings"] for row in _facts("samplers")["a1111"]}


# ---------------------------------------------------------------------------------------------
# Per-leaf input facts, compiled from SPEC by scripts/build_catalog.py (data/api.json and
# data/steps/<type>.json).


def as_of() -> str:
    """The date of the API document the data was compiled from."""
    return str(_index()["asOf"])


def step_types() -> tuple[str, ...]:
    """Every real step ``$type``, as the API's document lists them."""
    return tuple(sorted(_index()["stepTypes"]))


@dataclass(frozen=True, eq=False)
class Leaf:
    """One input schema of a step type. Leaves are built once (:func:`leaves`), so they compare
    and hash by identity, and per-leaf tables can be cached on the leaf itself."""

    step_type: str
    name: str
    discriminators: Mapping[str, str]
    fields: Mapping[str, Mapping[str, Any]]

    def matches(self, selector: Mapping[str, str]) -> bool:
        return all(self.discriminators.get(k) == v for k, v in selector.items())


class Resolution(NamedTuple):
    """Which leaf a step input is, or why it cannot be told. ``schema`` names the compiled
    schema the input is checked against (``data/inputs/<schema>.json``): its leaf's or, where the
    chain stops at a missing or unknown value, that discriminator's."""

    leaf: Leaf | None = None
    missing: str | None = None
    unknown: tuple[str, str, tuple[str, ...]] | None = None  # key, value, known values
    candidates: tuple[Leaf, ...] = ()
    schema: str | None = None


@limits.value_cache(1024)  # (keyed by a document's $type)
def _step_data(step_type: str) -> dict[str, Any]:
    """One step type's input name, tree and leaves (data/steps/<type>.json). Only names from the
    index come here, so a document's ``$type`` never becomes a path."""
    info: dict[str, Any] = json.loads((_DATA / "steps" / f"{step_type}.json").read_text("utf-8"))
    return info


def leaf_data() -> dict[str, Any]:
    """The whole catalog as scripts/build_catalog.py builds it (coverage reports and tests)."""
    index = _index()
    return {**index, "steps": {step_type: _step_data(step_type) for step_type in index["stepTypes"]}}


@limits.value_cache(1024)
def _leaves_of(step_type: str) -> tuple[Leaf, ...]:
    return tuple(
        Leaf(step_type, leaf["name"], leaf["discriminators"], leaf["fields"])
        for leaf in _step_data(step_type)["leaves"]
    )


def leaves_of(step_type: str) -> tuple[Leaf, ...]:
    """A step type's leaves, read on first use: a run reads only the step types it meets."""
    return _leaves_of(step_type) if step_type in _index()["stepTypes"] else ()


def leaves() -> dict[str, tuple[Leaf, ...]]:
    return {step_type: _leaves_of(step_type) for step_type in _index()["stepTypes"]}


def resolve(step_type: str, step_input: Mapping[str, Any]) -> Resolution:
    """Follow the input's discriminator chain as the API's document writes it (``engine``, then
    ``ecosystem``/``model``/``version``/``provider``/``kind``/…, then ``operation``) to the one
    leaf this input is. The answer depends only on the values on the way, so it is memoised on
    them: several rule families ask about the same step, and templates repeat the same engines."""
    info = _index()["stepTypes"].get(step_type)
    if info is None or info["tree"] is None:
        return Resolution()
    node, path = info["tree"], list[str]()
    while isinstance(node, dict):
        value = step_input.get(node["property"], node.get("default"))
        if not isinstance(value, str) or value not in node["values"]:
            stop = "missing" if value is None else ("unknown" if isinstance(value, str) else "reference")
            return _resolve(step_type, tuple(path), stop, value if isinstance(value, str) else None)
        path.append(value)
        node = node["values"][value]
    return _leaf_at(step_type, tuple(path))


@functools.cache  # (bounded by the catalog: a path to a leaf is made of its tree's own values)
def _leaf_at(step_type: str, path: tuple[str, ...]) -> Resolution:
    """Where a chain that reached a leaf along ``path`` ends: asked for every step, and spared
    the value cache's check of its key, which cost more than the answer."""
    return _resolve(step_type, path, "leaf", None)


@limits.value_cache(4096)
def _resolve(step_type: str, path: tuple[str, ...], stop: str, value: str | None) -> Resolution:
    """Where a chain walked along ``path`` ends: a leaf, or a discriminator whose value is
    missing, unknown (``value``) or a reference known only at run time."""
    node = _index()["stepTypes"][step_type]["tree"]
    for step in path:
        node = node["values"][step]
    by_name = {leaf.name: leaf for leaf in _leaves_of(step_type)}
    if stop == "leaf":
        leaf = by_name[node]
        return Resolution(leaf=leaf, candidates=(leaf,), schema=leaf.name)
    candidates = tuple(by_name[name] for name in _names(node))
    schema = f"{node['name']}.unresolved"
    if stop == "missing":
        return Resolution(missing=node["property"], candidates=candidates, schema=schema)
    if stop == "unknown" and value is not None:
        known = tuple(sorted(node["values"]))
        return Resolution(unknown=(node["property"], value, known), candidates=candidates, schema=schema)
    return Resolution(candidates=candidates, schema=schema)


def _names(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    return list(dict.fromkeys(name for child in node["values"].values() for name in _names(child)))


def input_schema_name(step_type: str) -> str | None:
    """The component a step type's input is, when it is an object (``imageUpload`` takes a string)."""
    info = _index()["stepTypes"].get(step_type)
    return None if info is None else info["input"]


@limits.value_cache(1024)
def air_fields(step_type: str) -> frozenset[str]:
    """Fields that hold an AIR in at least one leaf of the step type."""
    return frozenset(
        name for leaf in leaves_of(step_type) for name, spec in leaf.fields.items() if spec.get("type") == "air"
    )


def leaf_values(step_type: str, key: str) -> tuple[str, ...]:
    """Every value a discriminator takes across a step type's leaves (for coverage reports)."""
    values = {leaf.discriminators[key] for leaf in leaves_of(step_type) if key in leaf.discriminators}
    return tuple(sorted(values))


def first_match(table: tuple[tuple[dict[str, str], Any], ...], leaf: Leaf) -> Any:
    return next((value for selector, value in table if leaf.matches(selector)), None)


@functools.cache
def rejected_keys(leaf: Leaf) -> dict[str, str]:
    """The keys the API rejects on this leaf, with why (REJECTED_KEYS resolved once per leaf)."""
    return {key: why for selector, key, why in REJECTED_KEYS if leaf.matches(selector)}


@functools.cache
def divisible_by(leaf: Leaf) -> int | None:
    value: int | None = first_match(DIVISIBLE_BY, leaf)
    return value
