"""JSON Schema errors, one rule per keyword family (as cfn-lint does), so schema findings can be
selected, ignored and re-levelled like any lint rule.

:func:`check` validates a document: jsonschema-rs decides whether the envelope (the body or
record without its step inputs) and each step input (against the one leaf its discriminators
choose) are valid, and its errors word what is not (:mod:`.native_errors`; Python ``jsonschema``
where they cannot, or where jsonschema-rs is missing). :func:`translate`
turns those errors into findings: unions follow the branch the value was meant for, enum errors
offer the closest value, a missing key points at the object that lacks it, and an unknown key
points at the key with the nearest known name. Errors inside a step's input carry the input
rules' codes (``N1xx``); subschemas the compiler marked ``x-civitai-warning`` give warnings.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .. import air, catalog, limits, pointers, validators
from ..findings import Finding, Fix, Kind, Severity
from ..fix_actions import Rename, Replace
from ..rule_options import RuleOptions
from ..stepwise import stepwise
from ..suggest import closest, misspelling_of
from ..validators import SchemaMode, comparable
from ..workflow import compares_quickly, steps
from . import engine, inputs, native_errors, records
from .rule import FamilyCheck, Rule
from .values import case_fix, json_type

if TYPE_CHECKING:  # jsonschema is imported only when a document is validated
    from jsonschema.exceptions import ValidationError

TYPE_MISMATCH = Rule(
    "S101",
    "type-mismatch",
    Severity.ERROR,
    "A value has the wrong JSON type.",
    """The schema expects another type here: a string where a number is needed, an object where a
list is needed. In YAML this often comes from quoting (`width: "1024"` is a string).

Bad: `"width": "1024"`   Good: `"width": 1024`""",
    "schema",
)

MISSING_REQUIRED = Rule(
    "S102",
    "missing-required",
    Severity.ERROR,
    "An object lacks a key it must have.",
    """The API refuses the document without this key. The finding points at the object that lacks
it. A request body needs `steps`; a workflow record has `id` and `status`.

Bad: `{"tags": ["demo"]}`   Good: `{"steps": [{"$type": "imageGen", "input": {...}}]}`""",
    "schema",
)

INVALID_ENUM = Rule(
    "S103",
    "invalid-enum",
    Severity.ERROR,
    "A value is not one of the allowed values.",
    """The field takes a closed set of values. The message lists some of them and the closest one
to what was written; values are case-sensitive.

Bad: `"status": "Succeeded"`   Good: `"status": "succeeded"`""",
    "schema",
    fixable="safe",
)

UNKNOWN_KEY = Rule(
    "S104",
    "unknown-key",
    Severity.ERROR,
    "An object has a key the API does not accept.",
    """The API rejects request bodies with keys it does not know (HTTP 400), and a misspelt key is
silently a different field. The finding points at the key and names the closest known key.

Bad: `{"step": [...]}`   Good: `{"steps": [...]}`""",
    "schema",
    fixable="unsafe",
)

PATTERN_MISMATCH = Rule(
    "S105",
    "pattern-mismatch",
    Severity.ERROR,
    "A string does not match the pattern the schema requires.",
    """The value's text has the wrong shape for this field.

Bad: a value that breaks the field's `pattern`.   Good: one that matches it.""",
    "schema",
)

INVALID_FORMAT = Rule(
    "S106",
    "invalid-format",
    Severity.ERROR,
    "A string is not a valid date-time, URI or other declared format.",
    """Formats are checked, not just declared: a `date-time` must be RFC 3339 (with a time zone),
a `uri` must be an absolute RFC 3986 URI (no spaces, a scheme).

Bad: `"createdAt": "2026-02-30 10:00"`   Good: `"createdAt": "2026-02-28T10:00:00Z"`""",
    "schema",
)

OUT_OF_RANGE = Rule(
    "S107",
    "out-of-range",
    Severity.ERROR,
    "A number, string length or item count is outside its bounds.",
    """Covers `minimum`/`maximum`, exclusive bounds, `multipleOf`, string lengths, item counts and
key counts.

Bad: `"steps": []` in a request body   Good: at least one step.""",
    "schema",
)

NO_MATCHING_VARIANT = Rule(
    "S108",
    "no-matching-variant",
    Severity.ERROR,
    "A value fits none (or more than one) of the shapes allowed here.",
    """Where a field accepts several shapes (a number or a value reference; a LoRA map or a list),
the value fits none of them, or fits several where exactly one is required. When the intended
shape is clear, the errors of that shape are reported instead of this one.

Bad: `"loras": "urn:air:sdxl:lora:civitai:1@2"`   Good: `"loras": {"urn:air:sdxl:lora:civitai:1@2": 0.8}`""",
    "schema",
)

DUPLICATE_ITEMS = Rule(
    "S109",
    "duplicate-items",
    Severity.ERROR,
    "A list that must hold unique items repeats one.",
    """The schema requires every item of this list to be different.

Bad: `["a", "a"]`   Good: `["a", "b"]`""",
    "schema",
)

SCHEMA_VIOLATION = Rule(
    "S110",
    "schema-violation",
    Severity.ERROR,
    "A schema constraint without a more specific rule failed.",
    """Any other JSON Schema keyword (`not`, `contains`, `dependentRequired`, `propertyNames`, …).
The message is the validator's own.

Bad: a value the keyword rejects.   Good: one it accepts.""",
    "schema",
)

UNKNOWN_STEP_TYPE = Rule(
    "S111",
    "unknown-step-type",
    Severity.WARNING,
    "A step `$type` that is not in the catalog of real step types.",
    """The API adds step types every month, so a type this version does not know is a warning,
not an error: check the spelling (it is case-sensitive camelCase) or update civitai-schema.

Bad: `"$type": "imagegen"`   Good: `"$type": "imageGen"`""",
    "schema",
    fixable="safe",
)

SEED_STEP_TYPE = Rule(
    "S112",
    "invented-step-type",
    Severity.ERROR,
    "A step `$type` invented by the vendored third-party schema.",
    """The vendored schema lists step types the API never had (`tts`, `upscale`, `transcribe`,
`audioGen`, `textGen`, `music`, `interpolate`, `moderation`). The API rejects them; the message
names the real type.

Bad: `"$type": "tts"`   Good: `"$type": "textToSpeech"`""",
    "schema",
    fixable="safe",
)

RULES = (
    TYPE_MISMATCH,
    MISSING_REQUIRED,
    INVALID_ENUM,
    UNKNOWN_KEY,
    PATTERN_MISMATCH,
    INVALID_FORMAT,
    OUT_OF_RANGE,
    NO_MATCHING_VARIANT,
    DUPLICATE_ITEMS,
    SCHEMA_VIOLATION,
    UNKNOWN_STEP_TYPE,
    SEED_STEP_TYPE,
)

_SHOWN_VALUES = 5

# A schema finding inside a step's input, by the input rule of the same meaning.
_INPUT_RULES = {
    TYPE_MISMATCH.code: inputs.INPUT_TYPE,
    MISSING_REQUIRED.code: inputs.MISSING_INPUT_KEY,
    INVALID_ENUM.code: inputs.INVALID_VALUE,
    UNKNOWN_KEY.code: inputs.UNKNOWN_INPUT_KEY,
    OUT_OF_RANGE.code: inputs.INPUT_RANGE,
}
_TYPE_CODES = frozenset({TYPE_MISMATCH.code, inputs.INPUT_TYPE.code})
RECORD_MISSING = records.RECORD_MISSING

_FORMAT_EXAMPLES = {
    "date-time": "RFC 3339 with a time zone, such as 2026-01-31T12:00:00Z",
    "date": "RFC 3339, such as 2026-01-31",
    "time": "RFC 3339 with a time zone, such as 12:00:00Z",
    "uri": "an absolute URI with a scheme, such as https://example.com/hook",
    # (the docs mention ISO 8601 durations, but the API reads a .NET TimeSpan)
    "date-span": "a TimeSpan [d.]hh:mm:ss, such as 00:10:00 for ten minutes",
}


def windowable(kind: Kind, mode: SchemaMode) -> bool:
    """Whether a large document's schema findings are those of its windows of steps, each
    checked with the document's other members (see :func:`validators.steps_alone`)."""
    return validators.steps_alone(kind, mode)


def prepare(mode: SchemaMode) -> None:
    """Build the fast validators now, so that forked workers inherit them instead of each
    building its own (the Python validators are built only where an invalid document needs
    them, and a step type's leaves where a document uses it)."""
    for kind in Kind:
        validators.fast_validator(kind, mode)
        stepwise(kind, mode)


def check(data: Any, kind: Kind, mode: SchemaMode) -> list[Finding]:
    """The schema findings of one document."""
    # (else only the Python validators, linear throughout; converting an in-memory object may
    # know, and an object it gives back untouched holds no NaN or infinity either)
    quick, finite = (True, True) if compares_quickly(data) else _numbers(data)
    if mode is SchemaMode.VENDORED:
        fast = validators.fast_validator(kind, mode) if quick else None
        if fast is not None and _fast_valid(fast, data):
            return []
        worded = _natively(fast, data, validators.source(kind, mode), kind, (), None, finite)
        if worded is not None:
            return worded
        checker = validators.validator(kind, mode)
        return translate(checker.iter_errors(data), checker.schema, kind)
    findings = _envelope(data, kind, quick, finite)
    for step in steps(data):
        name = step.resolution.schema if step.resolution is not None else None
        if name is None:
            continue
        # (A NaN reads as null to jsonschema-rs, but the readers report every NaN themselves.)
        fast = validators.fast_input_validator(name) if quick else None
        if fast is not None and _fast_valid(fast, step.input):
            continue
        prefix = (*pointers.split(step.pointer), "input")
        leaf = step.resolution.leaf if step.resolution is not None else None
        worded = _natively(fast, step.input, validators.compiled(f"inputs/{name}"), kind, prefix, leaf, finite)
        if worded is None:
            checker = validators.input_validator(name)
            errors = checker.iter_errors(step.input)
            worded = translate(_prefixed(errors, prefix), checker.schema, kind, leaf=leaf)
        findings.extend(worded)
        if len(findings) > limits.CHECK_LIMIT:  # (the checker reports that it stopped)
            return [*findings[: limits.CHECK_LIMIT], _stopped()]
    return findings


def _stopped() -> Finding:
    return engine.TOO_MANY_FINDINGS.finding(f"schema validation stopped after {limits.CHECK_LIMIT:,} errors")


def _envelope(data: Any, kind: Kind, quick: bool = True, finite: bool = False) -> list[Finding]:
    """The findings of everything but the step inputs (``quick``: jsonschema-rs may be asked first,
    a step at a time where it can be: :mod:`civitai_schema.stepwise`; ``finite``: ``data`` is
    known to hold no NaN or infinity)."""
    verdict = (stepwise(kind) or validators.fast_validator(kind)) if quick else None
    if verdict is not None and _fast_valid(verdict, data):
        return []
    fast = validators.fast_validator(kind) if quick else None
    worded = _natively(fast, data, validators.source(kind), kind, (), None, finite)
    if worded is not None:
        return worded
    checker = validators.validator(kind)
    failing = _failing_steps(fast, data, kind, finite) if fast is not None else None
    items = validators.step_items(kind) if failing else None
    if failing is None or items is None:
        return translate(checker.iter_errors(data), checker.schema, kind)
    return translate(_step_errors(checker, data["steps"], items, failing), checker.schema, kind)


def _natively(
    fast: Any,
    instance: Any,
    root: Any,
    kind: Kind,
    prefix: tuple[Any, ...] = (),
    leaf: catalog.Leaf | None = None,
    finite: bool = False,
) -> list[Finding] | None:
    """The findings of ``instance`` worded from jsonschema-rs's errors (:mod:`.native_errors`), or
    None where Python ``jsonschema`` must word them. Not for more than :data:`_CHUNK` steps:
    jsonschema-rs holds every error of what it validates at once, where ``jsonschema`` yields
    them one at a time (the Python way then validates only the failing steps). ``finite``: the
    document is known to hold no NaN or infinity, so ``instance`` need not be searched for one."""
    items = instance.get("steps") if isinstance(instance, dict) and not prefix else None
    if fast is None or (isinstance(items, list) and len(items) > _CHUNK) or (not finite and _has_non_finite(instance)):
        return None
    # (Adapted errors are read as ValidationErrors are, not typed as them.)
    errors: Iterable[Any] = native_errors.errors(fast, instance, root, prefix)
    try:
        return translate(errors, root, kind, leaf=leaf)
    except native_errors.Unworded:
        return None


def _fast_valid(fast: Any, data: Any) -> bool:
    try:
        return bool(fast.is_valid(data))
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False  # what it cannot take (a 10,000-digit integer, a Python set) goes the slow way


def _failing_steps(fast: Any, data: Any, kind: Kind | None = None, finite: bool = False) -> list[int] | None:
    """The indexes of the steps jsonschema-rs finds errors in, when every error it finds is inside
    a step; else None. The Python validator then words the errors of those steps alone: one
    mistake in a document of 100,000 steps costs one step's validation, not 100,000.

    jsonschema-rs finds every error before it yields the first (500,000 empty steps: 1.2 GB), so
    where a step's errors depend on that step alone the steps are validated :data:`_CHUNK` at a
    time, each chunk with the document's other members, and only until more steps fail than the
    Python validator will word (:data:`limits.CHECK_LIMIT` errors)."""
    items = data.get("steps") if isinstance(data, dict) else None
    parts: Iterable[tuple[Any, int]] = [(data, 0)]
    if kind is not None and isinstance(items, list) and len(items) > _CHUNK and validators.steps_alone(kind):
        parts = (({**data, "steps": items[i : i + _CHUNK]}, i) for i in range(0, len(items), _CHUNK))
    failing: set[int] = set()
    try:
        for part, first in parts:
            for error in fast.iter_errors(part):
                path = error.instance_path
                if len(path) < 2 or path[0] != "steps" or type(path[1]) is not int:
                    return None
                failing.add(path[1] + first)
            if len(failing) > limits.CHECK_LIMIT:
                break
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None
    # jsonschema-rs reads NaN and infinities as null, so for those it may judge a step otherwise.
    return sorted(failing) if failing and (finite or not _has_non_finite(data)) else None


_CHUNK = 1000  # steps

# Integers jsonschema-rs holds in 64 bits; beyond them it compares numbers the slow way.
_I64, _U64 = validators.FAST_INTEGERS.start, validators.FAST_INTEGERS.stop


def _numbers(data: Any) -> tuple[bool, bool]:
    """Whether jsonschema-rs may judge ``data`` (no array holds a value it cannot compare in
    constant time), and whether ``data`` holds no NaN or infinity: one walk for both.

    jsonschema-rs's ``uniqueItems`` compares every pair of an array that holds NaN, an infinity
    or an integer beyond 64 bits, even in ``is_valid`` (20,000 such integers took minutes, 60,000
    NaN in ``tags`` a minute), so such documents go to the Python validators alone, whose
    ``uniqueItems`` hashes each item once. A NaN or an infinity anywhere reads as null to
    jsonschema-rs, so its errors do not word that document (the readers report each of them).
    (Exact types are tested first: ``isinstance`` on every value cost twice as much.)"""
    pending = [data] if isinstance(data, (dict, list, tuple)) else []
    finite = not (isinstance(data, float) and not math.isfinite(data))
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for value in node.values():
                kind = type(value)
                if kind is dict or kind is list or kind is tuple:
                    pending.append(value)
                elif kind is float:
                    finite = finite and math.isfinite(value)
                elif kind is not str and kind is not int and kind is not bool and value is not None:
                    if isinstance(value, (dict, list, tuple)):
                        pending.append(value)
                    elif isinstance(value, float) and not math.isfinite(value):
                        finite = False
            continue
        for item in node:
            kind = type(item)
            if kind is float:
                if not math.isfinite(item):
                    if len(node) > 1:
                        return False, False
                    finite = False
            elif kind is int:
                if not _I64 <= item < _U64 and len(node) > 1:
                    return False, False  # (the rest unread: not known to be finite)
            elif isinstance(item, (dict, list, tuple)):
                pending.append(item)
            elif isinstance(item, float) and not math.isfinite(item):
                finite = False
    return True, finite


def _has_non_finite(data: Any) -> bool:
    pending = [data]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, float) and not math.isfinite(node):
            return True
    return False


def _step_errors(checker: Any, all_steps: list[Any], items: Any, failing: list[int]) -> Iterator[Any]:
    """The errors of the given steps, as validating the whole document gives them: same paths
    (``steps/<i>/…``), same schema paths, same order."""
    for index in failing:
        for error in checker.descend(all_steps[index], items, path=index):
            error.path.appendleft("steps")
            error.schema_path.extendleft(("items", "steps", "properties"))
            yield error


def _prefixed(errors: Iterable[ValidationError], prefix: tuple[Any, ...]) -> Iterator[ValidationError]:
    """A step input's errors with paths from the document's root."""
    for error in errors:
        error.path.extendleft(reversed(prefix))
        yield error


def translate(
    errors: Iterable[ValidationError], root: Any, kind: Kind = Kind.SUBMISSION, *, leaf: catalog.Leaf | None = None
) -> list[Finding]:
    """Findings for one document's schema errors (``root`` is the schema), without duplicates.
    ``leaf``: the step-input leaf the errors are of, if they are of one."""
    findings: list[Finding] = []
    lacking: dict[str, list[str]] = {}  # in a record: per object, the keys it lacks
    # Validation stops with the errors read: past what a file reports, only the count is unknown
    # (the checker says so). 20,000 of them held at once took 60 MB.
    errors = list(itertools.islice(errors, limits.MAX_FINDINGS + 1))
    stopped = len(errors) > limits.MAX_FINDINGS
    del errors[limits.MAX_FINDINGS :]
    misspelt = _misspelt_required(errors)
    for error in errors:
        if kind is Kind.WORKFLOW and error.validator == "required" and isinstance(error.instance, dict):
            path = pointers.join(error.absolute_path)
            wanted: Any = error.validator_value
            lacking.setdefault(path, []).extend(k for k in wanted if k not in error.instance)
            continue
        findings.extend(_worded(error, root, misspelt, leaf))
    if leaf is not None:  # a leaf's sizes are the dimension rules' business (D101, D103)
        findings = [f for f in findings if not (f.code == inputs.INPUT_RANGE.code and _is_size(f.path))]
    findings.extend(_record_missing(path, tuple(keys)) for path, keys in lacking.items() if keys)
    typed = {f.path for f in findings if f.code in _TYPE_CODES}
    unique: dict[tuple[str, str, str, str], Finding] = {}
    for f in findings:
        # A value of the wrong type also fails its enum, pattern or range; the type says it all.
        if f.path in typed and f.code not in _TYPE_CODES and f.target == "value":
            continue
        unique.setdefault((f.code, f.path, f.target, f.message), f)
    return [*unique.values(), _stopped()] if stopped else list(unique.values())


def _worded(
    error: ValidationError, root: Any, misspelt: frozenset[tuple[str, str]], leaf: catalog.Leaf | None
) -> Sequence[Finding]:
    """The findings of one error (:func:`_translate`, then :func:`_recoded`). A jsonschema-rs
    error is worded once per shape (:func:`_shape`): a batch written by one old client repeats
    the same few errors in file after file, and wording one cost about 10 µs."""
    shape = _shape(error, misspelt) if isinstance(error, native_errors.NativeError) else None
    if shape is None:
        return [_recoded(f, leaf) for f in _translate(error, root, misspelt)]
    key = (shape, id(error.schema), id(leaf))
    hit = _WORDED.get(key)
    # (The memo holds the subschema and the leaf, so their ids are not reused while it does.)
    if hit is not None and hit[0] is error.schema and hit[1] is leaf:
        return hit[2]
    found = tuple(_recoded(f, leaf) for f in _translate(error, root, misspelt))
    if _chars(error) > _SHAPE_CHARS:
        return found
    if len(_WORDED) >= _WORDED_SIZE:
        with contextlib.suppress(KeyError, RuntimeError, StopIteration):  # (another thread's doing)
            del _WORDED[next(iter(_WORDED))]  # the oldest goes
    _WORDED[key] = (error.schema, leaf, found)
    return found


# Findings by error shape: at most this many shapes, each of at most _SHAPE_CHARS characters.
_WORDED_SIZE = 4096
_SHAPE_CHARS = 512
_WORDED: dict[tuple[Any, int, int], tuple[Any, catalog.Leaf | None, tuple[Finding, ...]]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _shape(error: native_errors.NativeError, misspelt: frozenset[tuple[str, str]]) -> tuple[Any, ...] | None:
    """Everything of ``error`` its findings depend on besides its subschema (whose keyword value
    and markers are fixed) and the leaf: the keyword, the path, and what :func:`_translate`
    reads of the instance, exactly (an integer is not the float or the boolean equal to it;
    ``-0.0`` is not ``0.0``). None where that is not worth stating: a union (its branches'
    errors), ``uniqueItems`` (every item), a container an enum or a marker quotes, a value of no
    plain JSON type. (What is too long to hold is left out where it would be kept: hits need no
    count.)"""
    keyword = error.validator
    value = error.instance
    kind = type(value)
    part: Any
    if kind is dict or kind is list:
        if isinstance(error.schema, dict) and "x-civitai-warning" in error.schema:
            return None  # (a marker's finding may quote the whole value)
        if keyword == "additionalProperties" and kind is dict:
            part = tuple(value)  # (its keys, in order: the findings follow them)
        elif keyword == "required" and kind is dict:
            wanted: Any = error.validator_value
            part = tuple(key in value for key in wanted)
            if misspelt:
                path = pointers.join(error.absolute_path)
                part = (part, tuple((path, key) in misspelt for key in wanted))
        elif keyword in _RANGE_MESSAGES:
            part = (kind, len(value))
        elif keyword == "type":
            part = kind  # (described by its type alone)
        else:
            return None
    elif kind in _SCALARS and keyword not in ("anyOf", "oneOf", "uniqueItems"):
        part = (kind, repr(value) if kind is float else value)
    else:
        return None
    return (keyword, error.absolute_path, part)


def _chars(error: native_errors.NativeError) -> int:
    """The characters a shape of ``error`` holds: its path's keys, its string or its keys."""
    value = error.instance
    size = sum(len(token) for token in error.absolute_path if type(token) is str)
    if type(value) is str:
        return size + len(value)
    if type(value) is dict and error.validator == "additionalProperties":
        return size + sum(len(str(key)) for key in value)
    return size


def _recoded(finding: Finding, leaf: catalog.Leaf | None) -> Finding:
    """Inside a step's input, a schema finding carries the input rule of the same meaning."""
    parts = pointers.split(finding.path)
    if len(parts) < 3 or parts[0] != "steps" or parts[2] != "input":
        return finding
    if finding.code == UNKNOWN_KEY.code and leaf is not None:
        why = catalog.rejected_keys(leaf).get(parts[-1])
        if why is not None:
            return inputs.REJECTED_INPUT_KEY.finding(f'"{parts[-1]}" is not accepted here: {why}', finding.path,
                                                     target="key")  # fmt: skip
    rule = _INPUT_RULES.get(finding.code)
    return finding if rule is None else _as(finding, rule)


def _is_size(path: str) -> bool:
    return path.endswith(("/input/width", "/input/height"))


@limits.value_cache(1024)  # (every record of one old export lacks the same fields)
def _record_missing(path: str, keys: tuple[str, ...]) -> Finding:
    """A record lacks fields the server fills: a warning, one per object (records stored months
    ago lack what the API added since)."""
    names = ", ".join(f'"{key}"' for key in dict.fromkeys(keys))
    return RECORD_MISSING.finding(f"the record lacks {names}, which the API's document says every record has", path)


def _as(finding: Finding, rule: Rule) -> Finding:
    return finding.evolve(code=rule.code, name=rule.name, severity=rule.severity)


def _misspelt_required(errors: list[ValidationError]) -> frozenset[tuple[str, str]]:
    """The required keys that are missing only because a key beside them misspells them
    (``promt`` for ``prompt``): one mistake, reported once, as the unknown key with its rename."""
    required = [e for e in errors if e.validator == "required" and isinstance(e.instance, dict)]
    if not required:
        return frozenset()
    # (Objects by their path as the errors give it; a pointer is made only for what is found.)
    unknown: dict[tuple[Any, ...], list[str]] = {}
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            unknown.setdefault(tuple(error.absolute_path), []).extend(k for k in error.instance if k not in known)
    found: set[tuple[str, str]] = set()
    asked: set[tuple[Any, str]] = set()  # one "required" error per missing key, each listing them all
    for error in required if unknown else ():
        at = tuple(error.absolute_path)
        extras = unknown.get(at)
        if extras is None:
            continue
        wanted: Any = error.validator_value
        instance: Any = error.instance  # (a dict: see above)
        for key in (k for k in wanted if k not in instance and (at, k) not in asked):
            asked.add((at, key))
            if _explained(key, tuple(extras)):
                found.add((pointers.join(at), key))
    return frozenset(found)


# The same unknown keys beside the same missing one in file after file: decided once.
@limits.value_cache(1024)
def _explained(key: str, extras: tuple[str, ...]) -> bool:
    """Whether one of the unknown keys ``extras`` stands for the missing required ``key``."""
    return any(_meant(extra, [key]) for extra in extras)


def _meant(key: str, missing: list[str]) -> str | None:
    """The missing required key an unknown ``key`` stands for: a misspelling of it, or the one
    missing key it is part of (``model`` for ``diffuserModel``)."""
    found = misspelling_of(key, missing)
    if found is not None:
        return found
    within = [m for m in missing if len(key) >= 4 and key.lower() in m.lower()]
    return within[0] if len(within) == 1 else None


def _translate(
    error: ValidationError, root: Any, misspelt: frozenset[tuple[str, str]] = frozenset()
) -> Iterator[Finding]:
    keyword = str(error.validator)
    path = pointers.join(error.absolute_path)
    value = error.instance
    limit: Any = error.validator_value
    marker = error.schema.get("x-civitai-warning") if isinstance(error.schema, dict) else None
    if marker is not None:
        yield from _warning(error, str(marker), path)
    elif keyword in ("anyOf", "oneOf"):
        yield from _union(error, root)
    elif keyword == "type":
        yield TYPE_MISMATCH.finding(f"expected {_types(limit)}, got {_describe(value)}", path)
    elif keyword == "required":
        missing = [key for key in limit if isinstance(value, dict) and key not in value]
        for key in (k for k in missing if (path, k) not in misspelt):
            yield MISSING_REQUIRED.finding(f'missing required key "{key}"', path, hint=_required_hint(path, key))
    elif keyword == "dependentRequired":
        yield SCHEMA_VIOLATION.finding(_plain(error.message), path)
    elif keyword == "enum":
        yield _enum(error, path)
    elif keyword == "const":
        yield INVALID_ENUM.finding(f"expected {_json(limit)}, got {_describe(value)}", path)
    elif keyword == "additionalProperties" and limit is False:
        yield from _unknown_keys(error, path)
    elif keyword == "unevaluatedProperties":
        yield UNKNOWN_KEY.finding(_plain(error.message), path)
    elif keyword == "pattern":
        if not (_AIR_PATTERN.search(str(limit)) and _is_input_field(path) and _air_rules_object(value)):
            yield PATTERN_MISMATCH.finding(f"{_json(value)} does not match the pattern {limit}", path)
    elif keyword == "format":
        example = _FORMAT_EXAMPLES.get(str(limit))
        tail = f" ({example})" if example else ""
        yield INVALID_FORMAT.finding(f"{_json(value)} is not a valid {limit}{tail}", path)
    elif keyword in _RANGE_MESSAGES:
        yield OUT_OF_RANGE.finding(_RANGE_MESSAGES[keyword](value, limit), path)
    elif keyword == "uniqueItems":
        yield DUPLICATE_ITEMS.finding(_duplicates(value), path)
    else:
        yield SCHEMA_VIOLATION.finding(_plain(error.message), path)


# The document gives every AIR field this pattern (a named group per part). The AIR rules report
# a malformed AIR naming the part that is wrong (A101), so the pattern's error is not repeated.
_AIR_PATTERN = re.compile(r"\(\?<source>")


def _is_input_field(path: str) -> bool:
    """A step input's own field (``/steps/0/input/model``), which the AIR rules read."""
    parts = pointers.split(path)
    return len(parts) == 4 and parts[0] == "steps" and parts[2] == "input"


def _air_rules_object(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        air.parse(value)
    except air.AIRError:
        return True
    return False


def _warning(error: ValidationError, marker: str, path: str) -> Iterator[Finding]:
    """What a subschema marked ``x-civitai-warning`` reports: a discriminator value our data
    does not know (a step type, an engine, a blob type: the API adds them monthly), or a step
    input without the value that says which leaf it is."""
    value = error.instance
    if marker == "missing-discriminator":
        prop = error.validator_value[0] if isinstance(error.validator_value, list) else "?"
        marked: Any = error.schema
        shown = list(marked.get("x-civitai-values", ()))
        listed = ", ".join(shown[:8]) + (", …" if len(shown) > 8 else "")
        yield inputs.MISSING_DISCRIMINATOR.finding(
            f'the input has no "{prop}", which selects its schema (one of: {listed})', path
        )
        return
    if marker == "drift-key":
        parts = list(error.absolute_path)
        key, documented = str(parts[-1]) if parts else "?", str(error.schema.get("x-civitai-use"))  # type: ignore[union-attr]
        message = f'"{key}" is what published examples send; the API\'s document names this field "{documented}"'
        fix = Fix(f'rename to "{documented}"', "unsafe", Rename(documented))
        yield inputs.DRIFTED_KEY.finding(message, path, target="key", fix=fix)
        return
    if marker != "unknown-discriminator" or not isinstance(error.validator_value, list):
        return
    allowed = [str(v) for v in error.validator_value]
    parts = list(error.absolute_path)
    if len(parts) == 3 and parts[0] == "steps" and parts[2] == "$type" and isinstance(value, str):
        real = catalog.SEED_STEP_TYPES.get(value)
        if real is not None:
            fix = Fix(f'use "{real}"', "safe", Replace(real))
            yield SEED_STEP_TYPE.finding(
                f'step type "{value}" does not exist in the Orchestration API; use "{real}"', path, fix=fix
            )
            return
        guess = closest(value, allowed)
        tail = f'; did you mean "{guess}"?' if guess else ""
        yield UNKNOWN_STEP_TYPE.finding(
            f'unknown step type "{value}" (not among the {len(allowed)} known as of {catalog.as_of()}){tail}',
            path,
            fix=case_fix(value, guess),
        )
        return
    key = str(parts[-1]) if parts else "value"
    guess = closest(value, allowed) if isinstance(value, str) else None
    message = f"unknown {key} {_json(value)} (the API as of {catalog.as_of()} has {len(allowed)}: {_listed(allowed)})"
    yield inputs.UNKNOWN_DISCRIMINATOR.finding(
        message + (f'; did you mean "{guess}"?' if guess else ""), path, fix=case_fix(value, guess)
    )


def _listed(values: list[str]) -> str:
    return ", ".join(values[:_SHOWN_VALUES]) + (", …" if len(values) > _SHOWN_VALUES else "")


def _enum(error: ValidationError, path: str) -> Finding:
    value = error.instance
    allowed: list[Any] = list(error.validator_value)  # type: ignore[arg-type]
    parts = list(error.absolute_path)
    if len(parts) >= 4 and parts[0] == "steps" and parts[2] == "input":
        key = str(parts[-1])
        strings = [str(v) for v in allowed if v is not None]
        fix = inputs.enum_fix(key, value, strings)
        return INVALID_ENUM.finding(inputs.enum_message(key, value, strings), path, fix=fix)
    shown = ", ".join(_json(v) for v in allowed[:_SHOWN_VALUES])
    if len(allowed) > _SHOWN_VALUES:
        shown += f", … ({len(allowed)} in all)"
    message = f"{_describe(value)} is not an allowed value; expected one of {shown}"
    guess = closest(value, [v for v in allowed if isinstance(v, str)]) if isinstance(value, str) else None
    if guess is not None:
        message += f'; did you mean "{guess}"?'
    return INVALID_ENUM.finding(message, path, fix=case_fix(value, guess))


def _unknown_keys(error: ValidationError, path: str) -> Iterator[Finding]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    instance = error.instance if isinstance(error.instance, dict) else {}
    missing = [k for k in schema.get("required", ()) if k not in instance]
    for key in instance:
        if key in known or any(p.search(key) for p in patterns):
            continue
        if _explained_elsewhere(path, key):
            continue
        # While a required key is missing, the only rename worth offering is to that key: any
        # other would be advice against the missing-key finding (model -> vaeModel on flux1).
        guess = _meant(key, missing) if missing else closest(key, known)
        message = f'unknown key "{key}"' + (f'; did you mean "{guess}"?' if guess else "")
        # Renaming onto a key that is already there would lose a value: no fix then.
        fix = Fix(f'rename to "{guess}"', "unsafe", Rename(guess)) if guess and guess not in instance else None
        yield UNKNOWN_KEY.finding(message, pointers.child(path, key), target="key", fix=fix)


def _explained_elsewhere(path: str, key: str) -> bool:
    """Keys the hygiene rules explain better than "unknown key": the seed's callback fields
    (C106, with the rewrite) and server-assigned fields in a request body (C107)."""
    if path == "":
        return key in catalog.SEED_CALLBACK_KEYS or key in catalog.SERVER_WORKFLOW_KEYS
    parts = pointers.split(path)
    return len(parts) == 2 and parts[0] == "steps" and key in catalog.SERVER_STEP_KEYS


def _union(error: ValidationError, root: Any) -> Iterator[Finding]:
    """Report the errors of the branch the value was meant for, or one finding for the union.

    The intended branch is, in order: the only one whose shape fits at all (right type, same
    ``$type``); among those, the only one whose required keys are all present (``{"$ref": …}``
    claims the value-reference branch); else the one whose errors lie deepest in the value.
    """
    path = pointers.join(error.absolute_path)
    options: Sequence[Any] = error.validator_value  # type: ignore[assignment]
    if not error.context:  # oneOf matched several branches
        yield NO_MATCHING_VARIANT.finding(
            f"{_describe(error.instance)} matches more than one of the {len(options)} allowed shapes", path
        )
        return
    branches: dict[int, list[ValidationError]] = {i: [] for i in range(len(options))}
    for sub in error.context:
        branches[int(sub.relative_schema_path[0])].append(sub)
    plausible = {i: errs for i, errs in branches.items() if errs and not _wrong_shape(errs)}
    if not plausible:
        expected = " or ".join(dict.fromkeys(_expected_shape(errs) for errs in branches.values() if errs))
        yield TYPE_MISMATCH.finding(f"expected {expected}, got {_describe(error.instance)}", path)
        return
    chosen = _only(plausible) or _only(
        {i: errs for i, errs in plausible.items() if _claims(_resolve(options[i], root), error.instance)}
    )
    if chosen is None:
        depth = {i: max(len(e.relative_path) for e in errs) for i, errs in plausible.items()}
        deepest = max(depth.values())
        chosen = _only({i: errs for i, errs in plausible.items() if depth[i] == deepest and deepest > 0})
    if chosen is None:
        yield NO_MATCHING_VARIANT.finding(
            f"{_describe(error.instance)} matches none of the {len(options)} allowed shapes", path
        )
        return
    for sub in chosen:
        yield from _translate(sub, root)


def _only(branches: dict[int, list[ValidationError]]) -> list[ValidationError] | None:
    return next(iter(branches.values())) if len(branches) == 1 else None


def _claims(branch: Any, instance: Any) -> bool:
    required = branch.get("required", []) if isinstance(branch, dict) else []
    return bool(required) and isinstance(instance, dict) and all(key in instance for key in required)


def _resolve(branch: Any, root: Any) -> Any:
    """Follow a local ``$ref`` (the only kind our validators allow)."""
    ref = branch.get("$ref") if isinstance(branch, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#"):
        return branch
    node = root
    for token in pointers.split(ref[1:]):
        node = node.get(token, {}) if isinstance(node, dict) else {}
    return node


def _duplicates(items: object) -> str:
    seen: set[Any] = set()
    repeated: dict[Any, str] = {}
    for item in items if isinstance(items, list) else []:
        key = comparable(item)  # (equal as JSON Schema counts it: key order does not matter)
        if key in seen and key not in repeated:
            repeated[key] = _json(item)
        seen.add(key)
    shown = list(repeated.values())
    more = f" and {len(shown) - _SHOWN_VALUES} more" if len(shown) > _SHOWN_VALUES else ""
    return f"the items must all be different; repeated: {', '.join(shown[:_SHOWN_VALUES])}{more}"


def _wrong_shape(errors: list[ValidationError]) -> bool:
    """A branch the value was plainly not meant for: wrong type at the root, or another
    ``$type`` discriminator."""
    for sub in errors:
        at_root = not sub.relative_path
        if at_root and sub.validator == "type":
            return True
        if list(sub.relative_path) == ["$type"] and sub.validator in ("const", "enum"):
            return True
    return False


def _expected_shape(errors: list[ValidationError]) -> str:
    for sub in errors:
        if not sub.relative_path and sub.validator == "type":
            schema = sub.schema if isinstance(sub.schema, dict) else {}
            title = schema.get("title")
            return f"a {title}" if title else _types(sub.validator_value)
    return "another shape"


def _required_hint(path: str, key: str) -> str | None:
    if path == "" and key in ("id", "status"):
        return (
            "a workflow record returned by the API has id and status; a request body does not (use --kind submission)"
        )
    if path == "" and key == "steps":
        return "a request body lists what to run under steps, with at least one step"
    return None


def _types(types: object) -> str:
    names = [types] if isinstance(types, str) else list(types)  # type: ignore[call-overload]
    return " or ".join(_ARTICLE.get(str(t), str(t)) for t in names)


_ARTICLE = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _describe(value: object) -> str:
    kind = json_type(value)
    if kind in ("object", "array"):
        return _ARTICLE[kind]
    if kind == "null":
        return "null"
    return f"{kind} {_json(value)}"


def _json(value: object, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(message: str) -> str:
    return message if len(message) <= 200 else message[:199] + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


_RANGE_MESSAGES = {
    "minimum": lambda v, m: f"{_json(v)} is below the minimum of {m}",
    "maximum": lambda v, m: f"{_json(v)} is above the maximum of {m}",
    "exclusiveMinimum": lambda v, m: f"{_json(v)} must be greater than {m}",
    "exclusiveMaximum": lambda v, m: f"{_json(v)} must be less than {m}",
    "multipleOf": lambda v, m: f"{_json(v)} is not a multiple of {m}",
    "minLength": lambda v, m: f"{_json(v)} is shorter than {_count(m, 'character')}",
    "maxLength": lambda v, m: f"the text is {len(v)} characters long, more than the {m} allowed",
    "minItems": lambda v, m: f"expected at least {_count(m, 'item')}, got {len(v)}",
    "maxItems": lambda v, m: f"expected at most {_count(m, 'item')}, got {len(v)}",
    "minProperties": lambda v, m: f"expected at least {_count(m, 'key')}, got {len(v)}",
    "maxProperties": lambda v, m: f"expected at most {_count(m, 'key')}, got {len(v)}",
}


@functools.cache  # one entry per mode, not a new closure per document
def validation(mode: SchemaMode) -> FamilyCheck:
    """Schema validation's entry in the registry (civitai_schema.rules): the check depends on
    the run's schema mode, so each mode has its own."""

    def run(data: Any, kind: Kind, options: RuleOptions) -> list[Finding]:
        return check(data, kind, mode)

    return FamilyCheck("schema validation", run, cost=0.5)
