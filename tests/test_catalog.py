"""The catalog of the real API: generated from its source, complete against the vendored schema,
and exercised by the valid fixtures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from civitai_schema import catalog, check, schema
from civitai_schema.readers import read

from .conftest import FIXTURES, REPO, SHARED

FACTS = SHARED / "domain" / "civitai-facts.md"


def test_leaf_data_is_what_the_script_builds_from_the_facts() -> None:
    if not FACTS.is_file():
        pytest.skip("../shared/domain is not present")
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_catalog", REPO / "scripts" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    rebuilt = builder.build(FACTS.read_text("utf-8"))
    assert rebuilt == catalog.leaf_data(), "run: python scripts/build_catalog.py"


def test_leaf_data_has_its_source_and_date() -> None:
    data = catalog.leaf_data()
    assert "SPEC" in data["source"] and data["asOf"]
    assert len(data["steps"]) >= 40 and sum(len(s["leaves"]) for s in data["steps"].values()) >= 200


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
    vendored = json.loads(schema.vendored_bytes())
    real = (
        set(catalog.STATUSES)
        | set(catalog.CALLBACK_EVENTS)
        | set(catalog.STEP_TYPES)
        | set(catalog.SEED_STEP_TYPES)  # each mapped to its real type
    )
    uncovered = [
        (path, value) for path, value in _vendored_enums(vendored) if value not in real | set(EXPLICITLY_MAPPED)
    ]
    assert uncovered == []
    assert set(catalog.SEED_STEP_TYPES.values()) <= set(catalog.STEP_TYPES)


def test_catalog_enums_match_the_effective_schema() -> None:
    from civitai_schema.findings import Kind

    effective = schema.schema_for(Kind.SUBMISSION)
    assert effective["$defs"]["workflowStatus"]["enum"] == list(catalog.STATUSES)
    assert effective["$defs"]["callbackEvent"]["enum"] == list(catalog.CALLBACK_EVENTS)
    assert effective["$defs"]["nsfwLevel"]["enum"] == list(catalog.NSFW_LEVELS)
    assert effective["properties"]["currencies"]["items"]["enum"] == list(catalog.CURRENCIES)
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
    assert catalog.resolve("videoGen", {"engine": "wan", "version": "v2.6"}).missing == "provider"
    unknown = catalog.resolve("imageGen", {"engine": "flux"}).unknown
    assert unknown is not None and unknown[:2] == ("engine", "flux") and "flux2" in unknown[2]
    newer = catalog.resolve("imageGen", {"engine": "qwen"})  # documented, newer than the data
    assert newer.leaf is None and newer.unknown is None and newer.missing is None
    assert catalog.resolve("imageGen", {"engine": {"$ref": "$arguments", "path": "engine"}}).unknown is None


def test_domain_tables_are_consistent() -> None:
    assert catalog.AS_OF
    for ecosystem, group in catalog.COMPAT_GROUPS.items():
        assert ecosystem == ecosystem.lower() and group
    for field, allowed in catalog.FIELD_RESOURCE_TYPES.items():
        assert allowed <= catalog.RESOURCE_TYPES, field
    assert all(leaf_key for _, leaf_key, _ in catalog.REJECTED_KEYS)
    names = {leaf.name for leaves in catalog.leaves().values() for leaf in leaves}
    assert {name for name, _ in catalog.OPTIONAL_DESPITE_SPEC} <= names


def test_each_step_type_has_its_own_file_and_no_file_is_stale() -> None:
    files = {p.stem for p in (REPO / "civitai_schema" / "data" / "steps").glob("*.json")}
    assert files == set(catalog.leaf_data()["steps"])


def test_a_check_reads_only_the_step_types_it_meets() -> None:
    catalog._step_data.cache_clear()
    catalog._leaves_of.cache_clear()
    catalog._resolve.cache_clear()
    body = {"steps": [{"$type": "imageUpscaler", "input": {"image": "https://example.com/a.png"}}]}
    assert check(body).ok
    assert catalog._step_data.cache_info().currsize == 1  # imageUpscaler's file, no other


def test_a_step_type_is_never_a_path() -> None:
    assert catalog.leaves_of("../leaves") == ()
    assert catalog.resolve("../../pyproject", {}).candidates == ()
