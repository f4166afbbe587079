"""civitai-schema against check-jsonschema and ajv-cli, measured side by side in one run.

    python benchmarks/compare.py [--runs 5] [--scenarios 1,100,1000,10000,findings,warm,yaml,big]

Generates seeded corpora under benchmarks/.corpus, installs check-jsonschema into
benchmarks/.peer-venv and ajv-cli (with ajv-formats) into benchmarks/.ajv on first use (both
benchmark-only, never runtime dependencies; ajv is skipped, with a note, when ``node`` or ``npm``
is absent), installs civitai-schema as the README's first command does, exports our effective
schema (``civitai-schema schema --kind …``) for the peers, then times every tool on the same file
lists, interleaved, several runs each. It reports medians, each process's own peak memory and
the ratios against the peers measured in the same loop.

Scenarios: ``1`` (the pre-commit hook's command on one valid file), ``100``/``1000``/``10000``
valid request bodies, ``findings`` (1,000 workflow records written in the vendored third-party
schema's terms: invented step types, legacy callbacks, integer ``nsfwLevel``; about 9 findings
each, reported as JSON), ``warm`` (the 10,000 files again with the result cache warm; skipped
with a note while the command has no ``--no-cache``), ``yaml`` (1,000 YAML files) and ``big``
(one 50 MB file). Every other scenario runs with ``--no-cache`` when the command has it.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = HERE / ".corpus"
PEER_VENV = HERE / ".peer-venv"
OURS_VENV = HERE / ".ours-venv"
AJV_FOLDER = HERE / ".ajv"
PEER_VERSION = "check-jsonschema==0.39.*"
AJV_PACKAGES = ("ajv-cli@5", "ajv-formats@3")
# Bumped whenever a generator changes, so an old corpus is made again rather than reused.
CORPUS_VERSION = "2"


def sdxl_input(rng: random.Random) -> dict[str, Any]:
    """A real-shaped SDXL image input, its size and seed drawn from ``rng``."""
    width = rng.choice([832, 1024, 1216])
    return {
        "engine": "sdcpp",
        "ecosystem": "sdxl",
        "operation": "createImage",
        "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
        "prompt": f"a lighthouse, variation {rng.randrange(10**6)}",
        "width": width,
        "height": 2048 - width,
        "steps": rng.randrange(20, 40),
        "seed": rng.randrange(2**31),
    }


def request_body(rng: random.Random) -> dict[str, Any]:
    """A valid, real-shaped request body: an SDXL image and its upscale."""
    return {
        "tags": ["bench"],
        "steps": [
            {"$type": "imageGen", "name": "hero", "input": sdxl_input(rng)},
            {"$type": "imageUpscaler", "input": {"image": {"$ref": "hero", "path": "output.images[0].url"}}},
        ],
    }


def record(rng: random.Random) -> dict[str, Any]:
    """A valid workflow record as the API returns it (the shape of fixtures/valid/workflow-record.json)."""
    image = sdxl_input(rng)
    width, height = image["width"], image["height"]
    ident = f"6-2026010112{rng.randrange(10**7):07}"
    tips = {"civitai": 0, "creators": 0}
    return {
        "id": ident,
        "status": "succeeded",
        "createdAt": "2026-07-24T19:37:06.680Z",
        "startedAt": "2026-07-24T19:37:08Z",
        "completedAt": "2026-07-24T19:37:21Z",
        "tags": ["bench"],
        "cost": {"base": 8, "total": 8, "tips": dict(tips)},
        "nsfwLevel": "pg",
        "arguments": {},
        "callbacks": [{"url": "https://hooks.example.com/civitai", "type": ["workflow:succeeded"]}],
        "forceRefunded": False,
        "metadata": {},
        "tips": dict(tips),
        "upgradeMode": "manual",
        "steps": [
            {
                "$type": "imageGen",
                "name": "hero",
                "status": "succeeded",
                "priority": "normal",
                "metadata": {},
                "startedAt": "2026-07-24T19:37:08Z",
                "completedAt": "2026-07-24T19:37:21Z",
                "estimatedProgressRate": 1,
                "input": image,
                "jobs": [{"id": f"job-{rng.randrange(10**6)}", "status": "succeeded", "cost": 8}],
                "output": {
                    "images": [
                        {
                            "type": "image",
                            "id": f"blob-{rng.randrange(10**6)}",
                            "available": True,
                            "url": "https://blobs.example.com/blob.jpeg",
                            "width": width,
                            "height": height,
                            "nsfwLevel": "pg",
                        }
                    ]
                },
            }
        ],
    }


# Step types of the third-party schema that the API names otherwise (or not at all).
INVENTED_STEP_TYPES = ("tts", "upscale", "transcribe", "music", "interpolate", "textGen", "moderation", "audioGen")


def third_party(rng: random.Random, valid: dict[str, Any]) -> dict[str, Any]:
    """``valid`` as someone writing against the vendored third-party schema would write it:
    legacy ``callbackUrl``/``callbackEvents``, integer ``nsfwLevel`` values, job ``result``
    blobs, a ``currency`` in the cost, and a second step of an invented type."""
    data = copy.deepcopy(valid)
    del data["callbacks"]
    data["callbackUrl"] = "https://hooks.example.com/civitai"
    data["callbackEvents"] = ["workflow:succeeded"]
    data["nsfwLevel"] = rng.randrange(1, 5)
    data["cost"]["currency"] = "BUZZ"
    step = data["steps"][0]
    step["output"]["images"][0]["nsfwLevel"] = rng.randrange(1, 5)
    del step["completedAt"]
    image = step["output"]["images"][0]
    step["jobs"][0]["result"] = {"blobs": [{"blobId": image["id"], "url": image["url"], "mimeType": "image/jpeg"}]}
    data["steps"].append(
        {
            "$type": rng.choice(INVENTED_STEP_TYPES),
            "name": "extra",
            "status": "processing",
            "input": {"prompt": "hello there"},
        }
    )
    return data


def build_corpus(scenario: str, count: int | None = None) -> list[str]:
    """The seeded files of a scenario (made once; ``count`` overrides the scenario's size).
    ``findings`` and ``records`` are twins: the same records with and without the mistakes."""
    name = "10000" if scenario == "warm" else scenario  # the same files, checked again
    size = count or {"big": 1, "yaml": 1000, "findings": 1000, "records": 1000}.get(name) or int(name)
    folder = CORPUS / f"{name}-{size}"
    marker = folder / f".done-{CORPUS_VERSION}"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        # Written by a child process: building the 50 MB document here grew this process to
        # 290 MiB, and every command started afterwards reported that as its own peak (exec
        # keeps the parent's high-water mark in ru_maxrss: see tests/measured.py).
        child = os.fork()
        if child == 0:
            try:
                _write(folder, name, size, random.Random(f"{name}-2026"))
                marker.touch()
            finally:
                os._exit(0)
        os.waitpid(child, 0)
        if not marker.exists():
            raise SystemExit(f"could not write the {name} corpus")
    return sorted(str(p) for p in folder.iterdir() if not p.name.startswith("."))


def _write(folder: Path, name: str, count: int, rng: random.Random) -> None:
    if name == "big":
        steps: list[Any] = []
        while len(json.dumps(steps)) < 50 * 2**20:  # grows in chunks; about 50 MB
            chunk = [request_body(rng)["steps"][0] for _ in range(5000)]
            for i, step in enumerate(chunk):
                step["name"] = f"s{len(steps) + i}"
            steps.extend(chunk)
        (folder / "big.json").write_text(json.dumps({"steps": steps}))
        return
    if name == "yaml":
        import yaml

        for i in range(count):
            (folder / f"w{i:05}.yaml").write_text(yaml.safe_dump(request_body(rng), sort_keys=False))
        return
    for i in range(count):
        if name in ("findings", "records"):
            valid = record(rng)
            data = third_party(rng, valid) if name == "findings" else valid
        else:
            data = request_body(rng)
        (folder / f"w{i:05}.json").write_text(json.dumps(data, indent=2))


def peer() -> Path:
    binary = PEER_VENV / "bin" / "check-jsonschema"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_VERSION], check=True)
    return binary


def ajv() -> tuple[list[str] | None, str]:
    """The ajv-cli command (draft 2020-12, with ajv-formats), or None and why not."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None, "ajv-cli skipped: node or npm is not installed"
    script = AJV_FOLDER / "node_modules" / "ajv-cli" / "dist" / "index.js"
    if not script.exists():
        AJV_FOLDER.mkdir(exist_ok=True)
        (AJV_FOLDER / "package.json").write_text('{"private": true}\n')
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", *AJV_PACKAGES], cwd=AJV_FOLDER, capture_output=True, check=False
        )
        if done.returncode != 0 or not script.exists():
            return None, "ajv-cli skipped: npm install failed"
    # --strict=false: our schema carries annotations (x-civitai-*) that strict mode refuses.
    return [node, str(script), "validate", "--spec=draft2020", "--strict=false", "-c", "ajv-formats"], ""


def ours() -> Path:
    """civitai-schema installed as the README's first command installs it (not editable)."""
    subprocess.run([sys.executable, "-m", "venv", str(OURS_VENV)], check=True)
    subprocess.run(
        [str(OURS_VENV / "bin" / "pip"), "install", "-q", "--force-reinstall", "--no-deps", str(REPO)], check=True
    )
    subprocess.run([str(OURS_VENV / "bin" / "pip"), "install", "-q", str(REPO)], check=True)
    return OURS_VENV / "bin" / "civitai-schema"


def exported_schema(tool: Path, kind: str) -> Path:
    """Our effective schema for ``kind``, as ``civitai-schema schema`` prints it, for the peers."""
    path = CORPUS / f"{kind}.schema.json"
    CORPUS.mkdir(exist_ok=True)
    path.write_bytes(subprocess.run([str(tool), "schema", "--kind", kind], capture_output=True, check=True).stdout)
    return path


QUICK_RUNS = 21  # samples of our command and of `python -c pass` for the one-file case


def hook_entry(tool: Path) -> list[str]:
    """The pre-commit hook's command (its ``entry:`` in .pre-commit-hooks.yaml), with our tool."""
    text = (REPO / ".pre-commit-hooks.yaml").read_text("utf-8")
    entry = next(line.split(":", 1)[1].split() for line in text.splitlines() if line.strip().startswith("entry:"))
    return [str(tool), *entry[1:]]


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of ``command``, in the corpus folder (run from
    the repository, ``python -c "import civitai_schema"`` would import the source tree)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen(command, stdout=null, stderr=null, cwd=CORPUS, env=env)
        _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss


def imports(interpreter: str, command: list[str], env: dict[str, str] | None) -> list[tuple[bool, str]]:
    """Every module ``command`` imports, in ``python -X importtime``'s order, each with whether it
    was imported at the top level (not by another module)."""
    # Unbuffered: the command ends with os._exit, which would drop what its stderr still holds.
    probe_env = dict(env or os.environ, PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [interpreter, "-X", "importtime", *command],
        cwd=CORPUS,
        capture_output=True,
        text=True,
        env=probe_env,
        check=False,
    )
    seen: list[tuple[bool, str]] = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and not line.endswith("imported package"):
            name = line.rsplit("|", 1)[1]
            if name.strip() not in sys.builtin_module_names and name.strip() != "__main__":
                seen.append((not name.startswith("  "), name.strip()))
    return seen


def import_floor(interpreter: str, imported: list[tuple[bool, str]]) -> list[str]:
    """A command that imports just what our command imported (``imported``, :func:`imports`) at
    the top level for this scenario, then ends as our command ends (``os._exit``, no teardown), reading no file: the
    least any implementation on this stack can take for the scenario."""
    top = dict.fromkeys(name for at_top, name in imported if at_top)
    return [interpreter, "-c", f"import os, {', '.join(top)}; os._exit(0)"]


def stack_floor(interpreter: str, imported: list[tuple[bool, str]]) -> list[str]:
    """A command that imports every module our command imported (``imported``) except our own (click,
    jsonschema-rs and the standard library), loading jsonschema-rs as we do (through
    ``civitai_schema/startup.py``, read from its file without the package), then ends: what any
    program on this stack pays before its first line of civitai-schema."""
    theirs = dict.fromkeys(
        name
        for _, name in imported
        if name.split(".")[0] not in ("civitai_schema", "email", "jsonschema_rs")  # (email: see startup.py)
    )
    startup = REPO / "civitai_schema" / "startup.py"
    return [
        interpreter,
        "-c",
        "import importlib.util as u, os\n"
        f"s = u.spec_from_file_location('startup', {str(startup)!r}); m = u.module_from_spec(s)\n"
        f"s.loader.exec_module(m); m.jsonschema_rs()\nfor n in {list(theirs)!r}:\n"
        "    try: __import__(n)\n    except ImportError: pass\n"  # (tried and refused in our run too: nt, _winapi)
        "os._exit(0)",
    ]


class Row(NamedTuple):
    label: str
    ours: float
    ours_mem: float
    peers: dict[str, float]
    peer_mem: float
    bare: float
    floor: float | None
    stack: float | None  # the third-party floor (one-file scenario only)
    findings: int
    size_mib: float  # of the files checked


def has_option(tool: Path, option: str) -> bool:
    done = subprocess.run([str(tool), "check", "--help"], capture_output=True, text=True, check=False)
    return option in done.stdout


def count_findings(command: list[str], env: dict[str, str] | None) -> int:
    """How many findings our command reports (with ``--format json`` in place of its format)."""
    args = list(command)
    index = args.index("--format") if "--format" in args else None
    if index is not None:
        args[index + 1] = "json"
    else:
        args[2:2] = ["--format", "json"]
    done = subprocess.run(args, cwd=CORPUS, capture_output=True, text=True, env=env, check=False)
    try:
        return len(json.loads(done.stdout)["findings"])
    except (ValueError, KeyError):
        return 0


LABELS = {
    "1": "1 valid JSON file (the hook's command)",
    "findings": "1,000 findings-heavy JSON records",
    "records": "1,000 valid JSON records (the findings' twins)",
    "warm": "10,000 JSON files, cache warm",
    "yaml": "1,000 YAML files",
    "big": "one 50 MB file",
}


def scenario_run(
    scenario: str,
    runs: int,
    tool: Path,
    interpreter: str,
    peers: dict[str, Callable[[list[str], str], list[str]]],
    schemas: dict[str, Path],
    no_cache: bool,
) -> Row:
    files = build_corpus(scenario)
    kind = "workflow" if scenario in ("findings", "records") else "submission"
    env = dict(os.environ, CIVITAI_SCHEMA_CACHE_DIR=str(CORPUS / ".cache"))
    cache_flag = ["--no-cache"] if no_cache and scenario != "warm" else []
    quick = max(runs, QUICK_RUNS)  # the one file: a 60 ms run is noisy; more samples steady the median
    if scenario == "1":
        ours_cmd = [*hook_entry(tool), *cache_flag, *files]
    elif scenario in ("findings", "records"):
        # Every finding reported in the JSON format: positions, messages and encoding all paid.
        ours_cmd = [str(tool), "check", "--format", "json", "--exit-zero", *cache_flag, *files]
    else:
        ours_cmd = [str(tool), "check", "--quiet", "--format", "concise", "--exit-zero", *cache_flag, *files]
    if scenario == "warm":
        shutil.rmtree(CORPUS / ".cache", ignore_errors=True)
        measure(ours_cmd, env)  # fills the cache
    commands = {name: make(files, str(schemas[kind])) for name, make in peers.items()}
    imported = imports(interpreter, ours_cmd, env)  # (one run under -X importtime serves both probes)
    floor = import_floor(interpreter, imported)
    stack = stack_floor(interpreter, imported) if scenario == "1" else None
    bare = [interpreter, "-c", "pass"]
    mine: list[tuple[float, int]] = []
    theirs: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    starts, floors, stacks = [], [], []
    for run in range(quick if scenario == "1" else runs):  # interleaved: all see the same machine
        mine.append(measure(ours_cmd, env))
        for name, command in commands.items():
            if run < runs:  # (a peer reading our 3 MB schema takes seconds: its median needs fewer)
                theirs[name].append(measure(command))
        starts.append(measure(bare)[0])
        floors.append(measure(floor, env)[0])
        if stack is not None:
            stacks.append(measure(stack, env)[0])
    findings = count_findings(ours_cmd, env) if scenario in ("findings", "records") else 0
    label = LABELS.get(scenario) or f"{int(scenario):,} valid JSON files"
    return Row(
        label,
        statistics.median(t for t, _ in mine),
        max(m for _, m in mine) / 1024,
        {name: statistics.median(t for t, _ in times) for name, times in theirs.items()},
        max(m for _, m in theirs["check-jsonschema"]) / 1024,
        statistics.median(starts),
        statistics.median(floors),
        statistics.median(stacks) if stacks else None,
        findings,
        sum(os.path.getsize(f) for f in files) / 2**20,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenarios", default="1,100,1000,10000,findings,records,warm,yaml,big")
    args = parser.parse_args()
    checker = peer()
    tool = ours()
    # The interpreter the tool runs on, without the development venv's editable-install hooks.
    interpreter = str(OURS_VENV / "bin" / "python")
    schemas = {kind: exported_schema(tool, kind) for kind in ("submission", "workflow")}
    peers: dict[str, Callable[[list[str], str], list[str]]] = {
        "check-jsonschema": lambda files, schema: [str(checker), "--schemafile", schema, *files]
    }
    ajv_cmd, note = ajv()
    if ajv_cmd is not None:
        peers["ajv-cli"] = lambda files, schema: [*ajv_cmd, "-s", schema, *(a for f in files for a in ("-d", f))]
    no_cache = has_option(tool, "--no-cache")
    notes = [note] if note else []
    rows = []
    for scenario in args.scenarios.split(","):
        if scenario == "warm" and not no_cache:
            notes.append("cache-warm scenario skipped: this civitai-schema has no result cache (--no-cache)")
            continue
        rows.append(scenario_run(scenario, args.runs, tool, interpreter, peers, schemas, no_cache))
    report(rows, notes)
    print(f"\nlibrary API, valid documents in memory: {library_throughput(3):,.0f} documents/s")


def report(rows: list[Row], notes: list[str]) -> None:
    names = list(rows[0].peers) if rows else []
    head = " | ".join(names)
    print(
        f"| scenario | civitai-schema | {head} | ratio to {' | ratio to '.join(names)} | ours / python -c pass "
        "| import floor (ratio) | peak memory (ours / check-jsonschema) |"
    )
    print("|---|" + "---:|" * (2 * len(names) + 4))
    for row in rows:
        times = " | ".join(f"{row.peers[n] * 1000:,.0f} ms" for n in names)
        ratios = " | ".join(f"{row.ours / row.peers[n]:.3f}×" for n in names)
        floor = "—" if row.floor is None else f"{row.floor * 1000:.0f} ms ({row.floor / row.peers[names[0]]:.3f}×)"
        print(
            f"| {row.label} | {row.ours * 1000:,.0f} ms | {times} | {ratios} "
            f"| {row.ours / row.bare:.2f}× (of {row.bare * 1000:.1f} ms) | {floor} "
            f"| {row.ours_mem:.0f} / {row.peer_mem:.0f} MiB |"
        )
    for row in rows:
        if row.label == LABELS["big"]:
            print(f"\n{row.label}: {row.size_mib:.0f} MiB; our peak memory {row.ours_mem / row.size_mib:.2f}× the file")
        if row.stack is not None:
            print(
                f"\n{row.label}: the third-party floor (click, jsonschema-rs and the standard-library modules "
                f"our run imports, none of ours) {row.stack * 1000:.1f} ms, {row.stack / row.bare:.2f}× python -c pass"
            )
    by_label = {row.label: row for row in rows}
    heavy, twins = by_label.get(LABELS["findings"]), by_label.get(LABELS["records"])
    if heavy is not None and twins is not None and heavy.findings:
        cost = (heavy.ours - twins.ours) / (heavy.findings - twins.findings) * 1e6
        print(
            f"\ncost per finding, all-in: {cost:.1f} µs ({heavy.findings:,} findings; the findings-heavy "
            f"records minus their valid twins, both reported as JSON)"
        )
    for note in notes:
        print(f"\nnote: {note}")


def library_throughput(runs: int) -> float:
    """Valid documents per second through civitai_schema.check(), documents already in memory."""
    import civitai_schema

    documents = [json.loads(Path(p).read_text()) for p in build_corpus("1000")]
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
