"""The library call before submission: pure, typed, one engine with the CLI."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import civitai_schema
from civitai_schema import checker, pipeline
from civitai_schema.findings import Kind, Severity

from .conftest import FIXTURES

GOOD = {
    "steps": [
        {
            "$type": "imageGen",
            "input": {
                "engine": "sdcpp",
                "ecosystem": "sdxl",
                "operation": "createImage",
                "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
                "prompt": "a cat",
                "width": 1024,
                "height": 1024,
            },
        }
    ]
}
# An invented step type (its input cannot be checked), a wrong value in a real step's input, an
# unknown top-level key.
BAD = {
    "steps": [{"$type": "tts", "input": {"width": "wide"}}, {"$type": "echo", "input": {"message": 5}}],
    "stepz": 1,
}


def test_check_returns_a_report_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    report = civitai_schema.check(GOOD)
    assert report.ok and report.findings == () and report.kind is Kind.SUBMISSION
    assert report.summary() == {"files": 1, "errors": 0, "warnings": 0, "infos": 0}
    assert capsys.readouterr() == ("", "")


def test_findings_from_objects_are_located_in_the_pretty_printed_json() -> None:
    report = civitai_schema.check(BAD)
    assert [(f.code, f.path, f.line) for f in report.findings] == [
        ("S112", "/steps/0/$type", 4),
        ("N107", "/steps/1/input/message", 12),
        ("S104", "/stepz", 16),
    ]
    assert all(f.file == "<object>" and f.end_line is not None for f in report.findings)


def test_validate_raises_with_every_finding() -> None:
    with pytest.raises(civitai_schema.InvalidWorkflowError) as caught:
        civitai_schema.validate(BAD)
    error = caught.value
    assert len(error.findings) == 3 and not error.report.ok
    assert "/stepz: S104" in str(error)
    assert isinstance(error, ValueError)


def test_validate_returns_the_report_when_fit_to_submit() -> None:
    with_warning = {"steps": [{"$type": "imageGenerator", "input": {}}]}
    report = civitai_schema.validate(with_warning)
    assert report.ok and report.warnings == 1


def test_check_text_json_and_yaml() -> None:
    assert civitai_schema.check_text('{"steps": [{"$type": "echo", "input": {"message": "hi"}}]}').ok
    report = civitai_schema.check_text("steps:\n  - $type: tts\n", filename="w.yaml")
    assert [(f.code, f.file, f.line, f.column) for f in report.findings] == [("S112", "w.yaml", 2, 12)]
    assert civitai_schema.check_text(b"steps: [{$type: echo, input: {message: hi}}]", format="yaml").ok


def test_check_file_and_paths(tmp_path: Path) -> None:
    report = civitai_schema.check_file(FIXTURES / "valid" / "workflow-record.json")
    assert report.ok and report.kind is Kind.WORKFLOW
    many = civitai_schema.check_paths([FIXTURES / "valid"])
    valid = sorted((FIXTURES / "valid").iterdir())
    assert many.files == len(valid) and many.ok and many.findings == ()
    assert len(many.documents) == len(valid) + 1  # workflow-records.yaml holds two
    assert many.kind is None  # mixed kinds
    assert civitai_schema.check_paths([FIXTURES], jobs=2) == civitai_schema.check_paths([FIXTURES])
    missing = civitai_schema.check_file(tmp_path / "nope.json")
    assert [f.code for f in missing.findings] == ["P107"]


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        civitai_schema.check(GOOD, kind="request")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="schema must be"):
        civitai_schema.check(GOOD, schema="upstream")  # type: ignore[arg-type]


def test_reports_and_findings_pickle() -> None:
    report = civitai_schema.check(BAD)
    again = pickle.loads(pickle.dumps(report))
    assert again == report and again.findings[0].severity is Severity.ERROR


def test_a_crashing_check_becomes_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(mode: object) -> object:
        def check(data: object, kind: object, options: object) -> list[object]:
            raise KeyError("boom")

        return check

    from civitai_schema.rules import schema as schema_rules
    from civitai_schema.rules.rule import FamilyCheck

    monkeypatch.setattr(schema_rules, "validation", lambda mode: FamilyCheck("schema validation", explode(mode)))
    report = civitai_schema.check_paths([FIXTURES / "valid"])
    assert {f.code for f in report.findings} == {"X001"}
    assert len(report.findings) == len(report.documents)  # one per document: the others still ran
    assert "schema validation crashed: KeyError" in report.findings[0].message


def test_non_json_python_values_do_not_crash() -> None:
    import datetime

    body = {"steps": [{"$type": "echo", "input": {"message": datetime.date(2026, 1, 1)}}], "tags": ("a",)}
    report = civitai_schema.check(body)
    # a tuple is an array, as json.dumps writes it; the date is the wrong type and not JSON at all
    assert sorted(f.code for f in report.findings) == ["N107", "P110"]


def test_finding_evolve_and_located_are_dataclasses_replace_without_init() -> None:
    import dataclasses

    import pytest

    from civitai_schema.findings import Edit, Fix, Severity, Span
    from civitai_schema.fix_actions import Replace

    base = civitai_schema.check({"steps": [{"$type": "imagegen", "input": {}}]}).findings[0]
    fixed = base.with_fix(Fix("x", "safe", Replace("y"), (Edit(1, 2, "z"),)))
    for finding in (base, fixed):
        for changes in ({}, {"path": "/a"}, {"line": 9, "column": 3, "file": "f"}, {"severity": Severity.INFO}):
            evolved, replaced = finding.evolve(**changes), dataclasses.replace(finding, **changes)
            assert evolved == replaced and evolved.__dict__ == replaced.__dict__ and evolved is not finding
        located, replaced = (
            finding.located("f", Span(2, 3, 4, 5)),
            dataclasses.replace(finding, file="f", line=2, column=3, end_line=4, end_column=5),
        )
        assert located == replaced and located.__dict__ == replaced.__dict__ and located is not finding
    assert fixed.fixable and fixed.evolve(line=1).fix == fixed.fix
    with pytest.raises(TypeError):
        base.evolve(colour="red")
    assert {f.name for f in dataclasses.fields(base)} == set(base.__dict__)  # (no field kept elsewhere)


def test_reports_keep_file_texts_only_when_asked() -> None:

    path = str(FIXTURES / "invalid" / "unknown-key.json")
    kept = pipeline.check_paths([path], checker.Options())
    dropped = pipeline.check_paths([path], checker.Options(keep_sources=False))
    assert kept.findings == dropped.findings and kept.findings
    assert set(kept.sources) == {"fixtures/invalid/unknown-key.json"} and dropped.sources == {}  # (as reported)


def test_text_given_to_the_library_has_the_file_size_cap() -> None:
    # A text of 284 MB (an alias bomb written out as JSON) once took gigabytes in check_text,
    # and jsonschema-rs aborted the process when an allocation failed: bytes beyond the cap a
    # file has are refused unread, as a file's are.
    from civitai_schema.sources import MAX_FILE_BYTES

    over = b"[" + b'"lol",' * (MAX_FILE_BYTES // 6) + b'"lol"]'
    for report in (civitai_schema.check_text(over, filename="w.json"), civitai_schema.fix_text(over).report):
        assert [(f.code, f.line) for f in report.findings] == [("P109", 1)], report.findings
        assert f"above the {MAX_FILE_BYTES // 2**20} MiB" in report.findings[0].message
