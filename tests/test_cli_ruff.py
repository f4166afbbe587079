"""The command line a ruff user already knows (issue 15), through the real entry point."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import FIXTURES, run_entry_point

VALID = FIXTURES / "valid"
UNKNOWN_KEY = FIXTURES / "invalid" / "unknown-key.json"


def test_check_without_a_path_checks_the_working_directory(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "unknown-key.json")
    result = run_entry_point("check", "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert b"unknown-key.json:2:3: S104" in result.stdout
    assert b"in 1 file" in result.stdout


def test_fix_says_how_many_were_fixed_and_how_many_remain(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("steps:\n  - $type: tts\n    input: {text: hi}\n  - $type: textToImage\n    nmae: x\n")
    result = run_entry_point("check", "--format", "concise", "--fix", "t.yaml", cwd=tmp_path)
    summary = result.stdout.decode().splitlines()
    found = [line for line in summary if line.startswith("Found ")]
    assert len(found) == 1, result.stdout
    assert found[0].endswith(" remaining)."), found
    assert "(1 fixed, " in found[0], found  # "tts" became "textToSpeech"
    assert "textToSpeech" in path.read_text()


def test_diff_with_nothing_to_fix_says_so_and_exits_0(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")  # only unsafe fixes
    result = run_entry_point("check", "--diff", "u.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert b"No errors would be fixed (4 fixes available with --unsafe-fixes)." in result.stderr
    with_unsafe = run_entry_point("check", "--diff", "--unsafe-fixes", "u.json", cwd=tmp_path)
    assert with_unsafe.returncode == 1 and b"+++ " in with_unsafe.stdout


def test_fix_stdin_writes_the_fixed_text_to_stdout() -> None:
    body = b"steps:\n  - $type: tts\n    input: {text: hi}\n"
    result = run_entry_point("check", "--fix", "--stdin-filename", "t.yaml", "-", stdin=body)
    assert result.stdout == body.replace(b"tts", b"textToSpeech"), result.stderr
    assert b"(1 fixed, " in result.stderr
    unsafe_only = UNKNOWN_KEY.read_bytes()
    result = run_entry_point("check", "--fix", "-", stdin=unsafe_only)
    assert result.stdout == unsafe_only  # nothing safe to fix: the text as it was
    assert result.returncode == 1 and b"S104" in result.stderr
    fixed_all = run_entry_point("check", "--fix", "--unsafe-fixes", "-", stdin=unsafe_only)
    assert b'"tags"' in fixed_all.stdout and b"S104" not in fixed_all.stderr
