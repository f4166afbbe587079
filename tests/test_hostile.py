"""Hostile input never wins: each case gives a finding or exit 2, in bounded time and memory,
with no traceback, through the real command."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import measured
from .measured import Run

TIME_LIMIT = 20.0  # seconds; each case takes well under one
MEMORY_LIMIT_KB = 600 * 1024


def run(*args: str, cwd: Path, stdin: int | None = None) -> Run:
    """The real command in a process of its own, with no standard input unless given one."""
    return measured.run(args, cwd=cwd, limit=TIME_LIMIT, stdin=stdin, closed_stdin=True)


def check(path: Path, *, expect_code: int, expect: str) -> Run:
    result = run("check", "-q", "--format", "concise", path.name, cwd=path.parent)
    assert result.code == expect_code, result.stdout + result.stderr
    assert expect in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.peak_kb < MEMORY_LIMIT_KB, f"peak {result.peak_kb} KB"
    return result


def bomb(levels: int = 9, width: int = 10) -> bytes:
    lines = [b"a0: &a0 [" + b", ".join([b"lol"] * width) + b"]"]
    for i in range(1, levels):
        lines.append(b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * width) + b"]")
    return b"\n".join(lines) + b"\nsteps: [*a%d]\n" % (levels - 1)


CASES = {
    "alias-bomb.yaml": (bomb(), 1, "P109"),
    "deep-json.json": (b"[" * 100_000 + b"]" * 100_000, 1, "P109"),
    "deep-yaml.yaml": (b"a: " + b"[" * 100_000, 1, "P109"),
    "deep-block.yaml": (b"- " * 50_000 + b"x", 1, "P109"),
    "binary.json": (bytes(range(256)) * 64, 1, "P105"),
    "bad-utf8.yaml": (b"steps:\n  - $type: caf\xe9\n", 1, "P104"),
    "utf16.json": (codecs.BOM_UTF16_LE + '{"steps": []}'.encode("utf-16-le"), 1, "P104"),
    "utf16-nobom.json": ('{"steps": [{"$type": "echo"}]}'.encode("utf-16-le"), 1, "P104"),
    "nan.json": (b'{"steps": [{"$type": "echo", "input": {"message": NaN}}]}', 1, "P103"),
    "huge-int.json": (b'{"steps": [{"$type": "echo", "input": {"seed": ' + b"9" * 10_000 + b"}}]}", 1, "P101"),
    "duplicates.json": (b'{"steps": [], "steps": [{"$type": "echo", "input": {"message": "x"}}]}', 1, "P102"),
    "crlf-bom.yaml": (codecs.BOM_UTF8 + b"steps:\r\n  - $type: tts\r\n    input: {text: x}\r\n", 1, "S112"),
    "empty.json": (b"", 1, "P106"),
    "garbage.yaml": (b"\x00\x01\x02 not yaml", 1, "P105"),
    "broken.yaml": (b"steps: [\n  {a: 1\n", 1, "P101"),
    "broken.json": (b'{"steps": [}', 1, "P101"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file(tmp_path: Path, name: str) -> None:
    content, code, finding = CASES[name]
    (tmp_path / name).write_bytes(content)
    check(tmp_path / name, expect_code=code, expect=finding)


def test_a_100_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:  # sparse: 100 MiB on paper, nothing written
        handle.truncate(100 * 2**20)
    result = check(path, expect_code=1, expect="P109")
    assert "100 MiB" in result.stdout and result.seconds < 5


def test_a_file_that_grows_after_its_size_is_taken_is_read_to_its_end_up_to_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civitai_schema import files, sources

    path = tmp_path / "growing.json"
    path.write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    def stale(fd: int) -> os.stat_result:  # the size as it was before the file grew
        info = real_fstat(fd)
        return os.stat_result((*info[:6], 10, *info[7:]))

    monkeypatch.setattr(os, "fstat", stale)
    assert sources.read_regular_file(str(path)) == b"x" * 5000
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 4096)
    with pytest.raises(files.TooLarge):
        sources.read_regular_file(str(path))


def test_an_unreadable_path_exits_2(tmp_path: Path) -> None:
    (tmp_path / "dangling.json").symlink_to(tmp_path / "gone.json")
    result = run("check", "dangling.json", cwd=tmp_path)
    assert result.code == 2 and "P107" in result.stdout and "Traceback" not in result.stderr


def test_a_fifo_and_a_link_loop_do_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    result = run("check", ".", cwd=tmp_path)
    assert result.code == 2 and "not a regular file" in result.stdout


def test_stdin_closed_and_empty(tmp_path: Path) -> None:
    closed = run("check", "-", cwd=tmp_path)
    assert closed.code == 2 and "standard input is closed" in closed.stdout
    read_end, write_end = os.pipe()
    os.close(write_end)
    empty = run("check", "-", cwd=tmp_path, stdin=read_end)
    os.close(read_end)
    assert empty.code == 1 and "P106" in empty.stdout


def test_a_crashing_rule_is_a_finding_and_the_rest_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    import civitai_schema
    from civitai_schema import rules

    def broken(data: object, kind: object, options: object) -> list[object]:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(rules, "CHECKS", (("AIR checks", broken), *rules.CHECKS[1:]))
    body = {"steps": [{"$type": "tts"}], "callbackUrl": "https://x.example/h"}
    codes = [f.code for f in civitai_schema.check(body).findings]
    assert "X001" in codes and "S112" in codes and "C106" in codes
    (internal,) = [f for f in civitai_schema.check(body).findings if f.code == "X001"]
    assert "AIR checks crashed: ZeroDivisionError: oops" in internal.message


def test_the_garbage_collector_is_paused_while_a_text_is_checked_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from civitai_schema import checker, pipeline, rules

    seen: list[bool] = []

    def spy(data: object, kind: object, options: object) -> list[object]:
        seen.append(gc.isenabled())
        return []

    def interrupted(data: object, kind: object, options: object) -> list[object]:
        raise KeyboardInterrupt

    text = '{"steps": [{"$type": "echo", "input": {}}]}'
    monkeypatch.setattr(rules, "CHECKS", (("spy", spy),))
    assert gc.isenabled()
    pipeline.check_text("a.json", text, checker.Options())
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(rules, "CHECKS", (("interrupted", interrupted),))
    with pytest.raises(KeyboardInterrupt):
        pipeline.check_text("a.json", text, checker.Options())
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        monkeypatch.setattr(rules, "CHECKS", (("spy", spy),))
        pipeline.check_text("a.json", text, checker.Options())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_long_string_repeated_through_aliases_is_refused(tmp_path: Path) -> None:
    """One 1 MB string behind 300 aliases was 300 MB of messages and 1.2 GB of memory."""
    lines = ["names:", '  - &n "' + "x" * 1_000_000 + '"', "steps:"]
    lines += ["  - {$type: imageUpscaler, input: {image: {$ref: *n, path: output.images}}}"] * 300
    (tmp_path / "w.yaml").write_text("\n".join(lines) + "\n")
    result = check(tmp_path / "w.yaml", expect_code=1, expect="P109")
    assert len(result.stdout) < 10_000 and result.peak_kb < 200 * 1024


def test_messages_are_bounded_however_long_the_values_they_quote() -> None:
    import civitai_schema
    from civitai_schema.rules.rule import MESSAGE_LIMIT

    body = {"steps": [{"$type": "imageUpscaler", "input": {"image": {"$ref": "y" * 100_000, "path": "output"}}}]}
    findings = civitai_schema.check(body).findings
    assert findings and all(len(f.message) <= MESSAGE_LIMIT for f in findings)
    assert any(f.message.startswith('no step is named "yyy') and f.message.endswith("…") for f in findings)


SURROGATES = b'{"steps": [{"$type": "im\\ud800ge", "name": "\\udfff", "input": {"\\ud83d": 1}}], "tags": ["\\ud800"]}'


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "jsonl", "sarif", "github", "junit", "gitlab"])
def test_lone_surrogates_and_undecodable_file_names_print_in_every_format(tmp_path: Path, fmt: str) -> None:
    """A JSON string may escape a lone surrogate ("\\ud800"), and a file name may hold bytes
    that are not UTF-8: with strict output encoding both ended the command with exit 3."""
    (tmp_path / "s.json").write_bytes(SURROGATES)
    (tmp_path / os.fsdecode(b"n\xff.json")).write_bytes(b'{"steps": [{"$type": "imagegen", "input": {}}]}')
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "civitai_schema", "check", "--format", fmt, "."],
        cwd=tmp_path, env=env, capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # (unknown step types warn: S111)
    assert b"internal error" not in done.stderr
    if fmt in ("full", "concise"):
        assert b"im\\ud800ge" in done.stdout and b"n\xff.json" in done.stdout


def test_fixes_and_the_library_take_lone_surrogates(tmp_path: Path) -> None:
    import json

    import civitai_schema
    from civitai_schema import checker, pipeline

    raw = b'{"callbackUrl": "https://x\\ud800.example/h", "steps": [{"$type": "echo", "input": {}}]}'
    outcome = pipeline.fix_bytes("w.json", raw, checker.Options(), unsafe=True)
    assert outcome.changed and json.loads(outcome.after)["callbacks"][0]["url"] == "https://x\ud800.example/h"
    assert "\\ud800" in outcome.after  # written escaped, as it came
    report = civitai_schema.check_text('{"steps": [{"$type": "a\ud800", "input": {}}]}', filename="x.json")
    assert [f.code for f in report.findings] == ["P104"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_an_output_that_cannot_be_written_exits_2_with_the_reason(tmp_path: Path) -> None:
    """A full disk or a missing folder for --output-file ended with an internal error (3)."""
    (tmp_path / "w.json").write_bytes(b'{"steps": [{"$type": "imagegen", "input": {}}]}')
    base = [sys.executable, "-m", "civitai_schema", "check"]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [*base, "w.json"], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, timeout=60, check=False
        )
    assert done.returncode == 2 and b"cannot write the output: No space left on device" in done.stderr
    missing = subprocess.run(
        [*base, "--output-file", "no/such/folder/out.txt", "w.json"],
        cwd=tmp_path, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and b"no/such/folder/out.txt" in missing.stderr
    assert b"Traceback" not in done.stderr + missing.stderr


def test_control_characters_reach_no_terminal(tmp_path: Path) -> None:
    """A document's strings (and file names) may hold escape sequences; quoted raw they would
    clear, retitle or otherwise drive the reader's terminal. They are shown as pictures."""
    import civitai_schema

    body = {"steps": [{"$type": "\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f", "input": {}}]}
    (finding,) = [f for f in civitai_schema.check(body).findings if f.code == "S111"]
    assert "␛[2J␛]0;pwned␇\ufffd31m␡" in finding.message
    assert not any(ch in finding.message for ch in "\x1b\x07\x9b\x7f")
    name = "a\x1b[31m.json"
    # (the misspelt top-level key is the error; a step of unknown $type has nothing else checked)
    (tmp_path / name).write_text('{"widht": 1, "steps": [{"$type": "imagegen", "note": "\\u009b2J\x7f", "input": {}}]}')
    for fmt in ("concise", "full"):
        done = subprocess.run(
            [sys.executable, "-m", "civitai_schema", "check", "--format", fmt, "."],
            cwd=tmp_path, capture_output=True, check=False, timeout=60, env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        assert done.returncode == 1 and b"\x1b" not in done.stdout and b"\x7f" not in done.stdout, fmt
        assert "a␛[31m.json".encode() in done.stdout
