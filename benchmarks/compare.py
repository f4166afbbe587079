"""civitai-schema against check-jsonschema, measured side by side in one run.

    python benchmarks/compare.py [--runs 5] [--scenarios 1,100,1000,10000,yaml,big]

Generates a seeded corpus under benchmarks/.corpus (valid and invalid documents mixed), installs
check-jsonschema into benchmarks/.peer-venv on first use (a benchmark-only dependency, never a
runtime one), then times both tools on the same file lists, interleaved, several runs each, and
reports medians, peak memory (each child's own maximum RSS) and the ratios. check-jsonschema
validates against the same vendored schema; civitai-schema runs every rule.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = HERE / ".corpus"
PEER_VENV = HERE / ".peer-venv"
OURS_VENV = HERE / ".ours-venv"
PEER_VERSION = "check-jsonschema==0.39.*"
SCHEMA = REPO / "schemas" / "civitai-workflow-schema.json"


def document(rng: random.Random, valid: bool) -> dict[str, object]:
    width = rng.choice([832, 1024, 1216])
    body: dict[str, object] = {
        "tags": ["bench"],
        "steps": [
            {
                "$type": "imageGen",
                "name": "hero",
                "input": {
                    "engine": "sdcpp",
                    "ecosystem": "sdxl",
                    "operation": "createImage",
                    "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
                    "prompt": f"a lighthouse, variation {rng.randrange(10**6)}",
                    "width": width,
                    "height": 2048 - width,
                    "steps": rng.randrange(20, 40),
                    "seed": rng.randrange(2**31),
                },
            },
            {"$type": "imageUpscaler", "input": {"image": {"$ref": "hero", "path": "output.images[0].url"}}},
        ],
    }
    if not valid:
        body["steps"][0]["$type"] = rng.choice(["tts", "imagegen"])  # type: ignore[index]
    return body


def build(scenario: str, rng: random.Random) -> list[str]:
    folder = CORPUS / scenario
    marker = folder / ".done"
    if marker.exists():
        return sorted(str(p) for p in folder.iterdir() if p.name != ".done")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if scenario == "big":
        steps = []
        while len(json.dumps(steps)) < 50 * 2**20:  # grows in chunks; about 50 MB
            chunk = [document(rng, True)["steps"][0] for _ in range(5000)]
            for i, step in enumerate(chunk):
                step["name"] = f"s{len(steps) + i}"  # type: ignore[index]
            steps.extend(chunk)
        (folder / "big.json").write_text(json.dumps({"steps": steps}))
    else:
        count = 1000 if scenario == "yaml" else int(scenario)
        import yaml

        for i in range(count):
            data = document(rng, valid=rng.random() > 0.1)
            if scenario == "yaml":
                (folder / f"w{i:05}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
            else:
                (folder / f"w{i:05}.json").write_text(json.dumps(data, indent=2))
    marker.touch()
    return sorted(str(p) for p in folder.iterdir() if p.name != ".done")


def peer() -> Path:
    binary = PEER_VENV / "bin" / "check-jsonschema"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_VERSION], check=True)
    return binary


def ours() -> Path:
    """civitai-schema installed as the README's first command installs it (not editable)."""
    subprocess.run([sys.executable, "-m", "venv", str(OURS_VENV)], check=True)
    subprocess.run(
        [str(OURS_VENV / "bin" / "pip"), "install", "-q", "--force-reinstall", "--no-deps", str(REPO)], check=True
    )
    subprocess.run([str(OURS_VENV / "bin" / "pip"), "install", "-q", str(REPO)], check=True)
    return OURS_VENV / "bin" / "civitai-schema"


QUICK_RUNS = 21  # samples for the start-up baseline and the one-file case


def hook_entry(tool: Path) -> list[str]:
    """The pre-commit hook's command (its ``entry:`` in .pre-commit-hooks.yaml), with our tool."""
    text = (REPO / ".pre-commit-hooks.yaml").read_text("utf-8")
    entry = next(line.split(":", 1)[1].split() for line in text.splitlines() if line.strip().startswith("entry:"))
    return [str(tool), *entry[1:]]


def measure(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of ``command``, in the corpus folder (run from
    the repository, ``python -c "import civitai_schema"`` would import the source tree)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen(command, stdout=null, stderr=null, cwd=CORPUS)
        _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenarios", default="1,100,1000,10000,yaml,big")
    args = parser.parse_args()
    rng = random.Random(2026)
    checker = peer()
    tool = ours()
    # The interpreter the tool runs on, without the development venv's editable-install hooks
    # (they double a bare start-up here).
    interpreter = str(OURS_VENV / "bin" / "python")
    # `python -c pass` runs interleaved with each scenario too: measured on its own, back to back,
    # it is about 1 ms faster than right after a heavier process, which would flatter no one.
    bare = [interpreter, "-c", "pass"]
    # The start-up no batch with an invalid document avoids: our command's imports, jsonschema-rs
    # and the Python `jsonschema` that words schema findings, with no file read (and, as the
    # command does, no interpreter teardown). Its ratio is the least any such run can reach.
    # Timed for the batches, which mix valid and invalid documents; the one file and the 50 MB
    # file are valid and never import Python `jsonschema`.
    floor = [interpreter, "-c", "import os, civitai_schema.cli, jsonschema_rs, jsonschema; os._exit(0)"]
    print(
        "| scenario | civitai-schema | check-jsonschema | ratio | ours / python -c pass "
        "| import floor (ratio) | peak memory (ours / peer) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for scenario in args.scenarios.split(","):
        files = build(scenario, rng)
        # One file is the pre-commit hook's case: run exactly the hook's command. Larger batches
        # keep the output small on both sides. (Options are spelled long: click tries a short
        # one as a long one first and imports difflib for the error it then discards, ~1 ms.)
        runs = args.runs
        if scenario == "1":
            files = files[:1]
            ours_cmd = [*hook_entry(tool), *files]
            runs = max(runs, QUICK_RUNS)  # a 70 ms run is noisy; more samples steady the median
        else:
            ours_cmd = [str(tool), "check", "--quiet", "--format", "concise", "--exit-zero", *files]
        peer_cmd = [str(checker), "--schemafile", str(SCHEMA), *files]
        mine, theirs, starts, floors = [], [], [], []
        for _ in range(runs):  # interleaved, so all four see the same machine state
            mine.append(measure(ours_cmd))
            theirs.append(measure(peer_cmd))
            starts.append(measure(bare)[0])
            if scenario not in ("1", "big"):
                floors.append(measure(floor)[0])
        baseline = statistics.median(starts)
        ours_time = statistics.median(t for t, _ in mine)
        peer_time = statistics.median(t for t, _ in theirs)
        ours_mem = max(m for _, m in mine) / 1024
        peer_mem = max(m for _, m in theirs) / 1024
        least = statistics.median(floors) if floors else None
        floor_cell = f"{least * 1000:.0f} ms ({least / peer_time:.3f}×)" if least else "—"
        names = {"1": "1 JSON file", "yaml": "1,000 YAML files", "big": "one 50 MB file"}
        label = names[scenario] if scenario in names else f"{int(scenario):,} JSON files"
        print(
            f"| {label} | {ours_time * 1000:.0f} ms | {peer_time * 1000:.0f} ms | {ours_time / peer_time:.3f}× "
            f"| {ours_time / baseline:.2f}× (of {baseline * 1000:.1f} ms) | {floor_cell} "
            f"| {ours_mem:.0f} / {peer_mem:.0f} MiB |"
        )


def library_throughput(runs: int) -> float:
    """Documents per second through civitai_schema.check(), documents already in memory."""
    import civitai_schema

    documents = [json.loads(Path(p).read_text()) for p in build("1000", random.Random(2026))]
    civitai_schema.check(documents[0])  # build validators first
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for document in documents:
            civitai_schema.check(document)
        timings.append(time.perf_counter() - start)
    return len(documents) / statistics.median(timings)


if __name__ == "__main__":
    main()
    print(f"\nlibrary API, documents in memory: {library_throughput(3):,.0f} documents/s")
