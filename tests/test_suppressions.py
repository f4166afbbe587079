"""Suppressions: YAML ignore comments, per-path ignores for JSON, and unused ones reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import civitai_schema
from civitai_schema import suppressions

from .conftest import count_calls, invoke

STEP = """steps:
  - $type: imageGen
    input:
      engine: sdcpp
      ecosystem: sdxl
      operation: createImage
      model: urn:air:sdxl:checkpoint:civitai:101055{comment_same}
      prompt: a lighthouse
{comment_above}      seed: 3000000000
"""


def found(text: str) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in civitai_schema.check_text(text, filename="w.yaml").findings]


def test_without_comments() -> None:
    assert found(STEP.format(comment_same="", comment_above="")) == [("A107", 7), ("N109", 9)]


@pytest.mark.parametrize("selector", ["A107", "air-unpinned-version", "A1", "A"])
def test_an_ignore_at_the_end_of_the_line(selector: str) -> None:
    text = STEP.format(comment_same=f"   # civitai-schema: ignore[{selector}]", comment_above="")
    assert found(text) == [("N109", 9)]


def test_an_ignore_on_the_line_above() -> None:
    text = STEP.format(comment_same="", comment_above="      # civitai-schema: ignore[N109]\n")
    assert found(text) == [("A107", 7)]


def test_a_bare_ignore_and_a_file_level_ignore() -> None:
    assert found(STEP.format(comment_same="  # civitai-schema: ignore", comment_above="")) == [("N109", 9)]
    text = "# civitai-schema: ignore-file[N109, A107]\n" + STEP.format(comment_same="", comment_above="")
    assert found(text) == []


def test_unused_ignores_are_reported() -> None:
    text = STEP.format(comment_same="  # civitai-schema: ignore[A107, D102]", comment_above="")
    findings = civitai_schema.check_text(text, filename="w.yaml").findings
    unused = [f for f in findings if f.code == "U001"]
    assert len(unused) == 1 and unused[0].line == 7 and "D102" in unused[0].message and "A107" not in unused[0].message
    assert unused[0].column == 54  # the comment itself


def test_an_ignore_inside_a_string_is_not_a_directive() -> None:
    text = STEP.format(comment_same="", comment_above="").replace("a lighthouse", '"a # civitai-schema: ignore"')
    assert ("A107", 7) in found(text)


def test_unused_suppression_can_itself_be_ignored(tmp_path: Path) -> None:
    (tmp_path / "civitai-schema.toml").write_text('ignore = ["unused-suppression"]\n')
    path = tmp_path / "w.yaml"
    path.write_text(STEP.format(comment_same="  # civitai-schema: ignore[D102]", comment_above=""))
    result = invoke("check", "-q", "--format", "concise", str(path))
    assert "U001" not in result.output and "A107" in result.output


@pytest.mark.parametrize(
    ("pattern", "pointer", "matches"),
    [
        ("/steps/*/input/seed", "/steps/3/input/seed", True),
        ("/steps/*/input/seed", "/steps/3/input/width", False),
        ("/steps/**/seed", "/steps/0/input/seed", True),
        ("/**", "/anything/at/all", True),
        ("/steps/**", "/steps", True),
        ("", "", True),
        ("/callbacks/0/url", "/callbacks/1/url", False),
    ],
)
def test_pointer_patterns(pattern: str, pointer: str, matches: bool) -> None:
    assert suppressions.pointer_match(pattern, pointer) is matches


def test_per_path_ignores_for_json_and_unused_entries(tmp_path: Path) -> None:
    body = {
        "steps": [
            {
                "$type": "imageGen",
                "input": {
                    "engine": "sdcpp",
                    "ecosystem": "sdxl",
                    "operation": "createImage",
                    "model": "urn:air:sdxl:checkpoint:civitai:101055",
                    "prompt": "x",
                    "seed": 3000000000,
                },
            }
        ]
    }
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "w.json").write_text(json.dumps(body, indent=2))
    (tmp_path / "civitai-schema.toml").write_text(
        "[[per-path-ignores]]\n"
        'files = "templates/*.json"\npath = "/steps/*/input/seed"\nrules = ["N109"]\n\n'
        "[[per-path-ignores]]\n"
        'files = "templates/*.json"\npath = "/steps/*/input/model"\nrules = ["air-unpinned-version"]\n\n'
        "[[per-path-ignores]]\n"
        'files = "*.json"\npath = "/callbacks/*/url"\nrules = ["C101"]\n'
    )
    result = invoke("check", "-q", "--format", "concise", str(tmp_path))
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"{tmp_path / 'civitai-schema.toml'}:13:1: U001 [warning]")
    assert '"/callbacks/*/url"' in lines[0]


def test_a_directive_per_step_is_matched_without_trying_every_directive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each finding tried every directive of the file: 10,000 steps with a comment each took
    24 s. Now a finding meets only its line's directives and the file-level ones."""
    from civitai_schema import checker, pipeline, suppressions

    count = 2000
    first = "  - $type: imageGen\n    name: same\n    input: {engine: sdcpp}\n"
    again = "  - $type: imageGen\n    name: same  # civitai-schema: ignore[G105]\n    input: {engine: sdcpp}\n"
    text = "# civitai-schema: ignore-file[N103]\nsteps:\n" + first + again * count
    tried = count_calls(monkeypatch, suppressions.Directive, "covers")
    report = pipeline.check_text("many.yaml", text, checker.Options())
    assert not {"G105", "N103", "U001"} & {f.code for f in report.findings}  # all used, all suppressed
    assert len(tried) < 4 * 2 * count


def test_the_first_matching_file_level_directive_is_the_one_used() -> None:
    from civitai_schema import checker, pipeline

    body = "steps:\n  - $type: imageGen\n    input: {engine: sdcpp}\n"
    cases = {
        "# civitai-schema: ignore-file[N103]\n# civitai-schema: ignore-file[N103]\n": [2],
        "# civitai-schema: ignore-file\n# civitai-schema: ignore-file[N103]\n": [2],
        "# civitai-schema: ignore-file[N1]\n# civitai-schema: ignore-file\n": [2],
        "# civitai-schema: ignore-file[ZZZ]\n# civitai-schema: ignore-file[N103]\n": [1],
    }
    for header, unused_lines in cases.items():
        report = pipeline.check_text("t.yaml", header + body, checker.Options())
        assert [f.line for f in report.findings if f.code == "U001"] == unused_lines, header
        assert "N103" not in {f.code for f in report.findings}, header


def test_thousands_of_file_level_directives_are_looked_up_by_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from civitai_schema import checker, pipeline, suppressions

    count = 2000
    header = "".join(f"# civitai-schema: ignore-file[A10{i % 10}]\n" for i in range(count))
    text = header + "steps:\n" + "  - $type: imageGen\n    name: same\n    input: {engine: sdcpp}\n" * count
    tried = count_calls(monkeypatch, suppressions.Directive, "covers")
    report = pipeline.check_text("many.yaml", text, checker.Options())
    assert sum(f.code == "U001" for f in report.findings) == count and len(tried) < count


def _pointer_match_by_search(pattern: str, pointer: str) -> bool:
    """The plain recursive definition, to compare with."""
    from civitai_schema import pointers

    wanted, tokens = pointers.split(pattern), pointers.split(pointer)

    def match(i: int, j: int) -> bool:
        if i == len(wanted):
            return j == len(tokens)
        if wanted[i] == "**":
            return any(match(i + 1, k) for k in range(j, len(tokens) + 1))
        return j < len(tokens) and wanted[i] in ("*", tokens[j]) and match(i + 1, j + 1)

    return match(0, 0)


def test_pointer_patterns_match_as_defined_and_stay_linear() -> None:
    import itertools
    import time

    parts = ["a", "b", "*", "**"]
    for size in range(5):
        for pattern in itertools.product(parts, repeat=size):
            for length in range(5):
                for pointer in itertools.product("ab", repeat=length):
                    p, q = "/" + "/".join(pattern) if pattern else "", "/" + "/".join(pointer) if pointer else ""
                    assert suppressions.pointer_match(p, q) == _pointer_match_by_search(p, q), (p, q)
    deep = "/" + "/".join(["steps"] * 3000)
    start = time.perf_counter()
    assert not suppressions.pointer_match("/**/**/**/**/**/x", deep)  # (exponential, and too deep, before)
    assert time.perf_counter() - start < 5
