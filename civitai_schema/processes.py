"""Work in forked processes: a child runs a function and sends its result back pickled through
a pipe. Plain os.fork rather than multiprocessing, which costs about 20 ms to import and start;
children inherit what this process has built (validators, the catalog, a parsed document)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def fork(work: Callable[[], Any]) -> tuple[int, int]:
    """Run ``work`` in a forked child, which sends its result back pickled through a pipe and
    ends at once (no cleanup, no flushing of buffers it shares with this process)."""
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            value = work()
            with open(write_end, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def result(pid: int, pipe: int) -> Any:
    """What a forked child sent, or None if it failed."""
    import pickle

    with open(pipe, "rb") as incoming:
        data = incoming.read()
    _, status = os.waitpid(pid, 0)
    try:
        return pickle.loads(data) if status == 0 else None
    except (pickle.UnpicklingError, EOFError, ValueError):
        return None


def stop(children: list[tuple[int, int]]) -> None:
    """Stop children whose results were not read (after an exception in this process)."""
    import signal

    for pid, pipe in children:
        os.close(pipe)
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
