"""Rule options are declared next to the rule that reads them and validated from that
declaration: every option of every type refuses a bad value naming its key, an option a rule
declares is read and shown with nothing else to change, and the rule reference lists it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civitai_schema import config, rule_docs, rules
from civitai_schema.rule_options import RuleOptions
from civitai_schema.rules.rule import Names, Option, OptionType, PositiveNumbers

from .conftest import invoke

# Values each option type refuses, with the key the error names beyond the option's own.
BAD: dict[type[OptionType[Any]], list[tuple[Any, str]]] = {
    Names: [("mybase", ""), ([1], ""), ({"a": "b"}, ""), ([["x"]], "")],
    PositiveNumbers: [
        ([1.5], ""),
        ("sdxl", ""),
        ({"sdxl": 0}, ".sdxl"),
        ({"sdxl": -2}, ".sdxl"),
        ({"sdxl": True}, ".sdxl"),
        ({"sd1": 2, "sdxl": "3"}, ".sdxl"),
        ({"sdxl": float("inf")}, ".sdxl"),
        ({"sdxl": float("nan")}, ".sdxl"),
    ],
}
GOOD: dict[type[OptionType[Any]], tuple[Any, Any]] = {
    Names: (["MyBase", "other"], ["mybase", "other"]),
    PositiveNumbers: ({"sdxl": 3, "sd1": 0.5}, {"sdxl": 3.0, "sd1": 0.5}),
}


def test_every_option_type_in_use_has_bad_and_good_values_here() -> None:
    assert {type(option.type) for option in rules.OPTIONS} <= BAD.keys() & GOOD.keys()


@pytest.mark.parametrize(
    ("option", "value", "deeper"),
    [(o, value, deeper) for o in rules.OPTIONS for value, deeper in BAD[type(o.type)]],
    ids=lambda v: v.name if isinstance(v, Option) else repr(v),
)
def test_a_bad_value_of_a_declared_option_is_refused_naming_its_key(
    option: Option[Any], value: Any, deeper: str
) -> None:
    with pytest.raises(config.ConfigError) as raised:
        config.parse({"options": {option.name: value}}, Path("c.toml"))
    assert str(raised.value).startswith(f"c.toml: options.{option.name}{deeper}: expected ")


@pytest.mark.parametrize("option", rules.OPTIONS, ids=lambda o: o.name)
def test_a_good_value_is_read_shown_and_defaults_hold_elsewhere(option: Option[Any]) -> None:
    given, shown = GOOD[type(option.type)]
    settings = config.parse({"options": {option.name: given}})
    assert settings.to_dict()["options"][option.name] == shown
    assert option.of(settings.options) != option.default
    others = [o for o in rules.OPTIONS if o is not option]
    assert all(o.of(settings.options) == o.default for o in others)
    assert option.of(config.DEFAULT.options) == option.default


def test_an_option_a_rule_declares_is_validated_with_nothing_else_to_change(monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = Option("trusted-hosts", Names(), frozenset[str](), "Hosts a test trusts.")
    monkeypatch.setattr(rules, "OPTIONS", (*rules.OPTIONS, hosts))
    settings = config.parse({"options": {"trusted-hosts": ["A.example"]}})
    assert hosts.of(settings.options) == frozenset({"a.example"})
    assert settings.to_dict()["options"]["trusted-hosts"] == ["a.example"]
    with pytest.raises(config.ConfigError, match=r"options\.trusted-hosts: expected a list of strings"):
        config.parse({"options": {"trusted-hosts": "a.example"}})
    with pytest.raises(config.ConfigError, match=r"options\.trusted-host: unknown option; allowed: .*trusted-hosts"):
        config.parse({"options": {"trusted-host": []}})


def test_every_option_is_read_by_a_rule_and_documented_under_it() -> None:
    reference = rule_docs.markdown()
    for option in rules.OPTIONS:
        readers = [rule for rule in rules.REGISTRY.values() if option in rule.options]
        assert readers, option.name
        for rule in readers:
            section = reference.split(f"### {rule.code} {rule.name}\n", 1)[1].split("\n### ", 1)[0]
            assert f"- `{option.name}`: {option.type.description}" in section and option.doc in section


def test_options_compare_and_hash_by_value_and_a_fragment_replaces_only_its_options() -> None:
    one = config.parse({"options": {"pixel-budget": {"sdxl": 2}, "extra-sources": ["s"]}}).options
    two = config.parse({"options": {"extra-sources": ["S"], "pixel-budget": {"sdxl": 2.0}}}).options
    assert one == two and hash(one) == hash(two)
    fragment = config.parse({"options": {"extra-sources": ["t"]}}).options
    merged = one.replaced(fragment, ["extra-sources"])
    assert merged.values == {"pixel-budget": {"sdxl": 2.0}, "extra-sources": frozenset({"t"})}
    assert one.replaced(RuleOptions(), ["extra-sources"]).values == {"pixel-budget": {"sdxl": 2.0}}


def test_an_option_from_the_command_line_replaces_the_files(tmp_path: Path) -> None:
    (tmp_path / "civitai-schema.toml").write_text('[options]\nextra-sources = ["mysrc"]\n')
    (tmp_path / "w.json").write_text(
        '{"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage",'
        ' "model": "urn:air:sdxl:checkpoint:mysrc:1@2", "prompt": "x"}}]}'
    )
    quiet = invoke("check", "--output-format", "concise", str(tmp_path / "w.json"))
    assert "A105" not in quiet.output and quiet.exit_code == 0
    loud = invoke("check", "--config", "options.extra-sources = []", str(tmp_path / "w.json"))
    assert "A105" in loud.output and loud.exit_code == 0  # (a warning)
    bad = invoke("check", "--config", "options.extra-sources = 'x'", str(tmp_path / "w.json"))
    assert bad.exit_code == 2 and "options.extra-sources: expected a list of strings" in bad.output
