"""Files are named relative to the working directory, without a leading ./, in every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from civitai_schema.paths import shown

BAD = '{"steps": [{"$type": "imageGen", "input": {"prompt": 1}}]}'


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("./a.json", "a.json"),
        (".//a.json", "a.json"),
        ("././sub/a.json", "sub/a.json"),
        ("sub/a.json", "sub/a.json"),
        ("../a.json", "../a.json"),
        (".", "."),
        ("./", "."),
        ("-", "-"),
        ("<stdin>", "<stdin>"),
    ],
)
def test_relative_paths_lose_their_leading_dot(given: str, expected: str) -> None:
    assert shown(given.replace("/", os.sep)) == expected.replace("/", os.sep)


def test_absolute_paths_inside_the_working_directory_become_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown(str(tmp_path / "sub" / "a.json")) == os.path.join("sub", "a.json")
    assert shown(str(tmp_path)) == str(tmp_path)  # (the folder itself: as given)
    outside = str(tmp_path.parent / "elsewhere.json")
    assert shown(outside) == outside
    assert shown(str(tmp_path) + "-sibling/a.json") == str(tmp_path) + "-sibling/a.json"  # (not a prefix match)


def _run(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "civitai_schema", "check", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    return done.stdout


@pytest.mark.parametrize("fmt", ["concise", "json", "sarif", "github", "junit", "gitlab"])
def test_every_format_names_files_from_the_working_directory(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "w.json").write_text(BAD)
    variants = [["."], [], ["./sub"], [str(tmp_path / "sub")], ["./sub/w.json"], [str(tmp_path / "sub" / "w.json")]]
    for args in variants if fmt == "concise" else variants[:1]:
        output = _run(tmp_path, "--format", fmt, *args)
        assert "sub/w.json" in output, (args, output)
        assert "./sub" not in output and str(tmp_path) not in output.replace(Path(tmp_path).as_uri(), ""), args


def test_the_json_report_names_the_file_as_written(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text(BAD)
    findings = json.loads(_run(tmp_path, "--format", "json", "./w.json"))["findings"]
    assert {f["file"] for f in findings} == {"w.json"}
