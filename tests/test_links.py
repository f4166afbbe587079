"""Links the tool prints resolve for an installed user: they are the package metadata's project
URLs, and each rule's anchor is a heading of the published reference."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from civitai_schema import rule_docs, rules

from .conftest import REPO, invoke

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _github_anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces as '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_printed_urls_are_the_project_urls_of_the_package() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["urls"]
    assert urls["Rules"] == rule_docs.RULES_URL
    assert urls["Homepage"] == rule_docs.PROJECT_URL
    assert all(url.startswith(rule_docs.PROJECT_URL) for url in urls.values())


def test_the_installed_metadata_names_the_rule_reference(tmp_path: Path) -> None:
    """As an installed user's tools read it (from outside the source tree)."""
    code = (
        "import importlib.metadata as m, json; print(json.dumps(m.metadata('civitai-schema').get_all('Project-URL')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    listed = dict(entry.split(", ", 1) for entry in json.loads(done.stdout) or [])
    assert listed.get("Rules") == rule_docs.RULES_URL, "reinstall: pip install -e ."


def test_every_rule_url_names_a_heading_of_the_reference() -> None:
    reference = (REPO / "docs" / "rules.md").read_text("utf-8")
    anchors = {_github_anchor(line.lstrip("#")) for line in reference.splitlines() if line.startswith("### ")}
    for rule in rules.REGISTRY.values():
        url = rule_docs.rule_url(rule)
        assert url.startswith(rule_docs.RULES_URL + "#")
        assert url.split("#", 1)[1] in anchors, rule.code


def test_findings_point_at_the_installed_rule_command_and_the_published_reference() -> None:
    output = invoke("check", "--format", "full", "fixtures/invalid/unknown-key.json").output
    rule = rules.REGISTRY["S104"]
    assert f"= see: civitai-schema rule S104  ({rule_docs.rule_url(rule)})" in output
    assert "(docs/rules.md" not in output  # (a path in our source tree, which an installed user lacks)
    shown = invoke("rule", "S104").output
    assert shown.startswith("S104 unknown-key") and shown.rstrip().endswith(rule_docs.rule_url(rule))
