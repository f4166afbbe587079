"""The fast validity pre-check (jsonschema-rs) and the Python validator that writes the messages
agree on which documents are valid: on a seeded generated corpus with mutations (formats and
patterns included), on every fixture and on the real bodies."""

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

from civitai_schema import checker, schema
from civitai_schema.findings import Kind
from civitai_schema.readers import read
from civitai_schema.schema import SchemaMode

from .conftest import CORPUS, FIXTURES

pytest.importorskip("jsonschema_rs")

BASE: dict[str, Any] = {
    "id": "6-1",
    "status": "succeeded",
    "createdAt": "2026-01-01T00:00:00Z",
    "completedAt": "2026-01-01T00:01:00Z",
    "tags": ["a"],
    "externalId": "order-1",
    "callbacks": [{"url": "https://hooks.example.com/x", "type": ["workflow:*"], "detailed": True}],
    "steps": [
        {
            "$type": "imageGen",
            "name": "hero",
            "priority": "normal",
            "status": "succeeded",
            "input": {"engine": "sdcpp", "prompt": "x", "width": 1024, "seed": 7, "loras": {"urn:air:a:b:c:1@2": 1}},
            "jobs": [{"id": "j", "status": "succeeded"}],
        },
        {"$type": "imageUpscaler", "input": {"image": {"$ref": "hero", "path": "output.images[0].url"}}},
    ],
}

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
    ("/steps/0/jobs/0/status", "done"),
    ("/steps/0/status", "scheduled"),
    ("/steps/0/retries", -1),
    ("/steps/0/retries", 1.5),
    ("/steps/0/unknown", 1),
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
    yield "base", BASE
    for pointer, value in MUTATIONS:
        yield f"{pointer}={value!r}"[:80], _set(BASE, pointer, value)
    rng = random.Random(7)
    for i in range(300):  # random combinations of two or three mutations, with and without id/status
        document = BASE
        for pointer, value in rng.sample(MUTATIONS, rng.choice([2, 3])):
            with contextlib.suppress(KeyError, IndexError, TypeError):
                document = _set(document, pointer, value)
        if rng.random() < 0.5:
            document = {k: v for k, v in document.items() if k not in ("id", "status")}
        yield f"random-{i}", document
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml"):
            for document in read(path.name, path.read_bytes()).documents:
                yield path.name, document.data
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.json")):
            yield path.name, json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("mode", list(SchemaMode))
@pytest.mark.parametrize("kind", list(Kind))
def test_fast_and_python_validators_agree(kind: Kind, mode: SchemaMode) -> None:
    fast = schema.fast_validator(kind, mode)
    python = schema.validator(kind, mode)
    assert fast is not None
    disagreements = []
    count = 0
    for label, document in corpus():
        count += 1
        try:
            fast_valid = fast.is_valid(document)
        except ValueError:
            continue  # the engine then falls back to the Python validator
        python_valid = next(iter(python.iter_errors(document)), None) is None
        # jsonschema-rs reads NaN and Infinity as null; the reader reports them (P103), and a fast
        # "invalid" only sends a document to the Python validator, so no finding can be lost.
        if fast_valid != python_valid and not (_non_finite(document) and python_valid):
            disagreements.append((label, fast_valid, python_valid))
    assert disagreements == []
    assert count > 350


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return value != value or value in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    return False


def _errors(errors: Iterable[Any]) -> list[tuple[Any, ...]]:
    return [(e.message, list(e.absolute_path), list(e.schema_path), e.validator, len(e.context)) for e in errors]


@pytest.mark.parametrize("mode", list(SchemaMode))
@pytest.mark.parametrize("kind", list(Kind))
def test_validating_only_the_failing_steps_gives_the_same_errors(kind: Kind, mode: SchemaMode) -> None:
    """When jsonschema-rs finds errors only inside steps, the Python validator words just those
    steps; on every invalid document of the corpus that gives exactly the whole document's errors."""
    fast, python, items = schema.fast_validator(kind, mode), schema.validator(kind, mode), schema.step_items(kind, mode)
    scoped = 0
    for label, document in corpus():
        try:
            if fast.is_valid(document):
                continue
        except ValueError:
            continue
        failing = checker._failing_steps(fast, document)
        if failing is None or items is None:
            continue
        scoped += 1
        part = _errors(checker._step_errors(python, document["steps"], items, failing))
        assert part == _errors(python.iter_errors(document)), label
    if (kind, mode) == (Kind.SUBMISSION, SchemaMode.EFFECTIVE):
        assert scoped > 40  # the corpus does exercise it


def test_errors_outside_steps_or_non_finite_numbers_mean_the_whole_document_is_validated() -> None:
    fast = schema.fast_validator(Kind.SUBMISSION, SchemaMode.EFFECTIVE)
    step = {"$type": "imageGen", "input": {"engine": "sdcpp", "width": "wide"}}
    assert checker._failing_steps(fast, {"steps": [step, step]}) == [0, 1]
    assert checker._failing_steps(fast, {"steps": [step], "stepz": 1}) is None
    assert checker._failing_steps(fast, {"steps": []}) is None  # minItems: an error at /steps itself
    assert checker._failing_steps(fast, {"steps": [step], "tags": [float("nan")]}) is None


def test_one_bad_step_in_a_long_document_is_worded_without_validating_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = {"$type": "imageGen", "name": "s", "input": {"engine": "sdcpp", "prompt": "x", "width": 1024}}
    bad = {"$type": "imageGen", "input": {"engine": "sdcpp", "prompt": "x", "width": "wide"}}
    document = {"steps": [good] * 5000 + [bad] + [good] * 5000}
    python = schema.validator(Kind.SUBMISSION, SchemaMode.EFFECTIVE)
    monkeypatch.setattr(type(python), "iter_errors", lambda *_: pytest.fail("validated the whole document"))
    report = checker.check_data(document, checker.Options(kind=Kind.SUBMISSION))
    schema_findings = [f for f in report.findings if f.code.startswith("S")]
    assert [f.path for f in schema_findings] == ["/steps/5000/input/width"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.sampled_from([0, 1, 1.0, 2, -0.0, 0.5]) | st.sampled_from(["a", "b", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(JSON_VALUES, max_size=6))
def test_linear_unique_items_agrees_with_jsonschema(items: list[Any]) -> None:
    import jsonschema._utils

    assert schema.all_different(items) == jsonschema._utils.uniq(items)
