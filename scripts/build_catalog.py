"""Build civitai_schema/data/ from the facts file's Appendix A (every step input leaf of the
official OpenAPI document) and Appendix B (its named enums): leaves.json holds the source, the
date, the named enums and the list of step types; steps/<type>.json holds each step type's
leaves, so a run reads only the step types its documents use.

    python scripts/build_catalog.py [path/to/civitai-facts.md]

The output is committed; tests/test_catalog.py rebuilds it from ../shared when present and
fails if the committed copy differs, so the data cannot drift from its source unnoticed.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FACTS = REPO.parent / "shared" / "domain" / "civitai-facts.md"
OUTPUT = REPO / "civitai_schema" / "data"

_STEP = re.compile(r"^#### `(?P<type>\w+)` \(input `(?P<input>[^`]+)`")
_LEAF = re.compile(r"^- \*\*(?P<name>\w+)\*\*: (?P<fields>.*)$")
_COMMON = re.compile(r"^- common to all \d+ leaves: (?P<fields>.*)$")
_FIELD = re.compile(r"^(?P<name>[\w$]+)(?P<required>\*)?: (?P<spec>.*)$")
_ENUM = re.compile(r"enum\((?P<values>[^)]*)\)")
_DEFAULT = re.compile(r' def=(?P<value>"(?:[^"\\]|\\.)*"|\S+)')
_BOUNDS = re.compile(r"(?P<kind>len|items)?\[(?P<low>[-\d.e+]+|None)\.\.(?P<high>[-\d.e+]+|None)\]")
_NAMED_ENUM = re.compile(r"^(?P<name>\w+) = (?P<values>\[.*\])$")


def _number(text: str) -> int | float | None:
    if text == "None":
        return None
    value = float(text)
    return int(value) if value.is_integer() and "e" not in text and "." not in text else value


def _default(text: str) -> Any:
    if text.startswith('"'):
        return json.loads(text)
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_field(text: str, enums: dict[str, list[str]]) -> tuple[str, dict[str, Any]]:
    match = _FIELD.match(text.strip())
    if match is None:
        raise ValueError(f"cannot read field {text!r}")
    spec = match["spec"]
    field: dict[str, Any] = {}
    if match["required"]:
        field["required"] = True
    kind = spec.split(" ", 1)[0]
    types = kind.split("|")
    field["nullable"] = "null" in types
    base = next((t for t in types if t != "null"), "null")
    enum = _ENUM.search(spec)
    if enum is not None:
        field["type"] = "enum"
        field["enum"] = enum["values"].split("|")
    elif base in enums:
        field["type"] = "enum"
        field["enum"] = enums[base]
        field["enumName"] = base
    elif base.startswith("string<AIR>"):
        field["type"] = "air"
    elif base.startswith("array["):
        field["type"] = "array"
        field["items"] = base[len("array[") : -1]
    elif base.startswith("object{"):
        field["type"] = "object"
        field["values"] = base[len("object{") : -1]
    elif base in ("string", "integer", "number", "boolean"):
        field["type"] = base
    else:
        field["type"] = "object" if base[:1].isupper() else "any"
        field["schema"] = base
    default = _DEFAULT.search(spec)
    if default is not None:
        field["default"] = _default(default["value"])
    for bounds in _BOUNDS.finditer(spec[len(kind) :]):
        prefix = {"len": "Length", "items": "Items", None: ""}[bounds["kind"]]
        low, high = _number(bounds["low"]), _number(bounds["high"])
        if low is not None:
            field["min" + prefix if prefix else "minimum"] = low
        if high is not None:
            field["max" + prefix if prefix else "maximum"] = high
    return match["name"], field


def _fields(text: str, enums: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    return dict(parse_field(part, enums) for part in text.split("; ") if part.strip())


def build(facts: str) -> dict[str, Any]:
    appendix_a = facts.split("## Appendix A", 1)[1].split("## Appendix B", 1)[0]
    appendix_b = facts.split("## Appendix B", 1)[1]
    enums = {}
    for line in appendix_b.splitlines():
        named = _NAMED_ENUM.match(line.strip())
        if named:
            enums[named["name"]] = [str(v) for v in ast.literal_eval(named["values"])]
    steps: dict[str, Any] = {}
    current: dict[str, Any] | None = None
    common: dict[str, dict[str, Any]] = {}
    for line in appendix_a.splitlines():
        step = _STEP.match(line)
        if step:
            current = steps.setdefault(step["type"], {"input": step["input"], "leaves": []})
            common = {}
            continue
        if current is None:
            continue
        shared = _COMMON.match(line)
        if shared:
            common = _fields(shared["fields"], enums)
            continue
        leaf = _LEAF.match(line)
        if leaf:
            fields = {**common, **_fields(leaf["fields"], enums)}
            discriminators = {
                name: field["enum"][0]
                for name, field in fields.items()
                if field.get("required")
                and field["type"] == "enum"
                and len(field["enum"]) == 1
                and "enumName" not in field
            }
            current["leaves"].append({"name": leaf["name"], "discriminators": discriminators, "fields": fields})
    return {
        "source": "civitai-facts.md Appendix A/B: SPEC v2-consumers.json (civitai-comfy-nodes@c412f4e9)",
        "asOf": "2026-06-29",
        "enums": enums,
        "steps": steps,
    }


def write(data: dict[str, Any], folder: Path) -> None:
    """Write the catalog as the package reads it (see catalog.leaf_data), removing step files
    of step types that are gone."""
    steps = folder / "steps"
    steps.mkdir(parents=True, exist_ok=True)
    for stale in steps.glob("*.json"):
        if stale.stem not in data["steps"]:
            stale.unlink()
    index = {**data, "steps": list(data["steps"])}
    _dump(index, folder / "leaves.json")
    for step_type, info in data["steps"].items():
        _dump(info, steps / f"{step_type}.json")


def _dump(data: Any, path: Path) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n", "utf-8")


def main() -> None:
    facts = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FACTS
    data = build(facts.read_text("utf-8"))
    write(data, OUTPUT)
    leaves = sum(len(s["leaves"]) for s in data["steps"].values())
    print(
        f"wrote {OUTPUT.relative_to(REPO)}: {len(data['steps'])} step types, {leaves} leaves, "
        f"{len(data['enums'])} enums"
    )


if __name__ == "__main__":
    main()
