"""What one input may cost: how many findings a file reports, data that contains itself, and
what a process-wide cache keyed by document values may hold.

A few hundred bytes of YAML aliases, or 500,000 empty steps in 3.5 MB, made hundreds of thousands
of findings: a gigabyte of memory, minutes of locating, and output nobody reads. A file reports at
most :data:`MAX_FINDINGS` (after selection, so ignored rules never use the allowance) and then one
finding that says how many more there were. An in-memory object that contains itself would make
every walk over it endless; it is refused with one finding instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from . import pointers
from .findings import Finding, Severity, Span


class Rule(Protocol):
    """What a budget needs of its notice's rule (``rules.engine.TOO_MANY_FINDINGS``), stated
    here so that limits, which the rules read, does not read the rules."""

    @property
    def code(self) -> str: ...

    def finding(self, message: str) -> Finding: ...


T = TypeVar("T")

# Findings one file reports (each record of a JSON Lines stream is a file here): far above what a
# person reads (a warning in each step of a 10,000-step record export is still shown whole), and
# about 10 MB of memory.
MAX_FINDINGS = 10_000
# Findings one check may produce for one document before it is stopped. Selection drops some of
# them later, so this is above MAX_FINDINGS; it bounds the time and memory of a check that would
# otherwise produce one finding per step of 500,000 (or per alias of one broken step).
CHECK_LIMIT = 2 * MAX_FINDINGS


class Budget:
    """The findings one file may still report, and what was left out. ``rule`` is the
    ``too-many-findings`` rule: the notice's, and the one a check stopped early reports with."""

    __slots__ = ("allowance", "hidden", "incomplete", "left", "rule", "worst")

    def __init__(self, rule: Rule, allowance: int = MAX_FINDINGS) -> None:
        self.rule = rule
        self.allowance = self.left = allowance
        self.hidden = 0  # findings found and not kept
        self.incomplete = False  # a check stopped early: there were more than counted
        self.worst: Severity | None = None  # the highest severity left out

    def stopped(self, label: str) -> Finding:
        """What a check stopped after :data:`CHECK_LIMIT` findings ends its list with."""
        return self.rule.finding(f"{label} stopped after {CHECK_LIMIT:,} findings")

    def take(self, findings: list[Finding]) -> list[Finding]:
        """The findings the budget still has room for, in their order: the most severe first, and
        among those the first in the document (every check's findings in the first steps, not
        one check's in all); the rest are counted."""
        if any(f.code == self.rule.code for f in findings):
            self.incomplete = True
            findings = [f for f in findings if f.code != self.rule.code]
        if len(findings) <= self.left:
            self.left -= len(findings)
            return findings
        order = sorted(
            range(len(findings)), key=lambda i: (-findings[i].severity.rank, _document_order(findings[i].path))
        )
        chosen = set(order[: self.left])
        kept = [f for i, f in enumerate(findings) if i in chosen]
        dropped = [f for i, f in enumerate(findings) if i not in chosen]
        self.left = 0
        self.hidden += len(dropped)
        for finding in dropped:
            if self.worst is None or finding.severity.rank > self.worst.rank:
                self.worst = finding.severity
        return kept

    def notice(self, file: str) -> list[Finding]:
        """The one finding that says what was not shown (none when nothing was left out). It
        has the highest severity of the findings it stands for, so the exit status is the one
        they would have given (an error when a check stopped early: what it missed is unknown)."""
        if not self.hidden and not self.incomplete:
            return []
        shown = f"only the first {self.allowance:,} findings of this file are reported"
        if self.incomplete:
            more = f"at least {self.hidden:,} more" if self.hidden else "more"
            message = f"{shown}; it has {more} (the checks stopped looking once there were this many)"
            worst = Severity.ERROR
        else:
            message = f"{shown}; {self.hidden:,} more were not shown"
            worst = self.worst or Severity.ERROR
        finding = self.rule.finding(message).located(file, Span(1, 1, 1, 2))
        return [finding if worst is finding.severity else finding.with_severity(worst)]


def _document_order(pointer: str) -> tuple[tuple[int, int, str], ...]:
    """A key that puts pointers in document order where it matters: array items by number
    (``/steps/10`` after ``/steps/9``)."""
    return tuple((1, int(t), "") if _index(t) else (0, 0, t) for t in pointer.split("/"))


def _index(token: str) -> bool:
    return token.isascii() and token.isdigit() and len(token) < 19


def self_reference(data: Any) -> str | None:
    """The JSON Pointer of the first object or array found inside itself, or None. Iterative (any
    depth), each container walked once; a container shared by two places is not a cycle."""
    if not isinstance(data, (dict, list)):
        return None
    # An entry is (container, (its parent's entry, its key)); a None link marks where the walk
    # of a container ends. Pointers are spelled only for the cycle found.
    pending: list[tuple[Any, Any]] = [(data, ())]
    above: set[int] = set()  # the containers the walk is inside
    done: set[int] = set()
    while pending:
        entry = pending.pop()
        node, link = entry
        if link is None:
            above.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in above:
            return _spelled(entry)
        if id(node) in done:
            continue
        above.add(id(node))
        pending.append((node, None))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        pending.extend((value, (entry, key)) for key, value in items if isinstance(value, (dict, list)))
    return None


def _spelled(entry: tuple[Any, Any]) -> str:
    keys = []
    while entry[1]:
        entry, key = entry[1]
        keys.append(key)
    return pointers.join(reversed(keys))


# A cache keyed by a document's values (a step type, an AIR, a sampler name) keeps each key alive:
# thousands of distinct 1 MB values held gigabytes. Values longer than this are not cached; no
# name or identifier of the API comes near it.
CACHED_KEY_CHARS = 256


def value_cache(maxsize: int, *, max_chars: int = CACHED_KEY_CHARS) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``functools.lru_cache(maxsize)`` for a function whose arguments may come from a document:
    a call whose string arguments (or strings in tuple arguments) add up to more than
    ``max_chars`` characters is computed and not kept, so the cache holds at most ``maxsize``
    entries of bounded size."""

    def decorate(function: Callable[..., T]) -> Callable[..., T]:
        cached = functools.lru_cache(maxsize=maxsize)(function)

        @functools.wraps(function)
        def call(*args: Any, **keywords: Any) -> T:
            if _chars(args) + (_chars(keywords.values()) if keywords else 0) > max_chars:
                return function(*args, **keywords)
            return cached(*args, **keywords)

        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        return call

    return decorate


def _chars(values: Iterable[Any]) -> int:
    """The characters of the strings among ``values``, those inside tuples included (one loop:
    these caches are asked several times per document, and a call per argument cost as much as
    the lookup)."""
    total = 0
    for value in values:
        if isinstance(value, str):
            total += len(value)
        elif isinstance(value, tuple):
            total += _chars(value)
    return total
