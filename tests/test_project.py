"""The project's own promises: the README's commands are the ones CI and users run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import REPO

README = (REPO / "README.md").read_text("utf-8")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = (REPO / ".ci" / "run").read_text("utf-8").strip().splitlines()[-1]
    assert command.endswith("python -m pytest")
    assert f"\n{command}\n" in README


def test_readme_documents_the_exit_codes_and_json_contract() -> None:
    for needle in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", '"version": 1', '"end_column"', '"hint"'):
        assert needle in README


def test_the_readme_configuration_example_is_valid() -> None:
    import sys

    from civitai_schema import config

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    block = README.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = config.parse(tomllib.loads(block)["tool"]["civitai-schema"])
    assert not settings.enabled("A107") and settings.severity["D104"].value == "info"
    assert settings.per_path_ignores[0].rules == ("seed-above-int32",)


def test_the_readme_vs_code_example_is_json() -> None:
    import json

    block = README.split('```json\n{\n  "json.schemas"', 1)[1].split("```", 1)[0]
    settings = json.loads('{\n  "json.schemas"' + block)
    assert "json.schemas" in settings and "yaml.schemas" in settings


def test_the_readme_process_pool_example_runs(tmp_path: Path) -> None:
    block = README.split("## Checking millions of records", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    setup = (
        "import json\n"
        "records = [{'id': '6-1', 'status': 'succeeded', 'steps': []},\n"
        "           {'id': '6-2', 'status': 'Succeeded', 'steps': []}]\n"
        "def store_problem(key, errors):\n"
        "    print(json.dumps([key, [e['code'] for e in errors]]))\n"
    )
    script = tmp_path / "example.py"
    script.write_text(
        setup + "if __name__ == '__main__':\n" + "".join("    " + line + "\n" for line in block.splitlines())
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '["6-2", ["S103"]]'


def test_the_readme_tour_output_is_what_the_command_prints() -> None:
    from .conftest import invoke

    block = README.split("### Command line\n\n```console\n", 1)[1].split("```", 1)[0]
    command, *expected = block.splitlines()
    args = command.removeprefix("$ civitai-schema ").split()
    assert invoke(*args).output.splitlines() == expected


def test_the_readme_coverage_sample_is_what_the_command_prints() -> None:
    from .conftest import invoke

    block = README.split("```console\n$ civitai-schema coverage fixtures/valid | head -4\n", 1)[1].split("```", 1)[0]
    assert invoke("coverage", "fixtures/valid").output.splitlines()[:4] == block.splitlines()


def test_the_rule_cost_benchmark_runs() -> None:
    """A tiny run of benchmarks/rule_cost.py (the numbers are for docs/performance.md, not for
    tests; this only keeps the script working as the engine changes)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "rule_cost.py"), "--documents", "30", "--repeats", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    labels = [line.split("  ")[0] for line in done.stdout.splitlines()[3:]]
    assert labels[0] == "schema validation" and labels[-1] == "all lint rules together"


def test_the_benchmark_times_the_hooks_own_command() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("compare", REPO / "benchmarks" / "compare.py")
    assert spec is not None and spec.loader is not None
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))[0]
    assert compare.hook_entry(Path("/x/civitai-schema")) == ["/x/civitai-schema", *hook["entry"].split()[1:]]
