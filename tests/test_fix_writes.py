"""--fix writes like a careful editor saves: only the file it read, only as it read it, never
through a link out of the checked folder, with its owner, group, mode and extended attributes,
never a read-only or hard-linked file, and nothing of ours left behind by a kill.

Races are made real: the command runs in its own process, and a hook acts between its read
and its write (another program saving the file, a path swapped for a link). Permission cases
run as another user with setpriv where the machine allows."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from civitai_schema import files, saving

from .conftest import REPO

BROKEN = (  # "imagegen": a safe fix to "imageGen" (an input it takes, or fixing it would uncover errors)
    b'{"steps": [{"$type": "imagegen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "prompt": "a",'
    b' "model": "urn:air:sdxl:checkpoint:civitai:101055@128078"}}]}\n'
)
FIXED = BROKEN.replace(b"imagegen", b"imageGen")

# The real command, with a hook run between reading a file and writing it back (the code in
# $BETWEEN, with ``name`` the file's path), or instead of writing (the code in $WRITE).
HOOK = """
import os, sys, time
sys.path.insert(0, sys.argv.pop(1))
from civitai_schema import checker, pipeline, sources, saving
real_fix, real_write = pipeline.fix_bytes, saving._write_all
def between(name, raw, *args, **kwargs):
    outcome = real_fix(name, raw, *args, **kwargs)
    exec(os.environ.get("BETWEEN", ""), {"name": name, "os": os})
    return outcome
def write(fd, data):
    names = {"fd": fd, "data": data, "os": os, "time": time, "real_write": real_write}
    exec(os.environ.get("WRITE", "real_write(fd, data)"), names)
pipeline.fix_bytes, saving._write_all = between, write
from civitai_schema.cli import entry_point
sys.argv[0] = "civitai-schema"
entry_point()
"""


def fix(
    *args: str, cwd: Path, between: str = "", write: str = "", user: int | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", HOOK, str(REPO), "check", "--fix", "--format", "concise", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    env = {**os.environ, "BETWEEN": between, **({"WRITE": write} if write else {})}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def left_alone(done: subprocess.CompletedProcess[str], reason: str) -> None:
    """Not fixed, and said so: a non-zero status, the reason on stderr, no traceback."""
    assert done.returncode == 2, done.stderr  # a file --fix could not write is a failure to do the job
    assert reason in done.stderr and "left as it is" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# Lost updates.

SAVE_IN_PLACE = """
info = os.stat(name)
with open(name, "r+b") as f:
    f.write(b"[ ")  # same size; the modification time is put back below
os.utime(name, ns=(info.st_atime_ns, info.st_mtime_ns))
"""
SAVE_BY_RENAME = """
with open(name + ".new", "wb") as f:
    f.write(open(name, "rb").read().replace(b"input", b"Input"))
os.replace(name + ".new", name)
"""


@pytest.mark.parametrize("save", [SAVE_IN_PLACE, SAVE_BY_RENAME], ids=["in-place-same-size-and-time", "by-rename"])
def test_a_file_saved_by_another_program_meanwhile_is_left_as_that_program_saved_it(tmp_path: Path, save: str) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    done = fix("w.json", cwd=tmp_path, between=save)
    left_alone(done, "w.json")
    assert path.read_bytes() not in (BROKEN, FIXED) and b"imagegen" in path.read_bytes()


def test_a_file_that_changes_while_it_is_read_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    snapshot = files.Snapshot(0, 0, 0, 0, 0, steady=False)
    with pytest.raises(saving.NotReplaced, match="changed while it was read"):
        saving.replace(str(path), FIXED, snapshot)
    assert path.read_bytes() == BROKEN


def test_an_unchanged_file_is_replaced_in_one_rename(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    inode = path.stat().st_ino
    done = fix("w.json", cwd=tmp_path)
    assert path.read_bytes() == FIXED and path.stat().st_ino != inode, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json"]


# Links.

SWAP_FOR_A_LINK = """
os.replace(name, name + ".moved")
os.symlink(os.path.abspath("../victim/w.json"), name)
"""
SWAP_THE_FOLDER = """
os.rename("sub", "sub.moved")
os.symlink(os.path.abspath("../victim"), "sub")
"""


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the checked folder that must never change."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "w.json").write_bytes(BROKEN)
    (tmp_path / "work").mkdir()
    return tmp_path / "victim" / "w.json"


def test_a_file_swapped_for_a_link_after_the_read_is_not_written_through(tmp_path: Path, victim: Path) -> None:
    work = tmp_path / "work"
    (work / "w.json").write_bytes(BROKEN)
    done = fix("w.json", cwd=work, between=SWAP_FOR_A_LINK)
    left_alone(done, "w.json")
    assert victim.read_bytes() == BROKEN and (work / "w.json").is_symlink()


def test_a_folder_swapped_for_a_link_after_the_read_is_not_written_through(tmp_path: Path, victim: Path) -> None:
    work = tmp_path / "work"
    (work / "sub").mkdir()
    (work / "sub" / "w.json").write_bytes(BROKEN)
    done = fix("sub/w.json", cwd=work, between=SWAP_THE_FOLDER)
    left_alone(done, "sub/w.json")
    assert victim.read_bytes() == BROKEN and (work / "sub.moved" / "w.json").read_bytes() == BROKEN


def test_a_folder_walk_does_not_write_through_a_link_out_of_the_folder(tmp_path: Path, victim: Path) -> None:
    work = tmp_path / "work"
    (work / "a.json").write_bytes(BROKEN)
    (work / "b.json").symlink_to(victim)
    done = fix(".", cwd=work)
    left_alone(done, "symbolic link to a file outside")
    assert victim.read_bytes() == BROKEN and (work / "b.json").is_symlink()
    assert (work / "a.json").read_bytes() == FIXED


def test_a_link_to_a_file_inside_the_folder_fixes_that_file_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "real.json").write_bytes(BROKEN)
    (tmp_path / "link.json").symlink_to("sub/real.json")
    done = fix("link.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # (what is left is a warning: the input names no operation)
    assert (tmp_path / "sub" / "real.json").read_bytes() == FIXED and (tmp_path / "link.json").is_symlink()


def test_saving_follows_a_named_link_anywhere_and_a_walked_one_only_inside_its_tree(
    tmp_path: Path, victim: Path
) -> None:
    link = tmp_path / "work" / "w.json"
    link.symlink_to(victim)
    _, snapshot = files.read_snapshot(str(link), 1 << 20)
    with pytest.raises(saving.NotReplaced, match="outside"):
        saving.replace(str(link), FIXED, snapshot, tree=str(tmp_path / "work"))
    assert victim.read_bytes() == BROKEN
    saving.replace(str(link), FIXED, snapshot, tree=None)  # named on the command line
    assert victim.read_bytes() == FIXED and link.is_symlink()


def test_saving_below_a_walked_tree_opens_no_link_on_the_way(tmp_path: Path, victim: Path) -> None:
    tree = tmp_path / "work"
    (tree / "sub").mkdir()
    (tree / "sub" / "w.json").write_bytes(BROKEN)
    _, snapshot = files.read_snapshot(str(tree / "sub" / "w.json"), 1 << 20)
    (tree / "sub").rename(tree / "sub.moved")
    (tree / "sub").symlink_to(victim.parent)
    with pytest.raises(saving.NotReplaced, match="symbolic link"):
        saving.replace(str(tree / "sub" / "w.json"), FIXED, snapshot, tree=str(tree))
    assert victim.read_bytes() == BROKEN


# Metadata and permissions.

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")


@needs_root
def test_root_keeps_the_owner_group_and_mode_of_another_users_file(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    os.chown(path, 12345, 23456)
    os.chmod(path, 0o640)
    fix("w.json", cwd=tmp_path)
    info = path.stat()
    assert path.read_bytes() == FIXED
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 23456, 0o640)


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    try:
        os.setxattr(path, "user.origin", b"editor")
    except OSError as exc:
        pytest.skip(f"this file system has no user extended attributes ({exc.strerror})")
    fix("w.json", cwd=tmp_path)
    assert path.read_bytes() == FIXED and os.getxattr(path, "user.origin") == b"editor"


def test_a_read_only_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    os.chmod(path, 0o444)
    left_alone(fix("w.json", cwd=tmp_path), "read-only")
    assert path.read_bytes() == BROKEN and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_hard_linked_file_is_left_alone_with_its_links(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    os.link(path, tmp_path / "other.json")
    left_alone(fix("w.json", cwd=tmp_path), "hard links")
    assert path.read_bytes() == BROKEN and path.stat().st_nlink == 2
    assert path.stat().st_ino == (tmp_path / "other.json").stat().st_ino


USER, OTHER, GROUP = 12345, 12346, 23456


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder another user can reach (pytest's own are private to root)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv")):
        pytest.skip("needs root and setpriv to run as another user")
    folder = Path(tempfile.mkdtemp(prefix="civitai-schema-users-"))
    os.chmod(folder, 0o755)
    probe = subprocess.run(
        ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--clear-groups", sys.executable, "-c", "import click"],
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    if probe.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip(f"another user cannot run this Python: {probe.stderr.decode(errors='replace')[-200:]}")
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def _user_folder(shared: Path, name: str, owner: int) -> Path:
    folder = shared / name
    folder.mkdir()
    os.chown(folder, owner, owner)
    return folder


def test_another_user_fixes_their_own_file_keeping_its_mode(shared: Path) -> None:
    folder = _user_folder(shared, "own", USER)
    path = folder / "w.json"
    path.write_bytes(BROKEN)
    os.chown(path, USER, USER)
    os.chmod(path, 0o600)
    done = fix("w.json", cwd=folder, user=USER)
    info = path.stat()
    assert path.read_bytes() == FIXED, done.stderr
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (USER, USER, 0o600)


def test_a_user_does_not_take_over_a_file_they_may_write_but_do_not_own(shared: Path) -> None:
    folder = _user_folder(shared, "group", USER)
    path = folder / "w.json"
    path.write_bytes(BROKEN)
    os.chown(path, OTHER, USER)  # the user's group may write it; replacing it would make it theirs
    os.chmod(path, 0o664)
    left_alone(fix("w.json", cwd=folder, user=USER), "owner")
    assert path.read_bytes() == BROKEN and path.stat().st_uid == OTHER


def test_a_user_leaves_their_own_read_only_file_alone(shared: Path) -> None:
    folder = _user_folder(shared, "ro", USER)
    path = folder / "w.json"
    path.write_bytes(BROKEN)
    os.chown(path, USER, USER)
    os.chmod(path, 0o444)
    left_alone(fix("w.json", cwd=folder, user=USER), "read-only")
    assert path.read_bytes() == BROKEN


def test_a_file_in_a_folder_the_user_cannot_write_is_left_alone(shared: Path) -> None:
    folder = _user_folder(shared, "locked", USER)
    path = folder / "w.json"
    path.write_bytes(BROKEN)
    os.chown(path, USER, USER)
    os.chmod(folder, 0o555)  # the file is writable, but a new one cannot be made beside it
    try:
        done = fix("w.json", cwd=folder, user=USER)
    finally:
        os.chmod(folder, 0o755)
    left_alone(done, "its folder cannot be written")
    assert path.read_bytes() == BROKEN and ".tmp" not in done.stderr


# Temporary files.

STALL = """
real_write(fd, data[:8])
open("stalled", "w").close()
time.sleep(60)
"""


def test_a_run_killed_while_writing_leaves_the_original_and_a_temporary_file_the_next_run_removes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    command = [sys.executable, "-c", HOOK, str(REPO), "check", "--fix", "w.json"]
    child = subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "WRITE": STALL}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not (tmp_path / "stalled").exists():
        assert child.poll() is None and time.monotonic() < deadline, "the run never reached its write"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    (tmp_path / "stalled").unlink()
    (left,) = [p.name for p in tmp_path.iterdir() if p.name != "w.json"]
    assert left.startswith(".w.json.civitai-schema-fix.") and left.endswith(".tmp")
    assert path.read_bytes() == BROKEN
    mine = tmp_path / f".w.json.civitai-schema-fix.{os.getpid()}.0123abcd.tmp"  # a running process's
    mine.write_bytes(b"x")
    fix("w.json", cwd=tmp_path)
    assert path.read_bytes() == FIXED
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "w.json"]


@needs_root
def test_a_temporary_file_of_another_user_is_never_removed(tmp_path: Path) -> None:
    (tmp_path / "w.json").write_bytes(BROKEN)
    theirs = tmp_path / ".w.json.civitai-schema-fix.999999999.0123abcd.tmp"
    theirs.write_bytes(b"x")
    os.chown(theirs, USER, USER)
    fix("w.json", cwd=tmp_path)
    assert theirs.exists()


def test_a_failed_write_removes_its_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.json"
    path.write_bytes(BROKEN)
    _, snapshot = files.read_snapshot(str(path), 1 << 20)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(saving.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        saving.replace(str(path), FIXED, snapshot)
    assert path.read_bytes() == BROKEN and [p.name for p in tmp_path.iterdir()] == ["w.json"]


def test_temporary_files_are_hidden_from_a_folder_walk(tmp_path: Path) -> None:
    (tmp_path / ".w.json.civitai-schema-fix.1.0123abcd.tmp").write_bytes(b"{")
    done = subprocess.run(
        [sys.executable, "-m", "civitai_schema", "check", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "no JSON or YAML files found" in done.stderr
