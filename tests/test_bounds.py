"""Every input is bounded in time and memory (issue 18, "unbounded time or memory"): cyclic YAML
aliases, objects that contain themselves, regular expressions and globs on near-miss input,
memory per input byte, caches keyed by document values, special files in ``--jsonl``, and
workers that must not outlive the run.

Limits are measured on real processes, each started with subprocess.Popen. Its peak memory is
what the kernel counts for it: ``VmHWM`` of the process image it ``exec``'d, which the process
writes out as it ends (:mod:`tests.measured`). ``ru_maxrss`` from os.wait4 is not used alone: whether the
child was forked or vforked, exec folds the pytest process's own high-water mark into it (a
0.1 s check "peaked" at 220 MB late in the suite).
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from civitai_schema import config, globs, limits, processes
from civitai_schema.findings import Severity
from civitai_schema.readers import lines as jsonl_lines
from civitai_schema.readers import yaml as yaml_reader
from civitai_schema.rules import engine, parse

from .measured import REPO, Run, run

MIB = 2**20


def python(code: str, *, cwd: Path, limit: float = 30.0) -> Run:
    return run(["-c", textwrap.dedent(code)], cwd=cwd, limit=limit)


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> int:
    """The peak of checking a one-line file: the interpreter, the validators, the catalog."""
    folder = tmp_path_factory.mktemp("floor")
    (folder / "w.json").write_text('{"steps": [{"$type": "echo", "input": {}}]}')
    return run(["check", "-q", "--format", "concise", "w.json"], cwd=folder).peak_bytes


# ------------------------------------------------------------------------------------------
# Cyclic YAML aliases.

CYCLES = {
    "sequence": "steps: &a [*a]\n",
    "mapping": "a: &a\n  b: *a\nsteps: []\n",
    "merge": "x: &m\n  <<: *m\nsteps: []\n",
    "input": "steps:\n  - $type: imageGen\n    input: &i\n      engine: sdcpp\n      more: [*i]\n",
    "tagged": "a: !!seq &s [[*s]]\nsteps: []\n",
    "two anchors": "a: &a [&b [*a]]\nsteps: []\n",
}


@pytest.mark.parametrize("text", CYCLES.values(), ids=CYCLES.keys())
def test_a_cyclic_alias_is_one_finding_at_once(tmp_path: Path, text: str) -> None:
    """``steps: &a [*a]`` (15 bytes) grew at 65 MB a second and never ended."""
    (tmp_path / "w.yaml").write_text(text)
    result = run(["check", "-q", "--format", "concise", "w.yaml"], cwd=tmp_path, limit=10)
    assert result.code == 1, result.stdout + result.stderr
    assert re.search(r"w\.yaml:\d+:\d+: P109 \[error\] &\w contains an alias to itself", result.stdout)
    assert "Traceback" not in result.stderr and result.seconds < 10 and result.peak_bytes < 200 * MIB


def test_a_cyclic_document_in_a_stream_leaves_the_others_checked(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text("steps: [1]\n---\nsteps: &a [*a]\n---\nsteps: [2]\n")
    result = run(["check", "-q", "--format", "concise", "w.yaml"], cwd=tmp_path, limit=10)
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()] == ["S101", "P109", "S101"]


def test_cyclic_aliases_end_in_the_library_and_in_coverage(tmp_path: Path) -> None:
    probe = f"""
        import civitai_schema
        for text in {list(CYCLES.values())!r}:
            report = civitai_schema.check_text(text, filename="w.yaml")
            assert [f.code for f in report.findings] == ["P109"], report.findings
            outcome = civitai_schema.fix_text(text, filename="w.yaml", unsafe=True)
            assert not outcome.changed and [f.code for f in outcome.report.findings] == ["P109"]
        print("ok")
    """
    result = python(probe, cwd=tmp_path, limit=20)
    assert result.stdout.strip() == "ok", result.stderr
    for i, text in enumerate(CYCLES.values()):
        (tmp_path / f"c{i}.yaml").write_text(text)
    coverage = run(["coverage", "--format", "json", "."], cwd=tmp_path, limit=20)
    assert coverage.code == 0 and json.loads(coverage.stdout)["documents"] == 0, coverage.stderr


def test_one_cyclic_file_among_500_does_not_stall_a_parallel_run(tmp_path: Path) -> None:
    step = '{"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "x"}}'
    for i in range(500):
        (tmp_path / f"w{i:03}.json").write_text(f'{{"steps": [{step}]}}')
    (tmp_path / "w250.yaml").write_text("steps: &a [*a]\n")
    result = run(["check", "-q", "--format", "concise", "-j", "2", "."], cwd=tmp_path, limit=60)
    assert result.code == 1 and "w250.yaml:1:1: P109" in result.stdout
    assert len({line.split(":")[0] for line in result.stdout.splitlines()}) == 501


# ------------------------------------------------------------------------------------------
# Objects that contain themselves.


def _cyclic_objects() -> dict[str, object]:
    whole: dict[str, list[object]] = {"steps": []}
    whole["steps"].append(whole)
    step: dict[str, object] = {"$type": "imageGen", "input": {"engine": "sdcpp"}}
    step["input"]["again"] = step["input"]  # type: ignore[index]
    listed: list[object] = []
    listed.append(listed)
    deep: dict[str, object] = {"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", "prompt": listed}}]}
    ref: dict[str, object] = {"steps": [{"$type": "x", "input": {"a": {"$ref": "y", "path": "o"}}}]}
    ref["steps"][0]["input"]["b"] = ref  # type: ignore[index]
    return {"document": whole, "input": {"steps": [step]}, "list": deep, "reference": ref}


def test_self_reference_names_where_the_object_contains_itself() -> None:
    objects = _cyclic_objects()
    assert limits.self_reference(objects["document"]) == "/steps/0"
    assert limits.self_reference(objects["input"]) == "/steps/0/input/again"
    assert limits.self_reference(objects["list"]) == "/steps/0/input/prompt/0"
    shared = {"x": 1}
    assert limits.self_reference({"a": shared, "b": [shared, [shared]]}) is None  # shared, not cyclic
    deep: list[object] = []
    node = deep
    for _ in range(100_000):  # any depth: the walk is iterative
        node.append([])
        node = node[0]  # type: ignore[assignment]
    assert limits.self_reference(deep) is None
    node.append(deep)
    assert limits.self_reference(deep) == "/0" * 100_000 + "/0"


def test_checking_an_object_that_contains_itself_ends(tmp_path: Path) -> None:
    """A self-referencing object passed to check() looped for ever in the reference walk."""
    probe = f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from tests.test_bounds import _cyclic_objects
        import civitai_schema
        for name, data in _cyclic_objects().items():
            report = civitai_schema.check(data)
            assert [f.code for f in report.findings] == ["P109"], (name, report.findings)
            assert "contains itself" in report.findings[0].message
        print("ok")
    """
    result = python(probe, cwd=tmp_path, limit=20)
    assert result.stdout.strip() == "ok", result.stderr


# ------------------------------------------------------------------------------------------
# Regular expressions and globs on near-miss input.


def test_an_overlong_integer_after_a_mebibyte_of_near_misses_is_found_at_once() -> None:
    """``\\d{4000,}`` searched from every digit of 4,300-digit numbers took 22 s on 1 MiB."""
    import civitai_schema

    near = ",".join(["1" * 4300] * 250)
    text = f'[{near}, "{"2" * 5000}", 1.{"3" * 5000}, {"9" * 4301}]'
    assert len(text) > MIB
    start = time.perf_counter()
    (finding,) = civitai_schema.check_text(text, filename="w.json").findings
    assert time.perf_counter() - start < 2.0
    assert (finding.code, finding.line, finding.column) == ("P101", 1, text.index("9" * 4301) + 1)


NEAR_MISS_GLOBS = ["*a*a*a*a*a*a*b", "**/*a*a*a*a*a*a*b/**", "a/**/a/**/a/**/b", "[!b]*[a]*a?a*b", "*a*?*a*?*a*b"]


@pytest.mark.parametrize("pattern", NEAR_MISS_GLOBS)
def test_globs_take_linear_time_on_a_mebibyte_of_near_misses(pattern: str) -> None:
    """``*a*a*a*a*a*a*b`` against a 100-character name never finished (a backtracking regex)."""
    for path in ("a" * MIB, "a/" * (MIB // 2) + "c", "ab" * (MIB // 2) + "a", "a" * MIB + "/c"):
        start = time.perf_counter()
        assert not config.glob_match(pattern, path)
        assert time.perf_counter() - start < 2.0, (pattern, path[:20])
    if pattern == NEAR_MISS_GLOBS[0]:
        assert config.glob_match(pattern, "a" * MIB + "b")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.json", "a/b/c.json", True),
        ("*.json", "a/b/c.yaml", False),
        ("records/**", "records/2026/x.json", True),
        ("records/**", "records", False),
        ("records/", "records/x.json", True),
        ("a/**/c.json", "a/c.json", True),
        ("a/**/c.json", "a/b/b/c.json", True),
        ("a/*.json", "b/a/x.json", False),
        ("/a/*.json", "a/x.json", True),
        ("generated", "x/generated/y/z.json", True),
        ("w[0-9].json", "w7.json", True),
        ("w[!0-9].json", "w7.json", False),
        ("w[]].json", "w].json", True),
        ("w?.json", "w/.json", False),
        ("a**b", "axb", True),  # ** inside a segment is *
        ("a**b", "a/b", False),
        ("templates\\*.json", "templates/x.json", True),  # a pattern written with Windows separators
        ("legacy\\**\\x.yaml", "legacy/a/b/x.yaml", True),
    ],
)
def test_glob_semantics(pattern: str, path: str, expected: bool) -> None:
    assert config.glob_match(pattern, path) is expected


def test_globs_read_windows_separators_in_paths() -> None:
    assert globs.posix("templates\\sub\\x.json", sep="\\", altsep="/") == "templates/sub/x.json"
    assert globs.posix("templates/sub\\x.json", sep="\\", altsep="/") == "templates/sub/x.json"
    assert globs.posix("a\\b.json", sep="/", altsep=None) == "a\\b.json"  # (a POSIX name may hold one)
    relative = globs.posix("legacy\\old\\w.yaml", sep="\\", altsep="/")
    assert config.glob_match("legacy/*/w.yaml", relative) and config.glob_match("*.YAML", relative, ignore_case=True)


def _old_glob(pattern: str, relative: str) -> bool:
    """The regex translation config.py used before (backtracking, but right on short input)."""
    anchored = "/" in pattern.rstrip("/")
    text, out, i = pattern.rstrip("/").lstrip("/"), [], 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(text[i], re.escape(text[i])))
            i += 1
    regex = re.compile("".join(out) if anchored else f"(?:.*/)?{''.join(out)}")
    parts = relative.split("/")
    return any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts) + 1))


def test_globs_agree_with_the_former_translation_on_short_input() -> None:
    rng = random.Random(18)
    compared = 0
    while compared < 20_000:
        pattern = "".join(rng.choice("ab.*?/") for _ in range(rng.randint(1, 8)))
        if any("**" in part and part != "**" for part in pattern.split("/")):
            continue  # (** inside a segment now means *, as in .gitignore)
        path = "/".join("".join(rng.choice("ab.") for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 4)))
        assert config.glob_match(pattern, path) == _old_glob(pattern, path), (pattern, path)
        compared += 1


# ------------------------------------------------------------------------------------------
# Memory per input byte, and the cap on findings.


def _budget(floor: int, size: int, per_byte: int) -> int:
    return floor + per_byte * size


def test_a_long_stream_of_small_yaml_documents_keeps_few_node_trees(tmp_path: Path) -> None:
    """A YAML stream kept every document's node tree (300,000 small documents: over 1 GB read).
    The reader now keeps them for :data:`KEEP_TREES_CHARS` of text and composes older ones again
    when a finding needs a position, one at a time."""
    from civitai_schema import readers

    text = "---\nsteps: [{$type: imagegen, input: {widht: 1}}]\n" * 20_000
    parsed = readers.read_text("s.yaml", text)
    locators = [d.locator for d in parsed.documents]
    held = sum(locator._root is not None for locator in locators)  # type: ignore[attr-defined]
    assert held <= yaml_reader.KEEP_TREES_CHARS // 40 + 1
    spans = [locators[i].span("/steps/0/input/widht", "key") for i in (0, 7, 19_999, 7)]
    assert [s.line for s in spans] == [2, 16, 40_000, 16]
    assert sum(locator._root is not None for locator in locators) <= held + 1  # type: ignore[attr-defined]


def test_a_stream_hands_its_documents_over_one_at_a_time() -> None:
    """Iterating a YAML stream's documents reads them as asked for and keeps none: each is gone
    once the next is read, without the cyclic collector (the checker pauses it while it reads)."""
    import gc
    import weakref

    from civitai_schema import readers

    text = "---\nsteps: [{$type: echo, input: {message: !!str hi}}]\n" * 2000 + "---\n[unclosed\n"
    parsed = readers.read_text("s.yaml", text)
    alive = []
    gc.disable()
    try:
        for document in parsed.documents:
            alive.append(weakref.ref(document))
            assert sum(ref() is not None for ref in alive) <= 2
    finally:
        gc.enable()
    assert len(alive) == 2000 and [p.kind for p in parsed.problems] == [readers.ProblemKind.PARSE_ERROR]
    assert len(parsed.documents) == 2000 and parsed.documents[1999].index == 1999  # (kept, when asked so)
    assert bool(readers.read_text("e.yaml", "---\n---\n# nothing\n").documents) is False


@pytest.mark.slow
def test_reading_a_stream_of_300_000_documents_is_bounded(tmp_path: Path, floor: int) -> None:
    """Read one by one, as the checker reads them, a stream's documents cost at most 20 times
    the file (all of them at once took 60 times, and that for the node trees it no longer keeps)."""
    (tmp_path / "s.yaml").write_text("---\nsteps: [{$type: echo, input: {}}]\n" * 300_000)
    probe = """
        from civitai_schema import readers
        parsed = readers.read_text("s.yaml", open("s.yaml").read())
        print(sum(1 for document in parsed.documents), parsed.problems)
    """
    result = python(probe, cwd=tmp_path, limit=120)
    size = (tmp_path / "s.yaml").stat().st_size
    assert result.stdout.strip() == "300000 []", result.stderr
    assert result.peak_bytes < _budget(floor, size, 20), f"{result.peak_bytes / MIB:.0f} MiB for {size / MIB:.1f} MiB"


def _stream_peak(folder: Path, documents: int) -> tuple[int, int]:
    (folder / "s.yaml").write_text("---\nsteps: [{$type: echo, input: {message: hi}}]\n" * documents)
    result = run(["check", "-q", "--format", "concise", "s.yaml"], cwd=folder, limit=300)
    assert result.code == 0, result.stdout[-2000:] + result.stderr
    return result.peak_bytes, (folder / "s.yaml").stat().st_size


@pytest.mark.slow
def test_checking_a_long_yaml_stream_costs_at_most_20_times_the_file(tmp_path: Path) -> None:
    """The checker held every document of a stream until the end: 300,000 small documents took
    over a gigabyte. It now checks each as it is read. The floor is the same check of a file of
    one such document (the interpreter, the YAML reader, the validators)."""
    one, _ = _stream_peak(tmp_path, 1)
    peak, size = _stream_peak(tmp_path, 100_000)
    assert peak < _budget(one, size, 20), f"{(peak - one) / size:.1f} bytes per byte of a {size / MIB:.1f} MiB file"


def test_findings_budget_keeps_the_first_in_the_document_and_counts_the_rest() -> None:
    rule, other = engine.TOO_MANY_FINDINGS, parse.PARSE_ERROR
    budget = limits.Budget(rule, allowance=3)
    found = [other.finding("x", f"/steps/{i}").with_severity(Severity.WARNING) for i in (10, 2, 1, 30)]
    found.insert(2, other.finding("x", "/steps/40"))  # an error: kept before any warning
    assert [f.path for f in budget.take(found)] == ["/steps/2", "/steps/40", "/steps/1"]
    assert [f.path for f in budget.take([other.finding("y", "/steps/0")])] == []
    (notice,) = budget.notice("w.json")
    assert notice.message == "only the first 3 findings of this file are reported; 3 more were not shown"
    assert notice.severity is Severity.ERROR  # (the worst of those hidden: /steps/0's error)
    quiet = limits.Budget(rule)
    assert quiet.take(found) == found and quiet.notice("w.json") == []
    stopped = limits.Budget(rule)
    stopped.take([stopped.stopped("AIR checks")])
    assert "; it has more (the checks stopped looking" in stopped.notice("w.json")[0].message


@pytest.mark.slow
def test_500_000_empty_steps_are_bounded_and_capped(tmp_path: Path, floor: int) -> None:
    """500,000 empty steps in 3.5 MB took 988 MB and five minutes (a finding per step)."""
    (tmp_path / "w.json").write_text('{\n  "steps": [\n' + ",\n".join(["    {}"] * 500_000) + "\n  ]\n}\n")
    size = (tmp_path / "w.json").stat().st_size
    result = run(["check", "--format", "concise", "w.json"], cwd=tmp_path, limit=90)
    assert result.code == 1
    found = [line for line in result.stdout.splitlines() if ": " in line and line.startswith("w.json")]
    assert len(found) == limits.MAX_FINDINGS + 1
    assert found[0].startswith("w.json:1:1: X002 [error] only the first 10,000 findings")
    assert result.peak_bytes < _budget(floor, size, 48), f"{result.peak_bytes / MIB:.0f} MiB"


def _generated_steps(count: int) -> str:
    """A valid request body of ``count`` image steps shaped like compare.py's 50 MB file."""
    model = "urn:air:sdxl:checkpoint:civitai:101055@128078"
    image = {"engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage", "model": model}
    steps = [
        {
            "$type": "imageGen",
            "name": f"s{i}",
            "input": {**image, "prompt": f"a lighthouse, variation {i}", "width": 832, "height": 1216, "seed": i},
        }
        for i in range(count)
    ]
    return json.dumps({"steps": steps})


@pytest.mark.slow
def test_a_large_valid_json_file_costs_at_most_2_75_times_its_size_over_the_floor(tmp_path: Path, floor: int) -> None:
    """Issue 16: one 50 MB file in at most 3× its size. Its bytes and its text are both held
    only while it is decoded; the text and the steps' skeletons while the steps are read; the
    document checks run on the skeletons alone (both held with the text: 3.7× the file)."""
    (tmp_path / "w.json").write_text(_generated_steps(50_000))
    size = (tmp_path / "w.json").stat().st_size
    result = run(["check", "-q", "--format", "concise", "--no-cache", "w.json"], cwd=tmp_path, limit=60)
    assert result.code == 0, result.stdout
    assert result.peak_bytes < floor + 2.75 * size, f"{(result.peak_bytes - floor) / size:.2f} bytes per byte"


@pytest.mark.slow
def test_alias_amplified_findings_are_capped(tmp_path: Path, floor: int) -> None:
    """One broken step behind 300,000 aliases made 300,000 findings: 2.8 GB and 275 s."""
    (tmp_path / "w.yaml").write_text("bad: &s {$type: imagegen}\nsteps:\n" + "  - *s\n" * 300_000)
    size = (tmp_path / "w.yaml").stat().st_size
    # 6–9 s alone; 275 s before the cap; a shared CI machine once took over 60.
    result = run(["check", "-q", "--format", "concise", "w.yaml"], cwd=tmp_path, limit=150)
    assert result.code == 1 and "X002" in result.stdout
    assert len(result.stdout.splitlines()) <= limits.MAX_FINDINGS + 1
    assert result.peak_bytes < _budget(floor, size, 80), f"{result.peak_bytes / MIB:.0f} MiB"


@pytest.mark.parametrize("where", ["key", "type", "sampler"])
def test_a_12_mb_string_costs_at_most_20_times_its_size(tmp_path: Path, floor: int, where: str) -> None:
    """A 12 MB wrong value was indexed character by character for "did you mean" (580 MB)."""
    rng = random.Random(12)
    value = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12_000_000))
    step = {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "x"}}
    if where == "key":
        body: dict[str, object] = {"steps": [step], value: 1}
    elif where == "type":
        body = {"steps": [{"$type": value, "input": {}}]}
    else:
        body = {"steps": [{**step, "input": {**step["input"], "sampleMethod": value}}]}  # type: ignore[dict-item]
    (tmp_path / "w.json").write_text(json.dumps(body))
    size = (tmp_path / "w.json").stat().st_size
    result = run(["check", "-q", "--format", "concise", "w.json"], cwd=tmp_path, limit=60)
    expected = 0 if where == "type" else 1  # (an unknown step type is a warning: the API may add types)
    assert result.code == expected and result.peak_bytes < _budget(floor, size, 20), f"{result.peak_bytes / MIB:.0f}"


# ------------------------------------------------------------------------------------------
# uniqueItems over values that do not hash.

_RECORD = (
    '{"id": "w", "status": "succeeded", "steps": [{"$type": "mediaRating", "name": "0", "priority": "normal", '
    '"status": "succeeded", "metadata": {}, "input": {}, "output": {"isBlocked": false, "nsfwLevel": "pg", '
    '"labels": [%s]}}]}'
)
_SUBMISSION = '{"tags": [%s], "steps": [{"$type": "echo", "input": {"message": "hi"}}]}'
UNHASHABLE_ARRAYS = {
    "tags of NaN (JSON)": ("w.json", _SUBMISSION % ", ".join(["NaN"] * 60_000)),
    "tags of NaN (YAML)": ("w.yaml", _SUBMISSION % ", ".join([".nan", "-.inf", ".NaN"] * 20_000)),
    "labels of NaN (JSON)": ("w.json", _RECORD % ", ".join(["NaN", "Infinity"] * 30_000)),
    "labels of NaN (YAML)": ("w.yaml", _RECORD % ", ".join([".nan"] * 60_000)),
    "labels of long integers": ("w.json", _RECORD % ", ".join(str(10**30 + i) for i in range(20_000))),
}


@pytest.mark.parametrize(("name", "text"), UNHASHABLE_ARRAYS.values(), ids=UNHASHABLE_ARRAYS.keys())
def test_unique_items_over_values_that_do_not_hash_is_linear(tmp_path: Path, name: str, text: str) -> None:
    """jsonschema-rs compares every pair of such items, even in is_valid: 60,000 NaN in ``tags``
    took 58 s, 20,000 integers of 31 digits minutes. Such a document goes to the Python validator."""
    (tmp_path / name).write_text(text)
    result = run(["check", "-q", "--format", "concise", name], cwd=tmp_path, limit=30)
    assert result.code == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{name}:1:" in result.stdout and " S101 [error] expected a string" in result.stdout
    assert result.seconds < 30


def test_unique_items_over_nan_is_linear_in_the_library(tmp_path: Path) -> None:
    probe = """
        import time, civitai_schema
        step = {"$type": "echo", "input": {"message": "hi"}}
        start = time.perf_counter()
        tags = civitai_schema.check({"tags": [float("nan") for _ in range(60_000)], "steps": [step]})
        labels = [float("nan") for _ in range(30_000)] + [10**30 + i for i in range(30_000)]
        output = {"isBlocked": False, "nsfwLevel": "pg", "labels": labels}
        record = {"id": "w", "status": "succeeded", "steps": [{"$type": "mediaRating", "name": "0",
                  "priority": "normal", "status": "succeeded", "metadata": {}, "input": {}, "output": output}]}
        records = civitai_schema.check(record)
        repeated = civitai_schema.check({"tags": ["a", "b", "a"], "steps": [step]})
        print(round(time.perf_counter() - start, 1), len(tags.findings) > 1, len(records.findings) > 1,
              [f.code for f in repeated.findings])
    """
    result = python(probe, cwd=tmp_path, limit=40)
    seconds, *rest = result.stdout.strip().split(maxsplit=3)
    assert float(seconds) < 30 and rest == ["True", "True", "['S109']"], result.stdout + result.stderr


# ------------------------------------------------------------------------------------------
# Caches keyed by document values.


def test_a_value_cache_keeps_no_long_values() -> None:
    calls: list[str] = []

    @limits.value_cache(4)
    def squash(text: str, parts: tuple[str, ...] = ()) -> str:
        calls.append(text)
        return text.lower()

    assert squash("AB") == squash("AB") == "ab" and calls == ["AB"]
    long = "X" * (limits.CACHED_KEY_CHARS + 1)
    assert squash(long) == squash(long) and len(calls) == 3  # computed each time, never kept
    assert squash("a", ("b" * limits.CACHED_KEY_CHARS,)) and squash("a", ("b" * limits.CACHED_KEY_CHARS,))
    assert len(calls) == 5
    for i in range(100):
        squash(str(i))
    assert squash.cache_info().currsize == 4  # type: ignore[attr-defined]


@pytest.mark.slow
def test_many_distinct_long_values_do_not_accumulate_in_caches(tmp_path: Path) -> None:
    probe = """
        import resource, civitai_schema
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for i in range(50):
            civitai_schema.check({"steps": [{"$type": f"{i}" + "t" * 100_000, "input": {}}]})
        before = peak()
        for i in range(50, 2050):
            value = f"{i}" + "t" * 100_000
            civitai_schema.check({"steps": [{"$type": value, "input": {"engine": value, "model": "urn:air:" + value}}]})
        print(peak() - before)
    """
    result = python(probe, cwd=tmp_path, limit=120)
    assert int(result.stdout) < 64 * 1024, f"grew by {int(result.stdout) // 1024} MiB over 2,000 documents"


def test_suggestions_among_long_document_names_are_not_cached() -> None:
    """A "did you mean" index of a short list of candidates is kept per process; the candidates
    may be a document's step names, of any length."""
    from civitai_schema import suggest

    suggest._indexed.cache_clear()  # type: ignore[attr-defined]
    catalog_like = suggest.Suggestions(["euler", "euler_a", "heun"])
    assert catalog_like.closest("Euler") == "euler"
    names = [f"{i}" + "n" * 100_000 for i in range(3)]
    assert suggest.Suggestions(names).closest("euler") is None
    assert suggest._indexed.cache_info().currsize == 1  # type: ignore[attr-defined]


def test_checking_long_values_as_regex_keeps_none_of_them(tmp_path: Path) -> None:
    """``re`` caches the last 512 patterns it compiled, whatever their length: 1,000 distinct
    100 KB values checked as the ``regex`` format held 840 MB."""
    probe = """
        import resource
        from civitai_schema import format_checks
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        format_checks.is_regex("warm" * 1000)
        before = peak()
        assert all(format_checks.is_regex(f"{i}" + "ab" * 50_000) for i in range(300))
        assert not format_checks.is_regex("(" * 5 + "a") and format_checks.is_regex("(?<year>[0-9]{4})")
        print(peak() - before)
    """
    result = python(probe, cwd=tmp_path, limit=120)
    assert int(result.stdout) < 48 * 1024, f"grew by {int(result.stdout) // 1024} MiB"


# ------------------------------------------------------------------------------------------
# Special files in --jsonl.


def test_a_named_fifo_or_device_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero", "/dev/null", str(tmp_path)):
        start = time.perf_counter()
        with pytest.raises(OSError):
            jsonl_lines.open_regular(path)
        assert time.perf_counter() - start < 1.0
    (tmp_path / "r.jsonl").write_bytes(b"{}\n")
    with jsonl_lines.open_regular(str(tmp_path / "r.jsonl")) as stream:
        assert list(jsonl_lines.lines(stream, 100)) == [b"{}\n"]


def test_a_line_that_never_ends_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    class Zeros:  # /dev/zero: as much as asked, for ever
        read = 0

        def readline(self, size: int) -> bytes:
            self.read += size
            return b"\0" * size

    monkeypatch.setattr(jsonl_lines, "GIVE_UP_AFTER", 8 * MIB)
    zeros = Zeros()
    (size,) = list(jsonl_lines.lines(zeros, 1000))  # type: ignore[arg-type]
    assert isinstance(size, int) and size > 8 * MIB and zeros.read < 10 * MIB


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_special_files_in_jsonl_exit_2_as_in_plain_mode(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        os.mkfifo(tmp_path / "f.jsonl")
        special = "f.jsonl"
    plain = run(["check", "-q", "--format", "concise", special], cwd=tmp_path, limit=10)
    jsonl = run(["check", "-q", "--format", "concise", "--jsonl", special], cwd=tmp_path, limit=10)
    assert plain.code == jsonl.code == 2
    assert "P107 [error] cannot read the file: not a regular file" in jsonl.stdout


def test_jsonl_from_an_endless_standard_input_ends(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        result = run(
            ["check", "-q", "--format", "concise", "--jsonl", "-"], cwd=tmp_path, limit=60, stdin=zero.fileno()
        )
    assert result.code == 1 and "P109" in result.stdout and result.peak_bytes < 300 * MIB


# ------------------------------------------------------------------------------------------
# Workers.


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    return found


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@linux_only
def test_a_forked_child_dies_with_its_parent(tmp_path: Path) -> None:
    code = (
        "import time; from civitai_schema import processes; "
        "print(processes.fork(lambda: time.sleep(60))[0], flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the worker outlived its parent"


def _many(folder: Path) -> None:
    step = {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "a", "widht": 3}}
    text = json.dumps({"steps": [step] * 20})
    for i in range(2000):
        (folder / f"w{i}.json").write_text(text)


@pytest.mark.slow
@linux_only
@pytest.mark.parametrize(("sent", "group"), [("SIGKILL", False), ("SIGTERM", False), ("SIGINT", True)])
def test_stopping_a_parallel_run_stops_its_workers(tmp_path: Path, sent: str, group: bool) -> None:
    _many(tmp_path)
    with open(tmp_path / ".err", "wb") as err:
        run_ = subprocess.Popen(
            [sys.executable, "-m", "civitai_schema", "check", "-q", "-j", "2", "."],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while not _children(run_.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = _children(run_.pid)
        assert workers, "no worker was forked"
        time.sleep(0.3)
        signum = getattr(signal, sent)
        if group:
            os.killpg(run_.pid, signum)  # (a terminal's Ctrl-C reaches the whole group)
        else:
            os.kill(run_.pid, signum)
        code = run_.wait(timeout=10)
    deadline = time.monotonic() + 5
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers)), f"workers ran on after {sent}"
    stderr = (tmp_path / ".err").read_text()
    assert "Traceback" not in stderr
    if sent == "SIGINT":
        assert code == 130 and "interrupted" in stderr
    elif sent == "SIGTERM":
        assert code == 143, stderr


def test_workers_are_capped_by_the_work() -> None:
    assert processes.workers(2000, 32) == 32
    assert processes.workers(3, 1) == processes.workers(1, 5) == 1
    assert processes.workers(0, 0) == 1


def test_j_2000_forks_one_process_per_block(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    for i in range(2048):
        (tmp_path / "w" / f"{i}.json").write_text('{"steps": [{"$type": "echo", "input": {}}]}')
    probe = f"""
        import os, runpy, sys
        sys.path.insert(0, {str(REPO)!r})
        forks = []
        real_fork, real_exit = os.fork, os._exit
        def fork():
            pid = real_fork()
            if pid:
                forks.append(pid)
            return pid
        def leave(code):
            if os.getpid() == parent:
                print("FORKS", len(forks), file=sys.stderr, flush=True)
            real_exit(code)
        parent = os.getpid()
        os.fork, os._exit = fork, leave
        sys.argv = ["civitai-schema", "check", "-q", "-j", "2000", "w"]
        runpy.run_module("civitai_schema", run_name="__main__")
    """
    result = python(probe, cwd=tmp_path, limit=120)
    count = int(re.search(r"FORKS (\d+)", result.stderr).group(1))  # type: ignore[union-attr]
    assert count == 2048 // 64 - 1, result.stderr
