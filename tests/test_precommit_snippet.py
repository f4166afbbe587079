"""The README's pre-commit snippet, exactly as printed but for ``repo:`` (a local copy of the
commit under test) and ``rev:`` (that commit), run through real pre-commit on a repository with
workflows and unrelated files: the hook passes what it should, fails what it should, and prints
one summary even when pre-commit would split the files into batches."""

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

pytestmark = pytest.mark.slow

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def readme_snippet() -> str:
    """The first YAML block of the README's pre-commit section."""
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme[readme.index("### pre-commit") :]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match is not None, "the README's pre-commit section has no YAML block"
    return match.group(1)


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _commit_under_test(target: Path, env: dict[str, str]) -> str:
    """A repository holding this work tree as one commit (what is on disk, committed or not,
    as CI's clone holds it), and that commit's id."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    target.mkdir()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file() and not source.is_symlink():  # (a deleted file is still listed)
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    _git(target, "init", "-q", env=env)
    _git(target, "add", "-A", env=env)
    _git(target, "commit", "-qm", "under test", env=env)
    return _git(target, "rev-parse", "HEAD", env=env)


def _configured(snippet: str, repo: Path, rev: str) -> str:
    """The snippet with its ``repo:`` and ``rev:`` values replaced; every other line as printed."""
    config, repos = re.subn(r"(?m)^(\s*- repo:\s*)\S+", lambda m: m.group(1) + repo.as_posix(), snippet)
    config, revs = re.subn(r"(?m)^(\s*rev:\s*)\S+", lambda m: m.group(1) + rev, config)
    assert (repos, revs) == (1, 1), snippet
    return config


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, **_GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    env.pop("PRE_COMMIT_NO_CONCURRENCY", None)
    return env


def _run(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def test_the_readme_snippet_works_as_printed(tmp_path: Path, environment: dict[str, str]) -> None:
    snippet = readme_snippet()
    (hook,) = [h for r in yaml.safe_load(snippet)["repos"] for h in r["hooks"]]
    assert hook == {"id": "civitai-schema"}  # (nothing the hook definition does not already say)
    rev = _commit_under_test(tmp_path / "clone", environment)

    repo = tmp_path / "project"
    (repo / "workflows").mkdir(parents=True)
    good = (FIXTURES / "valid" / "submission-sdxl-sdcpp.json").read_text("utf-8")
    # More files than one batch per core: without require_serial pre-commit would split them.
    for i in range(450):
        (repo / "workflows" / f"w{i:03}.json").write_text(good)
    shutil.copy(FIXTURES / "valid" / "submission-chain.yaml", repo / "workflows" / "chain.yaml")
    (repo / "package.json").write_text('{"name": "demo", "version": "1.0.0"}\n')
    (repo / "tsconfig.json").write_text('{\n  // JSONC\n  "compilerOptions": {}\n}\n')
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs:\n  t:\n    steps:\n      - run: make\n")
    (repo / "deploy.yaml").write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Name: !Sub '${A}-b'\n")
    (repo / "orders.json").write_text('{"id": 7, "status": "shipped", "items": []}\n')
    (repo / ".pre-commit-config.yaml").write_text(_configured(snippet, tmp_path / "clone", rev))
    _git(repo, "init", "-q", env=environment)
    _git(repo, "add", ".", env=environment)

    from pre_commit import xargs

    files = _git(repo, "ls-files", env=environment).splitlines()
    assert len(xargs.partition(("civitai-schema", "check"), tuple(files), 2)) > 1

    passed = _run(repo, environment)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"civitai-schema\.+Passed", passed.stdout), passed.stdout

    shutil.copy(FIXTURES / "invalid" / "invented-step-type.yaml", repo / "workflows" / "speech.yaml")
    _git(repo, "add", ".", env=environment)
    failed = _run(repo, environment)
    output = failed.stdout
    assert failed.returncode == 1, output + failed.stderr
    assert 'workflows/speech.yaml:3:12: S112 [error] step type "tts"' in output
    summaries = re.findall(r"(?m)^Found \d+ errors?\b.*$", output)
    assert len(summaries) == 1, output  # one run, one summary
    assert "in 452 files" in summaries[0], summaries  # every workflow, none of the others
    for unrelated in ("package.json", "tsconfig.json", "ci.yml", "deploy.yaml", "orders.json"):
        assert unrelated not in output
