"""The vendored schema is byte-identical to its source; corrections are reviewed patches."""

from __future__ import annotations

import hashlib
import json

import pytest
from jsonschema import Draft202012Validator

from civitai_schema import validators
from civitai_schema.findings import Kind
from civitai_schema.validators import SchemaLoadError, SchemaMode

from .conftest import REPO, needs_shared

EXPECTED_SHA256 = "86e47a27911805647b42a72a98b6fc3f712d219cce87f2010f4d350ec45ec45d"


def test_vendored_file_has_the_recorded_hash() -> None:
    data = (REPO / "schemas" / validators.SCHEMA_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == EXPECTED_SHA256
    assert validators.vendored_sha256() == EXPECTED_SHA256
    assert validators.provenance()["sha256"] == EXPECTED_SHA256


def test_vendored_file_is_byte_identical_to_the_seed() -> None:
    seed = needs_shared("seed/civitai-workflow-schema.json")
    assert (REPO / "schemas" / validators.SCHEMA_FILE).read_bytes() == seed.read_bytes()


def test_provenance_names_the_schema_id_as_source() -> None:
    vendored = json.loads(validators.vendored_bytes())
    info = validators.provenance()
    assert info["source"] == vendored["$id"]
    assert info["vendored"] and info["file"] == validators.SCHEMA_FILE


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(Kind))
def test_schemas_pass_the_2020_12_metaschema(kind: Kind) -> None:
    from civitai_schema.format_checks import format_checker

    Draft202012Validator.check_schema(json.loads(validators.vendored_bytes()))
    # Patterns are ECMA-262, as JSON Schema says (named groups (?<name>…)): checked as such.
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA, format_checker=format_checker())
    assert list(meta.iter_errors(validators.schema_for(kind))) == []


def test_the_effective_schemas_do_not_touch_the_vendored_file() -> None:
    before = validators.vendored_bytes()
    effective = validators.schema_for(Kind.SUBMISSION)
    assert validators.vendored_bytes() == before
    vendored = validators.schema_for(Kind.SUBMISSION, SchemaMode.VENDORED)
    assert vendored["required"] == ["id", "status"]
    assert effective["required"] == ["steps"]
    assert "status" in validators.schema_for(Kind.WORKFLOW)["required"]


def test_the_effective_schemas_know_what_the_real_api_has() -> None:
    from civitai_schema import catalog

    effective = validators.schema_for(Kind.WORKFLOW)
    assert effective["$defs"]["WorkflowStatus"]["enum"] == list(catalog.STATUSES)
    assert effective["$defs"]["NSFWLevel"]["enum"] == list(catalog.NSFW_LEVELS)
    branches = effective["$defs"]["WorkflowStep"]["allOf"]
    dispatched = {b["if"]["properties"]["$type"]["const"] for b in branches if "if" in b and "properties" in b["if"]}
    assert dispatched == set(catalog.step_types())
    assert {"textToSpeech", "imageUpscaler", "transcription", "imageGen"} <= dispatched
    assert set(catalog.SEED_STEP_TYPES.values()) <= dispatched
    assert not set(catalog.SEED_STEP_TYPES) & dispatched


def test_a_remote_ref_is_refused_before_anything_is_fetched() -> None:
    remote = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "https://example.com/other.json"}
    with pytest.raises(SchemaLoadError, match="never fetches"):
        validators.build_validator(remote)


def test_the_fast_validator_refuses_a_remote_ref_without_fetching_it() -> None:
    # No Python walk before jsonschema-rs builds: it is given a retriever, which it asks
    # instead of fetching (without one it fails with "error sending request for url").
    remote = {"properties": {"x": {"$ref": "https://example.com/other.json#/a"}}}
    if validators.fast_or_python({"type": "object"}).__class__.__module__.startswith("jsonschema."):
        pytest.skip("jsonschema-rs is not installed")
    with pytest.raises(SchemaLoadError, match=r'"https://example.com/other.json".*never fetches'):
        validators.fast_or_python(remote)
    nested = {"$id": "https://example.com/root.json", "$defs": {"a": {"$id": "a.json", "type": "integer"}},
              "properties": {"x": {"$ref": "a.json"}}}  # fmt: skip
    assert not validators.fast_or_python(nested).is_valid({"x": "no"})


def test_a_local_ref_to_a_nested_id_is_allowed() -> None:
    nested = {
        "$id": "https://example.com/root.json",
        "$defs": {"a": {"$id": "https://example.com/a.json", "type": "integer"}},
        "properties": {"x": {"$ref": "a.json"}},
    }
    validator = validators.build_validator(nested)
    assert [e.message for e in validator.iter_errors({"x": "no"})] == ["'no' is not of type 'integer'"]


def test_the_registry_refuses_to_retrieve_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    # Even a reference that slips past the up-front scan is never fetched.
    from referencing.exceptions import Unresolvable

    monkeypatch.setattr(validators, "ensure_local_refs", lambda s: None)
    validator = validators.build_validator({"$ref": "https://example.com/x.json"})
    with pytest.raises(Unresolvable):
        list(validator.iter_errors({}))


def test_validators_are_built_once_per_process() -> None:
    assert validators.validator(Kind.SUBMISSION) is validators.validator(Kind.SUBMISSION)
