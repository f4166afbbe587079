"""JSON Lines input (``--jsonl``): opening a named stream as plain mode opens a file, and reading
its lines in bounded memory and bounded time.

A named FIFO made ``open`` wait for a writer forever, and ``/dev/zero`` was read as one endless
line; plain mode refuses both (exit 2), and so does this. Standard input stays what it is (a pipe
is the usual way to feed a stream), but a line that never ends is given up on.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

# How far past an overlong line a stream is read looking for the next line break before the
# rest of the stream is given up (reading /dev/zero, say, would otherwise never end).
GIVE_UP_AFTER = 2**30


def open_regular(path: str) -> BinaryIO:
    """The file at ``path`` for reading, if it is a regular file; ``OSError`` otherwise (a FIFO,
    a socket or a device), found without waiting for a writer or reading a byte."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def lines(stream: BinaryIO, limit: int) -> Iterator[bytes | int]:
    """The lines of a stream; a line over ``limit`` bytes gives its length instead and is read
    past in parts, so a stream without line breaks cannot fill memory. After a line of more than
    :data:`GIVE_UP_AFTER` bytes the stream ends: there may be no line break ever again."""
    while line := stream.readline(limit + 1):
        if len(line) <= limit:
            yield line
            continue
        size = len(line)
        while not line.endswith(b"\n") and size <= GIVE_UP_AFTER and (line := stream.readline(1 << 20)):
            size += len(line)
        yield size
        if size > GIVE_UP_AFTER:
            return
