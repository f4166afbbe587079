"""A large JSON workflow as a windowed source: its steps read a window at a time, so memory
stays bounded.

A JSON text of :data:`sources.STREAM_MIN_CHARS` characters or more that is an object with a
``steps`` array is never parsed whole. Its other members (the envelope) are read first, then its
steps, :data:`WINDOW` at a time. Each window, a document of the envelope and those steps alone,
is handed to the checker's :class:`WindowChecks`: every check but :data:`rules.DOCUMENT_CHECKS`,
which find in a step only what the step and the envelope give, so their findings are the whole
document's. Each step leaves a skeleton (:func:`workflow.skeleton`: its name, type, references
and video sizes), and the checker runs the document checks once on the envelope with every
skeleton. The report is the one reading the whole text gives (``tests/test_streaming.py``
compares them). This module reads; what a window's checks are, and what is done with their
findings, is the checker's.

Whatever the whole-text reader reports (a parse error, a duplicate key, ``NaN``, deep nesting)
sends the text down the usual path, as does a schema under which a step's errors depend on more
than the step. Members after the ``steps`` array are read first, stepping over the steps; when
the text ends with an array, the steps are taken to be last, and if they were not, the text is
read again, members after them first.

A file's text can be read again (:class:`Windowed`'s ``again``), so it is let go once its
windows are read: the document checks then run without it, and it is read once more only when
findings are to be located, if the file still holds it (else the file is read whole, as it is
now). For a 50 MB file the text and the skeletons were most of the peak memory, one on top of
the other.

With ``jobs`` other than 1, the array is cut into contiguous blocks, one per process, at
guessed element starts (``}, {``, which could also be inside a string). This process reads the
first block, forked children the others (:func:`processes.map_forked`), each parsing and
checking its own steps once. A block is used only when the one before it ended exactly where it
starts; from the first that did not (or whose child failed), this process reads on by itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple

from . import processes, recognition, workflow
from .findings import Finding
from .readers import json as json_reader

WINDOW = 1000  # steps per window

# What one check gave: its index in the list of checks, its findings (or the one finding that
# says it crashed), and whether it crashed. (A plain tuple: eight NamedTuples cost about 2 µs a document.)
Ran = tuple[int, list[Finding], bool]


class Windowed:
    """A large JSON text to be read a window of steps at a time. ``again`` reads it once more
    (a file's), or gives None when it cannot: the file no longer holds it."""

    __slots__ = ("_again", "_text", "name")

    def __init__(self, name: str, text: str, again: Callable[[], str | None] | None = None) -> None:
        self.name = name
        self._text: str | None = text
        self._again = again

    def text(self) -> str | None:
        """The text, held or read again; None when it was let go and the file has changed since."""
        if self._text is None and self._again is not None:
            self._text, self._again = self._again(), None  # (read again once at most)
        return self._text

    def let_go(self) -> None:
        """Drop the text until it is asked for, when it can be read again."""
        if self._again is not None:
            self._text = None


class WindowChecks(NamedTuple):
    """How the checker checks a window: ``run(indexes, data)`` runs the checks at ``indexes``
    (those of ``indexes`` that have not crashed yet) on a window's document."""

    run: Callable[[list[int], dict[str, Any]], list[Ran]]
    indexes: list[int]


class Windows(NamedTuple):
    """What reading and checking every window gave: the envelope (the members but the steps),
    the document of the envelope with every step's skeleton, each window check's findings over
    all windows in step order, and whether a step looked like a workflow's."""

    envelope: dict[str, Any]
    skeletons: dict[str, Any]
    found: dict[int, list[Finding]]
    marked: bool


Prepare = Callable[[dict[str, Any]], "WindowChecks | None"]


def read(windowed: Windowed, prepare: Prepare, jobs: int) -> Windows | None:
    """Every window of the text checked by what ``prepare`` gives for its envelope, or None when
    the text must be read whole (see the module's notes; ``prepare`` also says so with None).
    (Nothing returned holds the text, so that the caller can let it go.)"""
    text = windowed.text()
    if text is None:
        return None
    try:
        try:
            return _read_windows(text, prepare, jobs, first_after=False)
        except _MembersAfter:  # the text ends with another array: read the members after first
            return _read_windows(text, prepare, jobs, first_after=True)
    except json_reader.Unusual:
        return None


class _MembersAfter(Exception):
    """Members follow the ``steps`` array, which the windows were checked without."""


class Block(NamedTuple):
    """What reading and checking a run of steps gave, the steps numbered from the block's first:
    each step's skeleton, each window's findings by check, where the block ends, whether the
    array ends there, whether a step looked like a workflow's (an object with a ``$type`` or an
    ``input``) and whether any was an object."""

    skeletons: list[Any]
    windows: list[dict[int, Ran]]
    end: int
    finished: bool
    marked: bool
    objects: bool


class _Plan(NamedTuple):
    """What every process needs to check blocks of steps."""

    text: str
    start: int  # where the steps array starts
    before: list[tuple[str, Any]]
    after: list[tuple[str, Any]]
    checks: WindowChecks

    def document(self, steps: list[Any]) -> dict[str, Any]:
        """The envelope with these steps, members in the text's order."""
        data = dict(self.before)
        data["steps"] = steps
        data.update(self.after)
        return data

    def block(self, elements: json_reader.Elements, stop: int | None, *, envelope: bool) -> Block:
        """Read and check steps from ``elements`` until the array ends or ``stop`` is reached.
        Findings outside the steps (the envelope's) are kept only with ``envelope``, from the
        first window. A check that crashed is not run again: the whole document's report has
        its first crash only."""
        skeletons: list[Any] = []
        shared: dict[tuple[Any, ...], dict[str, Any]] = {}
        windows: list[dict[int, Ran]] = []
        stopped: set[int] = set()
        marked = objects = False
        while not windows or not (elements.finished or (stop is not None and elements.pos >= stop)):
            window = elements.read(WINDOW, stop)
            for step in window:
                skeletons.append(workflow.skeleton(step, shared))
                if isinstance(step, dict):
                    objects = True
                    marked = marked or recognition.is_step(step)
            keep_envelope = envelope and not windows
            windows.append(self._window(window, len(skeletons) - len(window), keep_envelope, stopped))
        return Block(skeletons, windows, elements.pos, elements.finished, marked, objects)

    def _window(self, window: list[Any], first: int, envelope: bool, stopped: set[int]) -> dict[int, Ran]:
        wanted = [index for index in self.checks.indexes if index not in stopped]
        done = self.checks.run(wanted, self.document(window))
        found: dict[int, Ran] = {}
        for index, findings, crashed in done:
            if crashed:
                stopped.add(index)
            kept = (
                findings
                if crashed
                else [_moved(f, first) for f in findings if envelope or f.path.startswith("/steps/")]
            )
            found[index] = (index, kept, crashed)
        return found

    def part(self, bounds: tuple[int, int | None]) -> Block | None:
        """The block between ``bounds``: the first (the array's start) read by this process,
        with the envelope's findings, any other by :meth:`block_in_child`."""
        start, stop = bounds
        if start == self.start:
            return self.block(json_reader.Elements(self.text, start), stop, envelope=True)
        return self.block_in_child(start, stop)

    def block_in_child(self, start: int, stop: int | None) -> Block | None:
        """A block read by a forked child from the element at ``start``; None when it holds
        what only the whole-text reader reports (the parent then reads it itself and finds out)."""
        try:
            return self.block(json_reader.Elements(self.text, start, inside=True), stop, envelope=False)
        except json_reader.Unusual:
            return None


def _moved(finding: Finding, first: int) -> Finding:
    """A finding at its step's place ``first`` steps further down the array."""
    if not first or not finding.path.startswith("/steps/"):
        return finding
    index, slash, rest = finding.path[len("/steps/") :].partition("/")
    return finding.evolve(path=f"/steps/{int(index) + first}{slash}{rest}")


def _read_windows(text: str, prepare: Prepare, jobs: int, *, first_after: bool) -> Windows | None:
    shape = json_reader.outline(text)
    if shape is None:
        return None
    before, start = shape
    # Members after the steps are read first, stepping over the steps, unless the text ends
    # with an array (most likely the steps: checked when the blocks reach the end).
    assumed = not first_after and json_reader.may_end_with_array(text)
    after: list[tuple[str, Any]] = []
    if not assumed:
        elements = json_reader.Elements(text, start)
        while elements.skip(WINDOW):
            pass
        after = json_reader.members_after(text, elements.pos, before)
    envelope = dict(before + after)
    checks = prepare(envelope)
    if checks is None:
        return None
    plan = _Plan(text, start, before, after, checks)
    whole = _read(plan, _workers(jobs, len(text)))
    if assumed and json_reader.members_after(text, whole.end, before):
        raise _MembersAfter
    return Windows(envelope, plan.document(whole.skeletons), _merged(checks.indexes, whole.windows), whole.marked)


BLOCK_MIN_CHARS = 2**20  # a process reads at least this much of the array: -j 2000 forks no 2,000


def _workers(jobs: int, chars: int) -> int:
    if jobs == 1 or not hasattr(os, "fork"):
        return 1
    return processes.workers(jobs or os.cpu_count() or 1, chars // BLOCK_MIN_CHARS)


def _starts(text: str, start: int, workers: int) -> list[int]:
    """Guessed element starts cutting the array into ``workers`` blocks of about one size."""
    starts: list[int] = []
    for k in range(1, workers):
        guess = json_reader.next_object_start(text, max([start + (len(text) - start) * k // workers, *starts[-1:]]))
        if guess is None:
            break
        starts.append(guess)
    return starts


def _read(plan: _Plan, workers: int) -> Block:
    """Every step read and checked, in blocks shared with forked children when ``workers`` > 1,
    merged into one block for the whole array."""
    starts = _starts(plan.text, plan.start, workers)
    bounds = list(zip([plan.start, *starts], [*starts, None], strict=True))
    first, *others = processes.map_forked(plan.part, bounds, redo=False)
    assert first is not None  # (this process's own block: Unusual is raised, not returned)
    whole = first
    for (begin, _), found in zip(bounds[1:], others, strict=True):
        if whole.finished or whole.end != begin or found is None:
            break  # the guess was not an element's start, or the child failed
        whole = _joined(whole, found)
    if not whole.finished:
        rest = plan.block(json_reader.Elements(plan.text, whole.end, inside=True), None, envelope=False)
        whole = _joined(whole, rest)
    return whole


def _joined(first: Block, second: Block) -> Block:
    """Two blocks, one after the other, as one (the second's steps renumbered)."""
    moved = [
        {
            index: (index, [_moved(f, len(first.skeletons)) for f in findings], crashed)
            for index, (_, findings, crashed) in window.items()
        }
        for window in second.windows
    ]
    return Block(
        first.skeletons + second.skeletons,
        first.windows + moved,
        second.end,
        second.finished,
        first.marked or second.marked,
        first.objects or second.objects,
    )


def _merged(alone: list[int], windows: list[dict[int, Ran]]) -> dict[int, list[Finding]]:
    """Each step check's findings over all windows, in step order; a check that crashed has
    just its first crash, as when the whole document is checked at once."""
    merged: dict[int, list[Finding]] = {}
    for index in alone:
        found: list[Finding] = []
        for window in windows:
            _, findings, crashed = window.get(index, (index, [], False))
            if crashed:
                found = findings
                break
            found.extend(findings)
        merged[index] = found
    return merged
