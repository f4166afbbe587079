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
