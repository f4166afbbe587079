"""Replacing a file the way a careful editor saves it: ``--fix`` writes only here.

The new content goes to a temporary file beside the original, which is then renamed over it,
so a crash or a kill leaves the old file or the new one, never half of each. Before the rename:

- the file must be the one that was read, as it was read: the same device and inode, size,
  modification time and content (CRC-32). A file saved by an editor meanwhile is left alone;
- every folder and the file itself are opened without following symbolic links, relative to
  the folder opened before them, so a path swapped for a link cannot redirect the write. A
  link is followed only where it was named on the command line, or, for a link found in a
  folder walk, to a file inside the walked folder;
- the owner, group, permission bits and extended attributes (ACLs among them) are copied to
  the new file; a file whose owner or group cannot be kept is left alone, as is a read-only
  file (no write permission for the caller; for root, none for anyone) and a file with other
  hard links (replacing it would split them, writing in place would change the other names);
- the temporary file is created exclusively, mode 0600, under a name that says whose it is
  (``.NAME.civitai-schema-fix.PID.RANDOM.tmp``; hidden, so folder walks skip it). One left by
  a killed run is removed the next time a file in that folder is fixed, if its process is gone.

A file left alone raises :class:`NotReplaced`, an :class:`OSError` whose ``filename`` is the
path and whose ``strerror`` says why.
"""

from __future__ import annotations

import binascii
import contextlib
import errno
import os
import re
import secrets
import stat

from .files import Snapshot

_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_TEMPORARY = re.compile(r"\.(?P<name>.*)\.civitai-schema-fix\.(?P<pid>\d+)\.[0-9a-f]+\.tmp", re.DOTALL)
_NAME_KEPT = 96  # characters of the file's name in the temporary name (names are at most 255 bytes)
_CLEANED_MAX = 4096
_SAFE_CALLS = {os.open, os.stat, os.rename, os.unlink}  # each relative to an open folder


class NotReplaced(OSError):
    """The file was left as it is; ``strerror`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(errno.EAGAIN, reason, path)


def replace(path: str, data: bytes, snapshot: Snapshot | None = None, *, tree: str | None = None) -> None:
    """Replace the file at ``path`` with ``data``, atomically, keeping its metadata.

    ``snapshot`` is what reading the file saw (:func:`files.read_snapshot`); without one the
    file's identity and content cannot be compared, only its kind and metadata. ``tree`` is the
    folder a walk found ``path`` in: links below it are not followed, and a link at ``path``
    itself only to a file inside it. ``None`` means ``path`` was named by the user, whose links
    are followed wherever they point."""
    if snapshot is not None and not snapshot.steady:
        raise NotReplaced(path, "the file changed while it was read; it was left as it is")
    if not os.supports_dir_fd.issuperset(_SAFE_CALLS):
        raise NotReplaced(path, "this system cannot open files relative to a folder, which a safe save needs")
    folder, name = _open_folder(path, tree)
    try:
        fd = _open_file(path, folder, name)
        if fd is None:  # a symbolic link: its target, where that may be written
            os.close(folder)
            folder = -1
            folder, name = _link_target(path, tree)
            fd = _open_file(path, folder, name)
            if fd is None:
                raise NotReplaced(path, "the link's target changed while it was being fixed; it was left as it is")
        try:
            _replace_open(path, folder, name, fd, data, snapshot)
        finally:
            os.close(fd)
    finally:
        if folder >= 0:
            os.close(folder)


def _open_folder(path: str, tree: str | None) -> tuple[int, str]:
    """The folder holding ``path``, opened, and the file's name in it."""
    head, name = os.path.split(path)
    if not name:
        raise NotReplaced(path, "not a file")
    if tree is None:
        try:
            return os.open(head or ".", os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC), name
        except OSError as exc:
            raise NotReplaced(path, f"cannot open its folder: {exc.strerror or exc}") from None
    parts = os.path.relpath(path, tree).split(os.sep)
    if parts[0] == os.pardir:
        raise NotReplaced(path, f"it is not inside {tree}")
    return _descend(path, tree, parts[:-1]), parts[-1]


def _descend(path: str, tree: str, folders: list[str]) -> int:
    """``tree`` opened (it was named, so its own links count), then each of ``folders`` below it
    without following links: a folder swapped for a link after the walk is refused."""
    try:
        fd = os.open(tree, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError as exc:
        raise NotReplaced(path, f"cannot open {tree}: {exc.strerror or exc}") from None
    for part in folders:
        if part in ("", os.curdir):
            continue
        try:
            inner = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise NotReplaced(path, f'"{part}" on its way is now a symbolic link; it was left as it is') from None
            raise NotReplaced(path, f"cannot open its folder: {exc.strerror or exc}") from None
        os.close(fd)
        fd = inner
    return fd


def _open_file(path: str, folder: int, name: str) -> int | None:
    """The file, opened for reading without following a link (``None`` when it is a link)."""
    try:
        return os.open(name, os.O_RDONLY | os.O_NONBLOCK | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=folder)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None
        if exc.errno == errno.ENOENT:
            raise NotReplaced(path, "it was removed after it was read") from None
        raise NotReplaced(path, f"cannot open it: {exc.strerror or exc}") from None


def _link_target(path: str, tree: str | None) -> tuple[int, str]:
    """The folder and name of the file a link at ``path`` points to, where it may be written."""
    target = os.path.realpath(path)
    if tree is None:
        return _open_folder(target, None)
    root = os.path.realpath(tree)
    if os.path.commonpath([root, target]) != root:
        raise NotReplaced(path, f"it is a symbolic link to a file outside {tree}; it was left as it is")
    parts = os.path.relpath(target, root).split(os.sep)
    return _descend(path, root, parts[:-1]), parts[-1]


def _replace_open(path: str, folder: int, name: str, fd: int, data: bytes, snapshot: Snapshot | None) -> None:
    info = os.fstat(fd)
    _check(path, folder, name, fd, info, snapshot)
    _remove_stale_temporaries(folder)
    temporary = f".{name[:_NAME_KEPT]}.civitai-schema-fix.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600, dir_fd=folder)
    except PermissionError as exc:  # replacing a file needs its folder writable, like an editor's save
        raise NotReplaced(path, f"its folder cannot be written ({exc.strerror}); it was left as it is") from None
    except OSError as exc:  # (a read-only file system, say): named by the file, not the temporary
        message = f"cannot create a temporary file beside it ({exc.strerror}); it was left as it is"
        raise NotReplaced(path, message) from None
    try:
        try:
            _write_all(out, data)
            _copy_metadata(path, fd, out, info)
            os.fsync(out)
        finally:
            os.close(out)
        # The last look, immediately before the rename: still the same file, unchanged, under
        # the same name (an editor's save or a swap since the checks above is caught here).
        now = os.fstat(fd)
        entry = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if not (_same_state(now, info) and (entry.st_dev, entry.st_ino) == (info.st_dev, info.st_ino)):
            raise NotReplaced(path, "the file changed while it was being fixed; it was left as it is")
        os.rename(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder)
        raise
    with contextlib.suppress(OSError):  # the rename itself made durable (not every file system can)
        os.fsync(folder)


def _check(path: str, folder: int, name: str, fd: int, info: os.stat_result, snapshot: Snapshot | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise NotReplaced(path, "it is no longer a regular file; it was left as it is")
    if snapshot is not None:
        if not snapshot.same_file(info):
            raise NotReplaced(path, "it was replaced by another file after it was read; it was left as it is")
        if not snapshot.unchanged(info) or _checksum(fd) != snapshot.checksum:
            raise NotReplaced(path, "it changed after it was read (saved by another program?); it was left as it is")
    if info.st_nlink > 1:
        raise NotReplaced(
            path, f"it has {info.st_nlink} hard links; replacing it would split them, so it was left as it is"
        )
    if not _writable(folder, name, info):
        raise NotReplaced(path, "it is read-only; it was left as it is")


def _checksum(fd: int) -> int:
    checksum, position = 0, 0
    while chunk := os.pread(fd, 1 << 20, position):
        checksum = binascii.crc32(chunk, checksum)
        position += len(chunk)
    return checksum


def _same_state(now: os.stat_result, then: os.stat_result) -> bool:
    return (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns, now.st_nlink) == (
        then.st_dev,
        then.st_ino,
        then.st_size,
        then.st_mtime_ns,
        then.st_nlink,
    )


def _writable(folder: int, name: str, info: os.stat_result) -> bool:
    """Whether the caller may write the file. Root may write anything, so for root the file
    must give someone write permission: a file nobody may write is read-only on purpose."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return bool(info.st_mode & 0o222)
    effective = os.access in os.supports_effective_ids
    return os.access(name, os.W_OK, dir_fd=folder, effective_ids=effective)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_metadata(path: str, source: int, out: int, info: os.stat_result) -> None:
    """Owner and group first (changing them clears set-id bits), then extended attributes,
    then the permission bits, which also set an ACL's mask back to what it was."""
    made = os.fstat(out)
    if (made.st_uid, made.st_gid) != (info.st_uid, info.st_gid):
        try:
            os.fchown(out, info.st_uid, info.st_gid)
        except PermissionError:
            who = "owner" if made.st_uid != info.st_uid else "group"
            raise NotReplaced(
                path,
                f"replacing it would change its {who}, which only its owner or root may keep; it was left as it is",
            ) from None
    for attribute in _attributes(source):
        try:
            os.setxattr(out, attribute, os.getxattr(source, attribute))
        except OSError as exc:
            raise NotReplaced(
                path, f"its extended attribute {attribute} cannot be kept ({exc.strerror}); it was left as it is"
            ) from None
    os.fchmod(out, stat.S_IMODE(info.st_mode))


def _attributes(fd: int) -> list[str]:
    if not hasattr(os, "listxattr"):
        return []
    try:
        return os.listxattr(fd)
    except OSError:  # a file system without extended attributes
        return []


_cleaned: set[tuple[int, int]] = set()  # folders already cleaned in this run (device, inode)


def _remove_stale_temporaries(folder: int) -> None:
    """Remove temporary files a killed run left in ``folder``: ours by name and owner, regular
    files, and their process is gone (or is this one, which removes its own as it goes). Once
    per folder per run."""
    info = os.fstat(folder)
    if (info.st_dev, info.st_ino) in _cleaned:
        return
    if len(_cleaned) >= _CLEANED_MAX:
        _cleaned.clear()
    _cleaned.add((info.st_dev, info.st_ino))
    try:
        with os.scandir(folder) as listing:
            entries = [entry.name for entry in listing if entry.name.endswith(".tmp")]
    except OSError:
        return
    me = os.geteuid() if hasattr(os, "geteuid") else None
    for entry in entries:
        match = _TEMPORARY.fullmatch(entry)
        if match is None:
            continue
        with contextlib.suppress(OSError):
            found = os.stat(entry, dir_fd=folder, follow_symlinks=False)
            if not stat.S_ISREG(found.st_mode) or (me is not None and found.st_uid != me):
                continue
            if _running(int(match["pid"])):
                continue
            os.unlink(entry, dir_fd=folder)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this run removes its own temporary files as it goes
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or not a process id we can ask about: leave it
    return True
