"""The fast validity pre-check (jsonschema-rs) and the Python validator that writes the messages
agree on which documents are valid: the envelope validators on a seeded generated corpus with
mutations (formats and patterns included), on every fixture and on the real bodies; the step-input
validators on those documents' inputs and on inputs generated for every catalog leaf (the AIR
pattern, with its ECMAScript named groups, included)."""

from __future__ import annotations

import contextlib
import copy
import json
import random
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitai_schema import catalog, checker, pipeline, validators, workflow
from civitai_schema.findings import Kind
from civitai_schema.readers import read
from civitai_schema.rules import inputs as input_rules
from civitai_schema.rules import schema as schema_rules
from civitai_schema.stepwise import stepwise
from civitai_schema.validators import SchemaMode

from .conftest import FIXTURES, shared

pytest.importorskip("jsonschema_rs")

BASE: dict[str, Any] = {  # a workflow record, valid as one
    "id": "6-1",
    "status": "succeeded",
    "createdAt": "2026-01-01T00:00:00Z",
    "completedAt": "2026-01-01T00:01:00Z",
    "tags": ["a"],
    "externalId": "order-1",
    "callbacks": [{"url": "https://hooks.example.com/x", "type": ["workflow:*"], "detailed": True}],
    "arguments": {},
    "cost": {"base": 8, "total": 8, "tips": {"civitai": 0, "creators": 0}},
    "forceRefunded": False,
    "metadata": {},
    "tips": {"civitai": 0, "creators": 0},
    "upgradeMode": "manual",
    "steps": [
        {
            "$type": "imageGen",
            "name": "hero",
            "priority": "normal",
            "status": "succeeded",
            "metadata": {},
            "input": {
                "engine": "sdcpp",
                "ecosystem": "sdxl",
                "operation": "createImage",
                "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
                "prompt": "x",
                "width": 1024,
                "seed": 7,
                "loras": {"urn:air:a:b:c:1@2": 1},
            },
            "jobs": [{"id": "j", "status": "succeeded", "cost": 8}],
        },
        {
            "$type": "imageUpscaler",
            "name": "up",
            "priority": "normal",
            "status": "succeeded",
            "metadata": {},
            "input": {"image": {"$ref": "hero", "path": "output.images[0].url"}},
        },
    ],
}
# The same as a request body, valid as one: without what only records have.
SUBMISSION: dict[str, Any] = {
    **{k: v for k, v in BASE.items() if k not in ("id", "status", "createdAt", "completedAt", "cost", "forceRefunded")},
    "steps": [{k: v for k, v in step.items() if k not in ("status", "jobs")} for step in BASE["steps"]],
}
BASES = {"record": BASE, "submission": SUBMISSION}

MUTATIONS: list[tuple[str, Any]] = [
    ("/status", "Succeeded"),
    ("/status", 3),
    ("/status", None),
    ("/createdAt", "2026-02-30T00:00:00Z"),
    ("/createdAt", "2026-01-01 00:00:00Z"),
    ("/createdAt", "2026-01-01T00:00:00"),
    ("/createdAt", "2024-02-29T23:59:60+05:30"),
    ("/createdAt", "1998-12-31T15:59:60.123-08:00"),
    ("/completedAt", "yesterday"),
    ("/tags", ["a", "a"]),
    ("/tags", ["x" * 201]),
    ("/tags", [str(i) for i in range(11)]),
    ("/tags", "a"),
    ("/externalId", "order 1"),
    ("/externalId", "order-1\n"),
    ("/externalId", ""),
    ("/externalId", "x" * 129),
    ("/callbacks/0/url", "hooks.example.com/x"),
    ("/callbacks/0/url", "https://example.com/a b"),
    ("/callbacks/0/url", "https://example.com/%zz"),
    ("/callbacks/0/url", "mailto:ops@example.com"),
    ("/callbacks/0/url", "http://[::1]:8080/x"),
    ("/callbacks/0/type", ["workflow:preparing"]),
    ("/callbacks/0/type", []),
    ("/callbacks/0/extra", 1),
    ("/callbacks/0/detailed", "yes"),
    ("/steps/0/$type", "tts"),
    ("/steps/0/$type", "textToSpeech"),
    ("/steps/0/priority", "urgent"),
    ("/steps/0/input/width", "1024"),
    ("/steps/0/input/width", 1024.5),
    ("/steps/0/input/width", {"$ref": "$arguments", "path": "w"}),
    ("/steps/0/input/width", {"$ref": 3}),
    ("/steps/0/input/width", {"path": "w"}),
    ("/steps/0/input/seed", 2**70),
    ("/steps/0/input/seed", True),
    ("/steps/0/input/loras", [{"air": "x", "strength": 1}]),
    ("/steps/0/input/loras", [{"air": "x"}]),
    ("/steps/0/input/loras", "x"),
    ("/steps/0/input/additionalNetworks", {"urn:x": {"strength": "high"}}),
    ("/steps/0/input/additionalNetworks", {"urn:x": {"strength": None}}),
    ("/steps/0/input/model", "urn:air:sdxl:checkpoint:civitai:101055@128078\n"),
    ("/steps/0/input/model", "not an air"),
    ("/steps/0/input/model", "civitai:1"),
    ("/steps/0/input/model", "urn:air:sdxl:checkpoint:civitai:1@2.safetensors"),
    ("/steps/0/input/embeddings", ["urn:air:sdxl:embedding:civitai:1@2", "x"]),
    ("/steps/0/input/ecosystem", "sd1"),
    ("/steps/0/input/ecosystem", "SDXL"),
    ("/steps/0/input/operation", None),
    ("/steps/0/input", "x"),
    ("/steps/1/input/numberOfRepeats", 4),
    ("/steps/0/jobs/0/status", "done"),
    ("/steps/0/status", "scheduled"),
    ("/steps/0/retries", -1),
    ("/steps/0/retries", 1.5),
    ("/steps/0/unknown", 1),
    ("/steps/0/name", 3),
    ("/steps/0/timeout", "10 minutes"),
    ("/steps/0/metadata", "x"),
    ("/steps/0/$type", None),
    ("/steps/1/priority", "Normal"),
    ("/steps/1/$type", "imageUpscale"),
    ("/steps/1/status", "done"),
    ("/steps/1/input", []),
    ("/stepz", []),
    ("/steps", []),
    ("/nsfwLevel", "PG"),
    ("/nsfwLevel", 1),
    ("/tips", {"civitai": 3, "creators": 0}),
    ("/currencies", ["blue", "purple"]),
    ("/upgradeMode", None),
    ("/arguments", []),
]


def _set(document: Any, pointer: str, value: Any) -> Any:
    result = copy.deepcopy(document)
    *parents, last = pointer.strip("/").split("/")
    node = result
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result


def corpus() -> Iterator[tuple[str, Any]]:
    for name, base in BASES.items():
        yield name, base
        for pointer, value in MUTATIONS:
            with contextlib.suppress(KeyError, IndexError, TypeError):  # (no jobs in a request body)
                yield f"{name}:{pointer}={value!r}"[:80], _set(base, pointer, value)
    rng = random.Random(7)
    for i in range(300):  # random combinations of two or three mutations, with and without id/status
        document = rng.choice([BASE, SUBMISSION])
        for pointer, value in rng.sample(MUTATIONS, rng.choice([2, 3])):
            with contextlib.suppress(KeyError, IndexError, TypeError):
                document = _set(document, pointer, value)
        if rng.random() < 0.5:
            document = {k: v for k, v in document.items() if k not in ("id", "status")}
        yield f"random-{i}", document
    inside = [(pointer, value) for pointer, value in MUTATIONS if pointer.startswith("/steps/")]
    for i in range(100):  # mistakes only inside steps, in one step or both
        changed = rng.choice([BASE, SUBMISSION])
        for pointer, value in rng.sample(inside, rng.choice([2, 3])):
            with contextlib.suppress(KeyError, IndexError, TypeError):
                changed = _set(changed, pointer, value)
        yield f"inside-{i}", changed
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml"):
            for parsed in read(path.name, path.read_bytes()).documents:
                yield path.name, parsed.data
    published = shared("corpus/real")  # (fixtures only, on a machine without ../shared)
    if published is not None:
        for path in sorted(published.glob("*.json")):
            yield path.name, json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("mode", list(SchemaMode))
@pytest.mark.parametrize("kind", list(Kind))
def test_fast_and_python_validators_agree(kind: Kind, mode: SchemaMode) -> None:
    """The envelope validators (the whole vendored schema, or the effective envelope without the
    step inputs)."""
    fast = validators.fast_validator(kind, mode)
    python = validators.validator(kind, mode)
    assert fast is not None
    judged = _judged(((label, fast, python, document) for label, document in corpus()))
    assert judged.disagreements == []
    assert judged.count > 350
    assert judged.valid and judged.invalid


class _TypeName(str):
    """A subclass of str as a step's ``$type``: equal to the name, but not looked up by it."""


def odd_steps(base: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """``base`` with steps the step-at-a-time verdict must judge as the whole envelope does."""
    step = base["steps"][0]
    shapes: list[Any] = ["x", 3, None, [], {}, {**step, "$type": 3}, {**step, "$type": None}]
    shapes += [{**step, "$type": _TypeName(step["$type"])}, {**step, "$type": "nope"}, {"$type": "imageGen"}]
    shapes += [{**step, "$type": "imageUpscaler"}, {k: v for k, v in step.items() if k != "$type"}]
    for shape in shapes:
        yield f"step {shape!r}"[:80], {**base, "steps": [shape, *base["steps"][1:]]}
    for steps in (tuple(base["steps"]), {"0": step}, "x", None, []):
        yield f"steps {type(steps).__name__}", {**base, "steps": steps}
    yield "no steps", {k: v for k, v in base.items() if k != "steps"}
    yield "not an object", [base]


@pytest.mark.parametrize("kind", list(Kind))
def test_the_verdict_a_step_at_a_time_is_the_whole_envelopes(kind: Kind) -> None:
    """civitai_schema.stepwise (the envelope without the steps' item schema, then each step
    against only the branches of its ``$type``) judges every document as the whole envelope's
    jsonschema-rs validator does (what it cannot take, a subclass of str say, is not valid)."""
    whole, parts = validators.fast_validator(kind), stepwise(kind)
    assert whole is not None and parts is not None
    cases = [*corpus(), *(case for base in BASES.values() for case in odd_steps(base))]
    verdicts = []
    for label, document in cases:
        expected = schema_rules._fast_valid(whole, document)
        assert schema_rules._fast_valid(parts, document) == expected, label
        verdicts.append(expected)
    assert verdicts.count(True) > 20 and verdicts.count(False) > 300
    assert len(parts._by_type) > 5  # (steps of several types were judged by their own branches)


class _Judged:
    """How the two validators judged a run of instances."""

    def __init__(self) -> None:
        self.count = self.valid = self.invalid = 0
        self.disagreements: list[tuple[str, bool, bool]] = []


def _judged(cases: Iterable[tuple[str, Any, Any, Any]]) -> _Judged:
    """Each instance judged by jsonschema-rs (``fast``) and Python ``jsonschema`` (``python``)."""
    judged = _Judged()
    for label, fast, python, instance in cases:
        try:
            fast_valid = fast.is_valid(instance)
        except ValueError:
            continue  # the engine then falls back to the Python validator
        judged.count += 1
        python_valid = next(iter(python.iter_errors(instance)), None) is None
        judged.valid += python_valid
        judged.invalid += not python_valid
        # jsonschema-rs reads NaN and Infinity as null; the reader reports them (P103), and a fast
        # "invalid" only sends a document to the Python validator, so no finding can be lost.
        if fast_valid != python_valid and not (_non_finite(instance) and python_valid):
            judged.disagreements.append((label, fast_valid, python_valid))
    return judged


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    return False


# Step inputs: those of the corpus, and inputs generated for every leaf of the catalog.

AIRS = [
    "urn:air:sdxl:checkpoint:civitai:101055@128078",
    "urn:air:sdxl:lora:civitai:1@2.safetensors",
    "air:flux1:lora:civitai:1@2",
    "civitai:1",
    "civitai:1@2",
    "urn:air:sdxl:lora:civitai:1@2\n",  # ($ is the end of the text, not before a final newline)
    "\nurn:air:sdxl:lora:civitai:1@2",
    "urn:air:sdxl:lora:civitai:1@2.",
    "a:b:c:d:e:f:g",
    "urn:air:sdxl:lora:civitai:1@2@3",
    "not an air",
    "",
]
REFERENCES: list[Any] = [
    {"$ref": "a", "path": "output.images[0].url"},
    {"$ref": "$arguments"},
    {"path": "w"},
    {"$ref": 3},
    {"$ref": ""},
    {"$ref": "a", "extra": 1},
]
STRINGS: list[Any] = ["x", "", "#00ff00", "#00FF0g", "#00ff00\n", "https://example.com/a", "https://example.com/a b",
                      "hooks.example.com/x", "https://example.com/%zz", 1, True, None]  # fmt: skip


def _candidates(meta: Any) -> list[Any]:
    """Values to try in a field, valid and not, from the catalog's summary of it."""
    kind = meta.get("type")
    if kind in ("integer", "number"):
        low, high = meta.get("minimum", 0), meta.get("maximum", 100)
        step = 1 if kind == "integer" else 0.5
        values = [meta.get("default", low), low, high, low - step, high + step, 1.5, 2**70, True, "1", None]
    elif kind == "boolean":
        values = [True, False, 1, "true", None]
    elif kind == "string":
        longest = meta.get("maxLength")
        values = [*STRINGS, *(["x" * (longest + 1)] if isinstance(longest, int) and longest < 20000 else [])]
    elif kind == "air":
        values = [*AIRS, 1, None]
    elif kind == "enum":
        known = list(meta.get("enum") or [])
        values = [*known, *(str(v).upper() for v in known[:2]), "nope", 1, None]
    elif kind == "array":
        values = [[], ["x"], [AIRS[0]], [AIRS[-2]], [1], [{"x": 1}], ["x"] * 20, "x", None]
    elif kind == "object":
        values = [{}, {AIRS[0]: 0.8}, {AIRS[0]: "high"}, {"a": {"strength": 1}}, [], "x", None]
    else:
        values = ["x", 1, {}, [], None]
    return [*values, *REFERENCES]


def _typical(meta: Any) -> Any:
    """A value the field most likely takes (for the inputs mutations start from)."""
    kind = meta.get("type")
    if kind in ("integer", "number"):
        return meta.get("default", meta.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        return "https://example.com/a" if meta.get("format") == "uri" else "x"
    if kind == "air":
        return AIRS[0]
    if kind == "enum":
        return (meta.get("enum") or ["x"])[0]
    if kind == "array":
        return ["https://example.com/a.png"] * max(1, meta.get("minItems", 1))
    if kind == "object":
        return {}
    return "x"


def generated_inputs() -> Iterator[tuple[str, str, Any]]:
    """(label, step type, input): for every leaf, an input of its discriminators and required
    fields, then that input with one or two fields changed, a key added or taken away, and a
    discriminator missing or unknown (which resolve to the ``.unresolved`` schemas)."""
    rng = random.Random(11)
    for step_type, leaves in sorted(catalog.leaves().items()):
        for leaf in leaves:
            label = f"{step_type}/{leaf.name}"
            base = dict(leaf.discriminators)
            for key, meta in leaf.fields.items():
                if meta.get("required") and key not in base:
                    base[key] = _typical(meta)
            yield label, step_type, base
            yield f"{label}+unknown", step_type, {**base, "unknownKey": 1}
            for key in [k for k in base if k not in leaf.discriminators]:
                yield f"{label}-{key}", step_type, {k: v for k, v in base.items() if k != key}
            for key in list(leaf.discriminators)[-2:]:
                yield f"{label}-{key}", step_type, {k: v for k, v in base.items() if k != key}
                yield f"{label}:{key}=nope", step_type, {**base, key: "nope"}
            fields = list(leaf.fields.items())
            for key, meta in fields:
                for value in rng.sample(_candidates(meta), 3):
                    yield f"{label}:{key}={value!r}"[:120], step_type, {**base, key: value}
            for _ in range(4):
                changed = dict(base)
                for key, meta in rng.sample(fields, min(2, len(fields))):
                    changed[key] = rng.choice(_candidates(meta))
                yield f"{label}:random", step_type, changed


def _inputs(document: Any) -> Iterator[tuple[str, Any]]:
    """Each step input of a document with the name of the compiled schema it is checked against."""
    for step in workflow.steps(document):
        if step.resolution is not None and step.resolution.schema is not None:
            yield step.resolution.schema, step.input


def input_cases() -> Iterator[tuple[str, str, Any]]:
    """(label, schema name, input) for every step input of the corpus and every generated one."""
    for label, document in corpus():
        for name, step_input in _inputs(document):
            yield label, name, step_input
    for label, step_type, step_input in generated_inputs():
        resolved = catalog.resolve(step_type, step_input).schema
        if resolved is not None:
            yield label, resolved, step_input


@pytest.mark.slow
def test_fast_and_python_input_validators_agree() -> None:
    """The step-input validators agree on every input of the corpus and on inputs generated for
    every leaf, and those reach every compiled input schema, valid and invalid inputs alike."""
    names: set[str] = set()
    valid: set[str] = set()
    invalid: set[str] = set()

    def cases() -> Iterator[tuple[str, Any, Any, Any]]:
        for label, name, step_input in input_cases():
            fast, python = validators.fast_input_validator(name), validators.input_validator(name)
            assert fast is not None
            names.add(name)
            (valid if python.is_valid(step_input) else invalid).add(name)
            yield f"{name} {label}", fast, python, step_input

    judged = _judged(cases())
    assert judged.disagreements == []
    compiled = {path.stem for path in (validators._DATA / "inputs").glob("*.json")}
    assert names == compiled
    assert len(valid) > len(compiled) // 2
    assert invalid == compiled
    assert judged.valid > 1000
    assert judged.invalid > 1000


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_every_pattern_means_the_same_to_both_validators() -> None:
    """Every ``pattern`` of the compiled schemas (ECMAScript: named groups ``(?<name>…)``, which
    Python spells ``(?P<name>…)``, and ``$`` only at the very end) matches the same strings in
    jsonschema-rs and in the Python validator."""
    import jsonschema_rs

    compiled = [validators.compiled(f"{kind.value}.envelope") for kind in Kind]
    compiled += [
        validators.compiled(f"inputs/{path.stem}") for path in sorted((validators._DATA / "inputs").glob("*.json"))
    ]
    patterns = sorted({pattern for source in compiled for pattern in _patterns(source)})
    assert any("(?<" in pattern for pattern in patterns)  # the AIR pattern's named groups
    texts = [*AIRS, *(s for s in STRINGS if isinstance(s, str)), "order-1", "order 1", "order-1\n", "_-"]
    matched: dict[str, set[bool]] = {}
    for pattern in patterns:
        subschema = {"type": "string", "pattern": pattern}
        fast, python = jsonschema_rs.validator_for(subschema), validators.build_validator(subschema)
        for text in texts:
            assert fast.is_valid(text) == python.is_valid(text), (pattern, text)
            matched.setdefault(pattern, set()).add(python.is_valid(text))
    assert all(found == {True, False} for found in matched.values()), matched


def _errors(errors: Iterable[Any]) -> list[tuple[Any, ...]]:
    return [(e.message, list(e.absolute_path), list(e.schema_path), e.validator, len(e.context)) for e in errors]


@pytest.mark.parametrize("mode", list(SchemaMode))
@pytest.mark.parametrize("kind", list(Kind))
def test_validating_only_the_failing_steps_gives_the_same_errors(kind: Kind, mode: SchemaMode) -> None:
    """When jsonschema-rs finds envelope errors only inside steps, the Python validator words just
    those steps; on every invalid document of the corpus that gives exactly the whole document's
    errors."""
    fast, python, items = (
        validators.fast_validator(kind, mode),
        validators.validator(kind, mode),
        validators.step_items(kind, mode),
    )
    assert fast is not None
    scoped = 0
    for label, document in corpus():
        try:
            if fast.is_valid(document):
                continue
        except ValueError:
            continue
        failing = schema_rules._failing_steps(fast, document)
        if failing is None or items is None:
            continue
        scoped += 1
        part = _errors(schema_rules._step_errors(python, document["steps"], items, failing))
        assert part == _errors(python.iter_errors(document)), label
    if mode is SchemaMode.EFFECTIVE:
        assert scoped > 40  # the corpus does exercise it


def test_errors_outside_steps_or_non_finite_numbers_mean_the_whole_document_is_validated() -> None:
    fast = validators.fast_validator(Kind.SUBMISSION, SchemaMode.EFFECTIVE)
    step = {"$type": "imageGen", "priority": "urgent", "input": {"engine": "sdcpp"}}
    assert schema_rules._failing_steps(fast, {"steps": [step, step]}) == [0, 1]
    assert schema_rules._failing_steps(fast, {"steps": [step, {"$type": "echo", "input": "x"}]}) == [0, 1]
    assert schema_rules._failing_steps(fast, {"steps": [step], "stepz": 1}) is None
    assert schema_rules._failing_steps(fast, {"steps": []}) is None  # minItems: an error at /steps itself
    assert schema_rules._failing_steps(fast, {"steps": [step], "tags": [float("nan")]}) is None
    assert schema_rules._has_non_finite({"steps": [{"input": {"seed": float("inf")}}]})
    assert not schema_rules._has_non_finite({"steps": [{"input": {"seed": 1e308}}]})


def test_one_bad_step_in_a_long_document_is_worded_without_validating_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Neither the envelope nor the other 10,000 inputs go through the Python validator (here
    the one that words the bad step: jsonschema-rs's wording, tests/test_native_wording.py, is off)."""
    monkeypatch.setattr(schema_rules, "_natively", lambda *_: None)
    good_input = {**BASE["steps"][0]["input"], "width": 1024}
    good = {"$type": "imageGen", "name": "s", "input": good_input}
    bad = {"$type": "imageGen", "priority": "urgent", "input": {**good_input, "width": "wide"}}
    document = {"steps": [good] * 5000 + [bad] + [good] * 5000}
    python = validators.validator(Kind.SUBMISSION, SchemaMode.EFFECTIVE)
    monkeypatch.setattr(type(python), "iter_errors", lambda *_: pytest.fail("validated the whole document"))
    name = catalog.resolve("imageGen", good_input).schema
    assert name is not None
    leaf = validators.input_validator(name)
    real = type(leaf).iter_errors
    worded: list[Any] = []

    def recorded(self: Any, instance: Any) -> Any:
        if self.schema is leaf.schema:  # (not the subschemas an ``if`` evolves validators for)
            worded.append(instance)
        return real(self, instance)

    monkeypatch.setattr(type(leaf), "iter_errors", recorded)
    report = pipeline.check_data(document, checker.Options(kind=Kind.SUBMISSION))
    codes = {rule.code for rule in schema_rules.RULES} | {input_rules.INPUT_TYPE.code}
    assert [(f.code, f.path) for f in report.findings if f.code in codes] == [
        (schema_rules.INVALID_ENUM.code, "/steps/5000/priority"),
        (input_rules.INPUT_TYPE.code, "/steps/5000/input/width"),
    ]
    assert worded == [bad["input"]]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.sampled_from([0, 1, 1.0, 2, -0.0, 0.5]) | st.sampled_from(["a", "b", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(JSON_VALUES, max_size=6))
def test_linear_unique_items_agrees_with_jsonschema(items: list[Any]) -> None:
    import jsonschema._utils

    assert validators.all_different(items) == jsonschema._utils.uniq(items)
