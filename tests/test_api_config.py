"""The library finds configuration as the command line does, and takes select/ignore (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import civitai_schema
from civitai_schema import api, config
from tests.conftest import FIXTURES, run_entry_point

UNKNOWN_KEY = FIXTURES / "invalid" / "unknown-key.json"


def _codes(report: civitai_schema.Report) -> set[str]:
    return {f.code for f in report.findings}


def test_check_file_and_check_paths_find_the_configuration_like_the_cli(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")
    (tmp_path / "civitai-schema.toml").write_text('ignore = ["C106"]\n')
    cli = run_entry_point("check", "--format", "json", "u.json", cwd=tmp_path)
    assert b"C106" not in cli.stdout and b"S104" in cli.stdout
    assert _codes(civitai_schema.check_file(tmp_path / "u.json")) == {"S104"}
    assert _codes(civitai_schema.check_paths([tmp_path])) == {"S104"}
    assert _codes(civitai_schema.check_file(tmp_path / "u.json", isolated=True)) == {"S104", "C106"}
    (tmp_path / "other.toml").write_text('select = ["C106"]\n')
    assert _codes(civitai_schema.check_paths([tmp_path], config=tmp_path / "other.toml")) == {"C106"}


def test_select_and_ignore_go_over_the_configuration(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")
    (tmp_path / "civitai-schema.toml").write_text('ignore = ["C106"]\n')
    path = tmp_path / "u.json"
    assert _codes(civitai_schema.check_file(path, ignore=["S104"])) == set()
    assert _codes(civitai_schema.check_file(path, isolated=True, select=["C"])) == {"C106"}
    assert _codes(civitai_schema.check_paths([path], isolated=True, extend_select=["S"], select=["C106"])) == {
        "S104",
        "C106",
    }
    with pytest.raises(config.ConfigError, match="S1999"):
        civitai_schema.check_file(path, select=["S1999"])
    with pytest.raises(TypeError):
        civitai_schema.check_file(path, select="S104")  # type: ignore[arg-type]


def test_the_options_object_takes_select_and_ignore() -> None:
    body = UNKNOWN_KEY.read_bytes()
    opts = api.options(ignore=["S104"])
    assert _codes(civitai_schema.pipeline.check_bytes("u.json", body, opts)) == {"C106"}
    opts = api.options(select=["unknown-key"])
    assert _codes(civitai_schema.pipeline.check_bytes("u.json", body, opts)) == {"S104"}
    per_file = api.options(per_file_ignores={"*.json": ["C"]})
    assert _codes(civitai_schema.pipeline.check_bytes("u.json", body, per_file)) == {"S104"}


def test_fix_outcome_is_exported() -> None:
    assert "FixOutcome" in civitai_schema.__all__
    outcome = civitai_schema.fix_text("steps:\n  - $type: tts\n    input: {text: hi}\n", filename="t.yaml")
    assert isinstance(outcome, civitai_schema.FixOutcome) and outcome.changed


def test_check_and_check_text_take_select_and_ignore() -> None:
    text = UNKNOWN_KEY.read_text()
    assert _codes(civitai_schema.check_text(text, filename="u.json", ignore=["S104"])) == {"C106"}
    import json

    assert _codes(civitai_schema.check(json.loads(text), select=["S104"])) == {"S104"}
