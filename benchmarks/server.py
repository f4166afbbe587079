"""The language server's start-up and time to first diagnostics, measured through a real client.

    python benchmarks/server.py [--runs 5]

Starts ``civitai-schema server`` (the interpreter running this script) with pygls's own client
over stdio and times, per run, each from a fresh server process:

- start-up: process start to the ``initialize`` answer;
- first diagnostics of a 10,000-step JSON document and of a 2 MB YAML document (``didOpen`` to
  ``publishDiagnostics``; about 1 % of the steps have a finding, so positions are computed);
- on the same server: diagnostics again after a one-character change (the debounce included),
  and a hover and a completion inside the last step while nothing is being checked.

Reports the median of each. Documents are generated, seeded, under ``benchmarks/.corpus/server``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import sdxl_input  # noqa: E402  (the generator lives beside this script)

CORPUS = HERE / ".corpus" / "server"
SERVER = [sys.executable, "-m", "civitai_schema", "server"]
DEBOUNCE_MS = 300  # the server's default


def step(rng: random.Random, index: int) -> dict[str, Any]:
    body: dict[str, Any] = {"$type": "imageGen", "name": f"s{index}", "input": sdxl_input(rng)}
    if index % 100 == 7:
        body["input"]["steps"] = 500  # out of range: one finding in a hundred steps
    return body


def documents() -> tuple[Path, Path]:
    CORPUS.mkdir(parents=True, exist_ok=True)
    big_json, big_yaml = CORPUS / "steps-10000.json", CORPUS / "two-megabytes.yaml"
    if not big_json.exists():
        rng = random.Random(17)
        big_json.write_text(json.dumps({"steps": [step(rng, i) for i in range(10_000)]}, indent=2), "utf-8")
    if not big_yaml.exists():
        import yaml

        rng, steps = random.Random(18), []
        text = ""
        while len(text.encode()) < 2 * 2**20:
            first = len(steps)
            steps.extend(step(rng, first + i) for i in range(500))
            text = yaml.safe_dump({"steps": steps}, sort_keys=False, allow_unicode=True)
        big_yaml.write_text(text, "utf-8")
    return big_json, big_yaml


class Timed(LanguageClient):
    def __init__(self) -> None:
        super().__init__("civitai-schema-benchmark", "1")
        self.published: dict[str, asyncio.Event] = {}
        self.counts: dict[str, int] = {}

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(client: Timed, params: types.PublishDiagnosticsParams) -> None:
            client.counts[params.uri] = len(params.diagnostics)
            client.published.setdefault(params.uri, asyncio.Event()).set()

    async def diagnostics(self, uri: str) -> None:
        await self.published.setdefault(uri, asyncio.Event()).wait()
        self.published[uri].clear()


async def one_run(path: Path) -> dict[str, float]:
    """Start a server, open ``path``, and time what the module docstring lists."""
    out: dict[str, float] = {}
    client = Timed()
    started = time.perf_counter()
    await client.start_io(*SERVER)
    capabilities = types.ClientCapabilities()
    await client.initialize_async(types.InitializeParams(capabilities=capabilities, process_id=None))
    out["start-up"] = time.perf_counter() - started
    client.initialized(types.InitializedParams())
    text = path.read_text("utf-8")
    uri = path.resolve().as_uri()
    language = "json" if path.suffix == ".json" else "yaml"
    opened = time.perf_counter()
    item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    await client.diagnostics(uri)
    out["first diagnostics"] = time.perf_counter() - opened
    out["findings"] = client.counts[uri]

    # A one-character change near the end (a prompt's text), checked again after the debounce.
    last = text.rindex("variation ") + len("variation ")
    line = text.count("\n", 0, last)
    character = last - (text.rfind("\n", 0, last) + 1)
    here = types.Position(line=line, character=character)
    where = types.Range(start=here, end=here)
    changed = time.perf_counter()
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=where, text="9")],
        )
    )
    await client.diagnostics(uri)
    out["diagnostics after a change"] = time.perf_counter() - changed

    document = types.TextDocumentIdentifier(uri=uri)
    key = text.rindex('"steps": ' if language == "json" else "steps: ")
    line = text.count("\n", 0, key)
    position = types.Position(line=line, character=key - (text.rfind("\n", 0, key) + 1) + 2)
    asked = time.perf_counter()
    await client.text_document_hover_async(types.HoverParams(text_document=document, position=position))
    out["hover"] = time.perf_counter() - asked
    asked = time.perf_counter()
    await client.text_document_completion_async(types.CompletionParams(text_document=document, position=position))
    out["completion"] = time.perf_counter() - asked
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for path in documents():
        results = [asyncio.run(one_run(path)) for _ in range(runs)]
        size = path.stat().st_size / 2**20
        print(f"{path.name} ({size:.1f} MiB, {int(results[0]['findings'])} findings), median of {runs} runs:")
        for name in ("start-up", "first diagnostics", "diagnostics after a change", "hover", "completion"):
            values = [r[name] for r in results]
            note = f" (includes the {DEBOUNCE_MS} ms debounce)" if name == "diagnostics after a change" else ""
            print(f"  {name:<28} {statistics.median(values) * 1000:7.0f} ms{note}")


if __name__ == "__main__":
    main()
