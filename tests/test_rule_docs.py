"""Every rule documents itself: what it catches, why, a bad and a good example."""

from __future__ import annotations

import re

import pytest

from civitai_schema import catalog, rules
from civitai_schema.rules.rule import Rule

from .conftest import invoke


@pytest.mark.parametrize("rule", list(rules.REGISTRY.values()), ids=lambda r: r.code)
def test_rule_is_documented(rule: Rule) -> None:
    assert re.fullmatch(r"[A-Z]\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary.endswith(".") and len(rule.summary) < 120
    assert "Bad:" in rule.doc and "Good:" in rule.doc, rule.code
    assert len(rule.doc.split("Bad:")[0].strip()) > 40, f"{rule.code} explains too little"


def test_every_family_runs_as_a_check_or_comes_from_the_reader_or_schema() -> None:
    families = {rule.family for rule in rules.REGISTRY.values()}
    checked = {check.__module__.rsplit(".", 1)[-1] for _, check in rules.CHECKS}
    assert families - checked == {"parse", "schema", "engine", "suppression"}


def test_rules_command_lists_every_rule_with_the_catalog_date() -> None:
    listing = invoke("rules").output
    for rule in rules.REGISTRY.values():
        assert f"{rule.code}  {rule.name}" in listing
    assert f"as of {catalog.as_of()}" in listing


def test_the_rule_reference_is_current() -> None:
    from civitai_schema import rule_docs

    from .conftest import REPO

    assert {r.family for r in rules.REGISTRY.values()} <= set(rule_docs._FAMILIES)
    committed = (REPO / "docs" / "rules.md").read_text("utf-8")
    assert committed == rule_docs.markdown(), "run: civitai-schema rules --format markdown > docs/rules.md"
