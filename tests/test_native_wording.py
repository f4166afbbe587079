"""Schema findings worded from jsonschema-rs's errors (civitai_schema.rules.native_errors, the hot
path) are the findings Python jsonschema's errors give (the reference, and the fallback): same
code, pointer, severity, message, and the rest of each finding (target, hint, fix), in the order
the product reports them.

Over tests/api_oracle.py's generated corpus (a valid document for every variant of every input
leaf, a record per step type, and the first one-violation document of each class at each location
per leaf, per step type, for the body and per record: both kinds, every violation class), in both
schema modes; over the fixtures, the real documents and documents in the third-party schema's
shapes through the whole checker; and over a schema that exercises every adapted keyword. No
message differs between the two ways; the cases jsonschema-rs's errors are not used for are named
in ``test_what_jsonschema_rs_cannot_word_goes_to_jsonschema``.
"""

from __future__ import annotations

import importlib.metadata
import json
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from civitai_schema import api, limits, validators, workflow
from civitai_schema.findings import Finding, Kind
from civitai_schema.rules import native_errors
from civitai_schema.rules import schema as schema_rules
from civitai_schema.validators import SchemaMode

from .api_oracle import KINDS, Corpus, Generator, build, load_api
from .conftest import FIXTURES, REPO, shared

jsonschema_rs = pytest.importorskip("jsonschema_rs")

MODES = (SchemaMode.EFFECTIVE, SchemaMode.VENDORED)


class Ways:
    """Runs a check both ways, and records every time the native way declined (and why)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.declined: Counter[str] = Counter()
        self.real = native_errors.errors

    def native(self, *args: Any) -> Iterator[native_errors.NativeError]:
        try:
            yield from self.real(*args)
        except native_errors.Unworded as exc:
            self.declined[str(exc)[:100]] += 1
            raise

    @staticmethod
    def reference(*args: Any) -> Iterator[native_errors.NativeError]:
        raise native_errors.Unworded("the reference way")
        yield  # (a generator, as the real one)

    def both(self, run: Any) -> tuple[Any, Any]:
        """``run()`` with jsonschema-rs's errors worded, then with jsonschema's."""
        results = []
        for way in (self.native, self.reference):
            with self.monkeypatch.context() as patch:
                patch.setattr(native_errors, "errors", way)
                results.append(run())
        return results[0], results[1]


def shown(findings: Any) -> list[Finding]:
    """Findings in the order the product reports them (a report sorts by position, code, path)."""
    return sorted(findings, key=Finding.sort_key)


def essentials(findings: list[Finding]) -> list[tuple[str, str, str, str]]:
    return [(f.code, f.path, f.severity.value, f.message) for f in findings]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build(sample=True)


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_the_generated_corpus_is_worded_alike(
    corpus: Corpus, mode: SchemaMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    ways = Ways(monkeypatch)
    documents = [(d.kind, d.body, d.label) for d in corpus.valid]
    documents += [(v.kind, v.body, v.label) for v in corpus.violations]
    differ, worded = [], Counter[str]()
    for kind, body, label in documents:

        def run(body: Any = body, kind: str = kind) -> list[Finding]:
            with workflow.one_document():
                return shown(schema_rules.check(body, Kind(kind), mode))

        native, reference = ways.both(run)
        if essentials(native) != essentials(reference) or native != reference:
            differ.append((label, essentials(native)[:3], essentials(reference)[:3]))
        worded[kind] += bool(native)
    assert not differ, differ[:5]
    assert not ways.declined, ways.declined.most_common(5)  # every one was worded natively
    # What was compared: findings in documents of both kinds, for every leaf and violation class.
    assert worded["submission"] > 2000 and worded["workflow"] > 500, worded
    leaves = {leaf.label for leaf in Generator(load_api()).leaves()}
    assert leaves <= {d.leaf for d in corpus.valid} and leaves <= {v.leaf for v in corpus.violations}
    assert {(v.kind, v.cls) for v in corpus.violations} >= {
        *((k, c) for k in KINDS for c in ("wrong-type", "out-of-range", "enum", "unknown-key", "format")),
        ("submission", "pattern"),
        ("submission", "missing-required"),
    }


# Documents written against the third-party schema (schemas/civitai-workflow-schema.json): its
# invented step types, its callbackUrl/callbackEvents, integer nsfwLevel on blobs, LoRAs as a
# list, keys of its own; about ten findings each.
INVENTED = ("tts", "upscale", "transcribe", "audioGen", "textGen", "music", "interpolate", "moderation")


def third_party_document(rng: random.Random) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for index in range(rng.randrange(2, 4)):
        width = rng.choice([512, 1024, "1024"])
        step: dict[str, Any] = {
            "$type": rng.choice(INVENTED) if index else "imageGen",
            "name": f"step{index}",
            "status": rng.choice(["succeeded", "Succeeded", "done"]),
            "input": {
                "engine": rng.choice(["sdcpp", "comfy", "flux"]),
                "model": rng.choice(["urn:air:sdxl:checkpoint:civitai:101055@128078", "sdxl-base"]),
                "prompt": f"a lighthouse, variation {rng.randrange(10**6)}",
                "width": width,
                "height": 1024,
                "cfgScale": rng.choice([7, 7.5, "7"]),
                "sampler": "Euler a",
                "additionalNetworks": [{"air": "urn:air:sdxl:lora:civitai:1@2", "strength": 0.8}],
            },
            "jobs": [
                {
                    "id": f"job-{index}",
                    "status": "succeeded",
                    "result": {"blobs": [{"blobId": "b1", "url": "https://x.example/b1.png", "nsfwLevel": 1}]},
                }
            ],
        }
        steps.append(step)
    return {
        "id": f"6-{rng.randrange(10**9)}",
        "status": rng.choice(["succeeded", "processing", "Succeeded"]),
        "tags": ["bench", rng.choice(["a", "b"])],
        "callbackUrl": "https://hooks.example.com/civitai",
        "callbackEvents": ["workflow:succeeded", "step:*"],
        "createdAt": "2026-01-01T00:00:00Z",
        "cost": {"base": 8, "total": 8, "currency": "BUZZ"},
        "steps": steps,
    }


def documents_on_disk(tmp_path: Path) -> list[Path]:
    rng = random.Random(16)
    for number in range(20):
        (tmp_path / f"third-party-{number}.json").write_text(json.dumps(third_party_document(rng), indent=2))
    fixtures = [p for p in sorted((FIXTURES / "invalid").iterdir()) if p.suffix != ".out"]
    fixtures += sorted((FIXTURES / "valid").iterdir())
    corpus = shared("corpus/real")
    real = sorted(corpus.glob("*.json")) if corpus is not None else []
    return [*fixtures, *real, *sorted(tmp_path.iterdir())]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_files_are_reported_alike(tmp_path: Path, mode: SchemaMode, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole checker (every rule, positions, fixes) on the fixtures, the real documents and
    the third-party-shaped ones."""
    ways = Ways(monkeypatch)
    paths = documents_on_disk(tmp_path)
    for path in paths:
        native, reference = ways.both(lambda path=path: api.check_file(path, isolated=True, schema=mode).findings)
        assert essentials(list(native)) == essentials(list(reference)), path.name
        assert native == reference, path.name
    heavy = api.check_file(tmp_path / "third-party-0.json", isolated=True, schema=mode).findings
    # (Against the third-party schema itself, its own shapes are mostly right.)
    least = 5 if mode is SchemaMode.EFFECTIVE else 2
    assert len([f for f in heavy if f.code.startswith(("S", "N"))]) >= least, essentials(list(heavy))
    # Only the fixture with non-finite numbers goes the Python way (see the test below).
    assert set(ways.declined) <= {"the reference way"}


# A schema that reaches every adapted keyword, with an instance that breaks each one: within a
# union branch, beside it, nested in another union, at the root.
EVERY_KEYWORD: dict[str, Any] = {
    "type": "object",
    "required": ["present", "absent"],
    "additionalProperties": False,
    "properties": {
        "present": {"type": "string"},
        "t": {"type": ["integer", "null"]},
        "e": {"enum": ["alpha", "beta", 3]},
        "c": {"const": "fixed"},
        "p": {"type": "string", "pattern": "^[a-z]+$"},
        "f": {"type": "string", "format": "date-time"},
        "span": {"type": "string", "format": "date-span"},
        "min": {"minimum": 1},
        "max": {"maximum": 5, "multipleOf": 2},
        "xmin": {"exclusiveMinimum": 0},
        "xmax": {"exclusiveMaximum": 10},
        "short": {"minLength": 2},
        "long": {"maxLength": 3},
        "few": {"minItems": 2},
        "many": {"maxItems": 3, "uniqueItems": True},
        "small": {"minProperties": 2},
        "big": {"maxProperties": 1},
        "one": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
        "none": {"oneOf": [{"type": "string"}, {"type": "boolean"}]},
        "any": {
            "anyOf": [
                {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string"}}},
                {
                    "type": "object",
                    "title": "LoRA",
                    "required": ["air"],
                    "properties": {"air": {"type": "string"}, "w": {"anyOf": [{"type": "number"}, {"enum": ["x"]}]}},
                    "additionalProperties": False,
                },
            ]
        },
        "drift": {"not": {}, "x-civitai-warning": "drift-key", "x-civitai-use": "present"},
        "kind": {"enum": ["known"], "x-civitai-warning": "unknown-discriminator"},
        "nested": {"type": "object", "properties": {"deep": {"$ref": "#/$defs/deep"}}},
    },
    "$defs": {"deep": {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer"}}}},
}
BREAKS_EVERY_KEYWORD: dict[str, Any] = {
    "present": 3,
    "t": "x",
    "e": "alpah",
    "c": "other",
    "p": "ABC",
    "f": "yesterday",
    "span": "ten minutes",
    "min": 0,
    "max": 7,
    "xmin": 0,
    "xmax": 10,
    "short": "a",
    "long": "abcd",
    "few": [1],
    "many": [1, 1, 2, 3],
    "small": {"k": 1},
    "big": {"a": 1, "b": 2},
    "one": 3,
    "none": 3,
    "any": {"air": 5, "w": "y", "extra": 1},
    "drift": 1,
    "kind": "unknown",
    "nested": {"deep": {"x": "1"}},
    "unknownKey": 1,
}


def test_every_adapted_keyword_is_worded_alike() -> None:
    fast = validators.fast_or_python(EVERY_KEYWORD)
    python = validators.build_validator(EVERY_KEYWORD)
    for instance in (BREAKS_EVERY_KEYWORD, {**BREAKS_EVERY_KEYWORD, "many": "x"}, [], {"present": "x", "absent": 1}):
        adapted = list(native_errors.errors(fast, instance, EVERY_KEYWORD))
        seen = {e.validator for e in adapted} | {s.validator for e in adapted for s in e.context}
        native = schema_rules.translate(iter(adapted), EVERY_KEYWORD)  # type: ignore[arg-type]
        reference = schema_rules.translate(python.iter_errors(instance), EVERY_KEYWORD)
        assert shown(native) == shown(reference), instance
        if instance is BREAKS_EVERY_KEYWORD:
            assert seen == native_errors.ADAPTED
            assert len(native) > 20


# What the native way leaves to jsonschema, and why: the keywords whose findings are jsonschema's
# own sentences (a message is read) or whose errors jsonschema-rs shapes otherwise.
UNADAPTED: dict[str, tuple[dict[str, Any], Any]] = {
    "not (no marker: the message is the finding)": ({"not": {"type": "string"}}, "x"),
    "dependentRequired (jsonschema-rs calls it required)": ({"dependentRequired": {"a": ["b"]}}, {"a": 1}),
    "contains": ({"contains": {"type": "string"}}, [1]),
    "propertyNames (jsonschema judges each name)": ({"propertyNames": {"maxLength": 1}}, {"ab": 1}),
    "a false schema": ({"properties": {"a": False}}, {"a": 1}),
    "unevaluatedProperties": ({"unevaluatedProperties": False}, {"a": 1}),
}


@pytest.mark.parametrize("case", list(UNADAPTED))
def test_what_jsonschema_rs_cannot_word_goes_to_jsonschema(case: str) -> None:
    root, instance = UNADAPTED[case]
    fast = validators.fast_or_python(root)
    assert schema_rules._natively(fast, instance, root, Kind.SUBMISSION) is None
    with pytest.raises(native_errors.Unworded):
        schema_rules.translate(native_errors.errors(fast, instance, root), root)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_values_jsonschema_rs_reads_otherwise_go_to_jsonschema(mode: SchemaMode) -> None:
    """A non-finite number (jsonschema-rs reads it as null), a value JSON has not (a set), more
    errors than a file reports (which are kept follows jsonschema's order): jsonschema words them."""
    kind = Kind.WORKFLOW
    fast, root = validators.fast_validator(kind, mode), validators.source(kind, mode)
    record = {"id": "1", "status": "Succeeded", "steps": []}
    assert schema_rules._natively(fast, record, root, kind) is not None
    for odd in ({**record, "tags": [float("nan")]}, {**record, "tags": {"a"}}):
        assert schema_rules._natively(fast, odd, root, kind) is None
        assert schema_rules.check(odd, kind, mode)  # (worded by jsonschema)
    many = {**record, "tags": [1] * (limits.MAX_FINDINGS + 1)}
    assert schema_rules._natively(fast, many, root, kind) is None
    assert len(schema_rules.check(many, kind, mode)) == limits.MAX_FINDINGS + 1  # (the last: stopped)


def test_a_findings_heavy_document_is_worded_without_jsonschema() -> None:
    """The point of it: neither the import of jsonschema nor its validators' build, per process."""
    document = json.dumps(third_party_document(random.Random(1)))
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import civitai_schema\n"
        "for mode in ('effective', 'vendored'):\n"
        "    report = civitai_schema.check(json.loads(sys.argv[2]), schema=mode)\n"
        "    print(sum(f.code[0] in 'SN' for f in report.findings))\n"
        "print('jsonschema' in sys.modules)\n"
    )
    command = [sys.executable, "-c", probe, str(REPO), document]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    effective, vendored, imported = done.stdout.split()
    assert int(effective) >= 5 and int(vendored) >= 2 and imported == "False", done.stderr


def test_the_installed_jsonschema_rs_is_in_the_range_this_proves() -> None:
    text = (REPO / "pyproject.toml").read_text("utf-8")
    spec = re.search(r'"jsonschema-rs([^"]*)"', text)
    assert spec is not None
    assert importlib.metadata.version("jsonschema_rs") in SpecifierSet(spec.group(1))


def everything(findings: list[Finding]) -> list[tuple[Any, ...]]:
    """Each finding whole, the fields a Finding does not compare (target, fix) included."""
    return [(*essentials([f]), f.name, f.hint, f.target, f.fix) for f in findings]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_errors_worded_once_per_shape_are_worded_as_each_alone(corpus: Corpus, mode: SchemaMode) -> None:
    """The memo of findings by error shape (schema_rules._shape) never answers for an error its
    findings would differ from: every document of the generated corpus and the third-party
    shapes, each worded with the memo emptied first, then all again with it full."""
    documents = [(Kind(d.kind), d.body) for d in corpus.valid]
    documents += [(Kind(v.kind), v.body) for v in corpus.violations]
    rng = random.Random(7)
    documents += [(Kind.WORKFLOW, third_party_document(rng)) for _ in range(40)]

    def worded(kind: Kind, body: Any) -> list[tuple[Any, ...]]:
        with workflow.one_document():
            return everything(schema_rules.check(body, kind, mode))

    alone = []
    for kind, body in documents:
        schema_rules._WORDED.clear()
        alone.append(worded(kind, body))
    assert sum(map(len, alone)) > 2000
    together = [worded(kind, body) for kind, body in documents]
    assert together == alone
    assert len(schema_rules._WORDED) > 50  # (it was used)


# Values that are equal in Python but worded apart, keys in another order, a misspelt key beside
# the required one it stands for: none of them may be answered by another's findings.
LOOKALIKES: dict[str, Any] = {
    "type": "object",
    "required": ["prompt"],
    "additionalProperties": False,
    "properties": {
        "prompt": {"type": "string"},
        "n": {"const": 5},
        "e": {"enum": ["x"]},
        "s": {"type": "string"},
        "few": {"minItems": 3},
    },
}


@pytest.mark.parametrize(
    "instances",
    [
        [{"prompt": "a", "n": 0.0}, {"prompt": "a", "n": -0.0}, {"prompt": "a", "n": False}, {"prompt": "a", "n": 0}],
        [{"prompt": "a", "e": 1}, {"prompt": "a", "e": 1.0}, {"prompt": "a", "e": True}],
        [{"prompt": "a", "s": {}}, {"prompt": "a", "s": []}, {"prompt": "a", "s": None}],
        [{"prompt": "a", "few": [1]}, {"prompt": "a", "few": [1, 2]}, {"prompt": "a", "few": {}}],
        [{"prompt": "a", "b": 1, "c": 2}, {"prompt": "a", "c": 2, "b": 1}, {"prompt": "a", "b": 1}],
        [{"promt": "a"}, {"prompt": "a", "promt": "b"}, {"other": "a"}, {"promt": "a", "x": 1}],
    ],
    ids=["zeros", "ones", "containers", "lengths", "key-order", "misspelt"],
)
def test_lookalike_errors_are_not_worded_alike(instances: list[Any]) -> None:
    fast = validators.fast_or_python(LOOKALIKES)

    def worded(instance: Any) -> list[tuple[Any, ...]]:
        return everything(schema_rules.translate(native_errors.errors(fast, instance, LOOKALIKES), LOOKALIKES))  # type: ignore[arg-type]

    alone = []
    for instance in instances:
        schema_rules._WORDED.clear()
        alone.append(worded(instance))
    assert [worded(instance) for instance in instances] == alone
    assert [worded(instance) for instance in reversed(instances)] == alone[::-1]
    assert len({tuple(findings) for findings in alone}) == len(instances)  # (each is worded its own way)
