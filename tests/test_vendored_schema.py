"""The vendored schema is byte-identical to its source; corrections are reviewed patches."""

from __future__ import annotations

import hashlib
import json

import pytest
from jsonschema import Draft202012Validator

from civitai_schema import schema
from civitai_schema.findings import Kind
from civitai_schema.schema import SchemaLoadError, SchemaMode

from .conftest import REPO, SEED

EXPECTED_SHA256 = "86e47a27911805647b42a72a98b6fc3f712d219cce87f2010f4d350ec45ec45d"


def test_vendored_file_has_the_recorded_hash() -> None:
    data = (REPO / "schemas" / schema.SCHEMA_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == EXPECTED_SHA256
    assert schema.vendored_sha256() == EXPECTED_SHA256
    assert schema.provenance()["sha256"] == EXPECTED_SHA256


def test_vendored_file_is_byte_identical_to_the_seed() -> None:
    if not SEED.is_file():
        pytest.skip("../shared/seed is not present")
    assert (REPO / "schemas" / schema.SCHEMA_FILE).read_bytes() == SEED.read_bytes()


def test_provenance_names_the_schema_id_as_source() -> None:
    vendored = json.loads(schema.vendored_bytes())
    info = schema.provenance()
    assert info["source"] == vendored["$id"]
    assert info["vendored"] and info["file"] == schema.SCHEMA_FILE


@pytest.mark.parametrize("kind", list(Kind))
def test_schemas_pass_the_2020_12_metaschema(kind: Kind) -> None:
    Draft202012Validator.check_schema(json.loads(schema.vendored_bytes()))
    Draft202012Validator.check_schema(schema.schema_for(kind))


def test_every_correction_says_why_and_where_from() -> None:
    files = list((REPO / "schemas" / "patches").glob("*.json"))
    assert len(files) >= 3
    for path in files:
        for op in json.loads(path.read_text("utf-8")):
            assert op["op"] in ("add", "remove", "replace", "move", "copy", "test"), path.name
            assert len(op.get("reason", "")) > 10, f"{path.name} {op['path']} has no reason"
            assert op.get("source"), f"{path.name} {op['path']} has no source"


def test_corrections_do_not_touch_the_vendored_file() -> None:
    before = schema.vendored_bytes()
    effective = schema.schema_for(Kind.SUBMISSION)
    assert schema.vendored_bytes() == before
    vendored = schema.schema_for(Kind.SUBMISSION, SchemaMode.VENDORED)
    assert vendored["required"] == ["id", "status"]
    assert effective["required"] == ["steps"]
    assert schema.schema_for(Kind.WORKFLOW)["required"] == ["id", "status"]


def test_corrections_cover_what_the_real_api_needs() -> None:
    effective = schema.schema_for(Kind.WORKFLOW)
    statuses = effective["$defs"]["workflowStatus"]["enum"]
    assert "scheduled" in statuses and len(statuses) == 8
    step_types = effective["properties"]["steps"]["items"]["properties"]["$type"]["enum"]
    assert {"textToSpeech", "imageUpscaler", "transcription", "imageGen"} <= set(step_types)
    assert not {"tts", "upscale", "transcribe", "audioGen"} & set(step_types)
    assert effective["$defs"]["nsfwLevel"]["enum"] == ["pg", "pg13", "r", "x", "xxx", "na"]


def test_the_step_type_patch_and_the_catalog_agree() -> None:
    from civitai_schema import catalog

    effective = schema.schema_for(Kind.SUBMISSION)
    assert effective["properties"]["steps"]["items"]["properties"]["$type"]["enum"] == list(catalog.STEP_TYPES)
    assert len(catalog.STEP_TYPES) == 43
    assert set(catalog.SEED_STEP_TYPES.values()) <= set(catalog.STEP_TYPES)
    assert not set(catalog.SEED_STEP_TYPES) & set(catalog.STEP_TYPES)


def test_a_remote_ref_is_refused_before_anything_is_fetched() -> None:
    remote = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://example.com/other.json"}
    with pytest.raises(SchemaLoadError, match="never fetches"):
        schema.build_validator(remote)


def test_a_local_ref_to_a_nested_id_is_allowed() -> None:
    nested = {
        "$id": "https://example.com/root.json",
        "$defs": {"a": {"$id": "https://example.com/a.json", "type": "integer"}},
        "properties": {"x": {"$ref": "a.json"}},
    }
    validator = schema.build_validator(nested)
    assert [e.message for e in validator.iter_errors({"x": "no"})] == ["'no' is not of type 'integer'"]


def test_the_registry_refuses_to_retrieve_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    # Even a reference that slips past the up-front scan is never fetched.
    from referencing.exceptions import Unresolvable

    monkeypatch.setattr(schema, "ensure_local_refs", lambda s: None)
    validator = schema.build_validator({"$ref": "https://example.com/x.json"})
    with pytest.raises(Unresolvable):
        list(validator.iter_errors({}))


def test_validators_are_built_once_per_process() -> None:
    assert schema.validator(Kind.SUBMISSION) is schema.validator(Kind.SUBMISSION)
