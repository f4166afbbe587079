""" "Did you mean": configuration errors name the nearest key, value or rule; event and status
names are suggested by meaning before spelling (facts/synonyms.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civitai_schema import catalog, config, suggest

from .conftest import invoke


@pytest.mark.parametrize(
    ("wrong", "meant"),
    [
        ("workflow:completed", "workflow:succeeded"),  # by spelling: workflow:canceled
        ("job:done", "job:succeeded"),
        ("step:finished", "step:succeeded"),  # by spelling: step:failed
        ("workflow:error", "workflow:failed"),
        ("workflow:cancelled", "workflow:canceled"),
        ("Workflow:Running", "workflow:processing"),
        ("job:queued", "job:unassigned"),
        ("step:timed_out", "step:expired"),
        ("workflow:all", "workflow:*"),
        ("steps:done", "step:succeeded"),  # the meaning, then the spelling of the result
        ("workflow:succeded", "workflow:succeeded"),  # a plain misspelling still works
    ],
)
def test_event_names_are_suggested_by_meaning(wrong: str, meant: str) -> None:
    assert suggest.closest(wrong, catalog.CALLBACK_EVENTS) == meant


def test_statuses_too_and_only_values_the_field_allows() -> None:
    assert suggest.closest("completed", catalog.STATUSES) == "succeeded"
    assert suggest.closest("in-progress", catalog.STATUSES) == "processing"
    assert suggest.closest("done", ["low", "normal", "high"]) is None  # (a synonym must land on a candidate)


def test_the_synonym_table_is_data_with_reasons() -> None:
    path = Path(suggest.__file__).parent / "facts" / "synonyms.json"
    rows = json.loads(path.read_text("utf-8"))["synonyms"]
    words = [w for row in rows for w in row["words"]]
    assert len(words) == len(set(words))  # one meaning per word
    for row in rows:
        assert row["why"] and row["source"] and row["asOf"]
        assert row["means"] == "*" or row["means"] in catalog.STATUSES
        assert not set(row["words"]) & set(catalog.STATUSES)  # (a real status is never rewritten)


def test_a_wrong_event_in_a_document_gets_the_meant_one(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    body = {"steps": [{"$type": "textToImage", "input": {}}], "callbacks": [{"url": "https://h.example/x"}]}
    body["callbacks"][0]["type"] = ["workflow:completed"]
    path.write_text(json.dumps(body))
    output = invoke("check", "--format", "concise", str(path)).output
    assert 'string "workflow:completed" is not an allowed value' in output
    assert 'did you mean "workflow:succeeded"?' in output


@pytest.mark.parametrize(
    ("fragment", "hint"),
    [
        ("selct = ['ALL']", '"select"'),
        ("respect-git-ignore = false", '"respect-gitignore"'),
        ("ignore = ['unknwn-key']", '"unknown-key"'),
        ("ignore = ['S1O4']", '"S104"'),
        ("severity = {air-unpined-version = 'info'}", '"air-unpinned-version"'),
        ("severity = {A107 = 'eror'}", '"error"'),
        ("kind = {'*.json' = 'submision'}", '"submission"'),
        ("options = {pixel-budgt = {}}", '"pixel-budget"'),
        ("per-path-ignores = [{files = '*', path = '/a', rule = ['S104']}]", '"rules"'),
    ],
)
def test_configuration_errors_suggest_the_nearest_name(fragment: str, hint: str) -> None:
    toml = config._toml()
    with pytest.raises(config.ConfigError) as raised:
        config.parse(toml.loads(fragment), Path("civitai-schema.toml"))
    assert str(raised.value).endswith(f"did you mean {hint}?"), str(raised.value)


def test_no_suggestion_when_nothing_is_near() -> None:
    toml = config._toml()
    with pytest.raises(config.ConfigError) as raised:
        config.parse(toml.loads("zzzzzz = 1"), Path("civitai-schema.toml"))
    assert "did you mean" not in str(raised.value) and "allowed: cache-dir, exclude" in str(raised.value)


def test_the_command_line_shows_the_suggestion() -> None:
    result = invoke("check", "--config", "ignore = ['unknwn-key']", "fixtures/valid")
    assert result.exit_code == 2
    assert 'did you mean "unknown-key"?' in result.output
