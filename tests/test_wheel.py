"""The built wheel carries the schemas and works installed outside the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import FIXTURES, REPO

pytestmark = pytest.mark.slow  # every test here shares one wheel build and install


def _run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("src") / "civitai-schema"
    # Build from a copy so no build/ or egg-info litter lands in the checkout.
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__"))
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, source)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = dist.glob("civitai_schema-*.whl")
    return path


def test_wheel_carries_every_schema_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema_file in (REPO / "schemas").rglob("*.json"):
        relative = schema_file.relative_to(REPO / "schemas").as_posix()
        assert f"civitai_schema/schemas/{relative}" in names
    assert "civitai_schema/py.typed" in names
    for data_file in (REPO / "civitai_schema" / "data").rglob("*.json"):  # the catalog, per step type
        assert data_file.relative_to(REPO).as_posix() in names


def test_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv).returncode == 0
    bindir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / "python"
    installed = _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "--disable-pip-version-check", wheel)
    assert installed.returncode == 0, installed.stderr
    # Dependencies come from this environment (offline); the wheel's own package comes first.
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "deps-from-test-env.pth").write_text("\n".join(sorted(here)) + "\n")
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    shutil.copy(FIXTURES / "invalid" / "invented-step-type.yaml", workdir / "w.yaml")

    located = _run(python, "-c", "import civitai_schema.validators as s; print(s.schema_dir())", cwd=workdir)
    assert located.stdout.strip().startswith(str(venv)), located.stdout + located.stderr

    result = _run(bindir / "civitai-schema", "check", "w.yaml", cwd=workdir)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == (
        'w.yaml:3:12: S112 [error] step type "tts" does not exist in the Orchestration API; use "textToSpeech"'
    )
    exported = _run(bindir / "civitai-schema", "schema", "--vendored", cwd=workdir)
    assert exported.stdout.encode() == (REPO / "schemas" / "civitai-workflow-schema.json").read_bytes()
