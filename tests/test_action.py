"""The GitHub Action (action.yml): its inputs, and its check step's command line run for real."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import FIXTURES, REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))


def _step(name: str) -> dict[str, str]:
    return next(step for step in ACTION["runs"]["steps"] if step.get("name") == name)


def test_the_action_is_composite_with_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "args", "version", "python-version"} <= set(ACTION["inputs"])
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert "--format github" in _step("Check")["run"]
    assert "$GITHUB_ACTION_PATH" in _step("Install civitai-schema")["run"]


def _run_check(paths: str, args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The check step as the runner runs it: bash, its env with the inputs, the tool on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    tool = bin_dir / "civitai-schema"
    tool.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m civitai_schema "$@"\n')
    tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PATHS": paths, "ARGS": args}
    return subprocess.run(
        ["bash", "-c", _step("Check")["run"]], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )


def test_the_check_step_annotates_findings_and_fails(tmp_path: Path) -> None:
    invalid = (FIXTURES / "invalid" / "invented-step-type.yaml").relative_to(REPO).as_posix()
    done = _run_check(invalid, "", tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"::error file={invalid},line=3" in done.stdout


def test_the_check_step_passes_arguments_and_several_paths(tmp_path: Path) -> None:
    valid = " ".join(p.relative_to(REPO).as_posix() for p in sorted((FIXTURES / "valid").glob("*.json")))
    done = _run_check(valid, "--fail-on warning", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::error" not in done.stdout and "::warning" not in done.stdout
