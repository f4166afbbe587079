"""Step inputs: the rules a step input's schema findings carry, and what no schema says.

Which leaf an input is comes from its discriminators (``catalog.resolve``); the input is then
validated against that leaf's compiled schema (``rules.schema.check``), whose errors inside an
input carry these codes. Where the API rejects something the finding is an error; where our data
may be behind the API (new engines and versions arrive monthly) it is a warning. This module
adds what the document cannot say: seeds some engines read as 32-bit, LoRA strengths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import catalog, pointers
from ..findings import Finding, Fix, Kind, Severity
from ..fix_actions import Replace
from ..rule_options import DEFAULT_OPTIONS, RuleOptions
from ..suggest import closest
from ..workflow import Step, number, number_text, steps
from .rule import FamilyCheck, Rule
from .values import case_fix

F = "inputs"

INVALID_VALUE = Rule(
    "N101",
    "invalid-input-value",
    Severity.ERROR,
    "A value outside the closed set its leaf accepts.",
    """
Samplers, schedulers, aspect ratios, sizes, durations, resolutions and other enumerated inputs
take only the values the engine knows; the API rejects anything else. The closest value is
suggested, and names from other tools (`DPM++ 2M Karras`) are translated.

Bad: `"engine": "comfy", …, "sampler": "DPM++ 2M Karras"`   Good: `"sampler": "dpmpp_2m", "scheduler": "karras"`""",
    F,
    fixable="safe, unsafe",
)

UNKNOWN_DISCRIMINATOR = Rule(
    "N102",
    "unknown-discriminator",
    Severity.WARNING,
    "An engine, ecosystem, model, version, provider or operation the catalog does not know.",
    """
These keys select which input schema applies (`engine`, then `ecosystem`/`model`/`version`/
`provider`, then `operation`). New engines and versions arrive monthly, so an unknown value is a
warning naming what the catalog knows; its other inputs cannot be checked.

Bad: `"engine": "sdxl"`   Good: `"engine": "sdcpp", "ecosystem": "sdxl"`""",
    F,
    fixable="safe",
)

MISSING_DISCRIMINATOR = Rule(
    "N103",
    "missing-discriminator",
    Severity.WARNING,
    "A step input without the key that selects its schema.",
    """
Without it the API falls back to a default or refuses the step, and civitai-schema cannot tell
which inputs are valid. Say which engine (and version, provider, operation) you mean.

Bad: `{"engine": "wan", "version": "v2.6", "operation": "text-to-video"}`   Good: add `"provider": "fal"`""",
    F,
)

UNKNOWN_INPUT_KEY = Rule(
    "N104",
    "unknown-input-key",
    Severity.ERROR,
    "A key the selected leaf does not accept.",
    """
Every input leaf of the API's document is closed: the API rejects unknown input keys with HTTP
400, and a misspelt key is a setting silently not applied. When the leaf cannot be told (no
`operation`, say), a key that no candidate leaf has is reported.

Bad: `"cfg_scale": 7`   Good: `"cfgScale": 7`""",
    F,
    fixable="unsafe",
)

REJECTED_INPUT_KEY = Rule(
    "N105",
    "rejected-input-key",
    Severity.ERROR,
    "A key the API is documented to reject on this engine.",
    """
Some keys belong to another engine: `sampler`/`scheduler` are comfy's, `sampleMethod`/`schedule`
sdcpp's, and `clipSkip` on an sdcpp SDXL request returns HTTP 400.

Bad: `"engine": "sdcpp", "ecosystem": "sdxl", "clipSkip": 2`   Good: leave `clipSkip` out""",
    F,
)

MISSING_INPUT_KEY = Rule(
    "N106",
    "missing-input-key",
    Severity.ERROR,
    "A required input without a default is missing.",
    """
The leaf needs this input and has no default for it (fields the API defaults are never
reported, although the OpenAPI document lists some of them as required).

Bad: an sdcpp `sd1` request without `model`   Good: `"model": "urn:air:sd1:checkpoint:civitai:4384@128713"`""",
    F,
)

INPUT_TYPE = Rule(
    "N107",
    "input-type-mismatch",
    Severity.ERROR,
    "An input value of the wrong type for its leaf.",
    """
The leaf declares the type of each input; a string where a number is needed is refused.

Bad: `"duration": "5"` on wan   Good: `"duration": 5` (kling, by contrast, takes the string `"5"`)""",
    F,
)

INPUT_RANGE = Rule(
    "N108",
    "input-out-of-range",
    Severity.ERROR,
    "An input outside the range its leaf accepts.",
    """
Steps, guidance, quantity, duration, strengths, text lengths and list sizes have per-engine
bounds; the API rejects values outside them.

Bad: `"steps": 80` on flux1 sdcpp (4..50)   Good: `"steps": 28`""",
    F,
)

SEED_INT32 = Rule(
    "N109",
    "seed-above-int32",
    Severity.WARNING,
    "A seed above 2,147,483,647.",
    """
Some engines read `seed` as a signed 32-bit integer, and a larger value fails when the
orchestrator reads the request. Seeds up to 2^31 − 1 work everywhere.

Bad: `"seed": 3000000000`   Good: `"seed": 2147483647` or less""",
    F,
)

LORA_STRENGTH = Rule(
    "N110",
    "lora-strength-unusual",
    Severity.WARNING,
    "A LoRA strength outside −1..2.",
    """
civitai.com lets strengths range from −1 to 2; typical values are 0.6–1.0. Far outside that, a
LoRA usually wrecks the image. (Textual inversions take a trigger word, not a strength.)

Bad: `"loras": {"urn:air:sdxl:lora:civitai:1@2": 8}`   Good: `0.8`""",
    F,
)

DRIFTED_KEY = Rule(
    "N111",
    "drifted-input-key",
    Severity.WARNING,
    "An input key published examples use that the API's document names otherwise.",
    """
Some of Civitai's own published bodies send `fps` where the document's leaf has `frameRate`, or
`numInferenceSteps` where it has `steps`. The orchestrator takes such a body, but the document
does not promise the value is read: write the documented name.

Bad: `"engine": "hunyuan", …, "fps": 24`   Good: `"frameRate": 24`""",
    F,
    fixable="unsafe",
)

RULES = (INVALID_VALUE, UNKNOWN_DISCRIMINATOR, MISSING_DISCRIMINATOR, UNKNOWN_INPUT_KEY, REJECTED_INPUT_KEY,
         MISSING_INPUT_KEY, INPUT_TYPE, INPUT_RANGE, SEED_INT32, LORA_STRENGTH, DRIFTED_KEY)  # fmt: skip

INT32_MAX = 2_147_483_647
_INT64_MAX = 2**63 - 1


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    for step in steps(data):
        data_in = step.input
        if step.type is None or data_in is None:
            continue
        if "seed" in data_in:
            seed = _seed(step, data_in)
            if seed is not None:
                yield seed
        if "loras" in data_in or "additionalNetworks" in data_in:
            yield from _strengths(data_in, step.pointer + "/input")


def _seed(step: Step, data: dict[str, Any]) -> Finding | None:
    seed = number(data.get("seed"))
    if seed is None or seed <= INT32_MAX or step.type == "textToImage":
        return None
    leaf = step.resolution.leaf if step.resolution is not None else None
    limit = (leaf.fields.get("seed", {}) if leaf else {}).get("maximum")
    if limit is not None and limit < _INT64_MAX:
        return None  # the leaf states its own bound (not just int64's), and the schema reports it
    message = f"seed {number_text(seed)} is above 2,147,483,647; engines that read seeds as 32-bit integers fail on it"
    return SEED_INT32.finding(message, f"{step.pointer}/input/seed")


def _strengths(data: dict[str, Any], base: str) -> Iterator[Finding]:
    for key in ("loras", "additionalNetworks"):
        value = data.get(key)
        if isinstance(value, dict):
            items = [(f"{base}/{key}/{pointers.escape(k)}", v.get("strength") if isinstance(v, dict) else v, k)
                     for k, v in value.items()]  # fmt: skip
        elif isinstance(value, list):
            items = [(f"{base}/{key}/{i}/strength", v.get("strength"), v.get("air", "")) for i, v in enumerate(value)
                     if isinstance(v, dict)]  # fmt: skip
        else:
            continue
        for where, strength, name in items:
            amount = number(strength)
            if amount is not None and not -1 <= amount <= 2:
                message = (
                    f"LoRA strength {number_text(amount)} for {name} is outside -1..2; typical values are 0.6 to 1.0"
                )
                yield LORA_STRENGTH.finding(message, where)


def enum_fix(key: str, value: Any, allowed: list[str]) -> Fix | None:
    if not isinstance(value, str):
        return None
    translated = catalog.A1111_SAMPLERS.get(value.strip().lower(), {})
    partner = {"sampler": "scheduler", "sampleMethod": "schedule"}.get(key)
    if key in translated and not (partner and partner in translated):
        return Fix(f'write "{translated[key]}"', "unsafe", Replace(translated[key]))
    return case_fix(value, closest(value, allowed))


def enum_message(key: str, value: Any, allowed: list[str]) -> str:
    shown = ", ".join(allowed[:6]) + (f", … ({len(allowed)} in all)" if len(allowed) > 6 else "")
    message = f'"{key}" is {_json_text(value)}, which this engine does not accept; expected one of {shown}'
    if isinstance(value, str):
        translated = catalog.A1111_SAMPLERS.get(value.strip().lower(), {})
        if key in translated:
            parts = [f'"{key}": "{translated[key]}"']
            partner = {"sampler": "scheduler", "sampleMethod": "schedule"}.get(key)
            if partner and partner in translated:
                parts.append(f'"{partner}": "{translated[partner]}"')
            return f"{message}; that is an A1111 name: write {', '.join(parts)}"
        guess = closest(value, allowed)
        if guess is not None:
            message += f'; did you mean "{guess}"?'
    return message


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_text(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else _text(value)


# The family's entries in the registry (civitai_schema.rules), with their cost per step.
CHECKS = (FamilyCheck("input checks", check, cost=1.6),)
