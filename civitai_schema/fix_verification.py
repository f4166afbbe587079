"""Showing that fixes change only what they target, before any of them is kept.

The edited text is read again, by the reader that checks it, and every document must equal
the original with exactly the fixes' own changes made, each as its action
(:class:`~civitai_schema.fix_actions.FixAction`) says: a value replaced, a key renamed, the
legacy callback pair rewritten. Types count (``1`` is not ``true``, ``"1"`` is not ``1``), key
order does not; the edited text may not add a reading problem (a duplicate key, a parse error).
So a fix that reads back as something else (an AIR with a comma written plain inside a YAML
flow mapping reads as two keys), breaks an alias, empties the file or moves a comment into a
value is caught whatever the reason. When the edits of a pass fail together, halving finds the
ones at fault, within a bounded number of re-readings; the rest are kept.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from . import pointers, readers
from .findings import Finding
from .fix_actions import Copies, FixAction, Impossible
from .text_edits import splice

# Re-readings one pass may spend finding the fixes at fault (the first two read the text as
# it is and as fixed); fewer for a large text, where each costs more.
MAX_READINGS = 24
READING_BUDGET_CHARS = 32 * 2**20


class _Reading(NamedTuple):
    data: list[Any]  # each document's data
    starts: list[int]  # where each document's root starts in the text
    problems: Counter[readers.ProblemKind]  # what reading found, by kind


def verified(text: str, findings: Sequence[Finding], *, fmt: str | None = None) -> list[Finding]:
    """The findings (in text order) whose fixes, made together, are shown to change the text's
    documents exactly as they say; the others are left out."""
    if not findings:
        return []
    name = findings[0].file or "<text>"
    before = _read(name, text, fmt or readers.file_format(name, text))
    if not before.data and fmt is None:  # the format guessed from the name was not the one checked
        other = "yaml" if readers.file_format(name, text) == "json" else "json"
        before, fmt = _read(name, text, other), other
    if not before.data:
        return []
    trial = _Trial(text, name, fmt or readers.file_format(name, text), before)
    return trial.keep(list(findings))


class _Trial:
    def __init__(self, text: str, name: str, fmt: str, before: _Reading) -> None:
        self.text, self.name, self.fmt, self.before = text, name, fmt, before
        self.readings_left = max(2, min(MAX_READINGS, READING_BUDGET_CHARS // max(1, len(text))))

    def keep(self, findings: list[Finding]) -> list[Finding]:
        if self.sound(findings):
            return findings
        if len(findings) == 1 or self.readings_left <= 0:
            return []
        middle = len(findings) // 2
        first, second = self.keep(findings[:middle]), self.keep(findings[middle:])
        if not first or not second:
            return first or second
        both = first + second
        if self.sound(both):
            return both
        return first if len(first) >= len(second) else second

    def sound(self, findings: list[Finding]) -> bool:
        if self.readings_left <= 0:
            return False
        expected = _expected(self.before, findings, self.text)
        if expected is None:
            return False
        self.readings_left -= 1
        after = _read(self.name, splice(self.text, findings), self.fmt)
        if len(after.data) != len(expected) or any(n > self.before.problems[c] for c, n in after.problems.items()):
            return False
        budget = [len(self.text) + 2_000_000]  # values compared at most: aliases cannot make it loop
        return all(_same(a, b, budget) for a, b in zip(expected, after.data, strict=True))


def _read(name: str, text: str, fmt: str) -> _Reading:
    parsed = readers.read_text(name, text, fmt)
    problems = Counter(p.kind for p in parsed.problems)
    starts = []
    for document in parsed.documents:
        root = getattr(document.locator, "root", None)
        shift = getattr(getattr(document.locator, "marks", None), "shift", 0)
        starts.append(int(root.start_mark.index) + shift if root is not None else 0)
    return _Reading([d.data for d in parsed.documents], starts, problems)


def _expected(before: _Reading, findings: list[Finding], text: str) -> list[Any] | None:
    """Each document's data as the fixes say it becomes, each change made as its action says,
    in the action's stage (values, then keys, then whole-document rewrites) and deepest first
    within a stage (a path names the keys above it as they were)."""
    copies = [Copies(data) for data in before.data]
    changes = []
    for finding in findings:
        fix = finding.fix
        assert fix is not None and fix.edits
        if not isinstance(fix.action, FixAction):
            return None
        first = fix.edits[0]
        at = first.start + len(text[first.start : first.end]) - len(text[first.start : first.end].lstrip())
        document = max(0, bisect.bisect_right(before.starts, at) - 1)
        changes.append((fix.action.stage(finding), -len(pointers.split(finding.path)), document, finding))
    changes.sort(key=lambda change: change[:2])
    try:
        for _, _, document, finding in changes:
            finding.fix.action.change(copies[document], finding)  # type: ignore[union-attr]
    except Impossible:
        return None
    return [c.root for c in copies]


def _same(expected: Any, actual: Any, budget: list[int]) -> bool:
    """Equal values of the same types, walked without recursion (nesting runs deep) and with a
    bound on the values compared (aliases can make a document a cycle or a tree of repeats)."""
    pending = [(expected, actual)]
    while pending:
        a, b = pending.pop()
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if type(a) is not type(b):
            return False
        if isinstance(a, dict):
            if a.keys() != b.keys():
                return False
            pending.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return False
            pending.extend(zip(a, b, strict=True))
        elif isinstance(a, float):
            if not (a == b and math.copysign(1, a) == math.copysign(1, b)) and not (math.isnan(a) and math.isnan(b)):
                return False
        elif a != b:
            return False
    return True
