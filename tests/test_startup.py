"""Start-up stays lean: checking one valid JSON file imports nothing it does not need."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, REPO

# The command ends with os._exit (no interpreter teardown, so no atexit): list the modules there.
PROBE = """
import json, os, runpy, sys
sys.path.insert(0, "REPO")
end = os._exit
def listing(code):
    print("MODULES=" + json.dumps(sorted(sys.modules)), file=sys.stderr, flush=True)
    end(code)
os._exit = listing
sys.argv = ["civitai-schema", *sys.argv[1:]]
runpy.run_module("civitai_schema", run_name="__main__")
"""


def imported(*args: str, cwd: Path = REPO) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.replace("REPO", str(REPO)), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES=")))


def test_a_valid_json_file_needs_no_slow_imports(tmp_path: Path) -> None:
    # Outside the checkout, so no pyproject.toml above the file is read for configuration.
    shutil.copy(FIXTURES / "valid" / "submission-sdxl-sdcpp.json", tmp_path / "w.json")
    modules = imported("check", "-q", "--format", "concise", str(tmp_path / "w.json"), cwd=tmp_path)
    assert "civitai_schema.checker" in modules
    # (uuid comes with jsonschema_rs and difflib with click's option parsing.)
    unwanted = {"jsonschema", "yaml", "xml.etree.ElementTree", "tomllib", "tempfile", "hashlib"}
    unwanted |= {"civitai_schema.fixes", "civitai_schema.suppressions", "civitai_schema.formats"}
    assert modules & unwanted == set()
    assert not {m for m in modules if m.startswith("civitai_schema.formatters.")} - {
        "civitai_schema.formatters.concise"
    }


def test_an_invalid_document_is_worded_without_jsonschema() -> None:
    # (jsonschema-rs's errors word it: civitai_schema.rules.native_errors)
    modules = imported("check", "-q", str(FIXTURES / "invalid" / "unknown-key.json"))
    assert "civitai_schema.rules.native_errors" in modules
    assert "jsonschema" not in modules and "yaml" not in modules
