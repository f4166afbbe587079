"""The pre-commit hook, read from .pre-commit-hooks.yaml and run with the real pre-commit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import FIXTURES, REPO

HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
(HOOK,) = HOOKS


def test_hook_definition() -> None:
    assert HOOK["id"] == "civitai-schema"
    assert HOOK["language"] == "python"
    assert HOOK["entry"].split()[:2] == ["civitai-schema", "check"]
    assert "--skip-unrecognized" in HOOK["entry"]
    assert set(HOOK["types_or"]) == {"json", "yaml"}


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("package.json", True),
        ("web/package-lock.json", True),
        ("tsconfig.build.json", True),
        (".github/workflows/ci.yml", True),
        ("docker-compose.yml", True),
        ("deploy/compose.prod.yaml", True),
        (".pre-commit-config.yaml", True),
        (".vscode/settings.json", True),
        ("workflows/portrait.json", False),
        ("templates/package-upscale.yaml", False),
        ("fixtures/valid/submission-chain.yaml", False),
    ],
)
def test_hook_exclude_pattern(path: str, excluded: bool) -> None:
    assert bool(re.search(HOOK["exclude"], path)) is excluded


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
    )
    return env


def _try_repo(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "civitai-schema", "--all-files"],
        check=False,
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_hook_with_real_pre_commit(tmp_path: Path, precommit_env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    (repo / "workflows").mkdir(parents=True)
    shutil.copy(FIXTURES / "valid" / "submission-sdxl-sdcpp.json", repo / "workflows" / "portrait.json")
    shutil.copy(FIXTURES / "valid" / "submission-chain.yaml", repo / "workflows" / "chain.yaml")
    # Unrelated JSON and YAML that must not fail the hook.
    (repo / "package.json").write_text('{"name": "demo", "version": "1.0.0"}\n')
    (repo / "tsconfig.json").write_text('{\n  // comments make this JSONC\n  "compilerOptions": {}\n}\n')
    (repo / ".eslintrc.json").write_text('{\n  /* JSONC too */\n  "root": true\n}\n')
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs:\n  t:\n    steps:\n      - run: make\n")
    (repo / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n")
    (repo / "azure-pipelines.yml").write_text("steps:\n  - script: make test\n")
    (repo / "config.yaml").write_text("log_level: info\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")

    passed = _try_repo(repo, precommit_env)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    shutil.copy(FIXTURES / "invalid" / "invented-step-type.yaml", repo / "workflows" / "speech.yaml")
    _git(repo, "add", ".")
    failed = _try_repo(repo, precommit_env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert 'workflows/speech.yaml:3:12: S112 [error] step type "tts"' in failed.stdout
    assert "package.json" not in failed.stdout and "ci.yml" not in failed.stdout
