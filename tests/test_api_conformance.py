"""civitai_schema.check agrees with the API's own OpenAPI document (schemas/v2-consumers.json).

The documents come from tests/api_oracle.py, which reads the OpenAPI document with the reviewed
corrections (schemas/api-patches/*.json, applied by its own RFC 6902 applier), its own inheritance
merge and discriminator resolution, and confirms every document with ``jsonschema`` before it is
used. Here: every variant of every input leaf's valid submission, a valid record per step type,
and a sample of the one-violation documents (the first of each class at each location per leaf,
per step type and per record). Unknown discriminator values, and step inputs without their
discriminator, are warnings by design: they are held to their own rate, apart from the errors.
``python tests/api_oracle.py`` runs them all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from .api_oracle import (
    VALUE_REF,
    Api,
    Corpus,
    DocKind,
    Generator,
    Oracle,
    PatchError,
    Result,
    apply_patch,
    build,
    compare,
    is_date_span,
    is_date_time,
    is_uri,
    load_api,
    load_document,
    oracle,
    oracle_agrees,
    patch_files,
    report,
)

pytestmark = pytest.mark.slow  # the oracle builds its corpus and verdicts once for the module

DETECTION_THRESHOLD = 0.95


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build(sample=True)


@pytest.fixture(scope="module")
def result(corpus: Corpus) -> Result:
    outcome = compare(corpus)
    print()
    report(outcome)
    return outcome


# The oracle itself


def test_oracle_is_honest(corpus: Corpus) -> None:
    """Each generated valid document is valid to the oracle, and each one-violation document is
    invalid to it with every error on the violation's own path (so exactly one thing is wrong)."""
    assert not corpus.oracle_rejected, [(d.label, errors[:2]) for d, errors in corpus.oracle_rejected[:10]]
    stray = [(v.label, errors[:2]) for v in corpus.violations if (errors := oracle_agrees(v))]
    assert not stray, stray[:10]


@pytest.mark.parametrize("kind", ["submission", "workflow"])
def test_oracle_schema_is_well_formed(kind: DocKind) -> None:
    Draft202012Validator.check_schema(oracle(kind).schema)


def test_every_leaf_is_covered(corpus: Corpus) -> None:
    leaves = [leaf.label for leaf in Generator(load_api()).leaves()]
    assert len(leaves) == len(set(leaves)) > 280
    variants: dict[str, set[str]] = {}
    for doc in corpus.valid:
        variants.setdefault(doc.leaf, set()).add(doc.variant)
    violated = Counter(v.leaf for v in corpus.violations if v.kind == "submission")
    uncovered = [leaf for leaf in leaves if not {"minimal", "full"} <= variants.get(leaf, set())]
    assert not uncovered, uncovered
    assert not [leaf for leaf in leaves if not violated[leaf]]
    classes = {v.cls for v in corpus.violations}
    assert classes == {"wrong-type", "out-of-range", "enum", "pattern", "format", "missing-required", "unknown-key"}
    assert {v.location for v in corpus.violations if v.kind == "submission"} == {
        "body",
        "step",
        "input",
        "input-nested",
        "input-array-item",
    }
    assert {v.location for v in corpus.violations if v.kind == "workflow"} == {
        "output",
        "output-blob",
        "jobs",
        "cost",
        "transactions",
        "timestamps",
    }
    assert not any(v.cls == "missing-required" for v in corpus.violations if v.kind == "workflow")


def test_int_limits_are_valid_values(corpus: Corpus) -> None:
    """Integers without an explicit bound are generated at their int32 / int64 limits, as valid."""
    variants = Counter(d.variant for d in corpus.valid)
    assert variants["int-min"] > 280 and variants["int-max"] > 280, variants
    limits = {-(2**31), 2**31 - 1, -(2**63), 2**63 - 1}

    def numbers(value: Any) -> set[int]:
        if isinstance(value, dict):
            return set().union(*(numbers(v) for v in value.values()))
        if isinstance(value, list):
            return set().union(*(numbers(v) for v in value))
        return {value} if isinstance(value, int) and not isinstance(value, bool) else set()

    seen = set().union(*(numbers(d.body) for d in corpus.valid if d.variant in ("int-min", "int-max")))
    assert limits <= seen, limits - seen


def test_warnings_by_design_are_classified(corpus: Corpus) -> None:
    """Unknown discriminator values anywhere and a step input without its discriminator expect a
    warning; a discriminator of the wrong type and a step without ``$type`` still expect an error."""
    by_design = [v for v in corpus.violations if v.expected == "warning"]
    assert by_design and all(v.discriminator for v in by_design)
    assert {v.cls for v in by_design} == {"enum", "missing-required"}
    assert all(v.location.startswith("input") for v in by_design if v.cls == "missing-required")
    assert {v.location for v in by_design if v.cls == "enum"} >= {"step", "input", "output-blob"}
    errors = [v for v in corpus.violations if v.discriminator and v.expected == "error"]
    assert {v.cls for v in errors} == {"wrong-type", "missing-required"}
    assert {v.location for v in errors if v.cls == "missing-required"} == {"step"}
    assert all(v.pointer.endswith("/$type") for v in errors if v.cls == "missing-required")
    assert not [v for v in corpus.violations if not v.discriminator and v.expected == "warning"]


def test_formats() -> None:
    assert is_date_span("00:10:00") and is_date_span("1.02:03:04") and is_date_span("-00:00:01.5")
    assert not is_date_span("ten minutes") and not is_date_span("25:00:00") and not is_date_span("10")
    assert is_date_time("2026-01-01T12:00:00Z") and is_date_time("2026-01-01T12:00:00.123+02:00")
    assert not is_date_time("not-a-date-time") and not is_date_time("2026-02-30T12:00:00Z")
    assert not is_date_time("2026-01-01 12:00")
    assert is_uri("https://example.com/a.png?x=1") and is_uri("data:image/png;base64,AAAA")
    assert not is_uri("not a uri") and not is_uri("/relative/path")


def test_inheritance_and_discriminators() -> None:
    """On a small document: the child's property wins, required is the union, closed where the
    leaf is closed, and nested discriminators select the leaf."""
    schemas = {
        "Base": {
            "type": "object",
            "required": ["kind", "a"],
            "properties": {"kind": {"type": "string"}, "a": {"type": "string"}},
            "additionalProperties": False,
            "discriminator": {"propertyName": "kind", "mapping": {"mid": "#/components/schemas/Mid"}},
        },
        "Mid": {
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {
                    "type": "object",
                    "required": ["op"],
                    "properties": {"op": {"type": "string"}, "kind": {"enum": ["mid"], "type": "string"}},
                    "additionalProperties": False,
                    "discriminator": {"propertyName": "op", "mapping": {"x": "#/components/schemas/Leaf"}},
                },
            ]
        },
        "Leaf": {
            "allOf": [
                {"$ref": "#/components/schemas/Mid"},
                {
                    "type": "object",
                    "required": ["b"],
                    "properties": {"b": {"type": "integer", "format": "int32"}, "a": {"enum": ["only"]}},
                    "additionalProperties": False,
                },
            ]
        },
        "WorkflowTemplate": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Base"}}},
        "WorkflowStepTemplate": {"type": "object"},
    }
    api = Api({"components": {"schemas": schemas}})
    assert api.leaves("Base") == [("Leaf", {"kind": "mid", "op": "x"})]
    merged = api.merged("Leaf")
    assert merged["required"] == ["kind", "a", "op", "b"]
    assert merged["properties"]["a"] == {"enum": ["only"]}
    assert merged["additionalProperties"] is False
    judge = Oracle(api, "submission")
    good = {"kind": "mid", "op": "x", "a": "only", "b": 1}
    assert judge.is_valid({"x": good})
    for bad in (
        {**good, "a": "other"},
        {**good, "b": 2**31},
        {**good, "extra": 1},
        {**good, "op": "y"},
        {k: v for k, v in good.items() if k != "b"},
    ):
        assert not judge.is_valid({"x": bad}), bad


def _leaf_input(api: Api, gen: Generator, test: str) -> tuple[dict[str, Any], list[str]]:
    """The minimal submission of the first leaf with required input keys that ``test`` names
    (``default``: with a default; ``readOnly``: read-only), and those keys; discriminators apart
    (the generator always writes them)."""
    for leaf in gen.leaves():
        merged = api.merged(leaf.input_component) if leaf.input_component else {}
        props = merged.get("properties", {})
        selectors = api.discriminator_properties(leaf.input_component) if leaf.input_component else set()
        keys = [
            k
            for k in merged.get("required", [])
            if k not in selectors and (api.target(props[k]) | props[k]).get(test)  # selectors: (6)
        ]
        if keys:
            return gen.submission(leaf, "minimal"), keys
    raise AssertionError(f"no leaf has a required {test} key")


def test_json_patch() -> None:
    """The oracle's own RFC 6902 applier: add, remove, replace, test, escapes, atomicity."""
    doc: dict[str, Any] = {"a": {"b": [1, 2, 3], "c/d": {"e~f": True}}, "n": 1}
    ops = [
        {"op": "test", "path": "/a/b", "value": [1, 2.0, 3], "reason": "r", "source": "s"},
        {"op": "remove", "path": "/a/b/0"},
        {"op": "add", "path": "/a/b/-", "value": 4},
        {"op": "add", "path": "/a/b/0", "value": 0},
        {"op": "replace", "path": "/a/c~1d/e~0f", "value": False},
        {"op": "add", "path": "/new", "value": {"x": None}},
        {"op": "replace", "path": "/n", "value": "one"},
    ]
    out = apply_patch(doc, ops)
    assert out == {"a": {"b": [0, 2, 3, 4], "c/d": {"e~f": False}}, "n": "one", "new": {"x": None}}
    assert doc["a"]["b"] == [1, 2, 3]  # not mutated
    for bad in (
        [{"op": "test", "path": "/n", "value": True}],  # true is not 1
        [{"op": "test", "path": "/a/b", "value": [1, 2]}],
        [{"op": "remove", "path": "/missing"}],
        [{"op": "replace", "path": "/a/b/3", "value": 0}],
        [{"op": "add", "path": "/a/b/4", "value": 0}],
        [{"op": "add", "path": "/a/b/01", "value": 0}],
        [{"op": "add", "path": "/x/y", "value": 0}],
        [{"op": "add", "path": "/n"}],
        [{"op": "move", "from": "/n", "path": "/m"}],
        [{"op": "remove", "path": "/n"}, {"op": "test", "path": "/n", "value": 1}],
    ):
        with pytest.raises(PatchError):
            apply_patch(doc, bad)


def test_reviewed_corrections_are_applied() -> None:
    """Every file of schemas/api-patches applies (its guards hold) and the oracle reads the result."""
    assert len(patch_files()) >= 4
    raw, patched = load_document(patched=False), load_document()
    schemas, fixed = raw["components"]["schemas"], patched["components"]["schemas"]
    assert "currencies" in schemas["WorkflowTemplate"]["required"]
    assert "currencies" in schemas["Workflow"]["required"]
    assert "currencies" not in fixed["WorkflowTemplate"]["required"]
    assert "currencies" not in fixed["Workflow"]["required"]
    assert fixed["Flux1SdCppImageGenInput"]["allOf"][1]["required"] == [
        "diffuserModel",
        "ecosystem",
        "engine",
        "operation",
        "prompt",
    ]
    assert "seed" not in fixed["TextToImageInput"]["required"]
    assert fixed["MochiVideoGenInput"]["allOf"][1]["required"] == ["engine"]
    api = load_api()
    assert "currencies" not in api.merged("WorkflowTemplate")["required"]
    for name in ("TextToImageInput", "MochiVideoGenInput"):
        assert "seed" not in api.merged(name)["required"]
    assert not {"vaeModel", "clipLModel", "t5XXLModel"} & set(api.merged("Flux1SdCppImageGenInput")["required"])


def test_corrections() -> None:
    """The product's documented rules (besides the patches), applied by the oracle."""
    api = load_api()
    gen = Generator(api)
    sub, rec = oracle("submission"), oracle("workflow")
    body = gen.submission(gen.leaves()[0], "minimal")
    assert "currencies" not in body and sub.is_valid(body)  # a patch
    assert not sub.is_valid({**body, "nsfwLevel": "nope"})
    for test in ("default", "readOnly"):  # 1, 3
        body, keys = _leaf_input(api, gen, test)
        assert not set(keys) & set(body["steps"][0]["input"]) and sub.is_valid(body), (test, keys)
    nullable_enums = [
        (name, key)
        for name in api.schemas
        for key, prop in api.merged(name).get("properties", {}).items()
        if isinstance(prop.get("type"), list) and "null" in prop["type"] and None not in prop.get("enum", [None])
    ]
    assert nullable_enums
    for name, key in nullable_enums:  # 2
        assert None in sub.compile(api.merged(name)["properties"][key])["enum"]
    leaf = gen.leaves()[0]
    body = gen.submission(leaf, "minimal")
    step = body["steps"][0]
    key = next(k for k in step["input"] if k not in api.discriminator_properties(leaf.input_component or ""))
    referenced = {**body, "steps": [{**step, "input": {**step["input"], key: {"$ref": "$arguments", "path": "p"}}}]}
    assert sub.is_valid(referenced)  # 4
    assert not sub.is_valid({**body, "steps": [{**step, "input": {**step["input"], key: {"path": "p"}}}]})
    assert VALUE_REF["required"] == ["$ref"]
    record = next(iter(gen.valid_records())).body
    assert rec.is_valid({k: v for k, v in record.items() if k not in ("cost", "tags", "metadata", "createdAt")})  # 5


def test_discriminator_defaults() -> None:
    """(6) A discriminator with a default on the component that dispatches on it (grok's version)
    is optional, and a document without it is the default's leaf."""
    api = load_api()
    gen = Generator(api)
    sub = oracle("submission")
    assert api.discriminator_default("GrokImageGenInput") == "v1.0"
    assert "version" in api.merged("GrokV2ImageGenInput")["required"]  # the union, as written
    assert "version" not in api.required(api.merged("GrokV2ImageGenInput"), "submission")
    leaves = {leaf.label: leaf for leaf in gen.leaves()}
    v1 = gen.submission(leaves["imageGen:engine=grok,version=v1.0,operation=createImage"], "full")
    v2 = gen.submission(leaves["imageGen:engine=grok,version=v2.0,operation=createImage"], "full")
    for body in (v1, v2):
        assert sub.is_valid(body)
    drop = [{**body, "steps": [{**body["steps"][0], "input": dict(body["steps"][0]["input"])}]} for body in (v1, v2)]
    for body in drop:
        del body["steps"][0]["input"]["version"]
    assert sub.is_valid(drop[0])  # v1.0 is the default
    chosen = api.dispatch("GrokImageGenInput", drop[1]["steps"][0]["input"])
    assert chosen is not None and "GrokV1ImageGenInput" in api.chain(chosen)
    wrong = {path for path, _ in sub.errors(drop[1])}
    assert wrong and not [p for p in wrong if p.endswith("/version")], wrong  # judged as v1.0, not as missing


# The product


def test_no_false_errors_on_valid_documents(result: Result) -> None:
    counts = Counter(d.kind for d in result.corpus.valid)
    print(f"valid: {dict(counts)}; false errors in {len(result.false_errors)}")
    listed = [(d.label, [(e.code, e.path, e.message[:100]) for e in errors[:2]]) for d, errors in result.false_errors]
    assert not result.false_errors, listed[:30]


def test_violations_are_detected(result: Result) -> None:
    """Of the one-violation documents the API rejects, an error near the violation (warnings by
    design are not counted here)."""
    hit, total = result.rate()
    print(f"one-violation documents detected: {hit}/{total}")
    missed = [v.label for v, _ in result.missed]
    assert total and hit / total >= DETECTION_THRESHOLD, missed[:40]
    assert all(v.expected == "error" for v in result.caught)


def test_warnings_by_design_are_reported(result: Result) -> None:
    """An unknown discriminator value, or a step input without its discriminator: a warning (or
    an error) at the pointer, its parent or below it."""
    hit, total = result.by_design_rate()
    print(f"warnings by design reported: {hit}/{total}")
    missed = [v.label for v, _ in result.by_design_missed]
    assert total and hit / total >= DETECTION_THRESHOLD, missed[:40]


def test_record_violations_are_detected(result: Result) -> None:
    hit, total = result.rate("workflow")
    print(f"one-violation records detected: {hit}/{total}")
    missed = [v.label for v, _ in result.missed if v.kind == "workflow"]
    assert total and hit / total >= DETECTION_THRESHOLD, missed[:40]
