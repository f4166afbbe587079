"""Facts about the real Orchestration API that the checks need, as data with their sources.

Source abbreviations follow ``shared/domain/civitai-facts.md``: SPEC is the official OpenAPI
document (v2-consumers.json, 2026-06-29), CLIENT is ``@civitai/client@0.2.0-beta.86``
(2026-08-22), DOCS is developer.civitai.com (2026-08-07), SEED is the vendored third-party schema.
"""

from __future__ import annotations

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

# Top-level keys of the vendored schema (and of third-party examples) that the workflow API
# does not have, with what to write instead. Source: facts §0 'Webhooks', 'Cost'.
SEED_KEYS: dict[str, str] = {
    "callbackUrl": 'use "callbacks": [{"url": "https://…", "type": ["workflow:succeeded"]}] instead',
    "callbackEvents": 'list the events in the "type" of each "callbacks" entry instead',
}
