"""Fixes: each case's file beside its expected result, idempotence, and what --fix writes."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import civitai_schema
from civitai_schema import fixes, rules

from .conftest import FIXTURES, count_calls, invoke

CASES = sorted(p for p in (FIXTURES / "fixes").iterdir() if ".fixed." not in p.name)


def expected(case: Path) -> Path:
    return case.with_name(f"{case.stem}.fixed{case.suffix}")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fix_gives_the_expected_file(case: Path) -> None:
    outcome = civitai_schema.fix_text(case.read_bytes(), filename=case.name, unsafe=True)
    assert outcome.changed and outcome.fixed
    assert outcome.after == expected(case).read_text("utf-8")
    assert not any(f.fixable for f in outcome.report.findings)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixing_twice_changes_nothing(case: Path) -> None:
    again = civitai_schema.fix_text(expected(case).read_bytes(), filename=case.name, unsafe=True)
    assert not again.changed and again.fixed == ()


def test_every_fixable_rule_has_a_fix_case() -> None:
    fixed = {
        f.code
        for case in CASES
        for f in civitai_schema.fix_text(case.read_bytes(), filename=case.name, unsafe=True).fixed
    }
    fixable = {code for code, rule in rules.REGISTRY.items() if rule.fixable}
    assert fixable - fixed == set()


def test_unsafe_fixes_need_opting_in() -> None:
    case = FIXTURES / "fixes" / "renames.json"
    safe = civitai_schema.fix_text(case.read_bytes(), filename=case.name)
    assert not safe.changed
    assert {f.code for f in safe.report.findings if f.fixable} == {"S104", "N101", "N104"}


def test_fix_preserves_bom_crlf_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    # (engine defaults to custom, whose input requires xVectorOnlyMode: the step type is all that is wrong)
    step_input = b"    input: {text: hi, xVectorOnlyMode: false}\r\n"
    path.write_bytes(b"\xef\xbb\xbfsteps:\r\n  - $type: tts   # keep me\r\n" + step_input)
    result = invoke("check", "--fix", "-q", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == b"\xef\xbb\xbfsteps:\r\n  - $type: textToSpeech   # keep me\r\n" + step_input


def test_fix_writes_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    shutil.copy(FIXTURES / "fixes" / "enum-case.json", path)
    os.chmod(path, 0o640)
    result = invoke("check", "--fix", "--show-fixes", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text("utf-8") == expected(FIXTURES / "fixes" / "enum-case.json").read_text("utf-8")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".civitai-schema-")]
    assert "Fixed 4 in" in result.output and "S103 (invalid-enum)" in result.output


def test_diff_shows_changes_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    shutil.copy(FIXTURES / "fixes" / "invented-types.yaml", path)
    before = path.read_bytes()
    result = invoke("check", "--diff", "-q", str(path))
    assert result.exit_code == 1
    assert "-  - $type: tts" in result.output and "+  - $type: textToSpeech" in result.output
    assert path.read_bytes() == before
    clean = tmp_path / "clean.json"
    shutil.copy(FIXTURES / "valid" / "submission-sdxl-sdcpp.json", clean)
    assert invoke("check", "--diff", str(clean)).exit_code == 0


def test_nothing_is_written_without_fix(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    shutil.copy(FIXTURES / "fixes" / "air-canonical.yaml", path)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    invoke("check", str(path))
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "fixes").iterdir() if ".fixed." not in p.name))
def test_the_diff_of_each_fixture_is_what_difflib_writes(name: str) -> None:
    before = (FIXTURES / "fixes" / name).read_text("utf-8")
    after = expected(FIXTURES / "fixes" / name).read_text("utf-8")
    assert before != after
    ours = fixes.unified_diff(before, after, name)
    assert ours == "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), name, name))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["{\n", "}\n", '  "a": 1,\n', "x\n"]), max_size=60), st.data())
def test_a_line_by_line_diff_rebuilds_the_fixed_text(lines: list[str], data: st.DataObject) -> None:
    """Repetitive lines changed in place: applying the hunks to the old text gives the new one."""
    changed = [data.draw(st.sampled_from([line, line.upper(), "z\n"])) for line in lines]
    before, after = "".join(lines), "".join(changed)
    diff = fixes.unified_diff(before, after, "w.json")
    assert (diff == "") == (before == after)
    assert _patched(before.splitlines(True), diff) == after


def _patched(old: list[str], diff: str) -> str:
    """Apply a unified diff (hunks only, in order) to a list of lines."""
    out, cursor = [], 0
    hunks = re.split(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@\n", diff, flags=re.M)[1:]
    for start, body in zip(hunks[::2], hunks[1::2], strict=True):
        begin = int(start) - 1 if int(start) else 0
        out += old[cursor:begin]
        cursor = begin
        for line in body.splitlines(True):
            if line[0] in " -":
                assert old[cursor] == line[1:]
                cursor += 1
            if line[0] in " +":
                out.append(line[1:])
    return "".join(out + old[cursor:])


def test_a_diff_of_in_place_fixes_needs_no_sequence_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    """difflib's matching is quadratic on repetitive files: 10,000 fixed steps took 90 s."""
    step = '  {\n    "$type": "imagegen",\n    "input": {}\n  },\n'
    before, after = step * 500, step.replace("imagegen", "imageGen") * 500
    matched = count_calls(monkeypatch, difflib.SequenceMatcher, "find_longest_match")
    diff = fixes.unified_diff(before, after, "w.json")
    assert not matched and diff.count('+    "$type": "imageGen",') == 500


SDXL_INPUT = json.dumps(
    {"engine": "sdcpp", "ecosystem": "sdxl", "model": "urn:air:sdxl:checkpoint:civitai:101055@128078", "prompt": "a"}
)


def test_fixing_through_a_symbolic_link_fixes_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text(f'{{"steps": [{{"$type": "imagegen", "input": {SDXL_INPUT}}}]}}\n')
    (tmp_path / "link.json").symlink_to(target.name)
    invoke("check", "--fix", str(tmp_path / "link.json"))
    assert (tmp_path / "link.json").is_symlink()
    assert '"imageGen"' in target.read_text()


def test_a_diff_breaks_lines_where_positions_do_and_marks_a_missing_final_newline() -> None:
    from civitai_schema import fixes

    before = '{"a": "x\u2028y",\n "b": "Succeeded"}'
    after = '{"a": "x\u2028y",\n "b": "succeeded"}'
    diff = fixes.unified_diff(before, after, "w.json")
    assert '-{"a": "x\u2028y",' not in diff  # the unchanged first line is context, not split
    assert ' {"a": "x\u2028y",\n' in diff
    assert '- "b": "Succeeded"}\n\\ No newline at end of file\n' in diff
    assert '+ "b": "succeeded"}\n\\ No newline at end of file\n' in diff


@pytest.mark.parametrize(
    "text",
    [
        # S112's safe fix has the input checked against textToSpeech for the first time: 1 error, then 5
        '{"steps": [{"$type": "tts", "input": {"prompt": "a cat", "width": 1024, "height": 512}}]}',
        # S104's unsafe rename has the steps checked: the step reads its own output (1 error, then 2)
        '{"teps": [{"$type": "aceStepAudio", "input": {"lyrics": "", "seed": {"$ref": "0"}}}]}',
    ],
)
def test_a_fix_that_would_uncover_more_errors_is_not_made_nor_offered(text: str) -> None:
    before = civitai_schema.check_text(text, filename="w.json")
    outcome = civitai_schema.fix_text(text, filename="w.json", unsafe=True)
    assert not outcome.changed and outcome.fixed == ()
    assert outcome.report.errors == before.errors and not any(f.fixable for f in outcome.report.findings)


def test_a_fix_whose_new_error_the_next_fix_mends_is_made() -> None:
    """The engine's name fixed has the sampler checked, whose name is wrong too: an error for
    one pass, fixed by the next."""
    text = (FIXTURES / "fixes" / "enum-case.json").read_text()
    outcome = civitai_schema.fix_text(text, filename="w.json")
    assert outcome.after == (FIXTURES / "fixes" / "enum-case.fixed.json").read_text()
    assert outcome.report.errors == 0
