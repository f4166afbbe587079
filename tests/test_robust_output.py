"""Every output well-formed and safe (issue 18), for any key, value and file name: JSON outputs
parse with ``json.loads``, XML with a parser, both as strict UTF-8; nothing from a document or a
file name reaches a terminal as a control character (ESC, C1), a bidi control or a line
separator; SARIF URIs are percent-encoded.

The escaping, one per kind of output:

- JSON (json, jsonl, sarif, gitlab, ``coverage --format json``): a lone surrogate, such as the
  U+DCFF that ``os.fsdecode`` makes of a file name's undecodable byte 0xff, is the JSON escape
  ``\\udcff``; ``json.loads`` gives back the very string, and ``os.fsencode`` the name's bytes.
- URIs (SARIF ``uri``): the name's bytes percent-encoded (``bad%FF.json``, ``a%23b.json``).
- XML (junit): what people see in the terminal, and an undecodable byte as the text ``\\xff``.
- Text for people (full, concise, github, messages, --diff, --show-fixes, coverage): control
  characters as their pictures (␛), C1 and bidi controls, U+2028/U+2029 and an undecodable byte
  0x80-0x9F as U+FFFD, one character for one; other undecodable bytes are written as they are.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_schema.findings import Edit, Finding, Fix, Report, Severity, printable, printable_lines
from civitai_schema.fix_actions import Replace
from civitai_schema.formatters import FORMATTERS, View, uri

from .conftest import REPO, invoke

JSON_FORMATS = ("json", "jsonl", "sarif", "gitlab")
PEOPLE_FORMATS = ("full", "concise", "github")
ALL_FORMATS = (*JSON_FORMATS, "junit", *PEOPLE_FORMATS)

# What must never reach a terminal raw: C0 controls but tab and newline, DEL, C1 controls, bidi
# controls, the line and paragraph separators, and (as bytes) 0x80-0x9F outside UTF-8 sequences.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\udc80-\udc9f]|\r(?!\n)"
)
_SGR = re.compile("\x1b\\[[0-9;]*m")


def unsafe_in(text: str, *, styled: bool = False) -> list[str]:
    return _UNSAFE.findall(_SGR.sub("", text) if styled else text)


def raw_c1_bytes(data: bytes) -> bool:
    """ESC, or a C1 control: as a character (U+0080-U+009F), or as a byte 0x80-0x9F outside any
    UTF-8 sequence (which an 8-bit terminal takes for one)."""
    return bool(re.search("[\x1b\x80-\x9f\udc80-\udc9f]", data.decode("utf-8", "surrogateescape")))


# The formatters, for any text.

_ANY_TEXT = st.text(st.characters(codec=None), max_size=20)  # (every code point, lone surrogates too)
_NAMES = st.one_of(
    _ANY_TEXT, st.sampled_from(["bad\udcff.json", "a#b.json", "a:b.json", "\x1b[2J.json", "\u202egnp.json"])
)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    findings = []
    for _ in range(draw(st.integers(1, 3))):
        file = draw(_NAMES)
        fix = None
        if draw(st.booleans()):
            fix = Fix(draw(_ANY_TEXT), "safe", Replace(None), (Edit(0, 1, draw(_ANY_TEXT)),))
        severity, message, path, hint = draw(st.sampled_from(list(Severity))), draw(_ANY_TEXT), draw(_ANY_TEXT), None
        if draw(st.booleans()):
            hint = draw(_ANY_TEXT)
        findings.append(Finding("S104", "unknown-key", severity, message, path, file, 1, 1, 1, 2, hint, fix=fix))
    sources = {f.file or "": draw(_ANY_TEXT) for f in findings}
    return Report(tuple(findings), files=len(findings), sources=sources)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(), st.booleans())
def test_every_output_is_well_formed_for_any_text(report: Report, color: bool) -> None:
    view = View(color=color)
    for fmt in JSON_FORMATS:
        text = FORMATTERS[fmt](report, view)
        text.encode("utf-8")  # strict: no lone surrogate left to become a raw byte
        loaded = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else json.loads(text)
        if fmt == "json":
            assert [f["file"] for f in loaded["findings"]] == [f.file for f in report.findings]  # (lossless)
            assert [f["message"] for f in loaded["findings"]] == [f.message for f in report.findings]
        if fmt == "jsonl":
            assert [f["path"] for f in loaded] == [f.path for f in report.findings]
    junit = FORMATTERS["junit"](report, view)
    ET.fromstring(junit.encode("utf-8"))
    for fmt in PEOPLE_FORMATS:
        text = FORMATTERS[fmt](report, view)
        assert not unsafe_in(text, styled=color), (fmt, text)


@given(_ANY_TEXT)
def test_printable_is_one_character_for_one_on_a_line(text: str) -> None:
    """(Code frames put carets under the shown line, and messages are bounded before they are
    made printable, so nothing may change their length.)"""
    shown = printable(text)
    assert not unsafe_in(shown) and "\n" not in shown and len(shown) == len(text)
    assert printable_lines(text).count("\n") == text.count("\n")


def test_uris_are_percent_encoded() -> None:
    assert uri("fixtures/invalid/unknown-key.json") == "fixtures/invalid/unknown-key.json"
    assert uri("a#b.json") == "a%23b.json"
    assert uri("a:b.json") == "a%3Ab.json"  # (not a scheme)
    assert uri("dir/a b?.json") == "dir/a%20b%3F.json"
    assert uri(os.fsdecode(b"bad\xff.json")) == "bad%FF.json"
    assert uri("é.json") == "%C3%A9.json"
    assert uri("x\ud800.json") == "x%ED%A0%80.json"


# Through the command, with hostile file names on disk.

HOSTILE_BODY = (
    '{"steps": [{"$type": "tts", "input": {"nmae\\u202e\\u2028": "\\u001b]0;pwn\\u0007\\u009b2J"}}],'
    ' "callbackUrl": "http://x"}'
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    names = [b"bad\xff.json", b"c1\x9b.json", b"a#b.json", b"esc\x1b[31m.json", "bidi\u202e\u2028.json".encode()]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_text(HOSTILE_BODY, "utf-8")
    return tmp_path


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8:strict"}
    environment.pop("FORCE_COLOR", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "civitai_schema", *args],
        cwd=cwd,
        capture_output=True,
        timeout=60,
        check=False,
        env=environment,
    )


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_hostile_file_names_in_every_format(hostile: Path, fmt: str) -> None:
    done = run("check", "--format", fmt, ".", cwd=hostile)
    assert done.returncode == 1, done.stderr
    assert b"internal error" not in done.stderr and b"Traceback" not in done.stderr
    if fmt in JSON_FORMATS:
        text = done.stdout.decode("utf-8")  # strict UTF-8: no raw 0xff
        loaded = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else json.loads(text)
        if fmt == "json":
            files = {os.fsencode(f["file"]) for f in loaded["findings"]}
            assert b"bad\xff.json" in files and b"esc\x1b[31m.json" in files  # (round trip)
        if fmt == "sarif":
            uris = {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in loaded["runs"][0]["results"]
            }
            assert {"bad%FF.json", "a%23b.json", "c1%9B.json", "esc%1B%5B31m.json"} <= uris
        if fmt == "gitlab":
            assert "bad\udcff.json" in {issue["location"]["path"] for issue in loaded}
    elif fmt == "junit":
        root = ET.fromstring(done.stdout)
        names = {case.get("name") for case in root.iter("testcase")}
        assert "bad\\xff.json" in names and "c1\\x9b.json" in names and "esc␛[31m.json" in names
    else:
        assert not raw_c1_bytes(done.stdout), done.stdout
        text = done.stdout.decode("utf-8", "surrogateescape")
        assert not unsafe_in(text)
        assert "c1\ufffd.json" in text and "esc␛[31m.json" in text
        assert b"bad\xff.json" in done.stdout  # (an undecodable byte outside C1: as it is on disk)


def test_colour_keeps_only_our_own_sequences(hostile: Path) -> None:
    for fmt in ("full", "concise"):
        done = run("check", "--format", fmt, ".", cwd=hostile, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
        text = done.stdout.decode("utf-8", "surrogateescape")
        assert _SGR.search(text), "colour was asked for"
        assert not unsafe_in(text, styled=True) and "\x1b" not in _SGR.sub("", text)


def test_the_diff_and_the_list_of_fixes_are_safe(tmp_path: Path) -> None:
    """The diff shows the document's own lines, where JSON allows raw C1 and bidi characters."""
    name = "fix\x1b]0;t\x07.json"
    (tmp_path / name).write_text(
        '{"steps": [{"$type": "tts", "input": {"text": "\u202eevil\u009b2J\u2028"}}]}\r\n', "utf-8"
    )
    done = run("check", "--diff", "--show-fixes", name, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    for stream in (done.stdout, done.stderr):
        text = stream.decode("utf-8")
        assert not unsafe_in(text) and "\x1b" not in text, text
    assert '-{"steps"' in done.stdout.decode() and "\r\n" in done.stdout.decode()  # (CRLF lines kept)
    assert "Would fix 1 in fix␛]0;t␇.json" in done.stderr.decode()


def test_error_messages_name_paths_safely(tmp_path: Path) -> None:
    done = run("check", "no\x1b[2Jsuch\u202e.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode() == "civitai-schema: error: no such file or folder: no␛[2Jsuch\ufffd.json\n"


def test_the_coverage_table_is_safe(hostile: Path) -> None:
    (hostile / "types.json").write_text('{"steps": [{"$type": "x\\u001b[2J\\u009b\\u202e", "input": {}}]}')
    done = run("coverage", ".", cwd=hostile)
    assert done.returncode == 0, done.stderr
    assert not unsafe_in(done.stdout.decode("utf-8")) and "x␛[2J\ufffd\ufffd" in done.stdout.decode()
    done = run("coverage", "--format", "json", ".", cwd=hostile)
    json.loads(done.stdout.decode("utf-8"))


def test_github_properties_carry_no_escape_sequences(hostile: Path) -> None:
    done = run("check", "--format", "github", ".", cwd=hostile)
    text = done.stdout.decode("utf-8", "surrogateescape")
    assert "file=esc␛[31m.json" in text and not unsafe_in(text)


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_bidi_controls_and_line_separators_reach_no_terminal(tmp_path: Path, fmt: str) -> None:
    """U+202E reorders what follows it on the screen; U+2028 breaks a line where none ends."""
    (tmp_path / "w.json").write_text(
        '{"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "x",'
        ' "k\u202eyek\u2028": 1}}]}',
        "utf-8",
    )
    done = run("check", "--format", fmt, "w.json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    text = done.stdout.decode("utf-8")
    assert "k\ufffdyek\ufffd" in text and not unsafe_in(text)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")))
def test_any_file_name_in_every_format(tmp_path: Path, name: bytes) -> None:
    """Through the command (in-process), a file of any name, with findings and fixes."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / os.fsdecode(name + b".json")
    path.write_text('{"steps": [{"$type": "tts", "input": {}}], "nmae": 1}', "utf-8")
    for fmt in ALL_FORMATS:
        result = invoke("check", "--format", fmt, str(path))
        assert result.exit_code == 1, result.output
        data = result.stdout_bytes
        if fmt in JSON_FORMATS:
            text = data.decode("utf-8")
            if fmt == "jsonl":
                for line in text.splitlines():
                    json.loads(line)
            else:
                json.loads(text)
        elif fmt == "junit":
            ET.fromstring(data)
        else:
            assert not raw_c1_bytes(data) and not unsafe_in(data.decode("utf-8", "surrogateescape")), data
    shutil.rmtree(folder)


_DOCUMENT_TEXT = st.text(st.characters(codec=None), max_size=10)  # (json.dumps escapes lone surrogates)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(_DOCUMENT_TEXT, st.one_of(_DOCUMENT_TEXT, st.integers(), st.booleans()), min_size=1, max_size=4))
def test_any_key_and_value_in_every_format(tmp_path: Path, members: dict[str, object]) -> None:
    """Through the command (in-process): keys and values of any text, at the top, in a step
    and in its input, so they reach messages, pointers and code frames."""
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"steps": [{"$type": "tts", "input": members, **members}], **members}), "utf-8")
    reported = json.loads(invoke("check", "--format", "json", str(path)).stdout)
    expected = 1 if any(f["severity"] == "error" for f in reported["findings"]) else 0  # (default --fail-on)
    for fmt in ALL_FORMATS:
        result = invoke("check", "--format", fmt, str(path))
        assert result.exit_code == expected, result.output
        data = result.stdout_bytes
        if fmt == "jsonl":
            for line in data.decode("utf-8").splitlines():
                json.loads(line)
        elif fmt in JSON_FORMATS:
            json.loads(data.decode("utf-8"))
        elif fmt == "junit":
            ET.fromstring(data)
        else:
            assert not raw_c1_bytes(data) and not unsafe_in(data.decode("utf-8")), data


# Small ones.


def test_one_error_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text('{"steps": [{"$type": "tts", "input": {}}]}')
    assert "Found 1 error, 0 warnings, 0 infos in 1 file." in run("check", "w.json", cwd=tmp_path).stdout.decode()
    (tmp_path / "r.jsonl").write_text('{"steps": [{"$type": "tts", "input": {}}]}\n')
    done = run("check", "--jsonl", "r.jsonl", cwd=tmp_path)
    assert done.stdout.decode().splitlines()[-1] == "Found 1 error, 0 warnings, 0 infos in 1 record."
    (tmp_path / "ok.jsonl").write_text(
        (REPO / "fixtures" / "valid" / "submission-sdxl-sdcpp.json").read_text().replace("\n", "") + "\n"
    )
    assert run("check", "--jsonl", "ok.jsonl", cwd=tmp_path).stdout.decode() == "All checks passed (1 record).\n"


USER = 12348
RUN_FROM_REPO = (  # (the command from this checkout, whoever runs it)
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from civitai_schema.cli import entry_point;"
    " sys.argv[0] = 'civitai-schema'; entry_point()"
)


@pytest.fixture
def read_only_folder() -> Iterator[tuple[Path, list[str]]]:
    """A working folder the user running the command cannot write (root writes anywhere, so
    the command then runs as another user)."""
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv")
        prefix = ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups"]
    top = Path(tempfile.mkdtemp(prefix="civitai-schema-output-"))
    os.chmod(top, 0o755)
    (top / "ro").mkdir()
    (top / "ro" / "w.json").write_text('{"steps": [{"$type": "tts", "input": {}}]}')
    (top / "rw").mkdir()
    os.chmod(top / "rw", 0o777)
    os.chmod(top / "ro", 0o555)
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import click"], capture_output=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        shutil.rmtree(top)
        pytest.skip("another user cannot run this Python")
    try:
        yield top, prefix
    finally:
        os.chmod(top / "ro", 0o755)
        shutil.rmtree(top)


def test_an_output_file_that_cannot_be_written_is_named(read_only_folder: tuple[Path, list[str]]) -> None:
    top, prefix = read_only_folder
    base = [*prefix, sys.executable, "-c", RUN_FROM_REPO, str(REPO), "check"]
    done = subprocess.run(
        [*base, "-o", "out.txt", "w.json"], cwd=top / "ro", capture_output=True, text=True, timeout=60, check=False
    )
    assert (
        done.returncode == 2
        and done.stderr == "civitai-schema: error: cannot write the output (out.txt): Permission denied\n"
    )
    elsewhere = str(top / "rw" / "out.txt")
    done = subprocess.run(
        [*base, "-o", elsewhere, "w.json"], cwd=top / "ro", capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1 and "S112" in Path(elsewhere).read_text() and done.stderr == ""


def test_clicks_own_usage_errors_are_safe(tmp_path: Path) -> None:
    """Click quotes an option's value in its usage errors; standard error is for people only."""
    (tmp_path / "d\x1b[2J").mkdir()
    done = run("check", "-o", "d\x1b[2J", "w.json", cwd=tmp_path)
    assert done.returncode == 2 and b"is a directory" in done.stderr and not unsafe_in(done.stderr.decode())
