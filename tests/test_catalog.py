"""The catalog of the real API: generated from its source, complete against the vendored schema,
and exercised by the valid fixtures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civitai_schema import catalog, check, validators
from civitai_schema.readers import read

from .conftest import FIXTURES, REPO


def test_leaf_data_has_its_source_and_date() -> None:
    data = catalog.leaf_data()
    provenance = json.loads((REPO / "schemas" / "v2-consumers.provenance.json").read_text("utf-8"))
    assert data["source"] == provenance["source"] and data["sha256"] == provenance["sha256"]
    assert data["asOf"] == catalog.as_of() == provenance["date"]
    assert set(data["steps"]) == set(catalog.step_types())
    assert all(step["leaves"] for step in data["steps"].values() if step["input"] is not None)


def _vendored_enums(node: Any, path: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for value in node.get("enum", []):
            found.append((path, value))
        for key, child in node.items():
            found.extend(_vendored_enums(child, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found.extend(_vendored_enums(child, f"{path}/{i}"))
    return found


# Vendored values with no counterpart in the real API, and what replaces them (facts §0).
EXPLICITLY_MAPPED = {"BUZZ": "the API's cost has no currency; accounts are chosen with `currencies`"}


def test_catalog_covers_every_enum_value_of_the_vendored_schema() -> None:
    vendored = json.loads(validators.vendored_bytes())
    real = (
        set(catalog.STATUSES)
        | set(catalog.CALLBACK_EVENTS)
        | set(catalog.step_types())
        | set(catalog.SEED_STEP_TYPES)  # each mapped to its real type
    )
    uncovered = [
        (path, value) for path, value in _vendored_enums(vendored) if value not in real | set(EXPLICITLY_MAPPED)
    ]
    assert uncovered == []
    assert set(catalog.SEED_STEP_TYPES.values()) <= set(catalog.step_types())


def test_catalog_enums_match_the_effective_schema() -> None:
    from civitai_schema.findings import Kind

    for kind in (Kind.SUBMISSION, Kind.WORKFLOW):
        effective = validators.schema_for(kind)
        defs = effective["$defs"]
        callback = defs["WorkflowCallback"]["properties"]["type"]["items"]
        assert callback["enum"] == list(catalog.CALLBACK_EVENTS)
        assert effective["properties"]["nsfwLevel"] == {"$ref": "#/$defs/NSFWLevel"}
        assert defs["NSFWLevel"]["enum"] == list(catalog.NSFW_LEVELS)
        assert effective["properties"]["currencies"]["items"] == {"$ref": "#/$defs/BuzzClientAccount"}
        assert defs["BuzzClientAccount"]["enum"] == list(catalog.CURRENCIES)
        assert defs["Priority"]["enum"] == list(catalog.PRIORITIES)
        assert defs["WorkflowUpgradeMode"]["enum"] == list(catalog.UPGRADE_MODES)
    record = validators.schema_for(Kind.WORKFLOW)
    assert record["properties"]["status"] == {"$ref": "#/$defs/WorkflowStatus"}
    assert record["$defs"]["WorkflowStatus"]["enum"] == list(catalog.STATUSES)
    enums = catalog.leaf_data()["enums"]
    assert enums["WorkflowStatus"] == list(catalog.STATUSES) and enums["Priority"] == list(catalog.PRIORITIES)
    assert enums["BuzzClientAccount"] == list(catalog.CURRENCIES) and enums["NSFWLevel"] == list(catalog.NSFW_LEVELS)
    assert enums["WorkflowUpgradeMode"] == list(catalog.UPGRADE_MODES)


def _valid_steps() -> list[dict[str, Any]]:
    steps = []
    for path in sorted((FIXTURES / "valid").iterdir()):
        for document in read(path.name, path.read_bytes()).documents:
            steps.extend(s for s in document.data.get("steps", []) if isinstance(s, dict))
    return steps


def test_valid_fixtures_cover_every_engine_of_the_catalog() -> None:
    used = {(s["$type"], s.get("input", {}).get("engine")) for s in _valid_steps()}
    wanted = {(t, e) for t in catalog.leaves() for e in catalog.leaf_values(t, "engine")}
    assert wanted - used == set()


def test_every_step_of_the_engine_fixtures_resolves_to_a_leaf() -> None:
    for path in sorted((FIXTURES / "valid").glob("engines-*.yaml")):
        (document,) = read(path.name, path.read_bytes()).documents
        for step in document.data["steps"]:
            resolution = catalog.resolve(step["$type"], step["input"])
            assert resolution.leaf is not None, (path.name, step)


@pytest.mark.parametrize(
    ("step_type", "step_input", "expected"),
    [
        ("imageGen", {"engine": "sdcpp", "ecosystem": "sdxl", "operation": "createImage"}, "SdxlCreateImageGenInput"),
        (
            "imageGen",
            {"engine": "comfy", "ecosystem": "sd1", "operation": "createVariant"},
            "ComfySd1VariantImageGenInput",
        ),
        (
            "videoGen",
            {"engine": "wan", "version": "v2.6", "provider": "fal", "operation": "text-to-video"},
            "Wan26FalTextToVideoInput",
        ),
        ("training", {"engine": "ai-toolkit", "ecosystem": "sdxl"}, "SdxlAIToolkitTrainingInput"),
        ("echo", {"message": "hi"}, "EchoInput"),
    ],
)
def test_resolution_follows_the_discriminator_chain(step_type: str, step_input: dict[str, Any], expected: str) -> None:
    leaf = catalog.resolve(step_type, step_input).leaf
    assert leaf is not None and leaf.name == expected


def test_resolution_reports_what_is_missing_or_unknown() -> None:
    missing = catalog.resolve("imageGen", {"engine": "comfy", "ecosystem": "sdxl"})
    assert missing.leaf is None and missing.missing == "operation"
    assert missing.schema == "ComfySdxlImageGenInput.unresolved"
    assert {leaf.name for leaf in missing.candidates} == {
        "ComfySdxlCreateImageGenInput",
        "ComfySdxlVariantImageGenInput",
    }
    assert catalog.resolve("videoGen", {"engine": "happyHorse", "version": "v1.0"}).missing == "operation"
    unknown = catalog.resolve("imageGen", {"engine": "flux"})
    assert unknown.unknown is not None and unknown.unknown[:2] == ("engine", "flux") and "flux2" in unknown.unknown[2]
    assert unknown.leaf is None and unknown.missing is None and unknown.schema == "ImageGenInput.unresolved"
    reference = catalog.resolve("imageGen", {"engine": {"$ref": "$arguments", "path": "engine"}})
    assert reference.unknown is None and reference.missing is None and reference.leaf is None
    assert len(reference.candidates) == len(catalog.leaves_of("imageGen"))


def test_a_discriminator_the_document_defaults_need_not_be_written() -> None:
    """A discriminator with a default in the API's document (videoGen wan v2.6: provider fal,
    operation text-to-video) resolves as if it were written."""
    written = {"engine": "wan", "version": "v2.6", "provider": "fal", "operation": "text-to-video"}
    defaulted = catalog.resolve("videoGen", {"engine": "wan", "version": "v2.6"})
    assert defaulted.leaf is not None and defaulted.leaf is catalog.resolve("videoGen", written).leaf
    assert defaulted.missing is None and defaulted.schema == defaulted.leaf.name


def test_every_engine_of_the_document_is_known() -> None:
    """No engine the API's document lists is reported unknown (imageGen qwen, once a hand-kept
    'newer than the data' exception, now comes from the document like every other)."""
    for step_type in catalog.step_types():
        for engine in catalog.leaf_values(step_type, "engine"):
            assert catalog.resolve(step_type, {"engine": engine}).unknown is None, (step_type, engine)
    newer = catalog.resolve("imageGen", {"engine": "qwen", "operation": "createImage"})
    assert newer.leaf is not None and newer.leaf.discriminators["engine"] == "qwen"


def test_domain_tables_are_consistent() -> None:
    assert catalog.as_of()
    for ecosystem, group in catalog.COMPAT_GROUPS.items():
        assert ecosystem == ecosystem.lower() and group
    for field, allowed in catalog.FIELD_RESOURCE_TYPES.items():
        assert allowed <= catalog.RESOURCE_TYPES, field
    assert all(leaf_key for _, leaf_key, _ in catalog.REJECTED_KEYS)
    # Every per-leaf table names leaves that exist (corrections to the document itself are
    # patches, checked by tests/test_api_compiler.py).
    every_leaf = [leaf for leaves in catalog.leaves().values() for leaf in leaves]
    selectors = [selector for selector, _, _ in catalog.REJECTED_KEYS] + [s for s, _ in catalog.DIVISIBLE_BY]
    assert all(any(leaf.matches(selector) for leaf in every_leaf) for selector in selectors)
    ecosystems = {leaf.discriminators.get("ecosystem") for leaf in every_leaf}
    assert set(catalog.LEAF_ECOSYSTEM_GROUPS) <= ecosystems


def test_each_step_type_has_its_own_file_and_no_file_is_stale() -> None:
    files = {p.stem for p in (REPO / "civitai_schema" / "data" / "steps").glob("*.json")}
    assert files == set(catalog.leaf_data()["steps"])


def test_a_check_reads_only_the_step_types_it_meets() -> None:
    catalog._step_data.cache_clear()
    catalog._leaves_of.cache_clear()
    catalog._resolve.cache_clear()
    catalog._leaf_at.cache_clear()
    body = {"steps": [{"$type": "imageUpscaler", "input": {"image": "https://example.com/a.png"}}]}
    assert check(body).ok
    assert catalog._step_data.cache_info().currsize == 1  # imageUpscaler's file, no other


def test_a_step_type_is_never_a_path() -> None:
    assert catalog.leaves_of("../leaves") == ()
    assert catalog.resolve("../../pyproject", {}).candidates == ()
