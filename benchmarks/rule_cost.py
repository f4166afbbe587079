"""What the lint rules cost per document, next to schema validation, measured in one run.

    python benchmarks/rule_cost.py [--documents 2000] [--repeats 5]

Documents are the bundled valid fixtures plus seeded variations of them (sizes, seeds, LoRA
maps, extra steps), parsed once; each check then runs over all of them, several times, and the
median is reported in microseconds per document and as a ratio to schema validation with the
Python validator (the one that words schema findings). Each family is timed alone, then all of
them as the engine runs them (sharing the per-document memo of steps and leaves).
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from civitai_schema import checker, rules, workflow
from civitai_schema.findings import Kind
from civitai_schema.readers import read
from civitai_schema.rule_options import DEFAULT_OPTIONS
from civitai_schema.validators import validator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "valid"


def corpus(count: int, seed: int = 7) -> list[tuple[Any, Kind]]:
    base = []
    for path in sorted(FIXTURES.iterdir()):
        base.extend(d.data for d in read(path.name, path.read_bytes()).documents)
    rng = random.Random(seed)
    documents = []
    for i in range(count):
        document = copy.deepcopy(base[i % len(base)])
        for step in document.get("steps", []):
            data = step.get("input", {})
            if "width" in data and isinstance(data["width"], int):
                data["width"] = rng.choice([512, 768, 832, 1000, 1024, 1216])
            if "seed" in data:
                data["seed"] = rng.randrange(0, 2**32)
        documents.append((document, checker.detect_kind(document)))
    return documents


def timed(check: Callable[[Any, Kind], Any], documents: list[tuple[Any, Kind]], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for data, kind in documents:
            with workflow.one_document():
                list(check(data, kind))
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) / len(documents) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    documents = corpus(args.documents)

    def schema_check(data: Any, kind: Kind) -> Any:
        return validator(kind).iter_errors(data)

    def every_rule(data: Any, kind: Kind) -> Any:
        return [finding for _, check in rules.CHECKS for finding in check(data, kind, DEFAULT_OPTIONS)]

    timed(schema_check, documents[:50], 1)  # build validators and load the catalog first
    timed(every_rule, documents[:50], 1)
    baseline = timed(schema_check, documents, args.repeats)
    print(f"{len(documents)} documents, median of {args.repeats} runs\n")
    print(f"{'check':<28} {'µs/document':>12} {'× schema':>9}")
    print(f"{'schema validation':<28} {baseline:>12.1f} {1:>9.2f}")
    for label, check in rules.CHECKS:
        cost = timed(lambda data, kind, check=check: check(data, kind, DEFAULT_OPTIONS), documents, args.repeats)
        print(f"{label:<28} {cost:>12.1f} {cost / baseline:>9.2f}")
    total = timed(every_rule, documents, args.repeats)
    print(f"{'all lint rules together':<28} {total:>12.1f} {total / baseline:>9.2f}")


if __name__ == "__main__":
    main()
