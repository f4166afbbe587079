"""Vendor a newer copy of the API's OpenAPI document, rebuild the data, and say what moved.

    python scripts/update_spec.py NEW.json [--source URL] [--commit REPO@SHA] [--date YYYY-MM-DD] [--dry-run]

Copies NEW.json byte for byte to ``schemas/v2-consumers.json``, rewrites its provenance (source,
commit, date, sha256), rebuilds ``civitai_schema/data/`` with ``build_catalog.py`` and prints a
drift report: step types, discriminator values (engines, ecosystems, versions, …), input leaves,
fields and enum values added or removed, and every correction that no longer applies (those stop
the rebuild: fix or drop them in ``schemas/api-patches/``, then run this again). ``--dry-run``
prints the report and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_catalog as build


def _facts(files: dict[str, Any]) -> dict[str, Any]:
    return {name[len("steps/") : -len(".json")]: data for name, data in files.items() if name.startswith("steps/")}


def _values(tree: Any, path: str = "") -> set[str]:
    """Every discriminator value of a tree, as ``property=value`` under its parents."""
    if not isinstance(tree, dict):
        return set()
    found: set[str] = set()
    for value, child in tree["values"].items():
        here = f"{path}{tree['property']}={value}"
        found.add(here)
        found |= _values(child, here + " / ")
    return found


def _enums(fields: dict[str, Any]) -> dict[str, set[str]]:
    return {key: {str(v) for v in spec.get("enum", ())} for key, spec in fields.items() if "enum" in spec}


def drift(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two builds, one line per change."""
    lines: list[str] = []
    before, after = _facts(old), _facts(new)
    for step_type in sorted(after.keys() - before.keys()):
        lines.append(f"+ step type {step_type} ({len(after[step_type]['leaves'])} leaves)")
    for step_type in sorted(before.keys() - after.keys()):
        lines.append(f"- step type {step_type}")
    for step_type in sorted(before.keys() & after.keys()):
        was, now = before[step_type], after[step_type]
        for value in sorted(_values(now["tree"]) - _values(was["tree"])):
            lines.append(f"+ {step_type}: {value}")
        for value in sorted(_values(was["tree"]) - _values(now["tree"])):
            lines.append(f"- {step_type}: {value}")
        old_leaves = {leaf["name"]: leaf for leaf in was["leaves"]}
        new_leaves = {leaf["name"]: leaf for leaf in now["leaves"]}
        for name in sorted(new_leaves.keys() - old_leaves.keys()):
            lines.append(f"+ {step_type} leaf {name}")
        for name in sorted(old_leaves.keys() - new_leaves.keys()):
            lines.append(f"- {step_type} leaf {name}")
        for name in sorted(old_leaves.keys() & new_leaves.keys()):
            lines.extend(_leaf_drift(f"{step_type} {name}", old_leaves[name]["fields"], new_leaves[name]["fields"]))
    return lines


def _leaf_drift(where: str, was: dict[str, Any], now: dict[str, Any]) -> list[str]:
    lines = [f"+ {where}.{key}" for key in sorted(now.keys() - was.keys())]
    lines += [f"- {where}.{key}" for key in sorted(was.keys() - now.keys())]
    old_enums, new_enums = _enums(was), _enums(now)
    for key in sorted(old_enums.keys() & new_enums.keys()):
        added, removed = new_enums[key] - old_enums[key], old_enums[key] - new_enums[key]
        if added:
            lines.append(f"+ {where}.{key} values {', '.join(sorted(added))}")
        if removed:
            lines.append(f"- {where}.{key} values {', '.join(sorted(removed))}")
    for key in sorted(was.keys() & now.keys()):
        for bound in ("minimum", "maximum", "default"):
            if was[key].get(bound) != now[key].get(bound):
                lines.append(f"~ {where}.{key} {bound} {was[key].get(bound)} -> {now[key].get(bound)}")
        if was[key].get("type") != now[key].get("type"):
            lines.append(f"~ {where}.{key} type {was[key].get('type')} -> {now[key].get('type')}")
    return lines


def stale_corrections(document: dict[str, Any], operations: list[dict[str, Any]]) -> list[str]:
    """The corrections that no longer apply to ``document``, each with why."""
    stale = []
    for op in operations:
        try:
            document = build.patching.apply(document, [op])
        except build.patching.PatchError as exc:
            stale.append(f"! {op['file']}: {op['op']} {op['path']}: {exc}")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("document", type=Path)
    parser.add_argument("--source", help="where the new copy comes from (default: keep the recorded one)")
    parser.add_argument("--commit", help="repository@commit of the new copy")
    parser.add_argument("--date", help="the new copy's date (default: today)")
    parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    args = parser.parse_args(argv)
    raw = args.document.read_bytes()
    document = json.loads(raw)
    provenance = json.loads(build.PROVENANCE.read_text("utf-8"))
    provenance.update(
        sha256=hashlib.sha256(raw).hexdigest(),
        date=args.date or datetime.date.today().isoformat(),
        vendored=datetime.date.today().isoformat(),
    )
    if args.source:
        provenance["source"] = args.source
    if args.commit:
        provenance["upstream_commit"] = args.commit
    operations = build.load_patches()
    stale = stale_corrections(json.loads(raw), operations)
    old = build.build_from()
    print(f"{args.document}: {len(document['components']['schemas'])} component schemas")
    for line in stale:
        print(line)
    if stale:
        print("corrections no longer apply: fix or remove them in schemas/api-patches/, then run again")
        return 1
    new = build.build(document, operations, provenance)
    changes = drift(old, new)
    print("\n".join(changes) if changes else "no change to step types, leaves, fields or enum values")
    if not args.dry_run:
        build.DOCUMENT.write_bytes(raw)
        build.PROVENANCE.write_text(json.dumps(provenance, indent=2) + "\n", "utf-8")
        build.write(new)
        print(f"vendored {build.DOCUMENT.name} and rebuilt {build.OUTPUT.relative_to(build.REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
