"""Configuration: discovery (closest wins), precedence, every key, and bad configurations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from civitai_schema import config

from .conftest import FIXTURES, default_exit_status, invoke, text_findings

BODY = FIXTURES / "invalid" / "air-identifiers.yaml"


def codes(*args: str) -> list[str]:
    result = invoke("check", "-q", "--format", "concise", *args)
    assert result.exit_code == default_exit_status(result.output), result.output
    return [code for code, _ in text_findings(result.output)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "templates" / "nested").mkdir(parents=True)
    shutil.copy(BODY, tmp_path / "templates" / "air.yaml")
    shutil.copy(BODY, tmp_path / "templates" / "nested" / "air.yaml")
    return tmp_path


def test_defaults_without_configuration(project: Path) -> None:
    assert codes(str(project / "templates" / "air.yaml")).count("A107") == 1


def test_pyproject_table_is_found_upward(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.civitai-schema]\nignore = ["A107", "air-sd3-checkpoint"]\n')
    found = codes(str(project / "templates" / "nested" / "air.yaml"))
    assert "A107" not in found and "A110" not in found and "A101" in found


def test_the_closest_configuration_wins(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.civitai-schema]\nignore = ["A"]\n')
    (project / "templates" / "nested" / ".civitai-schema.toml").write_text('select = ["A101"]\n')
    assert codes(str(project / "templates" / "nested" / "air.yaml")) == ["A101"]
    assert codes(str(project / "templates" / "air.yaml")) == []


def test_precedence_within_a_folder(project: Path) -> None:
    folder = project / "templates"
    (folder / "pyproject.toml").write_text('[tool.civitai-schema]\nselect = ["A103"]\n')
    (folder / ".civitai-schema.toml").write_text('select = ["A104"]\n')
    (folder / "civitai-schema.toml").write_text('select = ["A105"]\n')
    assert codes(str(folder / "air.yaml")) == ["A105"]
    (folder / "civitai-schema.toml").unlink()
    assert codes(str(folder / "air.yaml")) == ["A104"]
    (folder / ".civitai-schema.toml").unlink()
    assert codes(str(folder / "air.yaml")) == ["A103"]


def test_a_pyproject_without_our_table_is_skipped(project: Path) -> None:
    (project / "templates" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (project / "civitai-schema.toml").write_text('select = ["A101"]\n')
    assert codes(str(project / "templates" / "air.yaml")) == ["A101"]


def test_a_pyproject_is_parsed_only_when_it_names_us(project: Path) -> None:
    pyproject = project / "templates" / "pyproject.toml"
    pyproject.write_text("[project\nname = ")  # broken, but not ours: skipped unread as TOML
    (project / "civitai-schema.toml").write_text('select = ["A101"]\n')
    assert codes(str(project / "templates" / "air.yaml")) == ["A101"]
    pyproject.write_text("[tool.civitai-schema\nselect = ")
    done = invoke("check", str(project / "templates" / "air.yaml"))
    assert done.exit_code == 2 and "pyproject.toml: not valid TOML" in done.output


OUR_TABLE_WRITTEN_EVERY_WAY = [
    '[tool.civitai-schema]\nselect = ["A"]\n',
    '[ tool . "civitai-schema" ]\nselect = ["A"]\n',
    "['tool'.'civitai-schema'.severity]\nA101 = 'info'\n",
    "[[tool.civitai-schema]]\nx = 1\n",
    '[tool]\ncivitai-schema = { select = ["A"] }\n',
    '[tool]\n"civitai-schema".select = ["A"]\n',
    'tool.civitai-schema.select = ["A"]\n',
    'tool . "civitai-schema" . select = ["A"]\n',
    'tool = { civitai-schema = { select = ["A"] } }\n',
    '"tool" = { "civitai-schema" = {} }\n',
    '[tool."civitai\\u002dschema"]\nselect = ["A"]\n',
    '[project]\nname = "x"\n\n  [tool.civitai-schema]\nselect = ["A"]\n',
]
NOT_OUR_TABLE = [
    '[project]\nname = "civitai-schema"\n[project.scripts]\ncivitai-schema = "civitai_schema.cli:main"\n',
    '[project.optional-dependencies]\ndev = ["civitai-schema>=1", "ruff"]\n[tool.ruff]\nline-length = 100\n',
    '[tool.poetry.group.dev.dependencies]\ncivitai-schema = "^1"\n',
]


@pytest.mark.parametrize("text", OUR_TABLE_WRITTEN_EVERY_WAY)
def test_every_spelling_of_our_pyproject_table_is_parsed(text: str) -> None:
    assert "civitai-schema" in config._toml().loads(text)["tool"]  # the case really opens our table
    assert config._MAY_HOLD_OUR_TABLE.search(text.encode())


@pytest.mark.parametrize("text", NOT_OUR_TABLE)
def test_a_pyproject_that_only_names_us_is_not_parsed(text: str, project: Path) -> None:
    assert "civitai-schema" not in config._toml().loads(text).get("tool", {})
    assert not config._MAY_HOLD_OUR_TABLE.search(text.encode())
    (project / "templates" / "pyproject.toml").write_text(text + "[broken\n")  # never parsed
    (project / "civitai-schema.toml").write_text('select = ["A101"]\n')
    assert codes(str(project / "templates" / "air.yaml")) == ["A101"]


def test_config_and_isolated_flags(project: Path) -> None:
    (project / "civitai-schema.toml").write_text('select = ["A101"]\n')
    other = project / "other.toml"
    other.write_text('select = ["A106"]\n')
    target = str(project / "templates" / "air.yaml")
    assert codes("--config", str(other), target) == ["A106"]
    assert "A107" in codes("--isolated", target)


def test_select_extend_select_ignore_by_prefix_and_name(project: Path) -> None:
    (project / "civitai-schema.toml").write_text(
        'select = ["A10"]\nextend-select = ["air-sd3-checkpoint"]\nignore = ["A101", "air-unknown-type"]\n'
    )
    found = set(codes(str(project / "templates" / "air.yaml")))
    assert found == {"A102", "A103", "A105", "A106", "A107", "A108", "A109", "A110"}


def test_per_file_ignores_severity_and_kind(project: Path) -> None:
    (project / "records").mkdir()
    (project / "records" / "r.json").write_text('{"steps": [{"$type": "echo", "input": {"message": "x"}}]}')
    (project / "civitai-schema.toml").write_text(
        '[per-file-ignores]\n"templates/nested/*.yaml" = ["A"]\n'
        '[severity]\nA107 = "error"\nair-incompatible-ecosystem = "info"\n'
        '[kind]\n"records/**" = "workflow"\n'
    )
    result = invoke("check", "--format", "json", str(project))
    payload = json.loads(result.output)
    by_file: dict[str, list[tuple[str, str]]] = {}
    for f in payload["findings"]:
        by_file.setdefault(Path(f["file"]).relative_to(project).as_posix(), []).append((f["code"], f["severity"]))
    assert "templates/nested/air.yaml" not in by_file
    assert ("A107", "error") in by_file["templates/air.yaml"] and ("A109", "info") in by_file["templates/air.yaml"]
    # Checked as a record (as a request body it is clean): what the workflow and its step lack.
    assert by_file["records/r.json"] == [("R106", "warning"), ("R106", "warning")]


def test_include_and_exclude(project: Path) -> None:
    (project / "templates" / "w.workflow").write_text('{"steps": []}')
    (project / "civitai-schema.toml").write_text('include = ["*.workflow"]\nexclude = ["nested/"]\n')
    result = invoke("check", "--format", "json", str(project))
    files = {Path(d["file"]).name for d in json.loads(result.output)["documents"]}
    assert files == {"w.workflow"}


def test_rule_options(tmp_path: Path) -> None:
    (tmp_path / "civitai-schema.toml").write_text(
        '[options]\nextra-ecosystems = ["myeco"]\nallowed-callback-hosts = ["localhost"]\npixel-budget = {sd1 = 10}\n'
    )
    body = {
        "steps": [
            {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sd1", "operation": "createImage",
             "model": "urn:air:myeco:checkpoint:civitai:1@2", "prompt": "x", "width": 1536, "height": 1536}},
        ],
        "callbacks": [{"url": "https://localhost/hook", "type": ["workflow:*"]}],
    }  # fmt: skip
    path = tmp_path / "w.json"
    path.write_text(json.dumps(body))
    assert codes(str(path)) == []
    assert set(codes("--isolated", str(path))) == {"A103", "C102", "D104"}


def test_show_settings(project: Path) -> None:
    (project / "civitai-schema.toml").write_text('ignore = ["A107"]\n')
    result = invoke("check", "--show-settings", str(project / "templates" / "air.yaml"))
    shown = json.loads(result.output)
    assert result.exit_code == 0
    assert shown["config"].endswith("civitai-schema.toml") and shown["ignore"] == ["A107"]
    assert "A107" not in shown["enabled-rules"] and "A101" in shown["enabled-rules"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('selct = ["A"]\n', ["selct", "unknown key", "select"]),
        ('select = ["Z9"]\n', ["select", '"Z9" names no rule']),
        ('select = "A"\n', ["select", "list of strings"]),
        ('[severity]\nA101 = "fatal"\n', ["severity.A101", "error, warning, info"]),
        ('[kind]\n"*" = "request"\n', ["kind.*", "submission, workflow"]),
        ("[options]\ncolour = 1\n", ["options.colour", "allowed"]),
        ("select = [\n", ["not valid TOML"]),
        ('[[per-path-ignores]]\nfiles = "*"\npath = "steps"\n', ["per-path-ignores[0].path", "starts with '/'"]),
        ("select = " + "[" * 100_000 + "]" * 100_000 + "\n", ["not valid TOML", "nested too deeply"]),
    ],
)
def test_a_bad_configuration_exits_2_naming_file_key_and_what_is_allowed(
    tmp_path: Path, content: str, words: list[str]
) -> None:
    (tmp_path / "civitai-schema.toml").write_text(content)
    shutil.copy(BODY, tmp_path / "w.yaml")
    result = invoke("check", str(tmp_path / "w.yaml"))
    assert result.exit_code == 2
    assert "bad configuration" in result.output and "civitai-schema.toml" in result.output
    for word in words:
        assert word in result.output
    assert "Traceback" not in result.output


def test_glob_matching() -> None:
    assert config.glob_match("*.json", "a/b/c.json")
    assert config.glob_match("records/**", "records/2026/x.json")
    assert config.glob_match("records/", "records/x.json")
    assert config.glob_match("a/**/c.json", "a/c.json") and config.glob_match("a/**/c.json", "a/b/b/c.json")
    assert not config.glob_match("a/*.json", "b/a/x.json")


@pytest.mark.parametrize(
    "content", ["tool = {civitai-schema = 1}\n", '[tool]\ncivitai-schema = "x"\n', "tool.civitai-schema = [1]\n"]
)
def test_a_pyproject_table_of_ours_that_is_not_a_table_exits_2(tmp_path: Path, content: str) -> None:
    (tmp_path / "pyproject.toml").write_text(content)
    shutil.copy(BODY, tmp_path / "w.yaml")
    result = invoke("check", str(tmp_path / "w.yaml"))
    assert result.exit_code == 2 and "tool.civitai-schema: expected a table" in result.output


def test_an_oversized_configuration_exits_2_without_being_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civitai_schema import config

    monkeypatch.setattr(config, "MAX_CONFIG_BYTES", 100)
    (tmp_path / "civitai-schema.toml").write_text("# " + "x" * 200 + "\n")
    shutil.copy(BODY, tmp_path / "w.yaml")
    result = invoke("check", str(tmp_path / "w.yaml"))
    assert result.exit_code == 2 and "a configuration is a few lines" in result.output


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_configuration_that_is_not_a_regular_file_exits_2_without_waiting(tmp_path: Path, special: str) -> None:
    """--config on a FIFO waited for a writer for ever, and on /dev/zero read for ever."""
    import os
    import subprocess
    import sys

    if special == "fifo":
        os.mkfifo(tmp_path / "fifo.toml")
        special = str(tmp_path / "fifo.toml")
    shutil.copy(BODY, tmp_path / "w.yaml")
    command = [sys.executable, "-m", "civitai_schema", "check", "--config", special, "w.yaml"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, check=False, timeout=60)
    assert done.returncode == 2 and b"not a regular file" in done.stderr
