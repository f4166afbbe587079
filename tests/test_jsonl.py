"""--jsonl: one workflow document per line, findings at their line, memory flat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import FIXTURES, invoke
from .test_hostile import run

# A record with every field the API's document says a record has (as the valid fixture has
# them), and no steps.
RECORD = {
    **json.loads((FIXTURES / "valid" / "workflow-record.json").read_text("utf-8")),
    "id": "6-1",
    "steps": [],
}


def write(path: Path, count: int, bad_every: int = 0) -> None:
    with open(path, "w") as handle:
        for i in range(count):
            record = dict(RECORD, id=f"6-{i}")
            if bad_every and i % bad_every == 0:
                record["status"] = "Succeeded"
            handle.write(json.dumps(record) + "\n")


def test_findings_report_the_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    write(path, 5)
    with open(path, "a") as handle:
        handle.write("\n" + json.dumps(dict(RECORD, status="done")) + "\n{oops\n")
    result = invoke("check", "--jsonl", "--format", "concise", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{path}:7:") and " S103 " in lines[0]
    assert lines[1].startswith(f"{path}:8:2: P101")
    assert lines[-1] == "Found 2 errors, 0 warnings, 0 infos in 7 records."


def test_stdin_and_accumulating_formats(tmp_path: Path) -> None:
    body = "\n".join(json.dumps(dict(RECORD, status=s)) for s in ("succeeded", "Succeeded")) + "\n"
    result = invoke("check", "--jsonl", "--format", "json", "--stdin-filename", "hooks.jsonl", "-", input=body)
    payload = json.loads(result.output)
    assert result.exit_code == 1
    assert [(f["file"], f["line"], f["code"]) for f in payload["findings"]] == [("hooks.jsonl", 2, "S103")]
    clean = invoke("check", "--jsonl", "-q", "-", input=json.dumps(RECORD) + "\n")
    assert (clean.exit_code, clean.output) == (0, "")


def test_accumulating_formats_list_each_record() -> None:
    """Each record's document is listed, numbered among the records as a YAML stream's documents
    are (the blank line is not one; the broken line is one, but has no document to list)."""
    request = {"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp"}}]}
    body = f"{json.dumps(RECORD)}\n\n{json.dumps(request)}\n{{oops\n{json.dumps(RECORD)}\n"
    payload = json.loads(invoke("check", "--jsonl", "--format", "json", "-", input=body).output)
    assert payload["documents"] == [
        {"file": "<stdin>", "index": 0, "kind": "workflow"},
        {"file": "<stdin>", "index": 1, "kind": "submission"},
        {"file": "<stdin>", "index": 3, "kind": "workflow"},
    ]
    clean = json.dumps(RECORD) + "\n"
    junit = invoke("check", "--jsonl", "--format", "junit", "--stdin-filename", "ok.jsonl", "-", input=clean)
    assert junit.exit_code == 0 and '<testcase classname="civitai-schema" name="ok.jsonl" />' in junit.output


@pytest.mark.slow
def test_memory_stays_flat_however_long_the_stream(tmp_path: Path) -> None:
    short, long = tmp_path / "short.jsonl", tmp_path / "long.jsonl"
    write(short, 2_000, bad_every=3)
    write(long, 16_000, bad_every=3)
    peaks = []
    for path in (short, long):
        result = run("check", "--jsonl", "-q", "--format", "jsonl", path.name, cwd=tmp_path)
        assert result.code == 1 and result.stdout.count("\n") > 600
        peaks.append(result.peak_kb)
    assert peaks[1] - peaks[0] < 8 * 1024, f"peak RSS grew from {peaks[0]} KB to {peaks[1]} KB"


def test_output_file_gets_the_findings_once(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    write(path, 3, bad_every=2)
    target = tmp_path / "out.txt"
    result = invoke("check", "--jsonl", "--format", "concise", "-o", str(target), str(path))
    assert result.exit_code == 1 and result.output == ""
    assert target.read_text("utf-8").count(" S103 ") == 2


def test_an_overlong_line_is_reported_without_being_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream without line breaks was read as one line, however large, before its size was
    looked at; now a line over the file cap is read past in parts and reported by its size."""
    import io

    from civitai_schema import checker, pipeline, sources

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1000)
    good = b'{"steps": [{"$type": "imagegen", "input": {}}]}\n'

    class Stream:  # reads only in bounded parts: no iteration, no readline() without a size
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readline(self, size: int) -> bytes:
            assert 0 < size <= 1 << 20
            return self.data.readline(size)

    stream = Stream(good + b"x" * 5_000_000 + b"\n" + good + b"y" * 3000)
    reports = list(pipeline.check_jsonl("s.jsonl", stream, checker.Options()))  # type: ignore[arg-type]
    found = [(f.code, f.line) for r in reports for f in r.findings]
    assert found == [("S111", 1), ("P109", 2), ("S111", 3), ("P109", 4)]
