"""The result cache (issue 16): a warm run prints exactly what a cold one does, misses on every
part of its key, survives concurrent writers, damage and a read-only folder, and `clean` removes it."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from civitai_schema import __version__, api, cache, checker, config, pipeline, validators
from civitai_schema.cli import main
from civitai_schema.formatters import MODULES

from .conftest import FIXTURES, REPO, count_calls


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.OFF_ENV, raising=False)
    monkeypatch.delenv(cache.FOLDER_ENV, raising=False)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """One item per file actually checked in this process (every file's text, or the finding
    that it has none, goes through check_parsed once)."""
    return count_calls(monkeypatch, pipeline, "check_parsed")


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """The CLI in-process, from ``cwd``; nothing it prints is ever a traceback."""
    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), env=env)
    finally:
        os.chdir(before)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    return result


def printed(result: Result) -> tuple[int, bytes, bytes]:
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def project(tmp_path: Path) -> Path:
    """Every committed fixture (valid, invalid, to fix), in a project of its own."""
    root = tmp_path / "project"
    for folder in ("valid", "invalid", "fixes"):
        shutil.copytree(FIXTURES / folder, root / folder, ignore=shutil.ignore_patterns("*.out"))
    return root


def shards(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json") if p.parent.parent.parent == folder)


@pytest.mark.slow
def test_a_warm_run_prints_exactly_what_a_cold_and_an_uncached_run_do_in_every_format(
    tmp_path: Path, checks: list[None]
) -> None:
    root = project(tmp_path)
    files = len([p for p in root.rglob("*") if p.is_file()])
    for fmt in MODULES:
        for extra in ((), ("--statistics",)):
            args = ("check", "--format", fmt, *extra, ".")
            env = {cache.FOLDER_ENV: str(tmp_path / f"cache-{fmt}-{len(extra)}")}
            uncached = run(root, *args, "--no-cache")
            before = len(checks)
            cold = run(root, *args, env=env)
            assert len(checks) - before == files  # every file checked once
            before = len(checks)
            warm = run(root, *args, env=env)
            assert len(checks) == before, "a warm run checked files again"
            for result in (cold, warm):
                assert printed(result) == printed(uncached), (fmt, extra)
    assert not (root / cache.FOLDER_NAME).exists()  # (the environment named the folders)


@pytest.mark.parametrize("warm_format", ["full", "sarif", "json"])
def test_a_cache_written_without_texts_serves_formats_that_show_them(
    tmp_path: Path, checks: list[None], warm_format: str
) -> None:
    root = project(tmp_path)
    run(root, "check", "--format", "concise", ".")  # keeps no file's text
    before = len(checks)
    warm = run(root, "check", "--format", warm_format, ".")
    assert len(checks) == before
    uncached = run(root, "check", "--format", warm_format, "--no-cache", ".")
    assert (warm.exit_code, warm.stdout_bytes) == (uncached.exit_code, uncached.stdout_bytes)


def test_the_default_folder_is_at_the_project_root_with_a_gitignore(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text('ignore = ["A102"]\n')
    run(root / "valid", "check", ".")
    folder = root / cache.FOLDER_NAME
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / cache.TAG_NAME).read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert len(shards(folder)) == 1
    # Without a configuration file the project root is the working folder.
    (root / "civitai-schema.toml").unlink()
    run(root / "valid", "check", ".")
    assert len(shards(root / "valid" / cache.FOLDER_NAME)) == 1


def test_cache_dir_from_the_configuration_the_command_line_and_the_environment(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text('cache-dir = "build/lint-cache"\n')
    run(root / "valid", "check", ".")
    assert len(shards(root / "build" / "lint-cache")) == 1
    run(root / "valid", "check", "--config", 'cache-dir = "../from-flag"', ".")
    assert len(shards(root / "from-flag")) == 1
    run(root / "valid", "check", ".", env={cache.FOLDER_ENV: "../from-env"})
    assert len(shards(root / "from-env")) == 1
    assert not (root / cache.FOLDER_NAME).exists()
    # The same key in pyproject.toml's table.
    (root / "civitai-schema.toml").unlink()
    (root / "pyproject.toml").write_text('[tool.civitai-schema]\ncache-dir = ".lint"\n')
    run(root / "valid", "check", ".")
    assert len(shards(root / ".lint")) == 1


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("cache-dir = 3", "cache-dir: expected a folder name"),
        ('cache-dir = ""', "cache-dir: expected a folder name"),
    ],
)
def test_a_bad_cache_dir_is_a_configuration_error(tmp_path: Path, setting: str, message: str) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text(setting + "\n")
    result = run(root, "check", "valid")
    assert result.exit_code == 2 and message in result.output
    result = run(root, "check", "--isolated", "--config", f"{setting}\nignore = ['A102']", "valid")
    assert result.exit_code == 2 and "bad configuration" in result.output


def test_no_cache_and_its_environment_name_write_nothing(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    run(root, "check", "--no-cache", ".")
    run(root, "check", ".", env={cache.OFF_ENV: "1"})
    assert not (root / cache.FOLDER_NAME).exists()
    run(root, "check", ".")
    before = len(checks)
    run(root, "check", "--no-cache", ".")  # a warm cache is not read either
    assert len(checks) > before


# -- misses on every part of the key ---------------------------------------------------------

BASE = "select = ['ALL']\n"
SETTINGS = {
    "select": "select = ['S']\n",
    "extend-select": "select = ['S']\nextend-select = ['A']\n",
    "ignore": "ignore = ['S104']\n",
    "per-file-ignores": "[per-file-ignores]\n'invalid/*.yaml' = ['S']\n",
    "per-path-ignores": "[[per-path-ignores]]\nfiles = '*'\npath = '/steps/*'\nrules = ['S104']\n",
    "severity": "[severity]\nS104 = 'info'\n",
    "kind": "[kind]\n'invalid/**' = 'workflow'\n",
    "extra-ecosystems": "[options]\nextra-ecosystems = ['mine']\n",
    "extra-sources": "[options]\nextra-sources = ['mine']\n",
    "extra-resource-types": "[options]\nextra-resource-types = ['mine']\n",
    "allowed-callback-hosts": "[options]\nallowed-callback-hosts = ['example.com']\n",
    "pixel-budget": "[options]\npixel-budget = { sdxl = 1.5 }\n",
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_setting_of_the_configuration_is_in_the_key(tmp_path: Path, checks: list[None], name: str) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text(BASE)
    run(root, "check", ".")
    (root / "civitai-schema.toml").write_text(SETTINGS[name])
    before = len(checks)
    changed = run(root, "check", ".")
    assert len(checks) > before, f"{name} changed, yet every file came from the cache"
    assert changed.stdout_bytes == run(root, "check", "--no-cache", ".").stdout_bytes
    before = len(checks)
    run(root, "check", ".")  # and the new settings' results are kept in turn
    assert len(checks) == before


@pytest.mark.parametrize(
    "flags",
    [
        ("--kind", "workflow"),
        ("--schema", "vendored"),
        ("--skip-unrecognized",),
        ("--select", "S"),
        ("--extend-select", "A"),
        ("--ignore", "S104"),
        ("--per-file-ignores", "*.yaml:S"),
        ("--config", "ignore = ['A']"),
        ("--isolated",),
    ],
    ids=" ".join,
)
def test_each_option_of_the_command_line_is_in_the_key(
    tmp_path: Path, checks: list[None], flags: tuple[str, ...]
) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text("ignore = ['S105']\n")  # (so --isolated differs)
    run(root, "check", ".")
    before = len(checks)
    changed = run(root, "check", *flags, ".")
    assert len(checks) > before
    assert changed.stdout_bytes == run(root, "check", "--no-cache", *flags, ".").stdout_bytes


def test_a_changed_file_is_checked_again_and_only_it(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    run(root, "check", ".")
    target = root / "valid" / "submission-sdxl-sdcpp.json"
    info = target.stat()
    target.write_text(target.read_text().replace('"steps"', '"stepz"', 1))
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))  # same time: the bytes decide
    before = len(checks)
    result = run(root, "check", ".")
    assert len(checks) - before == 1
    assert result.stdout_bytes == run(root, "check", "--no-cache", ".").stdout_bytes
    assert b"submission-sdxl-sdcpp.json" in result.stdout_bytes


def test_the_same_bytes_under_another_name_or_from_another_folder_are_checked(
    tmp_path: Path, checks: list[None]
) -> None:
    root = project(tmp_path)
    run(root, "check", "invalid/unknown-key.json")
    shutil.copy(root / "invalid" / "unknown-key.json", root / "invalid" / "copy.json")
    before = len(checks)
    copy = run(root, "check", "invalid/copy.json")
    assert len(checks) - before == 1 and b"invalid/copy.json" in copy.stdout_bytes
    env = {cache.FOLDER_ENV: str(root / cache.FOLDER_NAME)}
    before = len(checks)
    inside = run(root / "invalid", "check", "unknown-key.json", env=env)  # named otherwise
    assert len(checks) - before == 1 and inside.stdout_bytes.startswith(b"unknown-key.json:")


def test_the_version_and_the_vendored_documents_digests_are_in_the_key(
    tmp_path: Path, checks: list[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    run(root, "check", ".")
    before = len(checks)
    run(root, "check", ".")
    assert len(checks) == before
    with monkeypatch.context() as patched:
        patched.setattr("civitai_schema.cache.__version__", "99.0.0")
        run(root, "check", ".")
        assert len(checks) > before
    assert {p.name for p in (root / cache.FOLDER_NAME).iterdir() if p.is_dir()} == {__version__, "99.0.0"}
    for provenance in ("v2-consumers.provenance.json", validators.PROVENANCE_FILE):
        copied = tmp_path / f"schemas-{provenance}"
        shutil.copytree(validators.schema_dir(), copied)
        data = json.loads((copied / provenance).read_text())
        data["sha256"] = "0" * 64
        (copied / provenance).write_text(json.dumps(data))
        with monkeypatch.context() as patched:
            patched.setattr(validators, "schema_dir", lambda copied=copied: copied)
            before = len(checks)
            run(root, "check", ".")
            assert len(checks) > before, f"{provenance}'s digest changed, yet the cache answered"


def test_the_installation_stamp_follows_our_modules_and_data() -> None:
    stamp = cache.installation_stamp()
    assert stamp == cache.installation_stamp()  # the same in one installation
    package = Path(cache.__file__).parent
    module = package / "rules" / "__init__.py"
    info = module.stat()
    try:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1))
        assert cache.installation_stamp() != stamp  # an edited rule is a new installation
    finally:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert cache.installation_stamp() == stamp


# -- fixing -----------------------------------------------------------------------------------


def test_fix_never_takes_a_cached_result_for_a_file_with_something_to_fix(tmp_path: Path) -> None:
    root = project(tmp_path)
    target = root / "fixes" / "enum-case.json"
    broken = target.read_bytes()
    info = target.stat()
    first = run(root, "check", "fixes/enum-case.json")
    assert first.exit_code == 1
    run(root, "check", "--fix", "fixes/enum-case.json")
    fixed = target.read_bytes()
    assert fixed != broken
    clean = run(root, "check", "fixes/enum-case.json")  # the fixed file's result is cached now
    # The broken text back, with the fixed file's time and size unchanged would not matter:
    # the bytes are the key. A check, then --fix, must both see it.
    target.write_bytes(broken)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    again = run(root, "check", "fixes/enum-case.json")
    assert again.stdout_bytes == first.stdout_bytes and again.exit_code == first.exit_code
    run(root, "check", "--fix", "fixes/enum-case.json")
    assert target.read_bytes() == fixed
    assert run(root, "check", "fixes/enum-case.json").stdout_bytes == clean.stdout_bytes
    diff = run(root, "check", "--diff", "fixes/enum-case.json")  # nothing left to show
    assert diff.exit_code == 0


# -- damage, concurrency, a read-only folder ---------------------------------------------------

DAMAGE = {
    "not JSON": b'{"format": 1, "entr',
    "empty": b"",
    "a list": b"[1, 2, 3]",
    "wrong format": b'{"format": 999, "stamp": "x", "entries": {}}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "not UTF-8": b"\xff\xfe\x00",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_shard_is_ignored_and_rewritten(tmp_path: Path, checks: list[None], damage: str) -> None:
    root = project(tmp_path)
    expected = run(root, "check", "--no-cache", ".")
    run(root, "check", ".")
    (shard,) = shards(root / cache.FOLDER_NAME)
    shard.write_bytes(DAMAGE[damage])
    before = len(checks)
    result = run(root, "check", ".")
    assert printed(result) == printed(expected)
    assert len(checks) > before
    assert not shard.exists()  # the damaged shard is gone, a sound one in its place
    (rewritten,) = shards(root / cache.FOLDER_NAME)
    assert json.loads(rewritten.read_bytes())["format"] == cache.FORMAT
    before = len(checks)
    run(root, "check", ".")
    assert len(checks) == before


def test_damaged_entries_are_misses_and_are_replaced(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    expected = run(root, "check", "--no-cache", "--format", "json", ".")
    run(root, "check", ".")
    (shard,) = shards(root / cache.FOLDER_NAME)
    data = json.loads(shard.read_bytes())
    wrecks = [None, 7, [], ["x"] * 7, ["x"] * 3, {"a": 1}, "text"]
    for n, key in enumerate(sorted(data["entries"])):
        entry = data["entries"][key]
        if n % 3 == 0:
            data["entries"][key] = wrecks[n % len(wrecks)]
        elif len(entry) == 3:
            entry[2] = "catastrophic"  # the one document's kind, as none is
        elif n % 3 == 1 and entry[4]:
            entry[4][0][2] = "catastrophic"  # a finding's severity, as none is
        elif entry[3]:
            entry[3][0][1] = "0"  # a document's index as a string
    shard.write_text(json.dumps(data))
    before = len(checks)
    result = run(root, "check", "--format", "json", ".")
    assert result.stdout_bytes == expected.stdout_bytes
    assert len(checks) > before
    before = len(checks)
    run(root, "check", "--format", "json", ".")
    assert len(checks) == before


def test_a_forged_entry_for_another_file_is_not_taken(tmp_path: Path, checks: list[None]) -> None:
    # An entry copied under another file's key (its scope says which file it was made for).
    root = project(tmp_path)
    run(root, "check", "valid/workflow-record.json", "invalid/unknown-key.json")
    (shard,) = shards(root / cache.FOLDER_NAME)
    data = json.loads(shard.read_bytes())
    entries = list(data["entries"].values())
    keys = list(data["entries"])
    data["entries"] = {keys[0]: entries[1], keys[1]: entries[0]}
    shard.write_text(json.dumps(data))
    before = len(checks)
    result = run(root, "check", "valid/workflow-record.json", "invalid/unknown-key.json")
    assert len(checks) - before == 2
    expected = run(root, "check", "--no-cache", "valid/workflow-record.json", "invalid/unknown-key.json")
    assert result.stdout_bytes == expected.stdout_bytes


def test_a_fifo_or_a_folder_among_the_shards_is_skipped(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    run(root, "check", ".")
    (shard,) = shards(root / cache.FOLDER_NAME)
    os.mkfifo(shard.parent / "0-fifo.json")  # a read would wait forever
    (shard.parent / "1-folder.json").mkdir()
    before = len(checks)
    result = run(root, "check", ".")
    assert len(checks) == before  # the sound shard still answers
    assert result.stdout_bytes == run(root, "check", "--no-cache", ".").stdout_bytes


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "civitai_schema", *args]


@pytest.mark.slow
def test_concurrent_writers_lose_nothing_and_leave_sound_shards(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    env = {k: v for k, v in os.environ.items() if k != cache.OFF_ENV}
    # Twelve batches at once, overlapping (as pre-commit's parallel batches may), more than
    # MAX_SHARDS, so some writers merge shards while others are still writing theirs.
    batches = [names[i::6] + names[: 2 + i] for i in range(6)] * 2
    expected = [
        subprocess.run(_command("check", "--no-cache", *b), cwd=root, env=env, capture_output=True, check=False)
        for b in batches[:6]
    ]
    running = [
        subprocess.Popen(_command("check", *b), cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for b in batches
    ]
    for n, child in enumerate(running):
        out, err = child.communicate(timeout=120)
        assert (child.returncode, out, err) == (
            expected[n % 6].returncode,
            expected[n % 6].stdout,
            expected[n % 6].stderr,
        )
    folder = root / cache.FOLDER_NAME
    for shard in shards(folder):
        assert json.loads(shard.read_bytes())["format"] == cache.FORMAT
    assert not [p for p in folder.rglob("*.tmp")]
    before = len(checks)
    run(root, "check", *names)  # every file was kept by some writer
    assert len(checks) == before


@pytest.mark.slow
def test_forked_workers_keep_what_they_checked(tmp_path: Path, checks: list[None]) -> None:
    source = (FIXTURES / "valid" / "submission-sdxl-sdcpp.json").read_text()
    for i in range(200):  # four blocks of 64: -j 2 forks a child
        (tmp_path / f"w{i:03}.json").write_text(source.replace('"steps"', f'"tags": ["n{i}"], "steps"', 1))
    (tmp_path / "w007.json").write_text("{")
    expected = run(tmp_path, "check", "--no-cache", ".")
    cold = run(tmp_path, "check", "-j", "2", ".")
    assert cold.stdout_bytes == expected.stdout_bytes
    assert len(shards(tmp_path / cache.FOLDER_NAME)) == 2  # the parent's and the child's
    before = len(checks)
    warm = run(tmp_path, "check", ".")
    assert len(checks) == before and warm.stdout_bytes == expected.stdout_bytes


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make ``folder`` behave as on a read-only file system (EROFS for every change in it). As
    root (who may write anywhere, whatever the mode says) this is how it is tested; as another
    user the folder's mode is made read-only as well."""
    import errno

    inside = str(folder)

    def refused(path: object) -> bool:
        return os.path.abspath(os.fsdecode(path)).startswith(inside)  # type: ignore[arg-type]

    def guard(real, *, writes_only: bool = False):  # type: ignore[no-untyped-def]
        def call(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            changing = not writes_only or (args and args[0] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if changing and refused(path):
                raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "open", guard(os.open, writes_only=True))
    for name in ("mkdir", "unlink", "replace", "rename", "rmdir"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)


def test_a_read_only_cache_folder_degrades_to_no_cache_without_a_word(
    tmp_path: Path, checks: list[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    run(root, "check", ".")
    (root / "new.json").write_text("{}")  # the one file not in the cache
    expected = run(root, "check", "--no-cache", ".")
    folder = root / cache.FOLDER_NAME
    written = sorted((p, p.read_bytes()) for p in folder.rglob("*") if p.is_file())
    with monkeypatch.context() as patched:
        _read_only(patched, folder)
        before = len(checks)
        result = run(root, "check", ".")
        assert printed(result) == printed(expected)
        assert len(checks) - before == 1  # what it held was still read
        # A folder that cannot even be made: no cache at all, and still not a word.
        _read_only(patched, tmp_path / "nowhere")
        elsewhere = run(root, "check", ".", env={cache.FOLDER_ENV: str(tmp_path / "nowhere" / "cache")})
        assert printed(elsewhere) == printed(expected)
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert sorted((p, p.read_bytes()) for p in folder.rglob("*") if p.is_file()) == written
    assert not (tmp_path / "nowhere").exists()


def test_a_cache_folder_that_cannot_be_made_is_no_cache(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "blocker").write_text("a file where the cache folder would go")
    env = {cache.FOLDER_ENV: str(root / "blocker" / "cache")}
    result = run(root, "check", ".", env=env)
    expected = run(root, "check", "--no-cache", ".")
    assert printed(result) == printed(expected)


def test_an_existing_folder_that_is_not_a_cache_is_never_written_or_removed(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text('cache-dir = "valid"\n')  # a mistake
    before = sorted(p.name for p in (root / "valid").iterdir())
    result = run(root, "check", ".")
    assert result.stderr_bytes == b""
    assert sorted(p.name for p in (root / "valid").iterdir()) == before
    refused = run(root, "clean")
    assert refused.exit_code == 2 and "is not a civitai-schema cache" in refused.output
    assert sorted(p.name for p in (root / "valid").iterdir()) == before


# -- clean ------------------------------------------------------------------------------------


def test_clean_removes_the_cache(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    run(root, "check", ".")
    assert (root / cache.FOLDER_NAME).is_dir()
    result = run(root, "clean")
    assert result.exit_code == 0 and "Removed" in result.output
    assert not (root / cache.FOLDER_NAME).exists()
    again = run(root, "clean")
    assert again.exit_code == 0 and "No cache at" in again.output
    before = len(checks)
    run(root, "check", ".")
    assert len(checks) > before  # cold again
    run(root, "check", ".", env={cache.FOLDER_ENV: "elsewhere"})
    assert run(root, "clean", env={cache.FOLDER_ENV: "elsewhere"}).exit_code == 0
    assert not (root / "elsewhere").exists() and (root / cache.FOLDER_NAME).exists()


# -- the library --------------------------------------------------------------------------------


def test_the_library_keeps_no_cache_unless_given_one(tmp_path: Path, checks: list[None]) -> None:
    root = project(tmp_path)
    before = os.getcwd()
    os.chdir(root)
    try:
        api.check_paths(["."])
        pipeline.check_paths(["."], checker.Options())
        assert not (root / cache.FOLDER_NAME).exists()
        results = cache.ResultCache(tmp_path / "lib-cache")
        options = checker.Options(cache=results, resolver=config.Resolver())
        first = pipeline.check_paths(["."], options)
        assert results.misses > 0 and results.hits == 0
        warm = cache.ResultCache(tmp_path / "lib-cache")
        second = pipeline.check_paths(["."], checker.Options(cache=warm, resolver=config.Resolver()))
        assert warm.hits == results.misses and warm.misses == 0
        assert first == second
        assert [f.fix for f in first.findings] == [f.fix for f in second.findings]
        assert first.sources == second.sources
    finally:
        os.chdir(before)


def test_the_unused_per_path_ignore_notice_survives_the_cache(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "civitai-schema.toml").write_text(
        "[[per-path-ignores]]\nfiles = 'invalid/*'\npath = '/steps/**'\nrules = ['S', 'N']\n"
        "[[per-path-ignores]]\nfiles = 'valid/*'\npath = '/nowhere'\nrules = ['A']\n"
    )  # (the second matches files that were checked, and hides nothing in them: unused)
    expected = run(root, "check", "--no-cache", ".")
    assert b"valid/*" in expected.stdout_bytes and b"invalid/*" not in expected.stdout_bytes  # (used)
    for _ in range(2):
        assert run(root, "check", ".").stdout_bytes == expected.stdout_bytes


def test_the_hook_in_a_checkout_writes_an_ignored_cache(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = project(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    env = {k: v for k, v in os.environ.items() if k != cache.OFF_ENV}
    subprocess.run(_command("check", "--skip-unrecognized", "."), cwd=root, env=env, capture_output=True, check=False)
    assert (root / cache.FOLDER_NAME).is_dir()
    listed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True, text=True, check=True
    )
    assert cache.FOLDER_NAME not in listed.stdout


def test_the_repository_root_is_not_where_tests_leave_a_cache() -> None:
    assert not (REPO / cache.FOLDER_NAME).exists()


@pytest.mark.slow
def test_shards_are_merged_when_they_pile_up_and_old_entries_pruned(tmp_path: Path, checks: list[None]) -> None:
    target = tmp_path / "w.json"
    source = (FIXTURES / "valid" / "submission-sdxl-sdcpp.json").read_text()
    for n in range(3 * cache.MAX_SHARDS):  # each run a new version of the file, so a new shard
        target.write_text(source.replace('"steps"', f'"tags": ["v{n}"], "steps"', 1))
        run(tmp_path, "check", "w.json")
        assert len(shards(tmp_path / cache.FOLDER_NAME)) <= cache.MAX_SHARDS
    entries: dict[str, object] = {}
    for shard in shards(tmp_path / cache.FOLDER_NAME):
        entries.update(json.loads(shard.read_bytes())["entries"])
    assert len(entries) <= cache.MAX_SHARDS  # the file's old versions were pruned when merging
    before = len(checks)
    run(tmp_path, "check", "w.json")
    assert len(checks) == before


def test_a_library_override_naming_the_cache_folder_leaves_each_files_settings_as_they_were() -> None:
    # cache-dir is a setting of the run: the library's Overrides accept it and apply only the rest.
    overrides = api.Overrides(fragments=({"cache-dir": "elsewhere"}, {"ignore": ["A102"]}))
    applied = overrides.apply(config.DEFAULT)
    assert applied == dataclasses.replace(config.DEFAULT, ignore=("A102",))


# -- the stat shortcut (git's index: a file's stat stands for its bytes once it has settled) -----


def _warm_check(folder: Path, paths: list[Path]) -> tuple[api.Report, cache.ResultCache]:
    results = cache.ResultCache(folder)
    options = checker.Options(cache=results, resolver=config.Resolver(isolated=True))
    return pipeline.check_paths([str(p) for p in paths], options), results


def test_a_settled_unchanged_file_is_answered_from_its_stat_and_a_rewrite_that_restores_its_times_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_NS", 10_000_000)  # (10 ms, so the test need not wait seconds)
    clean = tmp_path / "clean.json"
    clean.write_bytes((FIXTURES / "valid" / "submission-sdxl-sdcpp.json").read_bytes())
    time.sleep(0.05)
    cold, _ = _warm_check(tmp_path / "c", [clean])
    assert not cold.findings
    reads = count_calls(monkeypatch, cache, "_read")
    warm, results = _warm_check(tmp_path / "c", [clean])
    assert (warm, results.hits, len(reads)) == (cold, 1, 0)
    # The same size and modification time, other bytes: the change time tells it apart.
    before = clean.stat()
    raw = clean.read_bytes()
    clean.write_bytes(b"[" + raw[1:])
    os.utime(clean, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (clean.stat().st_size, clean.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    changed, results = _warm_check(tmp_path / "c", [clean])
    assert reads and results.misses == 1  # (read, not answered from the stat)
    assert changed == pipeline.check_paths([str(clean)], checker.Options(resolver=config.Resolver(isolated=True)))
    assert changed.findings


def test_a_file_changed_within_the_timestamp_granularity_of_its_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "fresh.json"
    fresh.write_bytes((FIXTURES / "valid" / "submission-sdxl-sdcpp.json").read_bytes())
    _warm_check(tmp_path / "c", [fresh])  # (just written: its times are too recent to stand for it)
    assert all(not any(json.loads(s.read_bytes())["stats"].values()) for s in shards(tmp_path / "c"))
    reads = count_calls(monkeypatch, cache, "_read")
    _, results = _warm_check(tmp_path / "c", [fresh])
    assert (results.hits, len(reads)) == (1, 1)


def test_a_stat_record_that_does_not_fit_is_a_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "RACY_NS", 10_000_000)
    clean = tmp_path / "clean.json"
    clean.write_bytes((FIXTURES / "valid" / "submission-sdxl-sdcpp.json").read_bytes())
    time.sleep(0.05)
    cold, _ = _warm_check(tmp_path / "c", [clean])
    (shard,) = shards(tmp_path / "c")
    data = json.loads(shard.read_bytes())
    ((cwd, records),) = data["stats"].items()
    ((where, record),) = records.items()
    for damaged in (record[:-32] + "not hex" * 4 + "zzzz", "x", [1, 2], record[:-33] + "0" * 33):
        for written in shards(tmp_path / "c"):  # (the last run wrote a sound record again)
            written.unlink()
        shard.write_text(json.dumps({**data, "stats": {cwd: {where: damaged}}}))
        reads = count_calls(monkeypatch, cache, "_read")
        warm, results = _warm_check(tmp_path / "c", [clean])
        assert (warm, results.hits, len(reads)) == (cold, 1, 1)
        monkeypatch.undo()
        monkeypatch.setattr(cache, "RACY_NS", 10_000_000)
        monkeypatch.delenv(cache.OFF_ENV, raising=False)
