"""The quick tests by which a rule family passes over what it has nothing to say about give the
answers of the full walk: each shortcut is turned off (its test made to say "look") and the
family's findings compared, on every fixture and on generated documents; where a shortcut has no
such knob, the cases at its edge are checked one by one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import civitai_schema
from civitai_schema import readers, workflow
from civitai_schema.checker import detect_kind
from civitai_schema.findings import Finding
from civitai_schema.rule_options import DEFAULT_OPTIONS
from civitai_schema.rules import air, dimensions, hygiene

from .conftest import FIXTURES


class _Overlaps:
    """Stands for a set of keys that every object has: the shortcut's test then always looks."""

    def isdisjoint(self, other: object) -> bool:
        return False


def _fixture_documents() -> Iterator[tuple[str, Any]]:
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml"):
            for document in readers.read(str(path), path.read_bytes()).documents:
                yield path.name, document.data


FIXTURE_DOCUMENTS = list(_fixture_documents())


def _found(check: Any, data: Any) -> list[Finding]:
    with workflow.one_document():
        return list(check(data, detect_kind(data), DEFAULT_OPTIONS))


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(["https://hooks.example.com/x", "http://localhost/y", "workflow:*", "step:*", ""]),
    st.lists(st.sampled_from(["workflow:*", "workflow:succeeded", "step:*", 3]), max_size=3),
    st.lists(st.fixed_dictionaries({}, optional={"url": st.just("http://10.0.0.1/x"), "type": st.just([])})),
)
_CALLBACK_MEMBERS = st.dictionaries(
    st.sampled_from(["callbacks", "ephemeral", "callbackUrl", "callbackEvents", "tags", "wait"]), _VALUES, max_size=4
)
_STEPS = st.lists(
    st.dictionaries(
        st.sampled_from(["$type", "input", "status", "id", "startedAt", "name", "priority"]),
        st.one_of(st.sampled_from(["imageGen", "videoUpscaler", "succeeded"]), st.dictionaries(st.just("x"), _VALUES)),
        max_size=4,
    ),
    max_size=3,
)


@pytest.mark.parametrize("name", ["_CALLBACK_KEYS", "_SERVER_STEP_KEYS"])
def test_the_hygiene_shortcuts_lose_no_finding_of_a_fixture(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    quick = [(label, _found(hygiene.check, data)) for label, data in FIXTURE_DOCUMENTS]
    monkeypatch.setattr(hygiene, name, _Overlaps())
    assert quick == [(label, _found(hygiene.check, data)) for label, data in FIXTURE_DOCUMENTS]
    assert any(found for _, found in quick)  # (the fixtures do have callback and server-field findings)


@settings(max_examples=300, deadline=None)
@given(members=_CALLBACK_MEMBERS, steps=_STEPS)
def test_the_hygiene_shortcuts_lose_no_finding(members: dict[str, Any], steps: list[Any]) -> None:
    document = {**members, "steps": steps}
    quick = _found(hygiene.check, document)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(hygiene, "_CALLBACK_KEYS", _Overlaps())
        patched.setattr(hygiene, "_SERVER_STEP_KEYS", _Overlaps())
        assert _found(hygiene.check, document) == quick


def test_the_video_chain_shortcut_loses_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain's name table is built only when a step is a video post-processing one; made to
    be built for every document, it finds the same."""
    quick = [(label, _found(dimensions.check_video_chain, data)) for label, data in FIXTURE_DOCUMENTS]
    monkeypatch.setattr(dimensions, "_TYPE", lambda step: "videoUpscaler")
    assert quick == [(label, _found(dimensions.check_video_chain, data)) for label, data in FIXTURE_DOCUMENTS]
    assert any(found for _, found in quick)


def _codes(document: Any) -> list[str]:
    return [f"{f.code} {f.path}" for f in civitai_schema.check(document).findings]


def _sdxl(**extra: Any) -> dict[str, Any]:
    given = {"engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage", "prompt": "x"}
    return {"steps": [{"$type": "imageGen", "input": {**given, **extra}}]}


REFERENCE = {"$ref": "$arguments", "path": "size"}


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        # One size alone is still held to the leaf's range and multiple.
        ({"width": 99_999}, ["D101 /steps/0/input/width"]),
        ({"height": 1025}, ["D102 /steps/0/input/height"]),
        # A size known only at run time is no size: the other is checked alone.
        ({"width": 1025, "height": REFERENCE}, ["D102 /steps/0/input/width"]),
        # The aspect ratio and the pixel budget need both sizes.
        ({"width": 1024, "height": REFERENCE, "aspectRatio": "1:4"}, []),
        ({"width": 1024, "height": 1024, "aspectRatio": "1:4"}, ["D105 /steps/0/input/aspectRatio"]),
        ({"width": 2048, "height": 2048}, ["D104 /steps/0/input/width"]),
        ({"aspectRatio": "1:4"}, []),
    ],
)
def test_sizes_at_the_edge_of_the_no_size_shortcut(sizes: dict[str, Any], expected: list[str]) -> None:
    document = _sdxl(**sizes)
    if "$ref" in json.dumps(sizes):
        document["arguments"] = {"size": 1024}
    assert [code for code in _codes(document) if code.startswith("D")] == expected


def test_every_air_key_of_an_input_is_read_in_the_inputs_order() -> None:
    data = {
        "embeddings": ["urn:air:sdxl:embedding:civitai:3@4"],
        "prompt": "x",
        "loras": {"urn:air:sdxl:lora:civitai:1@2": 0.8},
        "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
        "additionalNetworks": [{"air": "urn:air:sdxl:lora:civitai:5@6"}],
    }
    fields = [o.field for o in air.occurrences("textToImage", data, None)]
    assert fields == ["embeddings", "loras", "additionalNetworks"]  # (model: only in some leaves' sense)
    fields = [o.field for o in air.occurrences("imageGen", data, _sdxl_resolution())]
    assert fields == ["embeddings", "loras", "model", "additionalNetworks"]


def _sdxl_resolution() -> Any:
    from civitai_schema import catalog

    resolution = catalog.resolve("imageGen", _sdxl()["steps"][0]["input"])
    assert resolution.leaf is not None
    return resolution


def test_a_malformed_air_met_again_is_reported_again_at_its_own_place() -> None:
    """The verdict on an AIR is remembered by its text; each place it is met still has its finding."""
    bad = "urn:air:sdxl:checkpoint:civitai:"
    document = {"steps": [_sdxl(model=bad)["steps"][0], _sdxl(model=bad)["steps"][0]]}
    first, again = _codes(document), _codes(document)
    assert first == again == ["A101 /steps/0/input/model", "A101 /steps/1/input/model"]
    messages = {f.message for f in civitai_schema.check(document).findings}
    assert len(messages) == 1 and bad in messages.pop()
