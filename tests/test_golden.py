"""Golden cases, one per rule code, as actionlint keeps them: a small document where the rule
fires, beside the exact text output expected of it; valid files stay silent.

A rule's case is ``fixtures/invalid/<rule name>[.<variant>].<json|yaml>`` (``unknown-key.json``,
``invalid-format.record.yaml``) with its output in ``<file>.out``. One rule per file means that
editing one rule's case shifts no other rule's expected lines. Regenerate every expectation (and
the output formats' in tests/golden/) with one command, then review the diff:

    CIVITAI_SCHEMA_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py tests/test_output_formats.py
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from civitai_schema import rules

from .conftest import FIXTURES, REPO, default_exit_status, invoke, text_findings

INVALID = FIXTURES / "invalid"
CASES = sorted(p for p in INVALID.iterdir() if p.suffix != ".out")
VALID = sorted((FIXTURES / "valid").iterdir())
RULE_BY_NAME = {rule.name: rule for rule in rules.REGISTRY.values()}
TESTS = Path(__file__).resolve().parent

# Documents in fixtures/invalid that are no single rule's case, each with why it is kept.
SCENARIOS = {
    "air-identifiers.yaml": "every AIR rule in one body: the input of test_config.py and of tests/golden/format.*",
    "value-reference.yaml": "value references ({$ref, path}) checked as input values: N104, N106, N107 on a reference",
    "step-graph.yaml": "every step-graph rule in one body: the language server's diagnostics test (test_server.py)",
}

# Codes no committed file can make fire, each with the test that does (test file, function).
FIRED_ELSEWHERE = {
    "P107": ("test_cli.py", "test_unreadable_paths_exit_2"),  # a FIFO; root can read any committed file
    # Only a Python object holds a Decimal, a datetime or a set.
    "P110": ("test_not_json_values.py", "test_each_value_json_cannot_carry_is_named_with_its_path"),
    # No committed document reaches these through the effective schema; a test uses a small one.
    "S108": ("test_schema_findings.py", "test_union_matching_several_shapes_and_other_keywords"),
    "S110": ("test_schema_findings.py", "test_union_matching_several_shapes_and_other_keywords"),
    "X001": ("test_api.py", "test_a_crashing_check_becomes_a_finding"),  # needs a check that crashes
    "X002": ("test_bounds.py", "test_500_000_empty_steps_are_bounded_and_capped"),  # 10,001 lines of output
}


def _relative(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _expected(case: Path) -> Path:
    return case.with_name(case.name + ".out")


def _rule_of(case: Path) -> rules.Rule | None:
    return RULE_BY_NAME.get(case.name.split(".", 1)[0])


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_invalid_case_output_is_exactly_as_expected(case: Path) -> None:
    result = invoke("check", "--format", "text", "-q", _relative(case))
    if os.environ.get("CIVITAI_SCHEMA_UPDATE_GOLDEN"):
        _expected(case).write_text(result.output, "utf-8")
    assert result.output == _expected(case).read_text("utf-8")
    assert result.output, "an invalid case must produce findings"
    assert result.exit_code == default_exit_status(result.output), result.output


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_is_silent(path: Path) -> None:
    result = invoke("check", "--format", "text", "-q", "--fail-on", "info", _relative(path))
    assert (result.exit_code, result.output) == (0, "")


def test_every_expectation_has_its_case() -> None:
    for out in INVALID.glob("*.out"):
        assert out.with_suffix("").exists(), f"{out.name} has no case"


def test_every_case_is_a_rules_case_or_a_listed_scenario() -> None:
    """A misspelt case name would otherwise belong to no rule and prove nothing."""
    strays = [case.name for case in CASES if _rule_of(case) is None and case.name not in SCENARIOS]
    assert strays == [], "name each case after the rule it shows (see `civitai-schema rules`)"
    assert set(SCENARIOS) <= {case.name for case in CASES}


def test_every_rule_fires_in_each_of_its_cases() -> None:
    cases: dict[str, list[Path]] = {}
    for case in CASES:
        rule = _rule_of(case)
        if rule is not None:
            cases.setdefault(rule.code, []).append(case)
    missing = sorted(set(rules.REGISTRY) - set(cases) - set(FIRED_ELSEWHERE))
    assert missing == [], f"rules without a case: {missing}"
    silent = [
        case.name
        for code, paths in cases.items()
        for case in paths
        if code not in {found for found, _ in text_findings(_expected(case).read_text("utf-8"))}
    ]
    assert silent == [], "these cases do not fire the rule they are named after"
    assert not set(cases) & set(FIRED_ELSEWHERE), "a rule listed as fired elsewhere now has a case: unlist it"


@pytest.mark.parametrize("code", sorted(FIRED_ELSEWHERE))
def test_a_code_fired_elsewhere_is_asserted_by_the_test_named(code: str) -> None:
    filename, function = FIRED_ELSEWHERE[code]
    assert code in rules.REGISTRY
    source = (TESTS / filename).read_text("utf-8")
    functions = (node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef))
    tests = [node for node in functions if node.name == function]
    assert len(tests) == 1, f"{filename} has no test {function}"
    assert code in (ast.get_source_segment(source, tests[0]) or ""), f"{filename}::{function} never names {code}"


def test_fixtures_cover_both_kinds_and_both_formats() -> None:
    names = [p.name for p in VALID]
    assert any(n.endswith(".json") for n in names) and any(n.endswith(".yaml") for n in names)
    assert any(n.startswith("submission") for n in names) and any(n.startswith("workflow") for n in names)
