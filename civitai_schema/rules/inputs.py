"""Step inputs against the catalog of real leaves: which leaf the discriminators select, then
the keys, types, enums and ranges that leaf accepts (``catalog.resolve``, ``data/leaves.json``).

Where the API is known to reject something the finding is an error; where the catalog may be
behind the API (new engines, fields and values arrive monthly) it is a warning.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from .. import catalog, pointers
from ..findings import Finding, Fix, Kind, Severity
from ..options import DEFAULT_OPTIONS, RuleOptions
from ..suggest import closest
from ..workflow import is_reference, number, number_text, steps
from .rule import Rule
from .schema import case_fix, json_type

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
    Severity.WARNING,
    "A key the selected leaf does not accept.",
    """
The API rejects unknown input keys with HTTP 400, and a misspelt key is a setting silently not
applied. A warning rather than an error because new fields arrive before the catalog knows them.

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

RULES = (INVALID_VALUE, UNKNOWN_DISCRIMINATOR, MISSING_DISCRIMINATOR, UNKNOWN_INPUT_KEY, REJECTED_INPUT_KEY,
         MISSING_INPUT_KEY, INPUT_TYPE, INPUT_RANGE, SEED_INT32, LORA_STRENGTH)  # fmt: skip

# Present on every imageGen leaf but left out of the catalog's dump (facts Appendix A note).
_IMAGEGEN_COMMON = {
    "outputFormat": {"type": "enum", "enum": ["jpeg", "png", "webP"], "nullable": False},
    "imageMetadata": {"type": "any", "nullable": True},
}
# Width and height are the dimension rules' business (rules/dimensions.py).
_DIMENSIONS = ("width", "height")
INT32_MAX = 2_147_483_647
_BOUNDS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")


@functools.lru_cache(maxsize=1)
def _schema_typed_keys() -> frozenset[str]:
    """Input keys the effective schema already type-checks (so their type errors are not doubled)."""
    from ..schema import schema_for

    effective = schema_for(Kind.SUBMISSION)
    return frozenset(effective["properties"]["steps"]["items"]["properties"]["input"]["properties"])


@functools.cache
def fields_of(leaf: catalog.Leaf) -> Mapping[str, Mapping[str, Any]]:
    return {**_IMAGEGEN_COMMON, **leaf.fields} if leaf.step_type == "imageGen" else leaf.fields


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    for step in steps(data):
        kind_of_step, data_in, found = step.type, step.input, step.resolution
        if kind_of_step is None or data_in is None or found is None:
            continue
        base = step.pointer + "/input"
        if found.missing is not None:
            choices = catalog.leaf_values(kind_of_step, found.missing)
            shown = ", ".join(choices[:8]) + (", …" if len(choices) > 8 else "")
            message = f'{kind_of_step} input has no "{found.missing}", which selects its schema (one of: {shown})'
            yield MISSING_DISCRIMINATOR.finding(message, base)
        if found.unknown is not None:
            key, value, known = found.unknown
            guess = closest(value, known)
            message = f'unknown {kind_of_step} {key} "{value}" (the catalog as of {catalog.AS_OF} knows {len(known)})'
            yield UNKNOWN_DISCRIMINATOR.finding(
                message + (f'; did you mean "{guess}"?' if guess else ""), f"{base}/{key}", fix=case_fix(value, guess)
            )
        if found.leaf is not None:
            yield from _check_leaf(found.leaf, data_in, base)
        if "seed" in data_in:
            yield from _seed(kind_of_step, found.leaf, data_in, base)
        if "loras" in data_in or "additionalNetworks" in data_in:
            yield from _strengths(data_in, base)


class _Plan(NamedTuple):
    """What checking one leaf's inputs needs, worked out once per leaf: its fields, the keys it
    rejects, the keys it requires, and for each field it accepts a quick test that is true only of
    values no input rule can object to (anything else takes the full path, which words the finding)."""

    fields: Mapping[str, Mapping[str, Any]]
    rejected: Mapping[str, str]
    required: tuple[str, ...]
    quick: Mapping[str, Callable[[Any], bool]]


@functools.cache
def _plan(leaf: catalog.Leaf) -> _Plan:
    fields, rejected = fields_of(leaf), catalog.rejected_keys(leaf)
    required = tuple(
        key
        for key, spec in fields.items()
        if spec.get("required")
        and "default" not in spec
        and (leaf.name, key) not in catalog.OPTIONAL_DESPITE_SPEC
        and key not in leaf.discriminators
    )
    quick = {key: _quick(key, spec, key in leaf.discriminators) for key, spec in fields.items() if key not in rejected}
    return _Plan(fields, rejected, required, quick)


def _quick(key: str, spec: Mapping[str, Any], discriminator: bool) -> Callable[[Any], bool]:
    """A test that passes only values :func:`_check_value` has nothing to say about."""
    kind = spec.get("type")
    if kind == "enum":
        allowed = frozenset(str(v) for v in spec["enum"])
        return (lambda value: True) if discriminator else (lambda value: type(value) is str and value in allowed)
    if key in _DIMENSIONS and kind in ("integer", "number"):
        return lambda value: type(value) is int  # sizes are the dimension rules' business
    if kind in ("integer", "number"):
        low, high = spec.get("minimum"), spec.get("maximum")
        low = -math.inf if low is None else low
        high = math.inf if high is None else high
        return lambda value: type(value) is int and low <= value <= high
    if kind in ("string", "air"):
        shortest, longest = spec.get("minLength") or 0, spec.get("maxLength")
        longest = math.inf if longest is None else longest
        return lambda value: type(value) is str and shortest <= len(value) <= longest
    if kind == "boolean":
        return lambda value: type(value) is bool
    if kind == "array":
        fewest, most = spec.get("minItems") or 0, spec.get("maxItems")
        most = math.inf if most is None else most
        return lambda value: type(value) is list and fewest <= len(value) <= most
    if kind == "object":
        return lambda value: type(value) is dict
    bounded = any(bound in spec for bound in _BOUNDS)
    return lambda value: not bounded  # a type _type_ok does not test: only its bounds matter


def _check_leaf(leaf: catalog.Leaf, data: dict[str, Any], base: str) -> Iterator[Finding]:
    plan = _plan(leaf)
    quick, fields = plan.quick, plan.fields
    for key, value in data.items():
        test = quick.get(key)
        if test is not None and test(value):
            continue
        where = pointers.child(base, key)
        if key in plan.rejected:
            yield REJECTED_INPUT_KEY.finding(f'"{key}" is not accepted here: {plan.rejected[key]}', where, target="key")
            continue
        spec = fields.get(key)
        if spec is None:
            guess = closest(key, list(fields))
            message = f'"{key}" is not an input of {leaf.step_type}{_describe(leaf)}'
            fix = Fix(f'rename to "{guess}"', "unsafe", ("rename", guess)) if guess and guess not in data else None
            yield UNKNOWN_INPUT_KEY.finding(
                message + (f'; did you mean "{guess}"?' if guess else ""), where, target="key", fix=fix
            )
            continue
        if is_reference(value) or (value is None and spec.get("nullable")):
            continue
        yield from _check_value(key, value, spec, where, leaf)
    for key in plan.required:
        if key not in data:
            yield MISSING_INPUT_KEY.finding(f'{leaf.step_type}{_describe(leaf)} needs "{key}"', base)


def _check_value(key: str, value: Any, spec: Mapping[str, Any], where: str, leaf: catalog.Leaf) -> Iterator[Finding]:
    kind = spec.get("type")
    if kind == "enum":
        allowed = [str(v) for v in spec["enum"]]
        if _text(value) not in allowed and key not in leaf.discriminators:
            yield INVALID_VALUE.finding(_enum_message(key, value, allowed), where, fix=_enum_fix(key, value, allowed))
        return
    if not _type_ok(kind, value):
        if key not in _schema_typed_keys():
            yield INPUT_TYPE.finding(f'"{key}" must be {_ARTICLE.get(str(kind), kind)}, got {json_type(value)}', where)
        return
    if key in _DIMENSIONS:
        return
    yield from _range(key, value, spec, where)


def _range(key: str, value: Any, spec: Mapping[str, Any], where: str) -> Iterator[Finding]:
    low, high = spec.get("minimum"), spec.get("maximum")
    amount = number(value)
    if amount is not None and ((low is not None and amount < low) or (high is not None and amount > high)):
        yield INPUT_RANGE.finding(f'"{key}" is {number_text(amount)}; this engine accepts {_bounds(low, high)}', where)
    if isinstance(value, str):
        low, high = spec.get("minLength"), spec.get("maxLength")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            yield INPUT_RANGE.finding(
                f'"{key}" is {len(value)} characters long; this engine accepts {_bounds(low, high)}', where
            )
    if isinstance(value, list):
        low, high = spec.get("minItems"), spec.get("maxItems")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            yield INPUT_RANGE.finding(
                f'"{key}" has {len(value)} items; this engine accepts {_bounds(low, high)}', where
            )


def _seed(kind_of_step: str, leaf: catalog.Leaf | None, data: dict[str, Any], base: str) -> Iterator[Finding]:
    seed = number(data.get("seed"))
    if seed is None or seed <= INT32_MAX or kind_of_step == "textToImage":
        return
    limit = (fields_of(leaf).get("seed", {}) if leaf else {}).get("maximum")
    if limit is not None:
        return  # the leaf states its own bound, and out-of-range reports it
    message = f"seed {number_text(seed)} is above 2,147,483,647; engines that read seeds as 32-bit integers fail on it"
    yield SEED_INT32.finding(message, f"{base}/seed")


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


def _enum_fix(key: str, value: Any, allowed: list[str]) -> Fix | None:
    if not isinstance(value, str):
        return None
    translated = catalog.A1111_SAMPLERS.get(value.strip().lower(), {})
    partner = {"sampler": "scheduler", "sampleMethod": "schedule"}.get(key)
    if key in translated and not (partner and partner in translated):
        return Fix(f'write "{translated[key]}"', "unsafe", ("replace", translated[key]))
    return case_fix(value, closest(value, allowed))


def _enum_message(key: str, value: Any, allowed: list[str]) -> str:
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


def _describe(leaf: catalog.Leaf) -> str:
    return " (" + ", ".join(f"{k} {v}" for k, v in leaf.discriminators.items()) + ")" if leaf.discriminators else ""


def _type_ok(kind: object, value: Any) -> bool:
    if kind in ("integer",):
        return number(value) is not None and (isinstance(value, int) or value.is_integer())
    if kind == "number":
        return number(value) is not None
    if kind in ("string", "air"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, (list, tuple))
    if kind == "object":
        return isinstance(value, dict)
    return True


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_text(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else _text(value)


def _bounds(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


_ARTICLE = {"integer": "an integer", "number": "a number", "string": "a string", "air": "an AIR string",
            "boolean": "a boolean", "array": "a list", "object": "an object"}  # fmt: skip
