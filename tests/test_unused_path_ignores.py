"""U001 for a per-path-ignores entry speaks only about the files the run checked: a pre-commit
run that does not touch an entry's file must not tell people to delete the entry."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import invoke

BODY = {"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", "prompt": "x", "seed": 3000000000}}]}
CONFIG = (
    "[[per-path-ignores]]\n"
    'files = "templates/*.json"\npath = "/steps/*/input/seed"\nrules = ["N109"]\n\n'
    "[[per-path-ignores]]\n"
    'files = "records/*.json"\npath = "/steps/*/input/model"\nrules = ["N103"]\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for folder in ("templates", "records", "other"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "w.json").write_text(json.dumps(BODY, indent=2))
    (tmp_path / "civitai-schema.toml").write_text(CONFIG)
    return tmp_path


def _unused(output: str) -> list[str]:
    return [line for line in output.splitlines() if " U001 " in line]


def test_an_entry_whose_files_were_not_checked_is_not_called_unused(project: Path) -> None:
    # The pre-commit run that touches only other/w.json: neither entry's files were checked.
    assert _unused(invoke("check", "--format", "concise", str(project / "other" / "w.json")).output) == []
    # templates/w.json was checked and its entry used: still nothing to report.
    assert _unused(invoke("check", "--format", "concise", str(project / "templates" / "w.json")).output) == []


def test_an_entry_whose_files_were_checked_and_that_suppressed_nothing_is_unused(project: Path) -> None:
    (unused,) = _unused(invoke("check", "--format", "concise", str(project / "records" / "w.json")).output)
    assert unused.startswith(f"{project / 'civitai-schema.toml'}:8:1: U001 [warning]")
    assert '"/steps/*/input/model" in records/*.json' in unused
    # A walk of the whole project checks both entries' files.
    assert len(_unused(invoke("check", "--format", "concise", str(project)).output)) == 1


def test_u001_names_the_configuration_file_relative_to_the_working_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civitai_schema import api

    monkeypatch.chdir(project)
    report = api.check_paths(["records/w.json"])
    (unused,) = [f for f in report.findings if f.code == "U001"]
    assert unused.file == "civitai-schema.toml"
    report = api.check_paths([os.path.join(os.curdir, "records")])
    assert {f.file for f in report.findings} == {"civitai-schema.toml", "records/w.json"}
