"""Reading a file safely: regular files only (a FIFO, socket or device is refused rather than
waited on or read forever), and never more than a cap, checked before and during the read.

Each read also leaves a :class:`Snapshot` of what was read (which file, its size and time,
a checksum of its bytes), so that ``--fix`` can tell, immediately before replacing the file,
whether it is still the file it read, as it read it (see :mod:`civitai_schema.saving`).
"""

from __future__ import annotations

import binascii
import os
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass(frozen=True)
class Snapshot:
    """What a read saw: the file (device and inode), its size and modification time, and the
    CRC-32 of the bytes read. ``steady`` is false when the file changed while it was read.

    (A checksum, not a cryptographic hash: it is there to notice another program's save, which
    has no reason to keep size, time and checksum alike; whoever could forge all three could
    write the file anyway. And checking a file must not import hashlib.)"""

    device: int
    inode: int
    size: int
    mtime_ns: int
    checksum: int
    steady: bool = True

    def same_file(self, info: os.stat_result) -> bool:
        return (info.st_dev, info.st_ino) == (self.device, self.inode)

    def unchanged(self, info: os.stat_result) -> bool:
        return self.same_file(info) and (info.st_size, info.st_mtime_ns) == (self.size, self.mtime_ns)


def read_regular_file(path: str, limit: int) -> bytes:
    """The file's bytes; :class:`TooLarge` for a file over ``limit`` bytes, found without reading it."""
    return read_snapshot(path, limit)[0]


def read_snapshot(path: str, limit: int) -> tuple[bytes, Snapshot]:
    """The file's bytes and the :class:`Snapshot` of that read (also kept for :func:`last_read`)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        # Plain os.read calls (no file object: a few microseconds per file in large batches).
        # The first asks for one byte more than fstat's size (asking for the cap itself would
        # allocate it); a file that grew meanwhile is read on, up to the cap.
        parts, size, want = [], 0, info.st_size + 1
        while size <= limit:
            chunk = os.read(fd, min(want, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
            want = 1 << 20
        if size > limit:
            raise TooLarge(size)
        data = b"".join(parts)  # (one part: that very object, not a copy)
        after = os.fstat(fd)
    finally:
        os.close(fd)
    steady = (after.st_size, after.st_mtime_ns) == (info.st_size, info.st_mtime_ns) and after.st_size == size
    snapshot = Snapshot(after.st_dev, after.st_ino, size, after.st_mtime_ns, binascii.crc32(data), steady)
    _remember(path, snapshot)
    return data, snapshot


# The last few reads, by the path as given: ``--fix`` reads a file, fixes it in memory and
# writes it before reading the next, so a handful is plenty; a count bound keeps a run over a
# million files from holding a million snapshots.
_RECENT: OrderedDict[str, Snapshot] = OrderedDict()
_RECENT_MAX = 32
_RECENT_LOCK = threading.Lock()


def _remember(path: str, snapshot: Snapshot) -> None:
    with _RECENT_LOCK:
        _RECENT[path] = snapshot
        _RECENT.move_to_end(path)
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)


def last_read(path: str) -> Snapshot | None:
    """The snapshot of the latest read of ``path`` (spelt as it was read), if it is still kept."""
    with _RECENT_LOCK:
        return _RECENT.get(path)
