"""ruff and mypy (strict) run clean on the package, as STYLE.md asks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "civitai_schema", "tests"],
        ["ruff", "format", "--check", "civitai_schema", "tests"],
        ["mypy", "civitai_schema"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_clean(command: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
