"""Facts about the real Orchestration API that the checks need, as data with their sources.

Source abbreviations follow ``shared/domain/civitai-facts.md``: SPEC is the official OpenAPI
document (v2-consumers.json, 2026-06-29), CLIENT is ``@civitai/client@0.2.0-beta.86``
(2026-08-22), DOCS is developer.civitai.com (2026-08-07), SEED is the vendored third-party schema.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

AS_OF = "2026-08-22"

# Every real step `$type`: the 40 of SPEC plus the 3 CLIENT adds. Source: facts §3.3.
# schemas/patches/030-step-types.json carries the same list (a test keeps them equal).
STEP_TYPES: tuple[str, ...] = (
    "aceStepAudio", "ageClassification", "audioCaptioning", "blobArchive", "chatCompletion", "comfy",
    "comfyNodepackSnapshot", "composeMedia", "convertImage", "customComfy", "echo", "imageBackgroundRemoval",
    "imageGen", "imageResourceTraining", "imageToSvg", "imageUpload", "imageUpscaler", "mediaCaptioning",
    "mediaHash", "mediaRating", "modelClamScan", "modelHash", "modelParseMetadata", "modelPickleScan",
    "polyGen", "preprocessImage", "promptEnhancement", "qwenImageBench", "shieldstralModeration",
    "textToImage", "textToSpeech", "training", "transcode", "transcription", "videoBackgroundRemoval",
    "videoEnhancement", "videoFrameExtraction", "videoGen", "videoInterpolation", "videoMetadata",
    "videoUpscaler", "wdTagging", "xGuardModeration",
)  # fmt: skip

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

# Fields SPEC lists as required that working requests omit because the server has defaults
# (facts §4: "required in SPEC is unreliable"; DOCS flux1.md "Only diffuserModel is required").
OPTIONAL_DESPITE_SPEC: frozenset[tuple[str, str]] = frozenset(
    {
        ("Flux1SdCppCreateImageInput", "vaeModel"), ("Flux1SdCppCreateImageInput", "clipLModel"),
        ("Flux1SdCppCreateImageInput", "t5XXLModel"), ("Flux1SdCppEditImageInput", "vaeModel"),
        ("Flux1SdCppEditImageInput", "clipLModel"), ("Flux1SdCppEditImageInput", "t5XXLModel"),
        ("Flux1SdCppVariantImageGenInput", "vaeModel"), ("Flux1SdCppVariantImageGenInput", "clipLModel"),
        ("Flux1SdCppVariantImageGenInput", "t5XXLModel"), ("TextToImageInput", "seed"),
        ("MochiVideoGenInput", "seed"),
    }
)  # fmt: skip

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

# Engines and values newer than the SPEC snapshot but documented by CLIENT or DOCS: known, just
# not in the per-leaf data, so they are not reported as unknown (facts §4.2, §4.3).
NEWER_DISCRIMINATORS: dict[tuple[str, str], frozenset[str]] = {
    ("imageGen", "engine"): frozenset({"qwen"}),
    ("videoGen", "engine"): frozenset({"minimax-h3", "minimax-h3-comfy", "flux"}),
}

_DISCRIMINATOR_ORDER = ("engine", "ecosystem", "model", "version", "provider", "modelVariant", "operation", "mode")


# ---------------------------------------------------------------------------------------------
# Per-leaf input schemas, generated from SPEC by scripts/build_catalog.py (data/leaves.json and
# data/steps/<type>.json).


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
    """Which leaf a step input is, or why it cannot be told."""

    leaf: Leaf | None = None
    missing: str | None = None
    unknown: tuple[str, str, tuple[str, ...]] | None = None  # key, value, known values
    candidates: tuple[Leaf, ...] = ()


_DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    """Source, date, named enums and the step types that have leaves (data/leaves.json)."""
    index: dict[str, Any] = json.loads((_DATA / "leaves.json").read_text("utf-8"))
    return index


@functools.cache
def _step_data(step_type: str) -> dict[str, Any]:
    """One step type's input name and leaves (data/steps/<type>.json). Only names from the
    index come here, so a document's ``$type`` never becomes a path."""
    info: dict[str, Any] = json.loads((_DATA / "steps" / f"{step_type}.json").read_text("utf-8"))
    return info


def leaf_data() -> dict[str, Any]:
    """The whole catalog as scripts/build_catalog.py builds it (coverage reports and tests)."""
    index = _index()
    return {**index, "steps": {step_type: _step_data(step_type) for step_type in index["steps"]}}


@functools.cache
def _leaves_of(step_type: str) -> tuple[Leaf, ...]:
    return tuple(
        Leaf(step_type, leaf["name"], leaf["discriminators"], leaf["fields"])
        for leaf in _step_data(step_type)["leaves"]
    )


def leaves_of(step_type: str) -> tuple[Leaf, ...]:
    """A step type's leaves, read on first use: a run reads only the step types it meets."""
    return _leaves_of(step_type) if step_type in _index()["steps"] else ()


def leaves() -> dict[str, tuple[Leaf, ...]]:
    return {step_type: _leaves_of(step_type) for step_type in _index()["steps"]}


def resolve(step_type: str, step_input: Mapping[str, Any]) -> Resolution:
    """Follow the discriminator chain (engine, then ecosystem/model/version/provider, then
    operation/mode) to the one leaf this input is, as the API's OpenAPI document does.

    The answer depends only on the discriminator values, so it is memoised on them: several
    rule families ask about the same step, and templates repeat the same engines."""
    values = tuple(map(step_input.get, _DISCRIMINATOR_ORDER))
    if _STRING_OR_NONE.issuperset(map(type, values)):
        return _resolve(step_type, values)
    if any(isinstance(value, (dict, list)) for value in values):  # a value reference: known only at run time
        return Resolution(candidates=leaves_of(step_type))
    return _resolve(step_type, tuple(v if v is None or isinstance(v, str) else str(v) for v in values))


_STRING_OR_NONE = frozenset({str, type(None)})


@functools.lru_cache(maxsize=4096)
def _resolve(step_type: str, values: tuple[str | None, ...]) -> Resolution:
    given = dict(zip(_DISCRIMINATOR_ORDER, values, strict=True))
    candidates = leaves_of(step_type)
    if not candidates:
        return Resolution()
    for key in _DISCRIMINATOR_ORDER:
        relevant = [leaf for leaf in candidates if key in leaf.discriminators]
        if not relevant:
            continue
        value = given[key]
        if value is None:
            if len(relevant) == len(candidates):
                return Resolution(missing=key, candidates=candidates)
            candidates = tuple(leaf for leaf in candidates if key not in leaf.discriminators)
            continue
        matching = tuple(leaf for leaf in relevant if leaf.discriminators[key] == value)
        if not matching:
            others = tuple(leaf for leaf in candidates if key not in leaf.discriminators)
            if others:
                candidates = others
                continue
            if value in NEWER_DISCRIMINATORS.get((step_type, key), ()):
                return Resolution(candidates=candidates)
            known = tuple(sorted({leaf.discriminators[key] for leaf in relevant}))
            return Resolution(unknown=(key, value, known), candidates=candidates)
        candidates = matching
    if len(candidates) == 1:
        return Resolution(leaf=candidates[0], candidates=candidates)
    return Resolution(candidates=candidates)


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
