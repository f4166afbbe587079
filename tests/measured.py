"""The real command (or a snippet of Python) in a process of its own, with its exit status, its
output, its time and its own peak memory: what the hostile-input and bounds tests measure.

The peak is ``VmHWM`` of the process image the child ``exec``'d, which the child writes out as it
ends, however it ends (the command leaves through ``os._exit``). ``ru_maxrss`` from ``wait4`` is
only the fallback where there is no ``/proc``: after fork and exec it still counts the parent's
high-water mark, so a 0.1 s check started late in the suite "peaked" at 220 MB.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Run as the child: ``-m ARGS`` runs civitai-schema ARGS, ``-c CODE`` the code.
_CHILD = """
import atexit, os, runpy, sys
def peak():
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        with open(os.environ["MEASURED_PEAK_FILE"], "w") as out:
            out.write(str(kb * 1024))
    except (OSError, StopIteration):
        pass
leave = os._exit
def exit_now(code):
    peak()
    leave(code)
os._exit = exit_now
atexit.register(peak)
mode, rest = sys.argv[1], sys.argv[2:]
if mode == "-m":
    sys.argv = ["civitai-schema", *rest]
    runpy.run_module("civitai_schema", run_name="__main__")
else:
    sys.argv = ["-c"]
    exec(compile(rest[0], "<probe>", "exec"), {"__name__": "__main__"})
"""


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int

    @property
    def peak_kb(self) -> int:
        return self.peak_bytes // 1024


def run(
    args: Sequence[str], *, cwd: Path, limit: float = 60.0, stdin: int | None = None, closed_stdin: bool = False
) -> Run:
    """``civitai-schema ARGS`` (or ``python -c CODE`` when ``args`` is ``["-c", CODE]``) in
    ``cwd``, killed after ``limit`` seconds (an AssertionError). ``stdin`` is a descriptor to read
    from; ``closed_stdin`` starts the child with no standard input at all."""
    mode = list(args) if args[0] == "-c" else ["-m", *args]
    out, err, peak = cwd / ".measured-stdout", cwd / ".measured-stderr", cwd / ".measured-peak"
    peak.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "MEASURED_PEAK_FILE": str(peak)}
    start = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.dup2(o.fileno(), 1)
                os.dup2(e.fileno(), 2)
                if stdin is not None:
                    os.dup2(stdin, 0)
                elif closed_stdin:
                    os.close(0)
                os.chdir(cwd)
                os.execve(sys.executable, [sys.executable, "-c", _CHILD, *mode], env)
            finally:
                os._exit(127)
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - start > limit:
                os.kill(pid, 9)
                os.wait4(pid, 0)
                raise AssertionError(f"{' '.join(args)} ran longer than {limit} s")
            time.sleep(0.01)
    seconds = time.monotonic() - start
    written = peak.read_text() if peak.exists() else ""
    own = int(written) if written else usage.ru_maxrss * 1024  # (no /proc: the upper bound)
    return Run(
        os.waitstatus_to_exitcode(status),
        out.read_text(errors="replace"),
        err.read_text(errors="replace"),
        seconds,
        own,
    )
