from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from civitai_schema.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = Path(os.environ.get("CIVITAI_SCHEMA_SHARED", REPO.parent / "shared"))
# CI sets CI=true; there ../shared is part of the set-up (.ci/run), so nothing may skip for want of it.
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")


def shared(relative: str) -> Path | None:
    """``../shared/<relative>``, or ``None`` when it is absent on a developer's machine. Under CI
    its absence fails the test instead, so a broken set-up cannot pass by checking less."""
    path = SHARED / relative
    if path.exists():
        return path
    if UNDER_CI:
        pytest.fail(f"{path} is missing; CI runs every test, so put ../shared beside the checkout")
    return None


def needs_shared(relative: str) -> Path:
    """``../shared/<relative>`` for a test that cannot run without it: skipped when it is absent
    on a developer's machine, failed under CI (:func:`shared`)."""
    path = shared(relative)
    if path is None:
        pytest.skip(f"../shared/{relative} is not present")
    return path


@pytest.fixture(autouse=True)
def _no_result_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of the CLI (in-process and in subprocesses) keep no result cache, so a test sees
    its own checks and leaves nothing in the checkout; tests/test_cache.py turns it back on."""
    monkeypatch.setenv("CIVITAI_SCHEMA_NO_CACHE", "1")


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[None]:
    """Wrap ``owner.name`` so each call appends to the returned list (for tests that show some
    work happens once, or linearly often, without timing anything)."""
    calls: list[None] = []
    real = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def text_findings(output: str) -> list[tuple[str, str]]:
    """(code, severity) of each line of the text or concise output
    (``path:line:col: CODE [severity] message``)."""
    found = []
    for line in output.splitlines():
        code, severity = line.split(": ", 1)[1].split(" ", 2)[:2]
        found.append((code, severity.strip("[]")))
    return found


def default_exit_status(output: str) -> int:
    """The exit status text or concise output must come with: 1 when a finding is an error (the
    default ``--fail-on``), else 0."""
    return 1 if any(severity == "error" for _, severity in text_findings(output)) else 0


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    """Run the CLI in-process, from the repository root (golden paths are relative to it)."""
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return CliRunner().invoke(main, list(args), input=input)
    finally:
        os.chdir(cwd)


def run_entry_point(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run the real command (``python -m civitai_schema``) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "civitai_schema", *args],
        check=False,
        cwd=cwd or REPO,
        input=stdin,
        capture_output=True,
        timeout=timeout,
    )


@pytest.fixture
def corpus() -> list[Path]:
    files = sorted(needs_shared("corpus/real").glob("*.json"))
    assert files, "the corpus folder has no JSON files"
    return files
