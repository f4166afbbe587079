"""Image and video sizes: per-engine ranges and multiples, per-base-model pixel budgets,
aspect ratios, the limits of video upscaling and interpolation chains, and record results.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Iterator
from typing import Any

from .. import catalog
from ..findings import Finding, Kind, Severity
from ..rule_options import DEFAULT_OPTIONS, RuleOptions
from ..workflow import Step, number, number_text, quotient, source_of, step_input, step_type, steps
from .rule import FamilyCheck, Option, PositiveNumbers, Rule

F = "dimensions"

PIXEL_BUDGET_RATIOS = Option(
    "pixel-budget",
    PositiveNumbers("the highest ratio to the native size"),
    dict[str, float](),
    "The highest pixel count accepted, by base model, as a ratio to the model's native size "
    "(`{ sdxl = 3.0 }`); a base model not listed keeps the catalog's.",
)

OUT_OF_RANGE = Rule(
    "D101",
    "dimension-out-of-range",
    Severity.ERROR,
    "A width or height outside the engine's range.",
    """
Each engine has its own size range: flux1 on sdcpp takes 832..1216, SD 1.x on comfy up to 1024,
most others 64..2048. The API rejects sizes outside it.

Bad: `"engine": "sdcpp", "ecosystem": "flux1", "width": 1536`   Good: `"width": 1216`""",
    F,
)

NOT_MULTIPLE = Rule(
    "D102",
    "dimension-not-multiple",
    Severity.WARNING,
    "A size that is not the multiple the engine's docs require.",
    """
The documentation asks for sides divisible by 16 on most diffusion engines (8 on Qwen and some
Flux.2 models, 32 on Krea2, 64 on HiDream-O1). Others are rounded or refused.

Bad: `"width": 1000` on sdcpp SDXL   Good: `"width": 1008` or `1024`""",
    F,
)

INVALID = Rule(
    "D103",
    "dimension-not-positive",
    Severity.ERROR,
    "A width or height of zero or less.",
    """
A size must be a positive number of pixels. (A size that is not a whole number is reported as a
type mismatch.)

Bad: `"height": 0`   Good: `"height": 1024`""",
    F,
)

PIXEL_BUDGET = Rule(
    "D104",
    "pixel-budget",
    Severity.WARNING,
    "A size far from what the base model was trained at.",
    """
SD 1.x models are trained at 512×512 and SDXL-family models at about one megapixel; far above,
they repeat subjects (two heads, twin figures), far below they lose detail. Generate near the
native size and upscale afterwards.

Bad: `1536×1536` on an `sd1` checkpoint   Good: `512×768`, then an upscaler step""",
    F,
    options=(PIXEL_BUDGET_RATIOS,),
)

ASPECT_MISMATCH = Rule(
    "D105",
    "aspect-ratio-mismatch",
    Severity.WARNING,
    "`aspectRatio` contradicts `width` and `height`.",
    """
When both are given, one of them is ignored, and it may not be the one you meant.

Bad: `"aspectRatio": "16:9", "width": 1024, "height": 1024`   Good: drop one, or make them agree""",
    F,
)

UPSCALE_TOO_LARGE = Rule(
    "D106",
    "video-upscale-too-large",
    Severity.WARNING,
    "A video upscale whose output would exceed 2560 px.",
    """
videoUpscaler refuses (HTTP 400) when width or height times `scaleFactor` is above 2560.

Bad: a 1920×1080 video with `"scaleFactor": 2`   Good: `"scaleFactor": 1`… or upscale a 720p video""",
    F,
)

INTERPOLATION_TOO_LARGE = Rule(
    "D107",
    "interpolation-input-too-large",
    Severity.WARNING,
    "A video interpolation input above 2048 px.",
    """
videoInterpolation accepts sources up to 2048 px on each side.

Bad: interpolating the output of a ×2 upscale of 1080p   Good: interpolate first, then upscale""",
    F,
)

UPSCALE_BEFORE_INTERPOLATE = Rule(
    "D108",
    "upscale-before-interpolate",
    Severity.WARNING,
    "A video upscaled before it is interpolated.",
    """
Interpolation is limited to 2048 px and costs more on bigger frames; the documentation advises
interpolating first and upscaling last.

Bad: videoGen → videoUpscaler → videoInterpolation   Good: videoGen → videoInterpolation → videoUpscaler""",
    F,
)

RESULT_SIZE = Rule(
    "D109",
    "result-size-mismatch",
    Severity.WARNING,
    "A record's result size differs from the requested size.",
    """
In a workflow record, an output image whose width or height is not what the step asked for
points at a resize, a fallback engine or a mixed-up record.

Bad: input `1024×1024`, output image `512×512`   Good: the sizes agree""",
    F,
)

RULES = (OUT_OF_RANGE, NOT_MULTIPLE, INVALID, PIXEL_BUDGET, ASPECT_MISMATCH, UPSCALE_TOO_LARGE, INTERPOLATION_TOO_LARGE,
         UPSCALE_BEFORE_INTERPOLATE, RESULT_SIZE)  # fmt: skip
OPTIONS = (PIXEL_BUDGET_RATIOS,)

UPSCALER_MAX = 2560  # DOCS video-upscaler.md
INTERPOLATION_MAX = 2048  # DOCS video-interpolation.md
_VIDEO_POST = frozenset({"videoUpscaler", "videoInterpolation"})
_RESOLUTIONS = {"360p": 360, "480p": 480, "540p": 540, "580p": 580, "720p": 720, "1080p": 1080}


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    for step in steps(data):
        data_in, found = step.input, step.resolution
        if data_in is None or step.type is None or found is None:
            continue
        width, height = _size(data_in, "width"), _size(data_in, "height")
        if width is None and height is None:
            continue  # (every check below reads a size: most steps but the generating ones)
        base = step.pointer + "/input"
        leaf = found.leaf
        if leaf is not None:
            # The leaf states its own range (qwen's edit takes 0: the source image's size).
            yield from _per_leaf(leaf, data_in, base, width, height)
            if (width is not None and width <= 0) or (height is not None and height <= 0):
                continue
        else:
            bad = False
            for key, value in (("width", width), ("height", height)):
                if value is not None and value <= 0:
                    bad = True
                    yield INVALID.finding(f"{key} {number_text(value)} is not a positive size", f"{base}/{key}")
            if bad:
                continue
        if width is None or height is None:
            continue  # (the pixel budget, the aspect ratio and a record's results compare both)
        budget = _budget(leaf, data_in, base, width, height, options)
        if budget is not None:
            yield budget
        aspect = _aspect(data_in, base, width, height)
        if aspect is not None:
            yield aspect
        if kind is Kind.WORKFLOW:
            yield from _results(step.data, step.pointer, width, height)


def check_video_chain(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterable[Finding]:
    """What a video step can take from the step it reads (a check of its own: it reads more than
    one step at a time, see :attr:`civitai_schema.rules.FamilyCheck.reads_many_steps`)."""
    all_steps = steps(data)
    if _VIDEO_POST.isdisjoint(map(_TYPE, all_steps)):
        return ()  # (in C: no name table for documents without video post-processing)
    return _video_chain(data, all_steps)


_TYPE = operator.attrgetter("type")


def _size(data: dict[str, Any], key: str) -> float | None:
    return number(data.get(key))  # (None for a value reference too: it is an object)


def _per_leaf(
    leaf: catalog.Leaf, data: dict[str, Any], base: str, width: float | None, height: float | None
) -> Iterator[Finding]:
    multiple = catalog.divisible_by(leaf)
    for key, value in (("width", width), ("height", height)):
        spec = leaf.fields.get(key, {})
        if value is None:
            continue
        low, high = spec.get("minimum"), spec.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            # a step type with one input shape (textToImage) has no discriminators to name
            where = ", ".join(f"{k} {v}" for k, v in leaf.discriminators.items()) or leaf.step_type
            yield OUT_OF_RANGE.finding(
                f"{key} {number_text(value)} is outside {low}..{high} for {where}", f"{base}/{key}"
            )
        elif multiple and value % multiple:
            lower = int(value // multiple * multiple)
            message = (
                f"{key} {number_text(value)} is not a multiple of {multiple}, as this engine's docs require; "
                f"try {lower} or {lower + multiple}"
            )
            yield NOT_MULTIPLE.finding(message, f"{base}/{key}")


def _budget(
    leaf: catalog.Leaf | None, data: dict[str, Any], base: str, width: float, height: float, options: RuleOptions
) -> Finding | None:
    group = catalog.base_group(data)
    budget = catalog.PIXEL_BUDGETS.get(group or "")
    if budget is None:
        return None
    ratio = quotient(width * height, budget.native)
    high = PIXEL_BUDGET_RATIOS.of(options).get(group or "", budget.high)
    if not (ratio > high or ratio < budget.low):
        return None
    side = "above" if ratio > high else "below"
    message = (f"{number_text(width)}×{number_text(height)} is {ratio:.1f}× the native pixel count, far {side} it: "
               f"{budget.note}; expect {'repeated subjects' if side == 'above' else 'lost detail'}")  # fmt: skip
    return PIXEL_BUDGET.finding(message, f"{base}/width")


def _aspect(data: dict[str, Any], base: str, width: float, height: float) -> Finding | None:
    ratio_text = data.get("aspectRatio")
    if not isinstance(ratio_text, str) or ":" not in ratio_text:
        return None
    left, _, right = ratio_text.partition(":")
    try:
        wanted = float(left) / float(right)
    except (ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(wanted) and wanted > 0):
        return None  # "0:1", "1e400:1": the schema's pattern or the engine reports those
    actual = quotient(width, height)
    if abs(actual - wanted) / wanted <= 0.05:
        return None
    message = f'aspectRatio "{ratio_text}" does not match {number_text(width)}×{number_text(height)} ({actual:.2f}:1)'
    return ASPECT_MISMATCH.finding(message, f"{base}/aspectRatio")


def _results(step: dict[str, Any], step_pointer: str, width: float, height: float) -> Iterator[Finding]:
    output = step.get("output")
    images = output.get("images") if isinstance(output, dict) else None
    if not isinstance(images, list):
        return
    for i, image in enumerate(images):
        if not isinstance(image, dict):
            continue
        got_width, got_height = number(image.get("width")), number(image.get("height"))
        if got_width is not None and got_height is not None and (got_width, got_height) != (width, height):
            result = f"{number_text(got_width)}×{number_text(got_height)}"
            message = f"result is {result} but {number_text(width)}×{number_text(height)} was requested"
            yield RESULT_SIZE.finding(message, f"{step_pointer}/output/images/{i}")


def _video_chain(data: Any, all_steps: list[Step]) -> Iterator[Finding]:
    by_name: dict[str, Step] = {}
    for index, step in enumerate(all_steps):
        by_name[f"${index}"] = step
        name = step.data.get("name")
        by_name[name if isinstance(name, str) else str(index)] = step
    for step in all_steps:
        pointer, kind_of_step, data_in = step.pointer, step.type, step.input
        if kind_of_step not in _VIDEO_POST or data_in is None:
            continue
        source = by_name.get(source_of(data_in.get("video")) or "")
        if source is None:
            continue
        size = _video_size(source.data, by_name, depth=0)
        where = f"{pointer}/input/video"
        if kind_of_step == "videoUpscaler" and size is not None:
            factor = number(data_in.get("scaleFactor")) or 2
            largest = max(size) * factor
            if largest > UPSCALER_MAX:
                message = (
                    f"upscaling a {size[0]}×{size[1]} video by {number_text(factor)} gives {number_text(largest)} px, "
                    f"above the upscaler's {UPSCALER_MAX}"
                )
                yield UPSCALE_TOO_LARGE.finding(message, where)
        if kind_of_step == "videoInterpolation":
            if step_type(source.data) == "videoUpscaler":
                yield UPSCALE_BEFORE_INTERPOLATE.finding(
                    "this interpolates an upscaled video; interpolate first and upscale last", where
                )
            if size is not None and max(size) > INTERPOLATION_MAX:
                message = (
                    f"the source video is {size[0]}×{size[1]}, above the {INTERPOLATION_MAX} px interpolation accepts"
                )
                yield INTERPOLATION_TOO_LARGE.finding(message, where)


def _video_size(step: dict[str, Any], by_name: dict[str, Step], depth: int) -> tuple[int, int] | None:
    """A step's output video size, when its input says it (width/height, or resolution + ratio)."""
    data_in = step_input(step) or {}
    width, height = number(data_in.get("width")), number(data_in.get("height"))
    if width and height:
        return int(width), int(height)
    lines = _RESOLUTIONS.get(str(data_in.get("resolution")))
    if lines is not None:
        ratio = str(data_in.get("aspectRatio") or "16:9")
        left, _, right = ratio.partition(":")
        try:
            wide = float(left) / float(right)
        except (ValueError, ZeroDivisionError):
            wide = 16 / 9
        if not (math.isfinite(wide) and wide > 0):
            wide = 16 / 9
        return (round(lines * wide), lines) if wide >= 1 else (lines, round(lines / wide))
    reference = source_of(data_in.get("video"))
    if step_type(step) == "videoUpscaler" and reference is not None and depth < 10:
        source = by_name.get(reference)
        inner = _video_size(source.data, by_name, depth + 1) if source else None
        factor = int(number(data_in.get("scaleFactor")) or 2)
        return (inner[0] * factor, inner[1] * factor) if inner else None
    return None


# The family's entries in the registry (civitai_schema.rules), with their cost per step. What a
# video step can take from its source is a check of its own: it reads more than one step.
CHECKS = (
    FamilyCheck("dimension checks", check, cost=1.7),
    FamilyCheck("video chain checks", check_video_chain, cost=0.1, reads_many_steps=True),
)
