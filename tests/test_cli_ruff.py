"""The command line a ruff user already knows (issue 15), through the real entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import FIXTURES, REPO, run_entry_point

VALID = FIXTURES / "valid"
UNKNOWN_KEY = FIXTURES / "invalid" / "unknown-key.json"


def test_check_without_a_path_checks_the_working_directory(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "unknown-key.json")
    result = run_entry_point("check", "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert b"unknown-key.json:2:3: S104" in result.stdout
    assert b"in 1 file" in result.stdout


def test_fix_says_how_many_were_fixed_and_how_many_remain(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("steps:\n  - $type: tts\n    input: {text: hi}\n  - $type: textToImage\n    nmae: x\n")
    result = run_entry_point("check", "--format", "concise", "--fix", "t.yaml", cwd=tmp_path)
    summary = result.stdout.decode().splitlines()
    found = [line for line in summary if line.startswith("Found ")]
    assert len(found) == 1, result.stdout
    assert found[0].endswith(" remaining)."), found
    assert "(1 fixed, " in found[0], found  # "tts" became "textToSpeech"
    assert "textToSpeech" in path.read_text()


def test_diff_with_nothing_to_fix_says_so_and_exits_0(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")  # only unsafe fixes
    result = run_entry_point("check", "--diff", "u.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert b"No errors would be fixed (4 fixes available with --unsafe-fixes)." in result.stderr
    with_unsafe = run_entry_point("check", "--diff", "--unsafe-fixes", "u.json", cwd=tmp_path)
    assert with_unsafe.returncode == 1 and b"+++ " in with_unsafe.stdout


def test_fix_stdin_writes_the_fixed_text_to_stdout() -> None:
    body = b"steps:\n  - $type: tts\n    input: {text: hi}\n"
    result = run_entry_point("check", "--fix", "--stdin-filename", "t.yaml", "-", stdin=body)
    assert result.stdout == body.replace(b"tts", b"textToSpeech"), result.stderr
    assert b"(1 fixed, " in result.stderr
    unsafe_only = UNKNOWN_KEY.read_bytes()
    result = run_entry_point("check", "--fix", "-", stdin=unsafe_only)
    assert result.stdout == unsafe_only  # nothing safe to fix: the text as it was
    assert result.returncode == 1 and b"S104" in result.stderr
    fixed_all = run_entry_point("check", "--fix", "--unsafe-fixes", "-", stdin=unsafe_only)
    assert b'"tags"' in fixed_all.stdout and b"S104" not in fixed_all.stderr


def test_output_format_is_the_ruff_spelling_of_format() -> None:
    result = run_entry_point("check", "--output-format", "json", str(UNKNOWN_KEY))
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"]["errors"] == 4


def test_statistics_as_json() -> None:
    result = run_entry_point("check", "--statistics", "--format", "json", str(UNKNOWN_KEY))
    payload = json.loads(result.stdout)
    assert payload["version"] == 1 and payload["summary"]["errors"] == 4
    assert payload["statistics"] == [
        {"code": "C106", "name": payload["statistics"][0]["name"], "count": 2, "fixable": True},
        {"code": "S104", "name": "unknown-key", "count": 2, "fixable": True},
    ]


def test_version_names_the_catalog_date_and_the_vendored_documents() -> None:
    from civitai_schema import __version__, catalog

    api = json.loads((REPO / "schemas" / "v2-consumers.provenance.json").read_text())
    for args in (("--version",), ("check", "--version")):
        result = run_entry_point(*args)
        assert result.returncode == 0
        text = result.stdout.decode()
        assert text.startswith(f"civitai-schema, version {__version__}\n")
        assert f"catalog as of {catalog.as_of()}" in text
        assert api["version"] in text and api["date"] in text
        assert "civitai-workflow-schema.json" in text


def _codes_found(result: object) -> set[str]:
    out = result.stdout.decode()  # type: ignore[attr-defined]
    return {line.split(": ")[1].split()[0] for line in out.splitlines() if ": " in line and "[" in line}


def test_rule_selection_on_the_command_line_over_the_files(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")
    (tmp_path / "civitai-schema.toml").write_text('ignore = ["C106"]\n')
    base = ("check", "-q", "--format", "concise", "u.json")
    assert _codes_found(run_entry_point(*base, cwd=tmp_path)) == {"S104"}
    assert _codes_found(run_entry_point(*base, "--select", "C106", cwd=tmp_path)) == set()  # file ignore stays
    assert _codes_found(run_entry_point(*base, "--config", "ignore = []", cwd=tmp_path)) == {"S104", "C106"}
    assert _codes_found(run_entry_point(*base, "--ignore", "S104", cwd=tmp_path)) == set()
    assert _codes_found(run_entry_point(*base, "--config", "ignore = []", "--select", "C", cwd=tmp_path)) == {"C106"}
    ignored = run_entry_point(*base, "--config", "ignore = []", "--per-file-ignores", "u.json:S104", cwd=tmp_path)
    assert _codes_found(ignored) == {"C106"}
    selected = run_entry_point(
        *base, "--select", "S104", "--extend-select", "C106", "--config", "ignore=[]", cwd=tmp_path
    )
    assert _codes_found(selected) == {"S104", "C106"}
    shown = json.loads(run_entry_point("check", "--show-settings", "--select", "S", "u.json", cwd=tmp_path).stdout)
    assert shown["select"] == ["S"] and shown["ignore"] == ["C106"]
    assert shown["config"].endswith("civitai-schema.toml")


def test_config_path_and_fragments_together(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")
    (tmp_path / "other.toml").write_text('select = ["S104"]\n')
    result = run_entry_point("check", "-q", "--format", "concise", "--config", "other.toml", "u.json", cwd=tmp_path)
    assert _codes_found(result) == {"S104"}
    both = ("--config", "other.toml", "--config", "extend-select = ['C106']")
    result = run_entry_point("check", "-q", "--format", "concise", *both, "u.json", cwd=tmp_path)
    assert _codes_found(result) == {"S104", "C106"}


def test_bad_overrides_exit_2_naming_the_option(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")
    for args, said in [
        (("--select", "S1999"), b"S1999"),
        (("--config", "select = ["), b"not a TOML setting"),
        (("--config", "colour = 1"), b"colour"),
        (("--per-file-ignores", "u.json"), b"PATTERN:CODES"),
    ]:
        result = run_entry_point("check", *args, "u.json", cwd=tmp_path)
        assert result.returncode == 2 and said in result.stderr, (args, result.stderr)


def test_shell_completion_as_the_readme_documents_it() -> None:
    import os
    import subprocess
    import sys

    command = Path(sys.executable).parent / "civitai-schema"
    if not command.exists():
        import pytest

        pytest.skip("the console script is not installed beside this Python")
    readme = (REPO / "README.md").read_text()
    assert "_CIVITAI_SCHEMA_COMPLETE=bash_source civitai-schema" in readme
    for shell in ("bash", "zsh", "fish"):
        env = {**os.environ, "_CIVITAI_SCHEMA_COMPLETE": f"{shell}_source"}
        script = subprocess.run([str(command)], env=env, capture_output=True, check=False, timeout=60)
        assert script.returncode == 0 and b"_CIVITAI_SCHEMA_COMPLETE" in script.stdout, shell
    env = {
        **os.environ,
        "_CIVITAI_SCHEMA_COMPLETE": "bash_complete",
        "COMP_WORDS": "civitai-schema check --output-f",
        "COMP_CWORD": "2",
    }
    done = subprocess.run([str(command)], env=env, capture_output=True, check=False, timeout=60)
    assert b"--output-format" in done.stdout and b"--output-file" in done.stdout


def test_skipped_files_are_not_counted_as_checked(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "settings.yaml").write_text("steps:\n  - build\n  - test\n")
    shutil.copy(UNKNOWN_KEY, tmp_path / "u.json")
    shutil.copy(VALID / "submission-sdxl-sdcpp.json", tmp_path / "v.json")
    result = run_entry_point("check", "--format", "json", "--skip-unrecognized", ".", cwd=tmp_path)
    assert json.loads(result.stdout)["summary"]["files"] == 2
    alone = run_entry_point("check", "--format", "concise", "--skip-unrecognized", "package.json", cwd=tmp_path)
    assert alone.returncode == 0 and alone.stdout == b"All checks passed (0 files).\n"
    assert alone.stderr == b""  # not "no JSON or YAML files found": there was one, and it is not ours
    counted = run_entry_point("check", "--format", "json", ".", cwd=tmp_path)
    assert json.loads(counted.stdout)["summary"]["files"] == 4  # without the option every file is checked
