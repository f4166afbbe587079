"""Fixes: each case's file beside its expected result, idempotence, and what --fix writes."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import civitai_schema
from civitai_schema import rules

from .conftest import FIXTURES, invoke

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
    path.write_bytes(b"\xef\xbb\xbfsteps:\r\n  - $type: tts   # keep me\r\n    input: {text: hi}\r\n")
    result = invoke("check", "--fix", "-q", str(path))
    assert result.exit_code == 0  # what is left is a warning (textToSpeech without an engine)
    assert (
        path.read_bytes() == b"\xef\xbb\xbfsteps:\r\n  - $type: textToSpeech   # keep me\r\n    input: {text: hi}\r\n"
    )


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


def test_fix_refuses_stdin() -> None:
    assert invoke("check", "--fix", "-", input="{}").exit_code == 2


def test_nothing_is_written_without_fix(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    shutil.copy(FIXTURES / "fixes" / "air-canonical.yaml", path)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    invoke("check", str(path))
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
