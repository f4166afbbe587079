"""Golden fixtures: each invalid file's exact concise output sits beside it; valid files are silent.

Set CIVITAI_SCHEMA_UPDATE_GOLDEN=1 to rewrite the expectations, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from civitai_schema import rules

from .conftest import FIXTURES, REPO, invoke

INVALID = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.suffix != ".out")
VALID = sorted((FIXTURES / "valid").iterdir())

# Rules no committed file can trigger, each with the test that proves it fires.
FIRED_ELSEWHERE = {
    "P107": "test_cli.py::test_unreadable_paths_exit_2 (a FIFO; root can read any committed file)",
    "S108": "test_schema_findings.py::test_union_matching_several_shapes_and_other_keywords",
    "S110": "test_schema_findings.py::test_union_matching_several_shapes_and_other_keywords",
    "X001": "test_api.py::test_a_crashing_check_becomes_a_finding",
    "X002": "test_bounds.py::test_500_000_empty_steps_are_bounded_and_capped (10,001 lines of output)",
}


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_output_is_exactly_as_expected(path: Path) -> None:
    result = invoke("check", "--format", "text", "-q", _relative(path))
    expected_file = path.with_name(path.name + ".out")
    if os.environ.get("CIVITAI_SCHEMA_UPDATE_GOLDEN"):
        expected_file.write_text(result.output, "utf-8")
    assert result.exit_code in (0, 1), result.output
    assert result.output == expected_file.read_text("utf-8")
    assert result.output, "an invalid fixture must produce findings"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_is_silent(path: Path) -> None:
    result = invoke("check", "--format", "text", "-q", "--fail-on", "info", _relative(path))
    assert (result.exit_code, result.output) == (0, "")


def test_every_expectation_has_its_fixture() -> None:
    for out in (FIXTURES / "invalid").glob("*.out"):
        assert out.with_suffix("").exists(), f"{out.name} has no fixture"


def test_every_rule_has_a_fixture_where_it_fires() -> None:
    fired = {
        line.split(": ", 2)[1].split(" ", 1)[0]
        for out in (FIXTURES / "invalid").glob("*.out")
        for line in out.read_text("utf-8").splitlines()
    }
    missing = set(rules.REGISTRY) - fired - set(FIRED_ELSEWHERE)
    assert not missing, f"rules without a golden fixture: {sorted(missing)}"
    assert not fired & set(FIRED_ELSEWHERE), "a rule listed as fired elsewhere now has a fixture: drop it from the list"


def test_fixtures_cover_both_kinds_and_both_formats() -> None:
    names = [p.name for p in VALID]
    assert any(n.endswith(".json") for n in names) and any(n.endswith(".yaml") for n in names)
    assert any(n.startswith("submission") for n in names) and any(n.startswith("workflow") for n in names)
