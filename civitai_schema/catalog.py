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

# ---------------------------------------------------------------------------------------------
# Enums of the workflow model (SPEC, facts §3 and Appendix B).
STATUSES = ("unassigned", "preparing", "scheduled", "processing", "succeeded", "failed", "expired", "canceled")
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "expired", "canceled"})
RUNNING_STATUSES = frozenset({"unassigned", "preparing", "scheduled", "processing"})
CALLBACK_EVENTS = tuple(
    f"{scope}:{what}"
    for scope in ("workflow", "step", "job")
    for what in ("*", "unassigned", "processing", "succeeded", "failed", "expired", "canceled")
)
PRIORITIES = ("high", "normal", "low")
NSFW_LEVELS = ("pg", "pg13", "r", "x", "xxx", "na")
CURRENCIES = ("yellow", "blue", "green", "fakeRed")
UPGRADE_MODES = ("manual", "automatic")

# Keys the server assigns; a request body that carries them is refused (WorkflowTemplate and
# WorkflowStepTemplate are closed). Source: facts §0 'Document kinds', §3.1, §3.2.
SERVER_WORKFLOW_KEYS = (
    "id",
    "status",
    "createdAt",
    "startedAt",
    "completedAt",
    "cost",
    "transactions",
    "jobs",
    "output",
)
SERVER_STEP_KEYS = ("status", "jobs", "output", "startedAt", "completedAt", "estimatedProgressRate")

# ---------------------------------------------------------------------------------------------
# AIR parts (facts §1.4: no closed list exists, so an unknown part is a warning).
ECOSYSTEMS = frozenset(
    [
        "sd1",
        "sd2",
        "sd3",
        "sd3_5m",
        "sdxl",
        "sdxldistilled",
        "scascade",
        "svd",
        "flux1",
        "fluxkrea",
        "flux1kontext",
        "flux2",
        "flux3video",
        "auraflow",
        "chroma",
        "hydit1",
        "hyv1",
        "hidream",
        "hidream-o1",
        "kolors",
        "lumina",
        "mochi",
        "pixarta",
        "pixarte",
        "playgroundv2",
        "odor",
        "qwen",
        "qwen2",
        "qwen3",
        "zimageturbo",
        "zimagebase",
        "seedream",
        "nanobanana",
        "openai",
        "imagen4",
        "ernie",
        "krea2",
        "mai",
        "mageflow",
        "ideogram",
        "boogu",
        "reve",
        "lens",
        "anima",
        "wanvideo",
        "wanvideo1_3b_t2v",
        "wanvideo14b_t2v",
        "wanvideo14b_i2v_480p",
        "wanvideo14b_i2v_720p",
        "wanvideo-22-ti2v-5b",
        "wanvideo-22-i2v-a14b",
        "wanvideo-22-t2v-a14b",
        "wanvideo-25-t2v",
        "wanvideo-25-i2v",
        "wanimage27",
        "wanvideo27",
        "cogvideox",
        "ltxv",
        "ltxv2",
        "ltxv23",
        "sora2",
        "veo3",
        "vidu",
        "minimaxh3",
        "kling",
        "haiper",
        "lightricks",
        "seedance",
        "grok",
        "happyhorse",
        "ace",
        "polygen",
        "tripo",
        "hunyuan3d",
        "other",
    ]
)
# Seen in real AIRs though not root keys today (older site versions, docs, container images).
LEGACY_ECOSYSTEMS = frozenset(
    ["illustrious", "pony", "sd15", "sdxl1", "zimage", "wan", "ltx2", "ltx23", "flux", "comfy", "oci", "llm", "noobai"]
)
RESOURCE_TYPES = frozenset(
    [
        "checkpoint",
        "lora",
        "lycoris",
        "dora",
        "embedding",
        "hypernet",
        "vae",
        "controlnet",
        "upscaler",
        "motion",
        "ag",
        "text_encoders",
        "unet",
        "clipvision",
        "clip",
        "visionlanguage",
        "unknown",
        "diffusionmodel",
        "diffusion_model",
        "other",
        "model",
        "repository",
        "diffuser",
        "image",
        "nodepack",
        "nodepacklayer",
        "birefnet",
    ]
)
SOURCES = frozenset(
    [
        "civitai",
        "civitai-r2",
        "huggingface",
        "orchestrator",
        "dockerhub",
        "ghcr",
        "comfyregistry",
        "replicate",
        "openai",
        "leonardo",
    ]
)
# SD3 checkpoints exist on civitai.com but no engine of the orchestrator runs them (facts §5).
UNGENERATABLE_ECOSYSTEMS = frozenset({"sd3", "sd3_5m"})

# Which resource types a field may hold. Types not listed in any set (other, unknown, model…)
# are never flagged. Source: facts §1.4 (typeUrnMap), §4 (field meanings).
CHECKPOINT_TYPES = frozenset(
    {"checkpoint", "model", "diffusionmodel", "diffusion_model", "unet", "diffuser", "repository"}
)
NETWORK_TYPES = frozenset({"lora", "lycoris", "dora", "hypernet", "embedding"})
FIELD_RESOURCE_TYPES: dict[str, frozenset[str]] = {
    "model": CHECKPOINT_TYPES,
    "diffuserModel": CHECKPOINT_TYPES,
    "diffusionModel": CHECKPOINT_TYPES,
    "checkpointModel": CHECKPOINT_TYPES,
    "vaeModel": frozenset({"vae"}),
    "clipLModel": frozenset({"clip", "text_encoders"}),
    "t5XXLModel": frozenset({"clip", "text_encoders"}),
    "loras": frozenset({"lora", "lycoris", "dora"}),
    "additionalNetworks": NETWORK_TYPES,
    "embeddings": frozenset({"embedding"}),
}
KNOWN_RESOURCE_TYPES = CHECKPOINT_TYPES | NETWORK_TYPES | {"vae", "clip", "text_encoders", "controlnet", "upscaler"}

# LoRA compatibility groups: an add-on works on a checkpoint of the same group (facts §5, SITE
# ecosystemSupport/crossEcosystemRules). Ecosystems in no group only match themselves.
COMPAT_GROUPS: dict[str, str] = {
    "sd1": "sd1", "sd15": "sd1",
    "sdxl": "sdxl", "sdxl1": "sdxl", "pony": "sdxl", "illustrious": "sdxl", "noobai": "sdxl",
    "flux1": "flux1", "fluxkrea": "flux1", "flux": "flux1",
    "flux2": "flux2",
    "wanvideo": "wan", "wan": "wan", "wanvideo14b_t2v": "wan", "wanvideo14b_i2v_480p": "wan",
    "wanvideo14b_i2v_720p": "wan", "wanvideo-22-ti2v-5b": "wan", "wanvideo-22-i2v-a14b": "wan",
    "wanvideo-22-t2v-a14b": "wan",
    "zimageturbo": "zimage", "zimagebase": "zimage", "zimage": "zimage",
    "ltx2": "ltx2", "ltxv2": "ltx2", "ltx23": "ltx23", "ltxv23": "ltx23",
}  # fmt: skip
# Embeddings (textual inversions) of SD1 also work, partly, on the SDXL family.
EMBEDDING_EXTRA_GROUPS: dict[str, frozenset[str]] = {"sd1": frozenset({"sdxl"})}
# The checkpoint family behind a leaf's own `ecosystem` discriminator (facts §4.2).
LEAF_ECOSYSTEM_GROUPS: dict[str, str] = {
    "sd1": "sd1", "sdxl": "sdxl", "flux1": "flux1", "flux2Dev": "flux2", "flux2Klein": "flux2", "flux2klein": "flux2",
    "qwen": "qwen", "zImage": "zimage", "zimageturbo": "zimage", "zimagebase": "zimage", "anima": "anima",
    "ernie": "ernie", "hidream-o1": "hidream-o1", "lens": "lens", "boogu": "boogu", "krea2": "krea2",
    "chroma": "chroma", "ltx2": "ltx2", "ltx23": "ltx23",
}  # fmt: skip


def compat_group(ecosystem: str) -> str:
    return COMPAT_GROUPS.get(ecosystem.lower(), ecosystem.lower())


# ---------------------------------------------------------------------------------------------
# Per-leaf facts the SPEC data does not carry.

# Keys the API is documented to reject with HTTP 400 on these leaves (facts §8, DOCS sdxl.md
# troubleshooting: "Field not valid for this engine (e.g. sampler on sdcpp …)").
REJECTED_KEYS: tuple[tuple[dict[str, str], str, str], ...] = (
    ({"engine": "sdcpp"}, "sampler", "sdcpp takes sampleMethod (and schedule), not sampler"),
    ({"engine": "sdcpp"}, "scheduler", "sdcpp takes schedule, not scheduler"),
    ({"engine": "sdcpp"}, "denoiseStrength", "sdcpp takes strength for createVariant, not denoiseStrength"),
    ({"engine": "sdcpp", "ecosystem": "sdxl"}, "clipSkip", "the API returns 400 for clipSkip on sdcpp SDXL"),
    ({"engine": "comfy"}, "sampleMethod", "comfy takes sampler, not sampleMethod"),
    ({"engine": "comfy"}, "schedule", "comfy takes scheduler, not schedule"),
)

# Sizes the documentation asks to be multiples of (DOCS only; SPEC has no multipleOf). Matched
# against a leaf's discriminators, first match wins. Source: facts §4.2.
DIVISIBLE_BY: tuple[tuple[dict[str, str], int], ...] = (
    ({"engine": "sdcpp", "ecosystem": "qwen"}, 8),
    ({"engine": "flux2", "model": "klein"}, 16),
    ({"engine": "flux2"}, 8),
    ({"engine": "sdcpp", "ecosystem": "sd1"}, 16),
    ({"engine": "sdcpp", "ecosystem": "sdxl"}, 16),
    ({"engine": "sdcpp", "ecosystem": "flux1"}, 16),
    ({"engine": "sdcpp", "ecosystem": "flux2Klein"}, 16),
    ({"engine": "sdcpp", "ecosystem": "zImage"}, 16),
    ({"engine": "sdcpp", "ecosystem": "anima"}, 16),
    ({"engine": "comfy", "ecosystem": "sd1"}, 16),
    ({"engine": "comfy", "ecosystem": "sdxl"}, 16),
    ({"engine": "comfy", "ecosystem": "ernie"}, 16),
    ({"engine": "comfy", "ecosystem": "anima"}, 16),
    ({"engine": "comfy", "ecosystem": "hidream-o1"}, 64),
    ({"engine": "comfy", "ecosystem": "krea2"}, 32),
    ({"engine": "openai", "model": "gpt-image-2"}, 16),
)


class PixelBudget(NamedTuple):
    """A base model's comfortable pixel count; far outside it, subjects repeat or detail fails."""

    native: int
    low: float
    high: float
    note: str


# Source: facts §5 (SITE presets; DOCS sd1.md "going much bigger often produces duplicated
# subjects", sdxl.md well-behaved sizes around 1 MP).
PIXEL_BUDGETS: dict[str, PixelBudget] = {
    "sd1": PixelBudget(512 * 512, 0.5, 2.25, "SD 1.x is trained at 512×512"),
    "sdxl": PixelBudget(1024 * 1024, 0.5, 2.0, "SDXL-family models are trained at about 1 megapixel"),
    "flux1": PixelBudget(1024 * 1024, 0.4, 2.5, "Flux.1 is trained at about 1 megapixel"),
}

# A1111-style sampler names people paste from other tools, and their v2 spellings
# (facts §4.1-4.2; SITE samplersToSchedulers). Keys are lower-case.
A1111_SAMPLERS: dict[str, dict[str, str]] = {
    "euler a": {"sampler": "euler_ancestral", "sampleMethod": "euler_a", "textToImage": "eulerA"},
    "euler": {"sampler": "euler", "sampleMethod": "euler", "textToImage": "euler"},
    "lms": {"sampler": "lms", "textToImage": "lms"},
    "heun": {"sampler": "heun", "sampleMethod": "heun", "textToImage": "heun"},
    "dpm2": {"sampler": "dpm_2", "sampleMethod": "dpm2", "textToImage": "dpM2"},
    "dpm2 a": {"sampler": "dpm_2_ancestral", "textToImage": "dpM2A"},
    "dpm++ 2s a": {"sampler": "dpmpp_2s_ancestral", "sampleMethod": "dpm++2s_a", "textToImage": "dpM2SA"},
    "dpm++ 2m": {"sampler": "dpmpp_2m", "sampleMethod": "dpm++2m", "textToImage": "dpM2M"},
    "dpm++ sde": {"sampler": "dpmpp_sde", "textToImage": "dpmsde"},
    "dpm++ 2m sde": {"sampler": "dpmpp_2m_sde"},
    "dpm++ 3m sde": {"sampler": "dpmpp_3m_sde", "textToImage": "dpM3MSDE"},
    "dpm fast": {"sampler": "dpm_fast", "textToImage": "dpmFast"},
    "dpm adaptive": {"sampler": "dpm_adaptive", "textToImage": "dpmAdaptive"},
    "lms karras": {"sampler": "lms", "scheduler": "karras", "textToImage": "lmsKarras"},
    "dpm2 karras": {"sampler": "dpm_2", "scheduler": "karras", "textToImage": "dpM2Karras"},
    "dpm2 a karras": {"sampler": "dpm_2_ancestral", "scheduler": "karras", "textToImage": "dpM2AKarras"},
    "dpm++ 2s a karras": {"sampler": "dpmpp_2s_ancestral", "scheduler": "karras", "textToImage": "dpM2SAKarras"},
    "dpm++ 2m karras": {"sampler": "dpmpp_2m", "scheduler": "karras", "sampleMethod": "dpm++2m", "schedule": "karras",
                        "textToImage": "dpM2MKarras"},
    "dpm++ sde karras": {"sampler": "dpmpp_sde", "scheduler": "karras", "textToImage": "dpmsdeKarras"},
    "ddim": {"sampler": "ddim", "textToImage": "ddim"},
    "plms": {"textToImage": "plms"},
    "unipc": {"sampler": "uni_pc", "textToImage": "uniPC"},
    "lcm": {"sampler": "lcm", "sampleMethod": "lcm", "textToImage": "lcm"},
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Per-leaf input facts, compiled from SPEC by scripts/build_catalog.py (data/api.json and
# data/steps/<type>.json).

_DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    """Provenance, named enums and each step type's discriminator tree (data/api.json)."""
    index: dict[str, Any] = json.loads((_DATA / "api.json").read_text("utf-8"))
    return index


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


@functools.cache
def _step_data(step_type: str) -> dict[str, Any]:
    """One step type's input name, tree and leaves (data/steps/<type>.json). Only names from the
    index come here, so a document's ``$type`` never becomes a path."""
    info: dict[str, Any] = json.loads((_DATA / "steps" / f"{step_type}.json").read_text("utf-8"))
    return info


def leaf_data() -> dict[str, Any]:
    """The whole catalog as scripts/build_catalog.py builds it (coverage reports and tests)."""
    index = _index()
    return {**index, "steps": {step_type: _step_data(step_type) for step_type in index["stepTypes"]}}


@functools.cache
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
    return _resolve(step_type, tuple(path), "leaf", None)


@functools.lru_cache(maxsize=4096)
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


@functools.cache
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
