"""The API's own OpenAPI document, vendored byte-identical and compiled into civitai_schema/data/."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import civitai_schema
from civitai_schema import catalog, validators
from civitai_schema.findings import Kind

from .conftest import REPO, needs_shared

DATA = REPO / "civitai_schema" / "data"
VENDORED = REPO / "schemas" / "v2-consumers.json"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", REPO / "scripts" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_document_has_the_hash_its_provenance_records() -> None:
    provenance = json.loads((REPO / "schemas" / "v2-consumers.provenance.json").read_text("utf-8"))
    assert hashlib.sha256(VENDORED.read_bytes()).hexdigest() == provenance["sha256"]
    assert provenance["source"] and provenance["date"] and provenance["upstream_commit"]


def test_the_vendored_document_is_byte_identical_to_its_source() -> None:
    source = needs_shared("spec/v2-consumers.json")
    assert VENDORED.read_bytes() == source.read_bytes()


def test_the_committed_data_is_what_the_compiler_builds() -> None:
    """Never skipped: the source lives in the repository."""
    builder = _builder()
    built = builder.build_from()
    on_disk = {path.relative_to(DATA).as_posix(): json.loads(path.read_text("utf-8")) for path in DATA.rglob("*.json")}
    assert set(built) == set(on_disk), "run: python scripts/build_catalog.py"
    stale = [name for name, data in built.items() if on_disk[name] != json.loads(builder.text(data))]
    assert not stale, f"stale generated files {stale[:5]}: run python scripts/build_catalog.py"


def test_every_correction_has_a_reason_and_a_source_and_applies() -> None:
    builder = _builder()
    operations = builder.load_patches()
    assert operations
    assert all(op["reason"] and op["source"] for op in operations)
    document = json.loads(VENDORED.read_bytes())
    builder.corrected(document, operations)  # raises if one no longer applies


def test_drifted_keys_warn_and_name_the_documented_field() -> None:
    builder = _builder()
    assert all(row["reason"] and row["source"] for row in builder.load_drift())
    body = {"steps": [{"$type": "videoGen", "input": {"engine": "hunyuan", "prompt": "x", "width": 848,
                                                       "height": 480, "fps": 24}}]}  # fmt: skip
    found = [(f.code, f.severity.value, f.path) for f in civitai_schema.check(body).findings]
    assert found == [("N111", "warning", "/steps/0/input/fps")]
    exported = validators.schema_for(Kind.SUBMISSION)
    assert '"fps"' in json.dumps(exported["$defs"]["HunyuanVdeoGenInput"])  # (accepted by editors)


def test_a_correction_whose_target_is_gone_fails_the_build_loudly(tmp_path: Path) -> None:
    builder = _builder()
    document = json.loads(VENDORED.read_bytes())
    del document["components"]["schemas"]["Flux1SdCppImageGenInput"]
    with pytest.raises(builder.CompileError, match="no longer applies"):
        builder.build(document, builder.load_patches(), {"source": "s", "sha256": "x", "date": "d"})


def _prose(node: Any) -> bool:
    if isinstance(node, dict):
        if any(isinstance(node.get(key), str) for key in ("description", "title", "example")):
            return True
        return any(_prose(value) for value in node.values())
    return isinstance(node, list) and any(_prose(item) for item in node)


def test_generated_data_carries_no_description_prose() -> None:
    for path in DATA.rglob("*.json"):
        assert not _prose(json.loads(path.read_text("utf-8"))), path.name


def test_the_catalog_knows_every_step_type_and_leaf_of_the_document() -> None:
    document = json.loads(VENDORED.read_bytes())
    mapping = document["components"]["schemas"]["WorkflowStepTemplate"]["discriminator"]["mapping"]
    assert set(catalog.step_types()) == set(mapping)
    preprocess = catalog.leaves_of("preprocessImage")
    assert preprocess and all("kind" in leaf.discriminators for leaf in preprocess)


def _caches() -> list[Any]:
    return [catalog._index, catalog._step_data, catalog._leaves_of, catalog._resolve, catalog.air_fields,
            catalog.rejected_keys, catalog.divisible_by, validators.compiled, validators.validator,
            validators.input_validator, validators.fast_validator, validators.fast_input_validator,
            validators.step_items]  # fmt: skip


def test_a_new_engine_in_a_newer_document_needs_no_code_change(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    builder = _builder()
    document = copy.deepcopy(json.loads(VENDORED.read_bytes()))
    schemas = document["components"]["schemas"]
    schemas["ImageGenInput"]["discriminator"]["mapping"]["acme"] = "#/components/schemas/AcmeImageGenInput"
    schemas["AcmeImageGenInput"] = {
        "allOf": [
            {"$ref": "#/components/schemas/ImageGenInput"},
            {
                "required": ["engine", "prompt"],
                "type": "object",
                "properties": {
                    "engine": {"enum": ["acme"], "type": "string"},
                    "prompt": {"type": "string", "maxLength": 10},
                    "steps": {"type": "integer", "minimum": 1, "maximum": 8},
                },
                "additionalProperties": False,
            },
        ]
    }
    provenance = json.loads((REPO / "schemas" / "v2-consumers.provenance.json").read_text("utf-8"))
    files = builder.build(document, builder.load_patches(), provenance)
    builder.write(files, tmp_path)
    monkeypatch.setattr(catalog, "_DATA", tmp_path)
    monkeypatch.setattr(validators, "_DATA", tmp_path)
    try:
        for cache in _caches():
            cache.cache_clear()
        good = {"steps": [{"$type": "imageGen", "input": {"engine": "acme", "prompt": "a cat"}}]}
        assert civitai_schema.check(good).findings == ()
        bad = {"steps": [{"$type": "imageGen", "input": {"engine": "acme", "prompt": "a cat", "steps": 9, "widht": 1}}]}
        found = {(f.code, f.path) for f in civitai_schema.check(bad).findings}
        assert ("N108", "/steps/0/input/steps") in found
        assert ("N104", "/steps/0/input/widht") in found
    finally:
        for cache in _caches():
            cache.cache_clear()  # (the next test reads the committed data again)


def test_the_exported_schema_has_no_warning_only_parts() -> None:
    exported = json.dumps(validators.schema_for(Kind.SUBMISSION))
    assert "x-civitai" not in exported
    assert '"$schema": "https://json-schema.org/draft/2020-12/schema"' in exported
