"""Every output format has a golden test; SARIF validates against the official 2.1.0 schema."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import FIXTURES, count_calls, invoke, needs_shared

GOLDEN = Path(__file__).parent / "golden"
INPUTS = ["fixtures/invalid/air-identifiers.yaml", "fixtures/fixes/legacy-callbacks.json"]
SRCROOT_STAND_IN = "file:///the/working/directory/"
FORMATS = ["full", "concise", "json", "jsonl", "sarif", "github", "junit", "gitlab"]


def run(*args: str) -> str:
    result = invoke("check", *args, *INPUTS)
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_golden(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    output = run("--format", fmt)
    if fmt == "sarif":  # %SRCROOT% is this machine's working directory: the golden names none
        from civitai_schema.formatters import sarif

        assert output.count(sarif.root_uri()) == 1
        output = output.replace(sarif.root_uri(), SRCROOT_STAND_IN)
    expected = GOLDEN / f"format.{fmt}"
    if os.environ.get("CIVITAI_SCHEMA_UPDATE_GOLDEN"):
        expected.write_text(output, "utf-8")
    assert output == expected.read_text("utf-8")


def test_sarif_validates_against_the_official_schema() -> None:
    schema_file = needs_shared("sarif/sarif-schema-2.1.0.json")
    from jsonschema.validators import validator_for

    schema = json.loads(schema_file.read_text("utf-8"))
    validator = validator_for(schema)(schema)
    sarif = json.loads(run("--format", "sarif", "--unsafe-fixes"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif)]
    assert errors == []
    run_ = sarif["runs"][0]
    assert len(run_["tool"]["driver"]["rules"]) > 60
    assert any("fixes" in result for result in run_["results"])
    # Files are named relative to %SRCROOT%, which the run says is the working directory.
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}}
    locations = [loc["physicalLocation"]["artifactLocation"] for r in run_["results"] for loc in r["locations"]]
    locations += [
        c["artifactLocation"] for r in run_["results"] for f in r.get("fixes", ()) for c in f["artifactChanges"]
    ]
    assert {loc["uri"] for loc in locations} == set(INPUTS)
    assert {loc["uriBaseId"] for loc in locations} == {"%SRCROOT%"}


def test_sarif_names_files_outside_the_working_directory_by_absolute_uri(tmp_path: Path) -> None:
    target = tmp_path / "a b#.json"
    target.write_text('{"steps": [{"$type": "imageGen", "input": {"prompt": 1}}]}')
    sarif = json.loads(invoke("check", "--format", "sarif", str(target)).output)
    run_ = sarif["runs"][0]
    (location,) = {json.dumps(r["locations"][0]["physicalLocation"]["artifactLocation"]) for r in run_["results"]}
    assert json.loads(location) == {"uri": target.as_uri()}
    assert "originalUriBaseIds" not in run_  # (no relative name needs it)


def test_json_and_jsonl_agree() -> None:
    findings = json.loads(run("--format", "json"))["findings"]
    lines = [json.loads(line) for line in run("--format", "jsonl").splitlines()]
    assert lines == findings


def test_junit_is_well_formed() -> None:
    root = ET.fromstring(run("--format", "junit"))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == INPUTS
    assert all(c.find("failure") is not None for c in cases)


def test_gitlab_fingerprints_are_unique_and_stable() -> None:
    first, second = json.loads(run("--format", "gitlab")), json.loads(run("--format", "gitlab"))
    assert first == second
    assert len({issue["fingerprint"] for issue in first}) == len(first)
    assert {issue["severity"] for issue in first} <= {"info", "minor", "major"}


def test_github_annotations_escape_their_data() -> None:
    from civitai_schema.findings import Finding, Report, Severity
    from civitai_schema.formatters import View, github

    finding = Finding("S104", "unknown-key", Severity.ERROR, "50% done\nnext", "/a", "dir,x/a:b.json", 1, 2, 1, 3)
    text = github.render(Report((finding,)), View())
    properties = "file=dir%2Cx/a%3Ab.json,line=1,col=2,endLine=1,endColumn=3,title=S104 unknown-key"
    assert text == f"::error {properties}::S104 50%25 done%0Anext\n"


def test_github_format_is_chosen_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run().startswith("::")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert run().startswith("fixtures/")  # not a terminal: concise


def test_colour_follows_force_color_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run("--format", "concise")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("--format", "concise")


def test_statistics_counts_per_rule() -> None:
    rows = [line.split() for line in run("--statistics", "-q").splitlines()]
    assert rows[0] == ["2", "C106", "[*]", "legacy-callback-field"]  # most frequent first
    assert ["1", "A101", "air-malformed"] in rows and ["1", "A102", "[*]", "air-not-canonical"] in rows
    assert sum(int(row[0]) for row in rows) == 12


def test_summary_counts_fixable_findings() -> None:
    tail = run("--format", "concise").splitlines()[-2:]
    assert tail == ["[*] 1 fixable with --fix.", "2 more fixable with --fix --unsafe-fixes."]


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    result = invoke("check", "--format", "sarif", "--output-file", str(target), *INPUTS)
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(target.read_text("utf-8"))["version"] == "2.1.0"


def test_code_frames_number_lines_as_positions_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON string may hold U+2028 or U+0085, where str.splitlines() would break a line; the
    frame must show the line the position names."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    path = tmp_path / "w.json"
    second = ' "engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage", "widht": 1}}]}'
    path.write_text('{"steps": [{"$type": "imageGen", "input": {"prompt": "a\u2028b\x85c",\n' + second + "\n")
    output = invoke("check", "--format", "full", str(path)).output
    assert "w.json:2:" in output and f"2 | {second}" in output
    assert '1 | {"steps": [{"$type": "imageGen", "input": {"prompt": "a\ufffdb\ufffdc",' in output  # (both shown)


def test_the_full_format_splits_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Splitting the file for every finding made 30,000 findings take minutes."""
    from civitai_schema.formatters import full

    step = {"$type": "imageGen", "name": "same", "input": {"engine": "sdcpp", "width": 1001}}
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"steps": [step] * 300}, indent=2))
    calls = count_calls(monkeypatch, full, "split_lines")
    output = invoke("check", "--format", "full", str(path)).output
    assert output.count("= see:") > 500 and len(calls) == 1


def test_code_frames_of_a_minified_file_show_a_window_around_the_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A minified file is one line: the frame shows about 200 characters around the finding,
    with the carets still under the value."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    data = {"engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage", "prompt": "x", "width": 1001}
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"steps": [{"$type": "imageGen", "input": data}] * 40}))
    output = invoke("check", "--format", "full", str(path)).output
    frames = re.findall(r": D102 .*\n.*\n  1 \| (.*)\n    \| (.*)\n", output)
    assert len(frames) == 40
    for shown, marker in frames:
        assert len(shown) <= 202
        start = marker.index("^")
        assert shown[start : start + len(marker.strip())] == "1001"
    assert frames[-1][0].startswith("…")


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(_JSON_VALUES, max_size=4), depth=st.integers(0, 3), after=_JSON_VALUES)
def test_items_set_into_the_text_read_as_one_dump(items: list[object], depth: int, after: object) -> None:
    """JSON, SARIF and GitLab output encode their findings one at a time and set them into the
    document's text (memory); the text must be exactly what encoding it all at once gives."""
    from civitai_schema.formatters import ITEMS, dumps_with_items

    def nest(inner: object) -> object:
        for level in range(depth):
            inner = {"version": level, "list": inner, "after": after} if level % 2 else [inner, after]
        return inner

    expected = json.dumps(nest(items), indent=2, ensure_ascii=False) + "\n"
    assert dumps_with_items(nest([ITEMS]), items) == expected


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text() | st.integers() | st.booleans() | st.none(), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=_ANY_JSON, depth=st.integers(0, 3))
def test_the_c_encoder_writes_what_the_indenting_encoder_writes(value: object, depth: int) -> None:
    """The JSON formats are encoded by the C encoder, a run of scalars at a time; the text is
    exactly json.dumps(..., indent=2)'s (NaN, infinities, keys that are not strings included)."""
    from civitai_schema.formatters import indented

    indent = "  " * depth
    assert indented(value, indent) == json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


# What a report holds: no floats (orjson writes 1e16 where json writes 1e+16; no field of a
# report is one), but any text (lone surrogates and control characters too) and any integer.
_REPORT_TEXT = st.text(st.characters(codec=None))
_REPORT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _REPORT_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_REPORT_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=_REPORT_VALUES, depth=st.integers(0, 3))
def test_orjson_writes_what_the_standard_encoder_writes(value: object, depth: int) -> None:
    """The JSON format's findings are written by orjson; the text is the standard encoder's (an
    item orjson refuses, holding a lone surrogate or an integer past 64 bits, is written by it)."""
    from civitai_schema.formatters import indented
    from civitai_schema.formatters.json import _orjson_items

    indent = "  " * depth
    assert _orjson_items()(value, indent) == indented(value, indent)


@pytest.mark.parametrize("statistics", [False, True])
def test_the_json_format_is_the_standard_encoders_text_for_every_fixture(statistics: bool) -> None:
    """Every fixture's findings, written by orjson, are the very text json.dumps(indent=2)
    writes (with what UTF-8 or a line reader cannot carry escaped, as the output escapes it)."""
    from civitai_schema.formatters import json_text

    cases = sorted(
        str(path)
        for folder in ("invalid", "valid", "fixes")
        for path in (FIXTURES / folder).iterdir()
        if path.suffix in (".json", ".yaml", ".yml")
    )
    result = invoke("check", "--format", "json", "--exit-zero", *(["--statistics"] if statistics else []), *cases)
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    assert len(written["statistics" if statistics else "findings"]) > (20 if statistics else 100)
    assert result.output == json_text(json.dumps(written, indent=2, ensure_ascii=False)) + "\n"
