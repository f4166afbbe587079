"""`civitai-schema coverage`: which enum values a set of documents exercises."""

from __future__ import annotations

import json

from civitai_schema import catalog, coverage

from .conftest import invoke


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
    assert rows["step $type"].values == catalog.STEP_TYPES


def test_coverage_command_table_and_json() -> None:
    table = invoke("coverage", "fixtures/valid")
    assert table.exit_code == 0
    assert "imageGen engine" in table.output and "11/11" in table.output.split("imageGen engine", 1)[1].splitlines()[0]
    assert "enum values used by" in table.output.splitlines()[-1]
    payload = json.loads(invoke("coverage", "--format", "json", "fixtures/valid").output)
    assert payload["version"] == 1 and payload["documents"] == 9
    engines = next(e for e in payload["enums"] if e["enum"] == "videoGen engine")
    assert engines["missing"] == [] and engines["total"] == 17
    assert invoke("coverage", "nope/").exit_code == 2
