"""Property tests: documents generated from the effective schema give no schema finding, and
no input (random JSON, mutated fixtures, random bytes) crashes a check or takes unbounded time."""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civitai_schema
from civitai_schema import catalog, validators
from civitai_schema.findings import Kind
from civitai_schema.readers import read

from .conftest import FIXTURES, count_calls

# Random exploration on developer machines; a fixed sequence under CI, so a run is reproducible.
SETTINGS = settings(
    max_examples=150,
    deadline=2000,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)


def from_schema(node: Any, root: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy for instances of the subset of JSON Schema our schemas use: what
    scripts/build_catalog.py writes (discriminator dispatches, value references) and plain
    keywords. A shape it does not know fails the test rather than generating something else."""
    if node is True or node == {}:
        return JSON
    if "$ref" in node:
        target = root
        for token in node["$ref"].lstrip("#/").split("/"):
            target = target[token]
        return st.deferred(lambda: from_schema(target, root, depth))  # (built when drawn)
    if "allOf" in node:
        return _dispatch(node, root, depth)
    if "if" in node:
        return _value_or_reference(node, root, depth)
    if "anyOf" in node or "oneOf" in node:
        return st.one_of([from_schema(option, root, depth) for option in node.get("anyOf", node.get("oneOf"))])
    if "const" in node:
        return st.just(node["const"])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kinds = node.get("type", ["object", "string", "integer"])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return st.one_of([_typed(kind, node, root, depth) for kind in kinds])


def _dispatch(node: Any, root: Any, depth: int) -> st.SearchStrategy[Any]:
    """A discriminator: ``if`` the property has one mapped value ``then`` that value's schema.
    An instance picks one value and is generated from its schema, with the property set to it
    (what no value selects, the ``.unresolved`` part, is then not in force)."""
    branches = []
    for part in node["allOf"]:
        if "if" not in part:
            assert part.get("$ref", "").endswith(".unresolved"), part
            continue
        assert set(part) == {"if", "then"}, part
        selected, *absent = part["if"].get("anyOf", [part["if"]])  # the default's value: also when absent
        ((key, condition),) = selected["properties"].items()
        assert selected["required"] == [key] and absent in ([], [{"not": {"required": [key]}}]), part
        chosen = from_schema(part["then"], root, depth).map(lambda d, k=key, v=condition["const"]: _with(d, k, v))
        if absent:
            chosen = st.tuples(chosen, st.booleans()).map(
                lambda pair, k=key: _without(pair[0], k) if pair[1] else pair[0]
            )
        branches.append(chosen)
    assert branches, node
    return st.one_of(branches)


def _with(instance: Any, key: str, value: Any) -> Any:
    return {**instance, key: value} if isinstance(instance, dict) else instance


def _without(instance: Any, key: str) -> Any:
    return {k: v for k, v in instance.items() if k != key} if isinstance(instance, dict) else instance


def _claims_a_reference(value: Any) -> bool:
    return isinstance(value, dict) and ("$ref" in value or "path" in value)


def _value_or_reference(node: Any, root: Any, depth: int) -> st.SearchStrategy[Any]:
    """A step input's value: a value reference (``then``) or, for anything that does not claim
    to be one, the value itself (``else``)."""
    assert set(node) == {"if", "then", "else"} and node["if"].get("anyOf") == REFERENCE_CLAIM["anyOf"], node
    value = from_schema(node["else"], root, depth).filter(lambda v: not _claims_a_reference(v))
    return value | from_schema(node["then"], root, depth)


MAX_DEPTH = 7  # (a step's input is at depth 3; deeper, objects get only what they require)
REFERENCE_CLAIM = {"anyOf": [{"required": ["$ref"]}, {"required": ["path"]}]}
# A .NET TimeSpan ("c" format), as step timeouts are written.
DATE_SPAN = r"(?:[1-9][0-9]?\.)?(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"


def _pattern(pattern: str) -> st.SearchStrategy[str]:
    """Strings matching an ECMA-262 ``pattern`` (named groups are ``(?<name>…)`` there, and a
    final ``$`` does not match before a newline)."""
    python = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    return st.from_regex(re.sub(r"(?<!\\)\$$", r"\\Z", python), fullmatch=True)


def _typed(kind: str, node: Any, root: Any, depth: int) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=node.get("minimum", -(2**40)), max_value=node.get("maximum", 2**40))
    if kind == "number":
        low, high = node.get("minimum", -1e6), node.get("maximum", 1e6)
        whole = st.integers(math.ceil(low), math.floor(high))  # (3 is below a minimum of 3.5)
        return st.floats(min_value=low, max_value=high, allow_nan=False) | whole
    if kind == "string":
        if node.get("format") == "date-time":
            return st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(
                lambda d: d.isoformat().replace("+00:00", "Z")
            )
        if node.get("format") == "uri":
            return st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9]{0,8}", fullmatch=True)
        if node.get("format") == "date-span":
            return st.from_regex(DATE_SPAN, fullmatch=True)
        if "pattern" in node:
            return _pattern(node["pattern"])
        low = node.get("minLength", 0)
        return st.text(min_size=low, max_size=max(low, min(node.get("maxLength", 30), 30)))
    if kind == "array":
        low, high = node.get("minItems", 0), min(node.get("maxItems", 3), 3)
        if depth >= MAX_DEPTH:
            return st.just([]) if low == 0 else st.nothing()
        items = from_schema(node.get("items", {"type": "string"}), root, depth + 1)
        return st.lists(
            items, min_size=low, max_size=max(low, high), unique_by=json.dumps if node.get("uniqueItems") else None
        )
    if kind == "object":
        properties = node.get("properties", {})
        required = set(node.get("required", []))
        if depth >= MAX_DEPTH:
            return (
                st.fixed_dictionaries({k: from_schema(properties[k], root, depth + 1) for k in required})
                if required
                else st.just({})
            )
        optional = {k: from_schema(v, root, depth + 1) for k, v in properties.items() if k not in required}
        fixed = {k: from_schema(properties[k], root, depth + 1) for k in required}
        extra = node.get("additionalProperties", True)
        base = st.fixed_dictionaries(fixed, optional=optional)
        if isinstance(extra, dict):
            more = st.dictionaries(st.text(min_size=1, max_size=8), from_schema(extra, root, depth + 1), max_size=2)
            return st.tuples(more, base).map(lambda pair: {**pair[0], **pair[1]})
        return base
    return st.none()


# Schema findings: the schema rules, and inside a step input the input rules of the same meaning.
INPUT_SCHEMA_CODES = frozenset({"N101", "N102", "N103", "N104", "N105", "N106", "N107", "N108"})


def _schema_finding(code: str) -> bool:
    return code.startswith("S") or code in INPUT_SCHEMA_CODES or code == "X001"


SUBMISSION = validators.schema_for(Kind.SUBMISSION)
WORKFLOW = validators.schema_for(Kind.WORKFLOW)


@SETTINGS
@given(from_schema(SUBMISSION, SUBMISSION))
def test_generated_submissions_have_no_schema_finding(document: Any) -> None:
    report = civitai_schema.check(document, kind="submission")
    assert [f for f in report.findings if _schema_finding(f.code)] == []


@SETTINGS
@given(from_schema(WORKFLOW, WORKFLOW))
def test_generated_records_have_no_schema_finding(document: Any) -> None:
    report = civitai_schema.check(document, kind="workflow")
    assert [f for f in report.findings if _schema_finding(f.code)] == []


KEYS = st.sampled_from(
    ["steps", "$type", "input", "engine", "model", "loras", "$ref", "path", "callbacks", "id", "status"]
)
WORKFLOWISH = st.recursive(
    JSON,
    lambda children: st.dictionaries(KEYS | st.text(max_size=6), children, max_size=5) | st.lists(children, max_size=3),
    max_leaves=40,
)


@SETTINGS
@given(WORKFLOWISH)
def test_no_value_crashes_a_rule(document: Any) -> None:
    report = civitai_schema.check(document)
    assert [f.message for f in report.findings if f.code == "X001"] == []


FIXTURE_TEXTS = [p.read_bytes() for p in sorted((FIXTURES / "valid").iterdir())] + [
    p.read_bytes() for p in sorted((FIXTURES / "fixes").iterdir())
]


@SETTINGS
@given(st.sampled_from(FIXTURE_TEXTS), st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=4)), max_size=6))
def test_mutated_fixtures_never_crash(text: bytes, edits: list[tuple[int, bytes]]) -> None:
    mutated = bytearray(text)
    for position, data in edits:
        index = position % (len(mutated) + 1)
        mutated[index : index + len(data) % 3] = data
    for name in ("w.json", "w.yaml"):
        report = civitai_schema.check_text(bytes(mutated), filename=name)
        assert [f.message for f in report.findings if f.code == "X001"] == []
        assert all(f.line is not None and f.line >= 1 for f in report.findings)


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    for name in ("w.json", "w.yaml", "w.txt"):
        parsed = read(name, data)
        assert parsed.problems or parsed.documents
        report = civitai_schema.check_text(data, filename=name)
        assert [f.message for f in report.findings if f.code == "X001"] == []


FIX_CASES = sorted(p for p in (FIXTURES / "fixes").iterdir() if ".fixed." not in p.name)
PUNCTUATION = st.sampled_from([b" ", b"\n", b"x", b'"', b"#", b":", b"-", b"{", b"}", b","])


@settings(max_examples=100, deadline=4000, derandomize=bool(os.environ.get("CI")))
@given(st.sampled_from(FIX_CASES), st.lists(st.tuples(st.integers(0, 2000), PUNCTUATION), max_size=4))
def test_fixing_a_mutated_document_twice_changes_nothing_more(case: Any, edits: list[tuple[int, bytes]]) -> None:
    mutated = bytearray(case.read_bytes())
    for position, data in edits:
        index = position % (len(mutated) + 1)
        mutated[index:index] = data
    first = civitai_schema.fix_text(bytes(mutated), filename=case.name, unsafe=True)
    second = civitai_schema.fix_text(first.after, filename=case.name, unsafe=True)
    assert not second.changed
    assert [f for f in second.report.findings if f.code == "X001"] == []


def _every_pointer(value: Any, pointer: str = "") -> list[str]:
    found = [pointer]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _every_pointer(item, pointer + "/" + key.replace("~", "~0").replace("/", "~1"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _every_pointer(item, f"{pointer}/{i}")
    return found


@SETTINGS
@given(WORKFLOWISH, st.sampled_from([None, 0, 2]), st.sampled_from(["", "/0", "/zz", "/steps/9/x"]))
def test_targeted_json_positions_agree_with_the_full_scan(document: Any, indent: int | None, extra: str) -> None:
    """The locator walks only the containers on a pointer's way; the full index scans all of it.
    Both must give the same offsets for every value and key, and for absent pointers too."""
    from civitai_schema.documents import Lines
    from civitai_schema.readers.json import JsonIndex, JsonLocator

    text = json.dumps(document, indent=indent, ensure_ascii=bool(indent))
    index, locator = JsonIndex(text), JsonLocator(Lines(text))
    for pointer in _every_pointer(document):
        assert locator.offsets(pointer, "value") == index.values[pointer]
        assert locator.offsets(pointer, "key") == index.keys.get(pointer)
        locator.span(pointer + extra, "key")  # an absent tail falls back to what exists
    assert locator.offsets("/" + "missing" * 3, "value") is None


@SETTINGS
@given(WORKFLOWISH, st.randoms(use_true_random=False))
def test_json_positions_agree_in_any_order_when_few_containers_are_kept(document: Any, rng: Any) -> None:
    from civitai_schema.documents import Lines
    from civitai_schema.readers.json import JsonIndex, JsonLocator

    text = json.dumps(document, indent=1)
    index, locator = JsonIndex(text), JsonLocator(Lines(text))
    locator.KEPT_CONTAINERS = 2  # evictions all the time
    pointers = _every_pointer(document)
    rng.shuffle(pointers)
    for pointer in pointers:
        assert locator.offsets(pointer, "value") == index.values[pointer]
        assert locator.offsets(pointer, "key") == index.keys.get(pointer)


def test_locating_a_finding_in_every_step_scans_the_steps_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each lookup used to step over every earlier step (and, in the root object, over the whole
    steps array): 10,000 steps with a finding each took minutes. Now the work is linear."""
    from civitai_schema import checker, pipeline
    from civitai_schema.readers import json as json_reader

    count = 2000
    step = {"$type": "imageGen", "name": "same", "input": {"engine": "sdcpp", "prompt": "x", "width": 1024}}
    text = json.dumps({"steps": [step] * count, "tags": ["a"]}, indent=2)
    scans = count_calls(monkeypatch, json_reader, "_SCAN")
    report = pipeline.check_text("long.json", text, checker.Options())
    assert len({f.path.split("/")[2] for f in report.findings if f.path.startswith("/steps/")}) == count
    assert len(scans) < 10 * count


def test_json_positions_follow_the_last_of_repeated_keys() -> None:
    from civitai_schema.documents import Lines
    from civitai_schema.readers.json import JsonIndex, JsonLocator

    text = '{"a": 1, "b": {"c": [1, {"d": 2}]}, "a": [true, "x"]}'
    index, locator = JsonIndex(text), JsonLocator(Lines(text))
    for pointer in ["", "/a", "/a/1", "/b/c/1/d", "/b"]:
        assert locator.offsets(pointer, "value") == index.values[pointer]
        assert locator.offsets(pointer, "key") == index.keys.get(pointer)
    assert locator.offsets("/a/01", "value") is None


@SETTINGS
@given(WORKFLOWISH, st.sampled_from([None, 0, 2]), st.randoms(use_true_random=False))
def test_json_positions_learnt_in_one_pass_are_those_found_one_by_one(
    document: Any, indent: int | None, rng: Any
) -> None:
    """prepare() learns every container on the way to a set of pointers in one pass; looking the
    pointers up afterwards (and others it was not given, and absent ones) gives what a locator
    that only walks one pointer at a time gives."""
    from civitai_schema.documents import Lines
    from civitai_schema.readers.json import JsonLocator

    text = json.dumps(document, indent=indent, ensure_ascii=bool(indent))
    every = _every_pointer(document)
    absent = ["/zz", "/0/x", "/steps/01", "/steps/-", "/steps/9/x", *(p + "/zz" for p in every[:5])]
    given_ones = rng.sample(every, k=rng.randrange(len(every) + 1)) + absent[: rng.randrange(len(absent))]
    learnt, walked = JsonLocator(Lines(text)), JsonLocator(Lines(text))
    learnt.prepare(given_ones)
    for pointer in [*given_ones, *every, *absent]:
        for target in ("value", "key"):
            assert learnt.span(pointer, target) == walked.span(pointer, target)
            assert learnt.offsets(pointer, target) == walked.offsets(pointer, target)


def test_json_positions_learnt_in_one_pass_keep_the_last_of_repeated_keys() -> None:
    from civitai_schema.documents import Lines
    from civitai_schema.readers.json import JsonIndex, JsonLocator

    text = '{"a": {"x": 1, "y": 2}, "b": {"c": [1, {"d": 2}]}, "a": [true, {"x": "x"}], "e": []}'
    index, locator = JsonIndex(text), JsonLocator(Lines(text))
    locator.prepare(["/a/1/x", "/a/x", "/b/c/1/d", "/e/0", ""])
    for pointer in ["", "/a", "/a/1", "/a/1/x", "/b/c/1/d", "/b", "/e"]:
        assert locator.offsets(pointer, "value") == index.values[pointer]
        assert locator.offsets(pointer, "key") == index.keys.get(pointer)
    assert locator.offsets("/a/x", "value") is None and locator.offsets("/e/0", "value") is None


def test_learning_the_way_to_every_finding_parses_each_value_at_most_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One walk per pointer parsed a value once for each container around it (a value six levels
    deep, six times); prepare() reads the containers on the way member by member and steps over
    each other value once."""
    from civitai_schema.documents import Lines
    from civitai_schema.readers import json as json_reader

    step = {"$type": "x", "input": {"a": {"b": {"c": [1, 2, {"d": "e"}]}}, "n": 1}, "jobs": [{"id": 1}]}
    document = {"steps": [step] * 50, "tags": ["a"], "metadata": {"k": "v"}}
    text = json.dumps(document, indent=2)
    wanted = [f"/steps/{i}/input/a/b/c/2/d" for i in range(50)]
    scans = count_calls(monkeypatch, json_reader, "_SCAN")  # (the C scanner, each call a parse)
    locator = json_reader.JsonLocator(Lines(text))
    locator.prepare(wanted)
    # Stepped over, once each: a step's $type, n, jobs, c's first two items and d itself (six a
    # step), and the root's tags and metadata.
    assert len(scans) == 50 * 6 + 2
    before = len(scans)
    for pointer in wanted:
        locator.span(pointer, "value")
    assert len(scans) - before == len(wanted)  # each lookup parses only its own (string) value


YAML_CASES = [
    "a: &x {b: 1, c: [1, 2]}\nd: *x\n",
    "base: &b {x: 1, y: 2}\nmerged: {<<: *b, y: 3}\n",
    "? [1, 2]\n: complex key\n",
    "1: one\ntrue: yes\nnull: ~\n1.5: x\n",
    "a: 1\na: 2\n",
    "n: .nan\ni: -.inf\nh: 0x1F\no: 0o17\nz: 010\n",
    "bin: !!binary aGVsbG8=\nts: 2024-01-01T00:00:00Z\nratio: 16:9\n",
    "- &s [1, *s]\n",
]


@SETTINGS
@given(WORKFLOWISH | st.sampled_from(YAML_CASES))
def test_fast_yaml_construction_matches_pyyaml(document: Any) -> None:
    """The C path builds data straight from the nodes; PyYAML's constructor, given the same
    nodes, is the reference: the same data (aliases sharing objects included) and the same noted
    problems. (Both sides parse with libyaml: where PyYAML's pure-Python parser differs from it,
    as on a bare "!" tag, that is the parsers' difference, not construction's.)"""
    from civitai_schema.readers import yaml as ours

    text = document if isinstance(document, str) else ours.yaml.safe_dump(document, allow_unicode=True)

    def outcome(make: Any, construct: Any) -> tuple[str, list[tuple[str, str]]]:
        loader = None
        try:
            loader = make(text)
            node = loader.get_single_node()
            loader.problems = []
            data = repr(construct(loader, node)) if node is not None else "empty"
        except ours.yaml.YAMLError as error:
            data = type(error).__name__
        problems = loader.problems if loader is not None else []
        return data, sorted((kind.value, message) for kind, message, *_ in problems)  # (reported by position)

    fast = outcome(ours._CLoader, ours._construct)
    assert fast == outcome(ours._CLoader, lambda loader, node: loader.construct_document(node))


EXTREMES = [10**400, -(10**400), 1e308, -1e308, 0, -1, 5e-324, 2**63]


@pytest.mark.parametrize("extreme", EXTREMES, ids=str)
def test_extreme_numbers_in_every_numeric_input_crash_no_rule(extreme: Any) -> None:
    """Integers too large for a float (valid JSON) once made the size rules crash with
    OverflowError; every leaf, every numeric field, the sizes and the ratios get them here."""
    for leaves in catalog.leaves().values():
        for leaf in leaves:
            data: dict[str, Any] = dict(leaf.discriminators)
            for key, spec in leaf.fields.items():
                if spec.get("type") in ("integer", "number"):
                    data[key] = extreme
            data.update(width=extreme, height=extreme, aspectRatio=f"{extreme}:1", resolution="720p")
            document = {"steps": [{"$type": leaf.step_type, "name": "a", "input": data}]}
            document["steps"].append(
                {"$type": "videoUpscaler", "input": {"video": {"$ref": "a"}, "scaleFactor": extreme}}
            )
            report = civitai_schema.check(document)
            assert [f.message for f in report.findings if f.code == "X001"] == [], leaf.name
