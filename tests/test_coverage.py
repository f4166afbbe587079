"""`civitai-schema coverage`: which enum values a set of documents exercises."""

from __future__ import annotations

import json
from typing import Any

from civitai_schema import catalog, coverage
from civitai_schema.readers import read

from .conftest import FIXTURES, invoke


def test_measure_counts_used_missing_and_unknown_values() -> None:
    documents = [
        {
            "status": "scheduled",
            "callbacks": [{"url": "https://h.example/x", "type": ["step:*", "workflow:failed"]}],
            "steps": [
                {
                    "$type": "imageGen",
                    "priority": "low",
                    "input": {"engine": "comfy", "ecosystem": "sdxl", "sampler": "euler"},
                },
                {"$type": "imageGen", "input": {"engine": "sdcpp", "model": "urn:air:sd1:checkpoint:civitai:1@2"}},
                {"$type": "imageGen", "input": {"engine": "flux"}},
            ],
        }
    ]
    rows = {row.name: row for row in coverage.measure(documents)}
    assert rows["status"].used == {"scheduled"} and "succeeded" in rows["status"].missing
    assert rows["callback event"].used == {"step:*", "workflow:failed"}
    assert rows["priority"].missing == ["high", "normal"]
    assert rows["imageGen comfy sampler"].used == {"euler"}
    assert rows["imageGen comfy ecosystem"].used == {"sdxl"}
    assert rows["imageGen engine"].unknown == ["flux"]
    assert rows["imageGen sdcpp model"].used == set()  # an AIR is not a model variant
    assert rows["step $type"].values == catalog.step_types()


def _valid_documents() -> list[Any]:
    return [
        document.data
        for path in sorted((FIXTURES / "valid").iterdir())
        for document in read(path.name, path.read_bytes()).documents
    ]


def _engines_used(documents: list[Any], step_type: str) -> set[str]:
    return {
        step["input"]["engine"]
        for document in documents
        for step in document.get("steps", [])
        if step.get("$type") == step_type and isinstance(step.get("input"), dict) and "engine" in step["input"]
    }


def test_coverage_command_table_and_json() -> None:
    # Expected counts come from the catalog and the fixtures themselves (whether the fixtures
    # exercise every engine is tests/test_catalog.py's concern).
    documents = _valid_documents()
    table = invoke("coverage", "fixtures/valid")
    assert table.exit_code == 0
    image_engines = catalog.leaf_values("imageGen", "engine")
    image_used = _engines_used(documents, "imageGen") & set(image_engines)
    row = table.output.split("imageGen engine", 1)[1].splitlines()[0]
    assert f"{len(image_used)}/{len(image_engines)}" in row
    assert "enum values used by" in table.output.splitlines()[-1]
    payload = json.loads(invoke("coverage", "--format", "json", "fixtures/valid").output)
    assert payload["version"] == 1 and payload["documents"] == len(documents)
    engines = next(e for e in payload["enums"] if e["enum"] == "videoGen engine")
    video_engines = catalog.leaf_values("videoGen", "engine")
    assert engines["total"] == len(video_engines)
    assert engines["used"] == sorted(_engines_used(documents, "videoGen") & set(video_engines))
    assert engines["missing"] == [e for e in video_engines if e not in engines["used"]]
    assert invoke("coverage", "nope/").exit_code == 2
