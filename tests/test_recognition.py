"""Recognition: the pre-commit hook (``check --skip-unrecognized``) says nothing about the files a
repository holds beside its workflows, yet still checks every workflow.

``tests/non_workflows/`` is a corpus of real-world-shaped files that are not Civitai workflows (CI
definitions, Kubernetes, CloudFormation, OpenAPI, manifests, JSONC configs, API fixtures with
``id``/``status``, notebooks …), each under the name it has in real repositories.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from civitai_schema import recognition

from .conftest import FIXTURES, REPO, run_entry_point
from .test_precommit import _git, _try_repo, precommit_env  # noqa: F401  (the fixture, by name)

NON_WORKFLOWS_DIR = REPO / "tests" / "non_workflows"
NON_WORKFLOWS = sorted(path for path in NON_WORKFLOWS_DIR.rglob("*") if path.is_file())
YAML_SUFFIXES = {".yaml", ".yml"}

# A finding, in the concise/text formats (``path:line:col: CODE``) or GitHub's (``::error …``).
FINDING = re.compile(r"^\S.*?:\d+:\d+: [A-Z]+\d+ |^::(?:error|warning|notice)\b", re.MULTILINE)

WORKFLOW_FIXTURES = sorted(
    [*(FIXTURES / "valid").iterdir(), *(p for p in (FIXTURES / "invalid").iterdir() if p.suffix != ".out")]
)
# Files no reader can turn into a document (binary, another encoding, empty, too large): their
# output is the reader's finding alone, which --skip-unrecognized may drop unless the raw text
# shows a workflow.
READER_ONLY = {"P104", "P105", "P106", "P109"}


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _findings(output: bytes | str) -> list[str]:
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    return [line for line in text.splitlines() if FINDING.match(line)]


def _reader_only(fixture: Path) -> bool:
    """Whether a fixture's expected output is a reader's finding alone (no document at all)."""
    out_file = fixture.with_name(fixture.name + ".out")
    if not out_file.exists():
        return False
    codes = {line.split(": ", 2)[1].split(" ", 1)[0] for line in out_file.read_text("utf-8").splitlines()}
    return codes <= READER_ONLY


class _TolerantLoader(yaml.SafeLoader):
    """PyYAML's safe loader, reading a custom tag (``!Sub``, ``!include``, ``!reference``,
    ``!!python/name:…``) as the plain value it is written on, as the tool owning the file would
    give it some value."""


def _untagged(loader: _TolerantLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


_TolerantLoader.add_multi_constructor("", _untagged)


def _documents(path: Path) -> list[Any] | None:
    """The documents of a corpus file read with the standard libraries, or ``None`` when they
    cannot read it (JSONC with comments and trailing commas, JSON5, a Helm template)."""
    text = path.read_text("utf-8")
    try:
        if path.suffix in YAML_SUFFIXES:
            return list(yaml.load_all(text, Loader=_TolerantLoader))
        return [json.loads(text)]
    except (ValueError, yaml.YAMLError):
        return None


def test_the_corpus_is_large_and_varied() -> None:
    assert len(NON_WORKFLOWS) >= 45
    kinds = {path.relative_to(NON_WORKFLOWS_DIR).parts[0] for path in NON_WORKFLOWS}
    assert len(kinds) >= 40
    suffixes = {path.suffix for path in NON_WORKFLOWS}
    assert {".json", ".yaml", ".yml", ".ipynb"} <= suffixes
    unreadable = [_relative(path) for path in NON_WORKFLOWS if _documents(path) is None]
    assert unreadable, "the corpus must hold files the standard parsers cannot read (JSONC, templates)"


def test_the_corpus_also_holds_names_the_hook_does_not_exclude() -> None:
    """The hook's ``exclude`` pattern must not be what keeps it quiet: the kinds it excludes by
    name are in the corpus under other real names too, so recognition itself is tested."""
    from .test_precommit import HOOK

    excluded = [path for path in NON_WORKFLOWS if re.search(HOOK["exclude"], _relative(path))]
    assert excluded, "the corpus should also hold the names the hook excludes"
    kept = {_relative(path) for path in NON_WORKFLOWS} - {_relative(path) for path in excluded}
    for name in (
        "github-actions/ci/ci-github-actions.yml",
        "gitlab/ci/build.gitlab-ci.yml",
        "compose/docker-stack.yml",
        "npm/templates/_package.json",
        "tsconfig/bases/node20.json",
        "dotfiles/vscode/settings.json",
        "renovate/presets/default.json",
        "composer/templates/composer.dist.json",
    ):
        assert f"tests/non_workflows/{name}" in kept


def test_the_entry_point_is_silent_on_the_whole_corpus() -> None:
    result = run_entry_point("check", "--skip-unrecognized", *map(_relative, NON_WORKFLOWS), timeout=300)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert _findings(output) == [], output
    assert result.returncode == 0, output
    assert "Found" not in output, output


def test_the_entry_point_is_silent_on_the_corpus_folder() -> None:
    result = run_entry_point("check", "--skip-unrecognized", _relative(NON_WORKFLOWS_DIR), timeout=300)
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert (result.returncode, _findings(output)) == (0, []), output


@pytest.mark.parametrize("path", NON_WORKFLOWS, ids=_relative)
def test_the_entry_point_is_silent_on_each_file(path: Path) -> None:
    result = run_entry_point("check", "--skip-unrecognized", _relative(path))
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert _findings(output) == [], output
    assert result.returncode == 0, output


@pytest.mark.parametrize("path", NON_WORKFLOWS, ids=_relative)
def test_no_corpus_document_looks_like_a_workflow(path: Path) -> None:
    documents = _documents(path)
    if documents is None:
        assert not recognition.mentions_workflow(path.read_bytes())
        assert not recognition.mentions_workflow(path.read_text("utf-8"))
        return
    for index, document in enumerate(documents):
        assert not recognition.looks_like_workflow(document), f"document {index} of {_relative(path)}"


@pytest.mark.parametrize("path", WORKFLOW_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_workflow_fixture_is_still_checked(path: Path) -> None:
    plain = run_entry_point("check", "--format", "concise", "-q", _relative(path))
    skipping = run_entry_point("check", "--format", "concise", "-q", "--skip-unrecognized", _relative(path))
    if _reader_only(path):
        # No document to recognize: reported as without the flag, or (not ours) left alone.
        assert (skipping.returncode, skipping.stdout) in {(plain.returncode, plain.stdout), (0, b"")}
        return
    assert (skipping.returncode, skipping.stdout) == (plain.returncode, plain.stdout), skipping.stdout.decode()
    if path.parent.name == "invalid":
        assert _findings(skipping.stdout), "an invalid fixture must still produce findings"


def test_all_workflow_fixtures_at_once_are_still_checked() -> None:
    paths = [_relative(path) for path in WORKFLOW_FIXTURES if not _reader_only(path)]
    plain = run_entry_point("check", "--format", "concise", "-q", *paths, timeout=300)
    skipping = run_entry_point("check", "--format", "concise", "-q", "--skip-unrecognized", *paths, timeout=300)
    assert (skipping.returncode, skipping.stdout) == (plain.returncode, plain.stdout)
    assert _findings(skipping.stdout)


CALLBACKS = [{"url": "https://hooks.example.com/civitai", "type": ["workflow:*"]}]
STEP = {"$type": "textToImage", "input": {"model": "urn:air:sdxl:checkpoint:civitai:101055@128078", "prompt": "a cat"}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # A body whose steps are missing is still a workflow when its other fields are.
        ({"callbacks": CALLBACKS, "arguments": {"prompt": "a cat"}}, True),
        ({"steps": "oops", "tags": ["a"]}, True),  # malformed steps beside a workflow field
        ({"step": [STEP], "callbacks": CALLBACKS}, True),  # "steps" misspelt
        ({"id": 1, "status": "paid"}, False),  # an order
        ({"steps": ["build", "test"]}, False),  # a release plan
        ({"id": "wf_01", "status": "succeeded", "steps": [{**STEP, "name": "0", "status": "succeeded"}]}, True),
        ({"id": "x", "status": "succeeded", "callbacks": []}, True),
        ({"steps": [{"input": {"prompt": "a cat"}}]}, True),  # the step type missing, the input there
        ({"steps": [{"name": "build", "image": "node:20", "commands": ["npm test"]}]}, False),  # Drone
        ({"steps": [{"script": "make test"}], "trigger": ["main"]}, False),  # Azure Pipelines
        ({"steps": [{"input": "Release details", "fields": []}]}, False),  # a Buildkite input step
        ({"$type": "Contoso.Settings, Contoso", "Name": "x"}, False),  # Json.NET type names
        ({"id": 7, "status": "open", "priority": "high", "tags": ["billing"]}, False),  # a support ticket
        ([STEP], False),
        ("steps", False),
        (None, False),
    ],
)
def test_looks_like_workflow(data: Any, expected: bool) -> None:
    assert recognition.looks_like_workflow(data) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"steps": [{"$type": "imageGen" "input": {}}]}', True),
        ("steps:\n  - $type: imageGen\n    input:\n      prompt: 'a cat\n", True),
        ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      Name: !Sub '${Steps}'\n", False),
        ('{\n  // comments\n  "steps": ["build"],\n}\n', False),
        ("The $type of each of the steps is a string.", False),
    ],
)
def test_mentions_workflow(text: str, expected: bool) -> None:
    assert recognition.mentions_workflow(text) is expected
    assert recognition.mentions_workflow(text.encode()) is expected


@pytest.mark.slow
def test_the_hook_over_a_repository_holding_the_corpus(tmp_path: Path, precommit_env: dict[str, str]) -> None:  # noqa: F811
    """The hook exactly as .pre-commit-hooks.yaml defines it (real pre-commit, real git): a
    repository holding the whole corpus and two workflows fails because of the invalid workflow
    alone, and names nothing else."""
    repo = tmp_path / "repo"
    shutil.copytree(NON_WORKFLOWS_DIR, repo)
    (repo / "workflows").mkdir()
    shutil.copy(FIXTURES / "valid" / "submission-chain.yaml", repo / "workflows" / "chain.yaml")
    invalid = FIXTURES / "invalid" / "invented-step-type.yaml"
    shutil.copy(invalid, repo / "workflows" / "speech.yaml")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")

    result = _try_repo(repo, precommit_env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    expected = [
        line.replace(_relative(invalid), "workflows/speech.yaml")
        for line in (invalid.with_name(invalid.name + ".out")).read_text("utf-8").splitlines()
    ]
    assert _findings(result.stdout) == expected, output
    for path in NON_WORKFLOWS:
        assert path.relative_to(NON_WORKFLOWS_DIR).as_posix() not in output
    assert "workflows/chain.yaml" not in output
