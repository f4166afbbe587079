"""Work in forked processes: a child runs a function and sends its result back pickled through
a pipe. Every parallel path (batches of files, a large document's checks, blocks of a large JSON
array's steps) goes through :func:`map_forked`. Plain os.fork rather than multiprocessing, which
costs about 20 ms to import and start; children inherit what this process has built (validators,
the catalog, a parsed document).

A child never outlives the process that forked it: on Linux the kernel kills it when its parent
ends (``PR_SET_PDEATHSIG``), elsewhere a thread of the child watches a pipe only the parent holds
open. Killed with SIGTERM or SIGKILL, a run left its workers checking on for half a minute.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

T = TypeVar("T")
R = TypeVar("R")


def workers(jobs: int, work: int) -> int:
    """How many processes to use for ``work`` units (blocks of files, parts of a document) when
    ``jobs`` are asked for: never more than there are units, so ``-j 2000`` on 32 blocks forks 31
    children, not 1,999 that have nothing to do."""
    return max(1, min(jobs, work))


def map_forked(work: Callable[[T], R], items: Sequence[T], *, redo: bool = True) -> list[R | None]:
    """``work(item)`` for every item, in order: the first in this process, each other in a child
    forked before this process starts on its own, so all run at once. A child that could not be
    forked (no more processes, or no ``os.fork`` at all) or that failed gives None, or with
    ``redo`` has its item done here instead, so no work is lost. Children are stopped if this
    process raises (or is told to stop) meanwhile."""
    results: list[R | None] = [None] * len(items)
    children: list[tuple[int, tuple[int, int]]] = []
    try:
        if hasattr(os, "fork"):
            for index in range(1, len(items)):
                try:
                    children.append((index, fork(functools.partial(work, items[index]))))
                except OSError:  # no more processes: this one does the rest
                    break
        if items:
            results[0] = work(items[0])
        while children:
            index, child = children.pop(0)
            results[index] = result(*child)
    finally:
        stop([child for _, child in children])
    if redo:
        for index in range(1, len(items)):
            if results[index] is None:
                results[index] = work(items[index])
    return results


def fork(work: Callable[[], Any]) -> tuple[int, int]:
    """Run ``work`` in a forked child, which sends its result back pickled through a pipe and
    ends at once (no cleanup, no flushing of buffers it shares with this process)."""
    import pickle

    guard = _guard()  # (prepared here: a child should not have to import ctypes)
    parent = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_end)
            _die_with(parent, guard)
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
    for pid, pipe in children:
        os.close(pipe)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # (SIGTERM would run the child's own handlers)
        os.waitpid(pid, 0)


class Terminated(BaseException):
    """SIGTERM arrived (see :func:`terminate_on_sigterm`). A BaseException, as KeyboardInterrupt
    is, so that no ``except Exception`` on the way turns it into a finding."""

    exit_status = 128 + signal.SIGTERM


def terminate_on_sigterm() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread, so that ``finally`` blocks run
    (children are stopped, temporary files removed) and the command ends with status 143 and a
    line of its own, as it does with 130 for SIGINT, instead of a silent kill."""

    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, raise_terminated)


# ------------------------------------------------------------------------------------------
# Dying with the parent.


@functools.cache  # (one pipe for every child; libc loaded once)
def _guard() -> Any:
    """How a child will die with this process: Linux's ``prctl``, or else a pipe whose write end
    stays open in this process only, so the child reads end-of-file once this process is gone,
    however it ended."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            return ctypes.CDLL(None, use_errno=True).prctl
        except (ImportError, OSError, AttributeError):  # (a Python built without ctypes)
            pass
    return os.pipe()


def _die_with(parent: int, guard: Any) -> None:
    """In a child just forked from ``parent``: end this process when the parent ends."""
    if isinstance(guard, tuple):
        read_end, write_end = guard
        os.close(write_end)  # (only the parent may hold it, or the pipe never reads empty)
        threading.Thread(target=_exit_on_end_of_file, args=(read_end,), daemon=True).start()
    else:
        guard(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the child could ask
        os._exit(1)


def _exit_on_end_of_file(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 1):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    os._exit(1)
