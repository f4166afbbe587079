"""Crashes and wrong exit codes (issue 18): closed standard streams, document data that made a
rule family crash (and so fall silent), Python objects JSON cannot carry given to the library,
an exception that did not unpickle, unreadable folders, configuration values that meant more
than they said. Through the real command wherever the command is involved."""

from __future__ import annotations

import json
import math
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civitai_schema
from civitai_schema import jsonable

from .conftest import FIXTURES, REPO

GOOD = FIXTURES / "valid" / "submission-sdxl-sdcpp.json"
BAD = FIXTURES / "invalid" / "unknown-key.json"


def command(
    *args: str, shell: str = "", cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The real command, started the way a shell starts it after ``shell`` redirections such
    as ``>&-`` (a closed standard output)."""
    argv = ["sh", "-c", f'exec "$@" {shell}', "sh", sys.executable, "-m", "civitai_schema", *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, timeout=60, check=False, env=env)


# Closed standard streams.


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("check", str(BAD)), 2),
        (("check", "--format", "json", str(BAD)), 2),
        (("check", "--format", "full", str(GOOD)), 2),
        (("check", "-q", str(GOOD)), 0),  # nothing to write: nothing fails
        (("rules",), 2),
        (("schema",), 2),
        (("coverage", str(FIXTURES / "valid")), 2),
        (("check", "--show-settings", str(GOOD)), 2),
    ],
)
def test_a_closed_standard_output_is_an_output_that_cannot_be_written(args: tuple[str, ...], status: int) -> None:
    """Python sets sys.stdout to None; the first write raised AttributeError (an internal
    error) and the flush at exit a traceback."""
    done = command(*args, shell=">&-")
    assert done.returncode == status, done.stderr
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr
    if status == 2:
        assert done.stderr == b"civitai-schema: error: cannot write the output: standard output is closed\n"


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("check", "no/such/file.json"), 2),
        (("check", "--no-such-option", str(GOOD)), 2),
        (("check", "--config", "no/such/config.toml", str(GOOD)), 2),
        (("check", str(BAD)), 1),
        (("check", str(GOOD)), 0),
        (("rule", "Z999"), 2),
    ],
)
def test_a_closed_standard_error_keeps_the_exit_status(args: tuple[str, ...], status: int) -> None:
    """The messages are lost, the status is not: a usage error exited 1 (the flush of a None
    stderr raised at exit), which reads as 'findings'."""
    done = command(*args, shell="2>&-")
    assert done.returncode == status
    if status == 1:
        assert b"S104" in done.stdout


def test_with_every_standard_stream_closed_the_output_file_gets_only_the_report(tmp_path: Path) -> None:
    """No file the command opens may take a standard descriptor's number: a message meant for
    the terminal would land in it."""
    (tmp_path / "empty").mkdir()  # "no JSON or YAML files found" goes to stderr
    out = tmp_path / "report.txt"
    done = command("check", "-o", str(out), str(tmp_path / "empty"), shell="0<&- 1>&- 2>&-")
    assert done.returncode == 0
    assert out.read_text("utf-8") == "All checks passed (0 files).\n"
    done = command("check", "-o", str(out), "--format", "json", str(BAD), shell="0<&- 1>&- 2>&-")
    assert done.returncode == 1 and json.loads(out.read_text("utf-8"))["summary"]["errors"] == 4


@pytest.mark.parametrize("args", [("check", "-"), ("check", "--jsonl", "-")])
def test_a_closed_standard_input_is_an_unreadable_path(args: tuple[str, ...]) -> None:
    done = command(*args, shell="0<&-")
    assert done.returncode == 2, done.stderr
    assert b"P107 [error] standard input is closed" in done.stdout and b"Traceback" not in done.stderr


# Document data that made a rule family crash.

LONG_HEX = "0x" + "f" * 4000  # about 4,800 decimal digits: int() reads it, str() of it raises


def _x001(report: civitai_schema.Report) -> list[str]:
    return [f.message for f in report.findings if f.code == "X001"]


@pytest.mark.parametrize(
    "digits",
    ["$" + "9" * 5000, "9" * 5000, "$" + "0" * 5000 + "1", "$" + "1" * 4300, "1" + "0" * 4299],
)
def test_positional_references_past_the_digit_limit_are_unknown_sources(digits: str) -> None:
    """``int()`` of a 5,000-digit string raises: every step-graph rule fell silent."""
    steps = [{"$type": "imageGen", "input": {"prompt": {"$ref": digits, "path": "output.text"}}}]
    steps.append({"$type": "imageGen", "input": {"prompt": "x"}})
    report = civitai_schema.check_text(json.dumps({"steps": steps}), filename="w.json")
    assert not _x001(report)
    if digits.lstrip("$0") == "1":  # "$000…01" is step 1, which exists
        assert "G101" not in {f.code for f in report.findings}
    else:
        assert "G101" in {f.code for f in report.findings}


def test_a_reference_path_that_is_a_long_yaml_integer_does_not_crash_the_graph_rules() -> None:
    text = "steps:\n  - $type: imageGen\n    input: {prompt: x}\n"
    text += f"  - $type: imageGen\n    input:\n      prompt: {{$ref: $0, path: {LONG_HEX}}}\n"
    report = civitai_schema.check_text(text, filename="w.yaml")
    assert not [m for m in _x001(report) if m.startswith("step graph")]


@pytest.mark.parametrize(
    ("yaml_text", "line", "column"),
    [
        (f"steps:\n  - $type: {LONG_HEX}\n    input: {{}}\n", 2, 12),
        (f"steps:\n  - $type: imageGen\n    input:\n      prompt: {{$ref: {LONG_HEX}, path: output}}\n", 4, 22),
        (f"steps:\n  - $type: imageGen\n    input: {{width: {LONG_HEX}, prompt: x}}\n", 3, 20),
        (f"steps:\n  - $type: imageGen\n    name: {LONG_HEX}\n    input: {{prompt: x}}\n", 3, 11),
        (f"arguments: {{a: {LONG_HEX}}}\nsteps:\n  - $type: imageGen\n    input: {{prompt: x}}\n", 1, 16),
        (f"steps:\n  - $type: imageGen\n    input: {{seed: 0o{'7' * 6000}, prompt: x}}\n", 3, 19),
    ],
)
def test_long_hex_and_octal_yaml_integers_are_refused_where_they_are(yaml_text: str, line: int, column: int) -> None:
    """JSON refuses a 5,000-digit number as it reads it (P101); YAML's 0x literals passed, and
    schema validation crashed formatting one (so every schema rule said nothing)."""
    report = civitai_schema.check_text(yaml_text, filename="w.yaml")
    assert not _x001(report)
    (finding,) = [f for f in report.findings if f.code == "P101"]
    assert "more digits than can be read" in finding.message
    assert (finding.line, finding.column) == (line, column)


def test_long_yaml_integers_through_the_command_do_not_crash() -> None:
    """Whatever reads them, no family crashes silently on the command line either."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.yaml"
        path.write_text(
            f"steps:\n  - $type: imageGen\n    input:\n      prompt: {{$ref: '$9{'9' * 5000}', path: output}}\n"
        )
        done = command("check", "--format", "concise", str(path))
    assert done.returncode == 1 and b"X001" not in done.stdout and b"G101" in done.stdout


# The library: Python objects JSON cannot carry as they are.


class _RaisingEq:
    """A key whose comparison raises: it hashes like ``name``, so looking ``name`` up in its
    dict compares the two."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("__eq__ called")

    def __hash__(self) -> int:
        return hash(self.name)


class _HostileStr(str):
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("__eq__ called")

    __hash__ = str.__hash__  # (a key must hash, or the dict could not hold it)

    def __str__(self) -> str:
        raise RuntimeError("__str__ called")


class _UnhashableStr(_HostileStr):
    def __hash__(self) -> int:
        raise RuntimeError("__hash__ called")


class _HostileInt(int):
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("__eq__ called")

    __hash__ = int.__hash__

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ called")


class _HostileDict(dict):  # type: ignore[type-arg]
    def __getitem__(self, key: object) -> object:
        raise RuntimeError("__getitem__ called")

    def get(self, key: object, default: object = None) -> object:
        raise RuntimeError("get called")

    def items(self) -> Any:
        raise RuntimeError("items called")


class _HostileList(list):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[object]:
        raise RuntimeError("__iter__ called")

    def __len__(self) -> int:
        raise RuntimeError("__len__ called")


def _step(**input_: object) -> dict[str, object]:
    return {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "x", **input_}}


LIBRARY_CASES: dict[str, tuple[Any, set[tuple[str, str]]]] = {
    "int key": ({"steps": [_step()], 1: 2}, {("P108", "/1")}),
    "int key in an input": ({"steps": [{"$type": "imageGen", "input": {1: 2}}]}, {("P108", "/steps/0/input/1")}),
    "None key": ({None: 2, "steps": [_step()]}, {("P108", "/null")}),
    "bool key": ({True: 2, "steps": [_step()]}, {("P108", "/true")}),
    "float keys": ({1.5: 1, math.nan: 2, "steps": [_step()]}, {("P108", "/1.5"), ("P108", "/NaN")}),
    "bytes key": ({"steps": [{"$type": "imageGen", b"input": {}}]}, {("P108", "/steps/0/b'input'")}),
    "a key whose __eq__ raises": ({_RaisingEq("steps"): 1}, {("P108", "/<_RaisingEq>")}),
    "in a step": ({"steps": [{_RaisingEq("$type"): 1, "input": {}}]}, {("P108", "/steps/0/<_RaisingEq>")}),
    "a str key whose methods raise": ({_HostileStr("steps"): [_step()]}, set()),
    "a str value whose methods raise": ({"steps": [{**_step(), "$type": _UnhashableStr("imageGen")}]}, set()),
    "an int value whose methods raise": ({"steps": [_step(width=_HostileInt(1024), height=1024)]}, set()),
    "a dict whose methods raise": ({"steps": [_HostileDict(_step())]}, set()),
    "a list whose methods raise": ({"steps": _HostileList([_step()])}, set()),
    "1 and '1'": ({"steps": [_step()], 1: "a", "1": "b"}, {("P108", "/1"), ("P102", "/1")}),
    "a long integer value": ({"steps": [_step(width=10**5000)]}, {("P101", "/steps/0/input/width")}),
    "a long negative integer": ({"steps": [{"$type": -(10**4300), "input": {}}]}, {("P101", "/steps/0/$type")}),
    "a long integer in $ref": (
        {"steps": [_step(image={"$ref": 10**5000, "path": "output"})]},
        {("P101", "/steps/0/input/image/$ref")},
    ),
    "a long integer key": ({10**5000: 1, "steps": [_step()]}, {("P101", "")}),
    "NaN and infinity": (
        {"steps": [_step(width=math.nan, height=-math.inf)]},
        {("P103", "/steps/0/input/width"), ("P103", "/steps/0/input/height")},
    ),
}


@pytest.mark.parametrize("case", sorted(LIBRARY_CASES))
def test_check_gives_findings_for_what_json_cannot_carry(case: str) -> None:
    document, expected = LIBRARY_CASES[case]
    report = civitai_schema.check(document)
    assert not _x001(report), report.findings
    gate = {(f.code, f.path) for f in report.findings if f.code in ("P101", "P102", "P103", "P108")}
    assert gate == expected
    assert all(f.line is not None for f in report.findings)  # located like every finding
    civitai_schema.check(document, kind="workflow")  # (both kinds)


def test_an_integer_too_long_to_print_stops_the_check_as_in_a_json_file() -> None:
    report = civitai_schema.check({"steps": [_step(width=10**5000)], "bogus": 1})
    assert [f.code for f in report.findings] == ["P101"] and not report.ok
    with pytest.raises(civitai_schema.InvalidWorkflowError):
        civitai_schema.validate({"steps": [_step(width=10**5000)]})


def test_converted_documents_check_as_json_would_send_them() -> None:
    """A key json.dumps writes as text gets the findings its text gets, plus P108."""
    body = {"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", 7: "x"}}], None: 1}
    sent = json.loads(json.dumps(body))
    findings = {(f.code, f.path, f.message) for f in civitai_schema.check(body).findings if f.code != "P108"}
    assert findings == {(f.code, f.path, f.message) for f in civitai_schema.check(sent).findings}


def test_a_document_that_needs_no_care_is_not_copied() -> None:
    body = json.loads(GOOD.read_text("utf-8"))
    prepared = jsonable.prepare(body)
    assert prepared.data is body and prepared.findings == [] and prepared.checkable


def test_preparing_ends_on_a_structure_that_contains_itself() -> None:
    """(Checking such an object is the unbounded-input class; the walk here must end.)"""
    loop: dict[Any, Any] = {1: None}
    loop[1] = loop
    prepared = jsonable.prepare(loop)
    assert prepared.data["1"] is prepared.data and [f.code for f in prepared.findings] == ["P108"]


_KEYS = st.one_of(
    st.text(max_size=6),
    st.integers(-(10**6), 10**6),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=4),
)
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["imageGen", "sdcpp", "sdxl", "$0", "$arguments", "output.images[0].url"]),
    st.builds(pow, st.just(10), st.integers(4300, 5000)),  # (a strategy holding the number itself cannot repr)
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(_KEYS, inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["$type", "input", "$ref", "path", "name", "engine", "steps"]), inner, max_size=4
        ),
    ),
    max_leaves=20,
)
_DOCUMENTS = st.builds(
    lambda steps, extra: {"steps": steps, **extra},
    st.lists(_VALUES, max_size=3),
    st.dictionaries(_KEYS, _VALUES, max_size=3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_no_python_object_crashes_a_rule(document: dict[Any, Any]) -> None:
    report = civitai_schema.check(document)
    assert not _x001(report), report.findings
    pickle.loads(pickle.dumps(report))


# InvalidWorkflowError crosses process boundaries.


def _validate(document: dict[str, Any]) -> str:
    civitai_schema.validate(document)
    return "ok"


def test_invalid_workflow_error_unpickles_with_its_findings() -> None:
    with pytest.raises(civitai_schema.InvalidWorkflowError) as caught:
        civitai_schema.validate({"steps": []})
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is civitai_schema.InvalidWorkflowError
    assert again.findings == caught.value.findings and again.report == caught.value.report
    assert str(again) == str(caught.value) and again.args == caught.value.args


def test_validate_in_a_process_pool_raises_in_the_parent() -> None:
    """The README's own pattern: the error came back as a broken pool (the worker's exception
    could not be rebuilt in the parent)."""
    good = json.loads(GOOD.read_text("utf-8"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_validate, good), pool.submit(_validate, {"steps": []})]
        assert futures[0].result(timeout=60) == "ok"
        with pytest.raises(civitai_schema.InvalidWorkflowError) as caught:
            futures[1].result(timeout=60)
        assert caught.value.findings[0].code == "S107"
        assert pool.submit(_validate, good).result(timeout=60) == "ok"  # the pool still works


# Unreadable folders.

USER = 12347


@pytest.fixture
def as_another_user() -> Iterator[tuple[Path, list[str]]]:
    """A folder another user can reach, and the command prefix that runs as that user (root
    reads every folder, so an unreadable one needs someone else)."""
    if not hasattr(os, "geteuid"):
        pytest.skip("POSIX only")
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv")
        prefix = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups"]
    folder = Path(tempfile.mkdtemp(prefix="civitai-schema-robust-"))
    os.chmod(folder, 0o755)
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import click"], capture_output=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip("another user cannot run this Python")
    try:
        yield folder, prefix
    finally:
        for root, folders, _ in os.walk(folder):
            for name in folders:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(folder)


RUN_FROM_REPO = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from civitai_schema.cli import entry_point;"
    " sys.argv[0] = 'civitai-schema'; entry_point()"
)


def as_user(prefix: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [*prefix, sys.executable, "-c", RUN_FROM_REPO, str(REPO), *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_an_unreadable_folder_is_an_error_line_and_exit_2(as_another_user: tuple[Path, list[str]]) -> None:
    folder, prefix = as_another_user
    (folder / "tree" / "locked").mkdir(parents=True)
    (folder / "tree" / "ok.json").write_text(GOOD.read_text("utf-8"))
    (folder / "tree" / "locked" / "hidden.json").write_text('{"steps": []}')
    os.chmod(folder / "tree" / "locked", 0)
    walked = as_user(prefix, "check", "--format", "concise", "tree", cwd=folder)
    assert walked.returncode == 2, walked.stdout + walked.stderr
    assert "tree/locked:1:1: P107 [error] cannot read the folder: Permission denied" in walked.stdout
    named = as_user(prefix, "check", "--format", "concise", "tree/locked", cwd=folder)
    assert named.returncode == 2 and "cannot read the folder" in named.stdout and "0 files" not in named.stdout


def test_an_excluded_unreadable_folder_stays_out(as_another_user: tuple[Path, list[str]]) -> None:
    folder, prefix = as_another_user
    (folder / "tree" / "secret").mkdir(parents=True)
    (folder / "tree" / "ok.json").write_text(GOOD.read_text("utf-8"))
    (folder / "tree" / "civitai-schema.toml").write_text('exclude = ["secret/"]\n')
    os.chmod(folder / "tree" / "secret", 0)
    done = as_user(prefix, "check", "--format", "concise", "tree", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr


# Configuration values that meant more than they said.


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('ignore = [""]\n', "ignore"),
        ('select = [""]\n', "select"),
        ('extend-select = ["A1", ""]\n', "extend-select"),
        ('[per-file-ignores]\n"*.json" = [""]\n', "per-file-ignores.*.json"),
        ('[severity]\n"" = "info"\n', "severity."),
        ('[[per-path-ignores]]\nfiles = "*.json"\npath = "/tag"\nrules = [""]\n', "per-path-ignores[0].rules"),
    ],
)
def test_an_empty_selector_is_refused_with_its_key(tmp_path: Path, toml: str, key: str) -> None:
    """As a code prefix, "" matched every rule: ``ignore = [""]`` ignored them all, exit 0."""
    (tmp_path / "civitai-schema.toml").write_text(toml)
    shutil.copy(BAD, tmp_path / "w.json")
    done = command("check", "w.json", cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    assert f"civitai-schema.toml: {key}".encode() in done.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "+inf", "-nan"])
def test_a_pixel_budget_must_be_a_finite_number(tmp_path: Path, value: str) -> None:
    (tmp_path / "civitai-schema.toml").write_text(f"[options]\npixel-budget = {{sdxl = {value}}}\n")
    shutil.copy(GOOD, tmp_path / "w.json")
    done = command("check", "w.json", cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    assert b"civitai-schema.toml: options.pixel-budget.sdxl: expected a finite positive number" in done.stderr


def test_a_selector_of_blanks_names_no_rule_already(tmp_path: Path) -> None:
    (tmp_path / "civitai-schema.toml").write_text('ignore = [" "]\n')
    shutil.copy(BAD, tmp_path / "w.json")
    done = command("check", "w.json", cwd=tmp_path)
    assert done.returncode == 2 and b"ignore" in done.stderr
