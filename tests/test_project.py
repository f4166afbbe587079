"""The project's own promises: the README's commands are the ones CI and users run."""

from __future__ import annotations

from .conftest import REPO

README = (REPO / "README.md").read_text("utf-8")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = (REPO / ".ci" / "run").read_text("utf-8").strip().splitlines()[-1]
    assert command.endswith("python -m pytest")
    assert f"\n{command}\n" in README


def test_readme_documents_the_exit_codes_and_json_contract() -> None:
    for needle in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", '"version": 1', '"end_column"', '"hint"'):
        assert needle in README
