"""Start-up stays lean: checking one valid JSON file imports nothing it does not need."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
    # (Spelt long, as the hook's command is: click tries "-q" as a long option first, and
    # imports difflib for the suggestion it then drops.)
    modules = imported("check", "--quiet", "--format", "concise", str(tmp_path / "w.json"), cwd=tmp_path)
    assert "civitai_schema.checker" in modules
    unwanted = {"jsonschema", "yaml", "xml.etree.ElementTree", "tomllib", "tempfile", "hashlib"}
    unwanted |= {"civitai_schema.fixes", "civitai_schema.suppressions", "civitai_schema.format_checks"}
    assert modules & (unwanted | NEVER_AT_START) == set()
    assert _formatters(modules) == {"civitai_schema.formatters.concise"}


# What no check needs, valid or not: email.utils (and socket, random, calendar with it) came with
# jsonschema-rs, which reads its build date with it when loaded (see civitai_schema/startup.py).
NEVER_AT_START = {"email.utils", "socket", "random", "calendar", "difflib", "yaml", "xml.etree.ElementTree"}
NEVER_AT_START |= {"tomllib", "hashlib", "civitai_schema.suppressions", "civitai_schema.lsp"}


def _brought_by_python_jsonschema(modules: set[str]) -> set[str]:
    """While Python jsonschema words schema findings, it brings random (tempfile, for
    importlib.resources to read its metaschemas) and the format checks bring calendar."""
    return {"random", "calendar"} if "jsonschema" in modules else set()


def _formatters(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("civitai_schema.formatters.")}


FINDINGS = {  # a record in the third-party schema's terms: legacy callbacks, an invented step type
    "id": "6-20260101120000000",
    "status": "processing",
    "callbackUrl": "https://hooks.example.com/civitai",
    "nsfwLevel": 3,
    "steps": [{"$type": "tts", "name": "a", "status": "processing", "input": {"text": "hi"}}],
}


@pytest.mark.parametrize("fmt", ["concise", "json"])
def test_a_json_file_with_findings_imports_only_what_wording_and_locating_them_need(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(FINDINGS, indent=2))
    modules = imported("check", "--format", fmt, "--exit-zero", str(path), cwd=tmp_path)
    assert "civitai_schema.fixes" in modules  # (the findings were located and their fixes made edits)
    assert modules & NEVER_AT_START <= _brought_by_python_jsonschema(modules)
    assert _formatters(modules) == {f"civitai_schema.formatters.{fmt}"}
    assert ("orjson" in modules) == (fmt == "json")  # (it writes the JSON format's findings)


def test_a_valid_json_file_in_the_json_format_does_not_load_orjson(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "valid" / "submission-sdxl-sdcpp.json", tmp_path / "w.json")
    modules = imported("check", "--format", "json", str(tmp_path / "w.json"), cwd=tmp_path)
    assert "civitai_schema.formatters.json" in modules and "orjson" not in modules


LIBRARY = """
import json, sys
sys.path.insert(0, "REPO")
import civitai_schema
report = civitai_schema.check_file(sys.argv[1])
assert report.findings
from civitai_schema.formatters import FORMATTERS, View
FORMATTERS["concise"](report, View())
FORMATTERS["full"](report, View())
print(json.dumps(sorted(sys.modules)))
"""


def test_the_library_and_its_formatters_never_import_click(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(FINDINGS, indent=2))
    done = subprocess.run(
        [sys.executable, "-c", LIBRARY.replace("REPO", str(REPO)), str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = set(json.loads(done.stdout))
    assert "click" not in modules and "civitai_schema.cli" not in modules
    assert modules & NEVER_AT_START <= _brought_by_python_jsonschema(modules)


BUILD = """
import json, sys
sys.path.insert(0, "REPO")
if sys.argv[1] == "lent":
    from civitai_schema import startup
    module = startup.jsonschema_rs()
    assert "email.utils" not in sys.modules
else:
    import jsonschema_rs as module
print(repr(module.jsonschema_rs.__build__))
"""


def test_jsonschema_rs_loaded_without_email_utils_records_the_same_build() -> None:
    """The stand-in for email.utils gives jsonschema-rs the very build date the real one does."""
    records = [
        subprocess.run(
            [sys.executable, "-c", BUILD.replace("REPO", str(REPO)), how],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for how in ("lent", "usual")
    ]
    assert records[0] == records[1] and "datetime" in records[0]


def test_an_invalid_document_is_worded_without_jsonschema() -> None:
    # (jsonschema-rs's errors word it: civitai_schema.rules.native_errors)
    modules = imported("check", "-q", str(FIXTURES / "invalid" / "unknown-key.json"))
    assert "civitai_schema.rules.native_errors" in modules
    assert "jsonschema" not in modules and "yaml" not in modules
