"""Schema errors become findings a person can act on."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import civitai_schema
from civitai_schema import validators
from civitai_schema.findings import Kind
from civitai_schema.fix_actions import Rename
from civitai_schema.rules import schema as schema_rules

# Inside a step input a schema error carries the input rule of the same meaning (N101-N108).
INPUT_SCHEMA_CODES = frozenset({"N101", "N102", "N103", "N104", "N105", "N106", "N107", "N108"})


def found(document: Any, **options: Any) -> list[tuple[str, str, str]]:
    """The schema findings (the lint rules have tests of their own)."""
    report = civitai_schema.check(document, **options)
    return [
        (f.code, f.path, f.message) for f in report.findings if f.code.startswith("S") or f.code in INPUT_SCHEMA_CODES
    ]


# A complete SDXL request on sdcpp: its leaf (SdxlCreateImageGenInput) is known, so every other
# key is checked against that leaf's own schema.
SDXL = {
    "engine": "sdcpp",
    "ecosystem": "sdxl",
    "operation": "createImage",
    "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
    "prompt": "a cat",
}
ECHO = {"$type": "echo", "input": {"message": "hi"}}


def step(**input: Any) -> dict[str, Any]:
    return {"steps": [{"$type": "imageGen", "input": {**SDXL, **input}}]}


def test_value_references_are_accepted_wherever_an_input_value_is() -> None:
    body = step(prompt={"$ref": "$arguments", "path": "prompt"}, width={"$ref": "$0", "path": "output.width"})
    assert found(body) == []


def test_a_wrong_value_is_reported_against_the_value_s_own_type() -> None:
    """A value that does not claim to be a reference (no "$ref", no "path") is checked as a value:
    one type error, not a complaint that it is a broken reference."""
    assert found(step(width="1024")) == [("N107", "/steps/0/input/width", 'expected an integer, got string "1024"')]
    assert found(step(width={"value": 3})) == [("N107", "/steps/0/input/width", "expected an integer, got an object")]


def test_a_broken_value_reference_reports_the_reference_s_own_errors() -> None:
    assert found(step(seed={"$ref": "$arguments", "paht": "seed"})) == [
        ("N104", "/steps/0/input/seed/paht", 'unknown key "paht"; did you mean "path"?')
    ]
    assert found(step(seed={"$ref": 5, "path": "seed"})) == [
        ("N107", "/steps/0/input/seed/$ref", "expected a string, got integer 5")
    ]


def test_a_map_that_is_not_a_reference_reports_the_map_s_errors() -> None:
    assert found(step(loras={"urn:air:sdxl:lora:civitai:1@2": "strong"})) == [
        ("N107", "/steps/0/input/loras/urn:air:sdxl:lora:civitai:1@2", 'expected a number, got string "strong"')
    ]


def test_both_lora_forms_and_the_additional_networks_map_are_accepted() -> None:
    """The API has both LoRA forms, each on its own leaves: a map (sdcpp SDXL) and a list
    (flux2 dev); textToImage takes an additionalNetworks map. The other form is a type error."""
    assert found(step(loras={"urn:air:sdxl:lora:civitai:1@2": 0.8})) == []
    assert found(step(loras=[{"air": "urn:air:sdxl:lora:civitai:1@2", "strength": 1}])) == [
        ("N107", "/steps/0/input/loras", "expected an object, got a list")
    ]
    flux2 = {"engine": "flux2", "model": "dev", "operation": "createImage", "prompt": "a cat"}
    as_list = {**flux2, "loras": [{"air": "urn:air:flux2:lora:civitai:1@2", "strength": 1}]}
    assert found({"steps": [{"$type": "imageGen", "input": as_list}]}) == []
    as_map = {**flux2, "loras": {"urn:air:flux2:lora:civitai:1@2": 1}}
    assert found({"steps": [{"$type": "imageGen", "input": as_map}]}) == [
        ("N107", "/steps/0/input/loras", "expected a list, got an object")
    ]
    legacy = {"model": "urn:air:sd1:checkpoint:civitai:4384@128713", "prompt": "a cat", "cfgScale": 7}
    networks = {**legacy, "additionalNetworks": {"urn:air:sd1:lora:civitai:1@2": {"strength": 0.7}}}
    assert found({"steps": [{"$type": "textToImage", "input": networks}]}) == []
    listed = {**legacy, "additionalNetworks": [{"air": "urn:air:sd1:lora:civitai:1@2", "strength": 1}]}
    assert found({"steps": [{"$type": "textToImage", "input": listed}]}) == [
        ("N107", "/steps/0/input/additionalNetworks", "expected an object, got a list")
    ]


def test_enum_errors_list_a_handful_and_suggest_the_closest() -> None:
    ((code, _, message),) = found({"id": "1", "status": "Succeded", "steps": []})
    assert code == "S103"
    assert message.count('"') == 2 * 5 + 2 + 2  # five shown values, the value itself, the suggestion
    assert message.endswith('did you mean "succeeded"?')
    assert re.search(r"… \(\d+ in all\); did", message), message  # (how many the API has is data)


def test_invented_step_types_name_the_real_one() -> None:
    body = {"steps": [{"$type": "tts"}, {"$type": "transcribe"}, {"$type": "audioGen"}]}
    assert [(c, m.rsplit(" ", 1)[-1]) for c, _, m in found(body)] == [
        ("S112", '"textToSpeech"'),
        ("S112", '"transcription"'),
        ("S112", '"aceStepAudio"'),
    ]


def test_unknown_step_types_are_warnings_with_a_suggestion() -> None:
    report = civitai_schema.check({"steps": [{"$type": "ImageGen"}]})
    (finding,) = report.findings
    assert (finding.code, finding.severity.value) == ("S111", "warning")
    assert finding.message.endswith('did you mean "imageGen"?')
    assert report.ok


def test_a_missing_key_points_at_the_object_that_lacks_it() -> None:
    report = civitai_schema.check_text('{"callbacks": [{"url": "https://a.example/h"}]}')
    assert [(f.code, f.path, f.line, f.column) for f in report.findings] == [
        ("S102", "", 1, 1),
        ("S102", "/callbacks/0", 1, 16),
    ]


def test_unknown_keys_point_at_the_key_and_suggest_the_nearest() -> None:
    report = civitai_schema.check_text(
        '{"steps": [{"$type": "echo", "input": {"message": "hi"}}],\n "tgas": []}', filename="x.json"
    )
    (finding,) = report.findings
    assert (finding.code, finding.path, finding.line, finding.column, finding.end_column) == ("S104", "/tgas", 2, 2, 8)
    assert finding.message == 'unknown key "tgas"; did you mean "tags"?'


def test_seed_keys_are_explained_in_terms_of_the_real_api() -> None:
    body = {"steps": [{"$type": "echo", "input": {"message": "hi"}}], "callbackUrl": "https://a.example/h"}
    assert found(body) == []  # not an unknown key: legacy-callback-field says more
    ((code, path, message),) = [(f.code, f.path, f.message) for f in civitai_schema.check(body).findings]
    assert (code, path) == ("C106", "/callbackUrl")
    assert '{"callbacks": [{"url": "https://a.example/h", "type": ["workflow:*"]}]}' in message


def test_a_wrong_type_is_reported_once_not_with_its_enum() -> None:
    assert found({"id": "1", "status": 3, "steps": []}) == [("S101", "/status", "expected a string, got integer 3")]


def test_pattern_uses_json_schema_semantics_for_a_final_dollar() -> None:
    assert [c for c, _, _ in found({"steps": [ECHO], "externalId": "order-1\n"})] == ["S105"]
    assert found({"steps": [ECHO], "externalId": "order-1"}) == []


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ({"steps": [{"$type": "echo"}]}, "submission"),
        ({"id": "6-1", "status": "succeeded", "steps": []}, "workflow"),
        ({"id": "6-1", "steps": [{"$type": "echo"}]}, "submission"),  # no status: not a record
        ([1, 2], "submission"),
    ],
)
def test_auto_kind_comes_from_the_content(document: Any, kind: str) -> None:
    assert civitai_schema.check(document).kind.value == kind  # type: ignore[union-attr]


def test_the_kind_can_be_forced() -> None:
    body = {"steps": [{"$type": "echo"}]}
    assert found(body) == [("S102", "/steps/0", 'missing required key "input"')]
    # As a record, what the document says every record has is one warning per object that lacks it.
    report = civitai_schema.check(body, kind="workflow")
    assert report.kind is Kind.WORKFLOW and report.ok
    assert [(f.code, f.severity.value, f.path) for f in report.findings] == [
        ("R106", "warning", ""),
        ("R106", "warning", "/steps/0"),
    ]
    workflow, step_of_it = (f.message for f in report.findings)
    assert '"status"' in workflow and '"steps"' not in workflow
    assert '"input"' in step_of_it and '"name"' in step_of_it
    record = {"id": "6-1", "status": "succeeded", "steps": []}
    assert [c for c, _, _ in found(record, kind="submission")] == ["S107"]


def test_the_vendored_schema_can_be_used_as_it_is() -> None:
    # (xVectorOnlyMode is required by the API's document on the default engine, custom)
    body = {"steps": [{"$type": "textToSpeech", "input": {"text": "hi", "xVectorOnlyMode": False}}]}
    assert found(body) == []
    codes = [(c, p) for c, p, _ in found(body, schema="vendored")]
    assert codes == [("S102", ""), ("S102", ""), ("S103", "/steps/0/$type")]


def test_union_matching_several_shapes_and_other_keywords() -> None:
    # The effective schema has neither oneOf nor these keywords: exercise them on a small schema.
    custom = {
        "properties": {
            "one": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
            "not": {"not": {"const": 0}},
            "either": {"anyOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]},
        }
    }
    validator = validators.build_validator(custom)
    errors = validator.iter_errors({"one": 1, "not": 0, "either": {"c": 1}})
    result = sorted((f.code, f.path) for f in schema_rules.translate(errors, custom))
    assert result == [("S108", "/either"), ("S108", "/one"), ("S110", "/not")]


def test_unions_follow_the_type_discriminator() -> None:
    custom = {
        "items": {
            "anyOf": [
                {"properties": {"$type": {"const": "imageGen"}, "input": {"required": ["prompt"]}}},
                {"properties": {"$type": {"const": "videoGen"}, "input": {"required": ["video"]}}},
            ]
        }
    }
    validator = validators.build_validator(custom)
    errors = validator.iter_errors([{"$type": "videoGen", "input": {}}])
    result = [(f.code, f.path, f.message) for f in schema_rules.translate(errors, custom)]
    assert result == [("S102", "/0/input", 'missing required key "video"')]


def test_repeated_items_are_named_once_each_and_capped() -> None:
    tags = ["a", "a", {"x": 1, "y": 2}, {"y": 2, "x": 1}, *[f"t{i}" for i in range(6) for _ in range(2)]]
    (finding,) = [f for f in civitai_schema.check({"tags": tags, "steps": []}).findings if f.code == "S109"]
    assert finding.message == (
        'the items must all be different; repeated: "a", {"y": 2, "x": 1}, "t0", "t1", "t2" and 3 more'
    )


def test_unique_items_is_linear_on_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """jsonschema compares every pair of unhashable items: 20,000 objects took minutes."""
    import jsonschema._utils

    from .conftest import count_calls

    pairs = count_calls(monkeypatch, jsonschema._utils, "equal")
    tags = [{"n": i} for i in range(3000)]
    findings = civitai_schema.check({"tags": tags, "steps": [{"$type": "echo", "input": {}}]}).findings
    assert "S109" not in {f.code for f in findings} and len(pairs) < 100
    assert "S109" in {f.code for f in civitai_schema.check({"tags": [*tags, {"n": 5}], "steps": []}).findings}


def test_a_misspelt_required_key_is_one_finding_with_its_rename() -> None:
    model = "urn:air:sdxl:checkpoint:civitai:101055@128078"
    step_input = {"engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage", "model": model, "promt": "a"}
    body = {"steps": [{"$type": "imageGen", "input": step_input}]}
    findings = civitai_schema.check(body).findings
    assert [(f.code, f.path) for f in findings] == [("N104", "/steps/0/input/promt")]
    assert findings[0].fix is not None and findings[0].fix.action == Rename("prompt")


def test_an_unknown_key_is_renamed_only_onto_the_required_key_that_is_missing() -> None:
    """flux1 on sdcpp takes diffuserModel; 'model' once became 'vaeModel', and the file worse."""
    text = json.dumps({"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "flux1",
                       "operation": "createImage", "model": "urn:air:flux1:checkpoint:civitai:618692@691639",
                       "prompt": "a"}}]})  # fmt: skip
    outcome = civitai_schema.fix_text(text, filename="w.json", unsafe=True)
    assert '"diffuserModel"' in outcome.after
    assert outcome.report.errors == 0
