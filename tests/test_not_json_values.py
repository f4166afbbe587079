"""A body built in Python that holds a value JSON cannot carry gets a finding naming its path:
json.dumps would refuse it at submission."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import uuid
from pathlib import PurePosixPath
from typing import Any

import pytest

import civitai_schema


def _body(**extra: Any) -> dict[str, Any]:
    step = {"$type": "textToImage", "input": {"model": "urn:air:sdxl:checkpoint:civitai:101055@128078", "prompt": "a"}}
    return {"steps": [step], **extra}


@dataclasses.dataclass
class Point:
    x: int


class Colour(enum.Enum):
    RED = 1


@pytest.mark.parametrize(
    ("value", "type_name", "advice"),
    [
        (decimal.Decimal("7.5"), "decimal.Decimal", "float(value)"),
        (datetime.datetime(2026, 12, 1, 12, 0), "datetime.datetime", "isoformat()"),
        (datetime.date(2026, 12, 1), "datetime.date", "isoformat()"),
        (b"raw", "bytes", "base64"),
        (bytearray(b"raw"), "bytearray", "base64"),
        ({1, 2}, "set", "a list"),
        (frozenset({1}), "frozenset", "a list"),
        (uuid.UUID(int=1), "uuid.UUID", "str(value)"),
        (PurePosixPath("a/b"), "pathlib.PurePosixPath", "str(value)"),
        (Colour.RED, "Colour", "value.value"),
        (1 + 2j, "complex", "a string, number"),
        (Point(1), "Point", "a string, number"),
    ],
)
def test_each_value_json_cannot_carry_is_named_with_its_path(value: Any, type_name: str, advice: str) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)  # (what the submission would do)
    body = _body(metadata={"deep": [{"at": value}]})
    report = civitai_schema.check(body)
    (finding,) = [f for f in report.findings if f.code == "P110"]
    assert finding.path == "/metadata/deep/0/at"
    assert type_name in finding.message and advice in finding.message and "json.dumps" in finding.message
    assert finding.severity.value == "error" and not report.ok
    with pytest.raises(civitai_schema.InvalidWorkflowError) as raised:
        civitai_schema.validate(body)
    assert any(f.code == "P110" and f.path == "/metadata/deep/0/at" for f in raised.value.findings)


def test_a_number_field_holding_a_decimal_is_reported_though_it_is_a_number() -> None:
    body = _body()
    body["steps"][0]["input"]["cfgScale"] = decimal.Decimal("7.5")
    codes = {(f.code, f.path) for f in civitai_schema.check(body).findings}
    assert ("P110", "/steps/0/input/cfgScale") in codes


def test_nan_is_still_non_finite_and_plain_bodies_are_untouched() -> None:
    body = _body()
    body["steps"][0]["input"]["cfgScale"] = math.nan
    assert {f.code for f in civitai_schema.check(body).findings} >= {"P103"}
    assert "P110" not in {f.code for f in civitai_schema.check(_body()).findings}
    assert civitai_schema.validate(_body(metadata={"n": 1.5, "s": "x", "b": True, "z": None})).ok


def test_a_whole_document_of_the_wrong_type_and_a_hostile_type() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no method of the caller's objects runs")

        __str__ = __eq__ = __hash__ = __repr__  # type: ignore[assignment]

    (finding,) = [f for f in civitai_schema.check({1, 2}).findings if f.code == "P110"]
    assert finding.path == ""
    hostile = [f for f in civitai_schema.check(_body(metadata={"h": Hostile()})).findings if f.code == "P110"]
    assert [f.path for f in hostile] == ["/metadata/h"] and "Hostile" in hostile[0].message
