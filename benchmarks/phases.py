"""Where the time of a batch goes, phase by phase, in one process: µs per file and per finding.

    python benchmarks/phases.py [--corpus findings|valid] [--files 1000] [--runs 5] [--format json]

The documents are generated as benchmarks/compare.py generates them (the same seeds and shapes).
Each run reads, checks, locates and formats every file again (a located document keeps what its
locator learnt, so nothing is reused between runs); each phase is timed around its own call and
the median over the runs is reported. The phases are the engine's own functions, called in the
order ``pipeline.check_parsed`` calls them: reading (decode and parse), the schema check, the lint
rules, selection and the findings budget, locating (positions and fix edits), the file's report
(suppressions, sorting), then the formatter on the report of the whole batch.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import build_corpus  # noqa: E402  (the generator lives beside this script)

from civitai_schema import checker, config, locating, pipeline, readers, workflow  # noqa: E402
from civitai_schema.findings import DocumentInfo, Report  # noqa: E402
from civitai_schema.formatters import FORMATTERS, View  # noqa: E402
from civitai_schema.rules import parse  # noqa: E402

PHASES = ("read", "schema", "lint", "select", "locate", "report", "format")


def one_run(files: list[tuple[str, bytes]], fmt: str) -> tuple[dict[str, float], int]:
    """Seconds per phase over ``files``, and how many findings they gave."""
    spent = dict.fromkeys(PHASES, 0.0)
    options = checker.Options()
    settings = config.DEFAULT
    checks = checker.all_checks(options.schema)
    clock = time.perf_counter
    reports = []
    for name, raw in files:
        start = clock()
        parsed = readers.read(name, raw)
        spent["read"] += clock() - start
        findings = [parse.finding_of(p, name) for p in parsed.problems if p.document is None]
        infos: list[DocumentInfo] = []
        budget = checker.new_budget()
        for index, document in enumerate(parsed.documents):
            kind = checker.detect_kind(document.data)
            found = [parse.finding_of(p, name) for p in parsed.problems if p.document == index]
            found += document.findings
            with workflow.one_document():
                start = clock()
                ran = checker.run_checks(checks, [0], document.data, kind, settings.options)
                middle = clock()
                ran += checker.run_checks(checks, range(1, len(checks)), document.data, kind, settings.options)
                end = clock()
            spent["schema"] += middle - start
            spent["lint"] += end - middle
            for _, part, _ in ran:
                found.extend(part)
            start = clock()
            kept = budget.take(settings.apply(found, document.file))
            middle = clock()
            findings.extend(locating.located(kept, document))
            end = clock()
            spent["select"] += middle - start
            spent["locate"] += end - middle
            infos.append(DocumentInfo(document.file, document.index, kind))
        start = clock()
        text = next((d.text for d in parsed.documents if d.text), "")
        yaml = any(d.fmt == "yaml" for d in parsed.documents)
        reports.append(pipeline.finish(findings, infos, name, text, yaml, options, settings, None))
        spent["report"] += clock() - start
    report = Report.merge(reports)
    start = clock()
    FORMATTERS[fmt](report, View())
    spent["format"] += clock() - start
    return spent, len(report.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="findings", help="findings (third-party shapes), valid, or yaml")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="json")
    args = parser.parse_args()
    paths = build_corpus(args.corpus, args.files)
    files = [(path, Path(path).read_bytes()) for path in paths]
    one_run(files[:20], args.format)  # validators, catalog leaves and formatter built first
    runs = [one_run(files, args.format) for _ in range(args.runs)]
    findings = runs[0][1]
    print(f"{len(files)} files ({args.corpus}), {findings} findings ({findings / len(files):.1f} per file), ", end="")
    print(f"format {args.format}, median of {args.runs} runs\n")
    print("| phase | µs per file | µs per finding |")
    print("|---|---:|---:|")
    total = 0.0
    for phase in PHASES:
        seconds = statistics.median(run[phase] for run, _ in runs)
        total += seconds
        per_finding = f"{seconds / findings * 1e6:.1f}" if findings else "—"
        print(f"| {phase} | {seconds / len(files) * 1e6:.1f} | {per_finding} |")
    per_finding = f"{total / findings * 1e6:.1f}" if findings else "—"
    print(f"| **all** | **{total / len(files) * 1e6:.1f}** | **{per_finding}** |")


if __name__ == "__main__":
    main()
