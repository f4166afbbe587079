"""The command line: options, output contract, exit codes; some through the real entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from civitai_schema import Report, __version__, catalog, checker, pipeline

from .conftest import FIXTURES, REPO, invoke, run_entry_point

GOOD = FIXTURES / "valid" / "submission-sdxl-sdcpp.json"
WARN_ONLY = FIXTURES / "invalid" / "unknown-step-type.json"
BAD = FIXTURES / "invalid" / "unknown-key.json"


def test_exit_0_and_summary_when_clean() -> None:
    result = invoke("check", str(GOOD))
    assert result.exit_code == 0
    assert result.output == "All checks passed (1 file).\n"


def test_exit_1_with_findings_and_text_lines() -> None:
    result = invoke("check", str(BAD.relative_to(REPO)))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == 'fixtures/invalid/unknown-key.json:2:3: S104 [error] unknown key "tag"; did you mean "tags"?'
    assert "Found 4 errors, 0 warnings, 0 infos in 1 file." in lines
    assert lines[-1] == "4 more fixable with --fix --unsafe-fixes."


def test_fail_on_and_exit_zero() -> None:
    assert invoke("check", str(WARN_ONLY)).exit_code == 0
    assert invoke("check", "--fail-on", "warning", str(WARN_ONLY)).exit_code == 1
    assert invoke("check", "--fail-on", "info", str(GOOD)).exit_code == 0
    assert invoke("check", "--exit-zero", str(BAD)).exit_code == 0


def test_quiet_drops_the_summary() -> None:
    assert invoke("check", "-q", str(GOOD)).output == ""


def test_json_output_contract() -> None:
    result = invoke("check", "--format", "json", str(BAD.relative_to(REPO)), str(GOOD.relative_to(REPO)))
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert set(payload) == {"version", "findings", "summary", "documents"}
    assert payload["version"] == 1
    assert payload["summary"] == {"files": 2, "errors": 4, "warnings": 0, "infos": 0}
    first = payload["findings"][0]
    assert list(first) == [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "path",
        "hint",
        "fix",
    ]
    assert first == {
        "file": "fixtures/invalid/unknown-key.json",
        "line": 2,
        "column": 3,
        "end_line": 2,
        "end_column": 8,
        "code": "S104",
        "name": "unknown-key",
        "severity": "error",
        "message": 'unknown key "tag"; did you mean "tags"?',
        "path": "/tag",
        "hint": None,
        "fix": {
            "description": 'rename to "tags"',
            "applicability": "unsafe",
            "edits": [{"start": 4, "end": 9, "replacement": '"tags"'}],
        },
    }
    assert payload["documents"][1] == {
        "file": "fixtures/valid/submission-sdxl-sdcpp.json",
        "index": 0,
        "kind": "submission",
    }


def test_kind_and_schema_options() -> None:
    record = str(FIXTURES / "valid" / "workflow-record.json")
    assert invoke("check", "--kind", "workflow", record).exit_code == 0
    as_body = invoke("check", "-q", "--kind", "submission", "-", input='{"id": "6-1", "status": "queued", "steps": []}')
    # A request body has no status, so "queued" is only a server key there (C107), not a bad status.
    assert [line.split(" ")[1] for line in as_body.output.splitlines()] == ["C107", "C107", "S107"]
    body = invoke("check", "-q", "--kind", "workflow", "-", input='{"steps": [{"$type": "echo"}]}')
    # Checked as a record: what it lacks is one warning per object, the workflow's and the step's.
    lines = body.output.splitlines()
    assert body.exit_code == 0 and [line.split(" ")[1] for line in lines] == ["R106", "R106"]
    assert lines[0].startswith("<stdin>:1:1: ") and '"status"' in lines[0] and '"steps"' not in lines[0]
    assert '"input"' in lines[1] and '"name"' in lines[1]
    strict = invoke(
        "check", "-q", "--kind", "workflow", "--fail-on", "warning", "-", input='{"steps": [{"$type": "echo"}]}'
    )
    assert strict.exit_code == 1
    corpus_like = str(GOOD)
    assert invoke("check", "--schema", "vendored", corpus_like).exit_code == 1
    assert invoke("check", "--kind", "nonsense", corpus_like).exit_code == 2


def test_directories_are_walked_skipping_hidden_and_vendor_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    shutil.copy(GOOD, tmp_path / "a" / "one.json")
    shutil.copy(FIXTURES / "valid" / "submission-chain.yaml", tmp_path / "a" / "two.YML")
    (tmp_path / "a" / "notes.txt").write_text("not checked")
    for hidden in (".git", "node_modules", ".venv"):
        (tmp_path / hidden).mkdir()
        (tmp_path / hidden / "bad.json").write_text("{")
    (tmp_path / ".hidden.json").write_text("{")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)  # a link loop is not followed
    result = invoke("check", "--format", "json", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = [d["file"] for d in json.loads(result.output)["documents"]]
    assert files == [str(tmp_path / "a" / "one.json"), str(tmp_path / "a" / "two.YML")]


def test_stdin_with_a_file_name() -> None:
    result = invoke("check", "-", "--stdin-filename", "piped.yaml", input="steps:\n  - $type: tts\n")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("piped.yaml:2:12: S112 [error]")
    plain = invoke("check", "-", input='{"steps": [{"$type": "echo", "input": {"message": "hi"}}]}')
    assert plain.exit_code == 0


def test_missing_path_exits_2_with_one_line() -> None:
    result = invoke("check", "does/not/exist.json")
    assert result.exit_code == 2
    assert "no such file or folder: does/not/exist.json" in result.output
    assert "Traceback" not in result.output


def test_unreadable_paths_exit_2(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    result = invoke("check", str(fifo))  # a FIFO is never opened for a blocking read
    assert result.exit_code == 2
    assert "P107 [error] cannot read the file: not a regular file" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "f.json:1:1: P106"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f.json:1:1: P105"),
        (b'{"steps": [', "f.json:1:12: P101"),
        (b"steps: [\n", "f.yaml:2:1: P101"),
    ],
)
def test_bad_files_give_a_located_finding_and_exit_1(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / expected.split(":", 1)[0]
    path.write_bytes(content)
    result = run_entry_point("check", "-q", "--format", "concise", path.name, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.decode().startswith(expected + " [error] ")
    assert b"Traceback" not in result.stdout + result.stderr


def test_internal_errors_exit_3_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(pipeline, "check_paths", broken)
    result = invoke("check", str(GOOD))
    assert result.exit_code == 3
    assert result.output.strip() == (
        "civitai-schema: internal error: RuntimeError: the engine fell over (run with --debug for the traceback)"
    )
    debug = invoke("check", "--debug", str(GOOD))
    assert debug.exit_code == 3 and "Traceback" in debug.output


def test_version() -> None:
    for args in (["--version"], ["check", "--version"]):
        output = invoke(*args).output
        assert output.startswith(f"civitai-schema, version {__version__}\n")
        assert catalog.as_of() in output


def test_real_entry_point_and_python_m(tmp_path: Path) -> None:
    result = run_entry_point("check", "--format", "json", str(BAD), cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"]["errors"] == 4
    console = Path(sys.executable).parent / "civitai-schema"
    if not console.exists():
        pytest.skip("the console script is not installed next to this Python")
    done = subprocess.run([str(console), "check", "-q", str(GOOD)], capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, b"")


def _corrected_document() -> dict[str, Any]:
    """The API's document with the reviewed corrections applied, as scripts/build_catalog.py reads it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_catalog", REPO / "scripts" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    document = json.loads((REPO / "schemas" / "v2-consumers.json").read_bytes())
    corrected: dict[str, Any] = builder.corrected(document, builder.load_patches())
    return corrected


def test_schema_command_prints_the_effective_and_vendored_schemas() -> None:
    components = _corrected_document()["components"]["schemas"]
    effective = json.loads(invoke("schema", "--kind", "submission").output)
    assert effective["required"] == components["WorkflowTemplate"]["required"] == ["steps"]
    assert effective["additionalProperties"] is False
    workflow = json.loads(invoke("schema", "--kind", "workflow").output)
    assert workflow["required"] == components["Workflow"]["required"]
    assert "status" in workflow["required"] and "currencies" not in workflow["required"]
    for exported in (effective, workflow):
        assert exported["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert "x-civitai-warning" not in json.dumps(exported)  # warning-only parts are left out
    vendored = invoke("schema", "--vendored")
    assert vendored.output.encode() == (REPO / "schemas" / "civitai-workflow-schema.json").read_bytes()


# Errors the CLI reports for what the schema itself refuses: the schema rules, their step-input
# counterparts, and the rules that report a schema error more precisely in its place (a server
# key C107, a legacy callback key C106, a malformed AIR A101, a size outside its leaf's range
# D101/D103). Warnings (an unknown step type or engine, a record's missing field) are not errors,
# and the exported schema leaves them out.
SCHEMA_ERRORS = frozenset(
    {f"S1{n:02}" for n in range(1, 11)} | {"S112", "N101", "N104", "N105", "N106", "N107", "N108"}
    | {"C106", "C107", "A101", "D101", "D103"}
)  # fmt: skip


def test_exported_schema_validates_fixtures_like_the_cli() -> None:
    """An editor given `civitai-schema schema --kind K` agrees with the CLI's schema findings.
    The editor is jsonschema-rs: a standard draft 2020-12 validator with ECMA-262 patterns, as
    editors have (the document's patterns use named groups, ``(?<name>…)``)."""
    import jsonschema_rs

    from civitai_schema.checker import detect_kind
    from civitai_schema.readers import read
    from civitai_schema.spans import is_date_span

    exported = {kind: json.loads(invoke("schema", "--kind", kind).output) for kind in ("submission", "workflow")}
    editors = {
        kind: jsonschema_rs.validator_for(whole, validate_formats=True, formats={"date-span": is_date_span})
        for kind, whole in exported.items()
    }
    compared, disagreements = 0, []
    documents = [p for p in (FIXTURES / "invalid").iterdir() if p.suffix in (".json", ".yaml", ".yml")]
    for path in sorted((FIXTURES / "valid").iterdir()) + sorted(documents):
        parsed = read(path.name, path.read_bytes())
        if len(parsed.documents) != 1 or parsed.problems:
            continue
        (document,) = parsed.documents
        kind = detect_kind(document.data).value
        cli = invoke("check", "--format", "json", "--isolated", str(path))
        findings = json.loads(cli.output)["findings"]
        schema_codes = sorted({f["code"] for f in findings if f["code"] in SCHEMA_ERRORS and f["severity"] == "error"})
        if editors[kind].is_valid(document.data) != (schema_codes == []):
            disagreements.append((path.name, schema_codes))
        compared += 1
    assert disagreements == []
    assert compared >= 20


def test_rules_and_rule_commands() -> None:
    listing = invoke("rules").output
    assert "S104  unknown-key" in listing and "as of" in listing
    assert "Bad:" in invoke("rule", "unknown-key").output
    assert invoke("rule", "s104").output == invoke("rule", "unknown-key").output
    assert invoke("rule", "nope").exit_code == 2
    assert "Fixable: safe" in invoke("rule", "A102").output


def _mixed_batch(folder: Path, count: int = 40) -> None:
    for i in range(count):
        source = (
            FIXTURES / ("invalid" if i % 3 else "valid") / ("unknown-key.json" if i % 3 else "workflow-record.json")
        )
        shutil.copy(source, folder / f"w{i:02}.json")


def test_parallel_jobs_give_the_same_report_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _mixed_batch(tmp_path)
    monkeypatch.setattr(pipeline, "_BLOCK", 3)  # many blocks, so every process gets several
    serial = invoke("check", "--format", "json", "-j", "1", str(tmp_path))
    for jobs in ("2", "3"):
        parallel = invoke("check", "--format", "json", "-j", jobs, str(tmp_path))
        assert serial.exit_code == parallel.exit_code == 1
        assert json.loads(serial.output) == json.loads(parallel.output)
    assert invoke("check", "-j", "-1", str(tmp_path)).exit_code == 2


def test_a_worker_that_fails_has_its_files_checked_by_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _mixed_batch(tmp_path)
    parent, real = os.getpid(), pipeline._check_block

    def dies_in_a_child(block: list[str], options: checker.Options, session: pipeline.Session) -> Report:
        if os.getpid() != parent:
            raise MemoryError("a worker that cannot finish")
        return real(block, options, session)

    monkeypatch.setattr(pipeline, "_BLOCK", 3)
    monkeypatch.setattr(pipeline, "_check_block", dies_in_a_child)
    options = checker.Options()
    assert pipeline.check_paths([str(tmp_path)], options, jobs=2) == pipeline.check_paths([str(tmp_path)], options)


def test_automatic_jobs_stay_serial_for_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    from civitai_schema.pipeline import PARALLEL_MIN_FILES, _workers

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert _workers(0, 10) == 1
    assert _workers(0, PARALLEL_MIN_FILES * 2) == 2  # one process per PARALLEL_MIN_FILES files
    assert _workers(0, PARALLEL_MIN_FILES * 100) == 4  # and no more than the cores
    assert _workers(3, 2) == 1  # (one block of files: one process)
    assert _workers(2000, 2048) == 32  # one per block of 64, not 2,000


def _large_document(tmp_path: Path) -> Path:
    """A document above LARGE_DOCUMENT_STEPS with findings from several families."""
    good = {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "x", "width": 1024}}
    odd = [
        {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "model": "urn:air:sdxl:lora:x"}},
        {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "width": 1000, "sampler": "k"}},
        {"$type": "imageUpscaler", "input": {"image": {"$ref": "nowhere", "path": "output.images[0].url"}}},
        {"$type": "imagegen", "name": "twice", "input": {}},
        {"$type": "imageGen", "name": "twice", "timeout": "10 minutes", "input": {"engine": "sdcpp"}},
    ]
    steps = [odd[i // 1000] if i % 1000 == 7 else good for i in range(checker.LARGE_DOCUMENT_STEPS + 1)]
    path = tmp_path / "large.json"
    path.write_text(json.dumps({"steps": steps, "callbackUrl": "http://x.example/h"}, indent=1))
    return path


@pytest.mark.slow
def test_a_large_document_checked_in_several_processes_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civitai_schema import rules

    def broken(data: object, kind: object, options: object) -> list[object]:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(rules, "CHECKS", (*rules.CHECKS, ("broken checks", broken)))
    path = _large_document(tmp_path)
    serial = pipeline.check_paths([str(path)], checker.Options(), jobs=1)
    assert len({f.code for f in serial.findings}) >= 8 and "X001" in {f.code for f in serial.findings}
    for jobs in (0, 2, 3):
        assert pipeline.check_paths([str(path)], checker.Options(), jobs=jobs) == serial
    one = invoke("check", "--format", "json", "-j", "1", str(path))
    two = invoke("check", "--format", "json", "-j", "2", str(path))
    assert json.loads(one.output) == json.loads(two.output) and one.exit_code == two.exit_code == 1


@pytest.mark.slow
def test_checks_a_child_could_not_finish_run_in_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _large_document(tmp_path)
    parent, real = os.getpid(), checker.run_checks

    def dies_in_a_child(*args: object) -> object:
        if os.getpid() != parent:
            os._exit(3)
        return real(*args)  # type: ignore[arg-type]

    serial = pipeline.check_paths([str(path)], checker.Options(), jobs=1)
    monkeypatch.setattr(checker, "run_checks", dies_in_a_child)
    assert pipeline.check_paths([str(path)], checker.Options(), jobs=2) == serial


def test_small_documents_and_the_library_default_stay_in_one_process() -> None:
    small = {"steps": [{"$type": "echo", "input": {}}] * (checker.LARGE_DOCUMENT_STEPS - 1)}
    large = {"steps": small["steps"] * 2}
    assert checker._document_workers(0, small, 7) == 1
    assert checker._document_workers(1, large, 7) == 1  # Options().jobs is 1
    assert checker._document_workers(3, large, 7) == 3
    assert checker._document_workers(9, large, 7) == 7  # no more processes than checks
    assert checker.Options().jobs == 1


def test_a_reader_that_is_gone_ends_the_command_with_141_and_no_traceback() -> None:
    """The command ends with os._exit after flushing; a closed pipe must still give 141."""
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "civitai_schema", "check", "--format", "full", "fixtures/invalid"],
            stdout=write,
            stderr=subprocess.PIPE,
            cwd=REPO,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write)
    assert done.returncode == 141
    assert b"Traceback" not in done.stderr


def test_a_reader_that_leaves_during_a_long_output_also_gives_141(tmp_path: Path) -> None:
    """One large write that the reader abandons half way ended quietly, with 0."""
    step = {"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "model": "urn:air:sdxl:x:y:1"}}
    (tmp_path / "w.json").write_text(json.dumps({"steps": [step] * 3000}, indent=1))
    command = [sys.executable, "-m", "civitai_schema", "check", "--format", "concise", "-j", "1", "w.json"]
    writer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert writer.stdout is not None and writer.stderr is not None
    assert writer.stdout.read(10)  # the command is writing; now the reader leaves
    writer.stdout.close()
    assert writer.wait(timeout=60) == 141
    assert b"Traceback" not in writer.stderr.read()
