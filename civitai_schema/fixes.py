"""Fixes: from a rule's fix action to text edits on the exact span, and applying them.

Only the span of the value or key changes, so the file keeps its formatting, key order and
comments. Safe fixes keep the document's meaning (canonical AIRs, a value differing only in
case, an invented name with one real equivalent); unsafe ones change it and need
``--unsafe-fixes``. A second run finds nothing more to fix.

Nothing is taken on trust: before a pass's edits are kept, the edited text is read again and
must hold exactly the original documents with the fixes' own changes
(:mod:`civitai_schema.fix_verification`); a fix that cannot be shown to do only that is left
out, and its finding stays. A fix made of several edits (the legacy callback pair) is applied
whole or not at all.

What a fix does is its rule's :class:`~civitai_schema.fix_actions.FixAction`, which gives the
edits and the change they make to the data; nothing here knows a rule.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from .documents import Document
from .findings import Edit, Finding, Fix
from .text_edits import splice


def with_edits(finding: Finding, document: Document, shared: dict[int, Fix | None] | None = None) -> Finding:
    """The finding with its fix's action turned into edits (or without a fix when it cannot be
    edited exactly). ``shared`` keeps, by the fix's identity, the edits of a rewrite several of
    the document's findings carry: they are the same for each (that is how :func:`apply` knows
    it has them all), so they are worked out once."""
    fix = finding.fix
    if fix is None or not document.text:
        return finding
    if shared is None or not fix.action.one_edit_per_finding:
        return finding.with_fix(_edited(fix, document, finding))
    if id(fix) not in shared:
        shared[id(fix)] = _edited(fix, document, finding)
    return finding.with_fix(shared[id(fix)])


def _edited(fix: Fix, document: Document, finding: Finding) -> Fix | None:
    edits = fix.action.edits(document, finding)
    return fix._replace(edits=edits) if edits else None


class Applied(NamedTuple):
    """A pass's result: the text, the findings fixed, and those whose fixes were left out
    because they could not be shown to change only what they target (or, for a fix in several
    edits, because one of its findings was suppressed)."""

    text: str
    fixed: tuple[Finding, ...]
    refused: tuple[Finding, ...] = ()


def apply(text: str, findings: Iterable[Finding], *, unsafe: bool = False, fmt: str | None = None) -> Applied:
    """Apply the fixes of ``findings`` to ``text``. A fix whose edits overlap those of one
    already taken waits for the next pass; the pass's edits are then verified
    (:func:`fix_verification.verified`), and only those shown to be sound are made."""
    chosen = [f for f in findings if f.fixable and (unsafe or f.fix.applicability == "safe")]  # type: ignore[union-attr]
    chosen, refused = _whole(chosen)
    taken = _without_overlaps(chosen)
    if not taken:
        return Applied(text, (), tuple(refused))
    from . import fix_verification  # (only a fix run needs it; locating findings does not)

    kept = fix_verification.verified(text, taken, fmt=fmt)
    done = {id(f) for f in kept}
    refused.extend(f for f in taken if id(f) not in done)
    return Applied(splice(text, kept), tuple(kept), tuple(refused))


def _whole(findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Fixes that rewrite several members carry one edit per member, and every member has its
    own finding: without all of them (one was suppressed), the rewrite is not made, or the
    suppressed member would be rewritten or its value lost."""
    counts: dict[tuple[Edit, ...], int] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.action.one_edit_per_finding:
            counts[finding.fix.edits] = counts.get(finding.fix.edits, 0) + 1
    kept: list[Finding] = []
    refused: list[Finding] = []
    for finding in findings:
        fix = finding.fix
        whole = fix is None or not fix.action.one_edit_per_finding or counts[fix.edits] >= len(fix.edits)
        (kept if whole else refused).append(finding)
    return kept, refused


def whole_fixes_only(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with the fix taken off those whose rewrite also needs a finding that is not
    among them (suppressed, ignored), so a report does not count them as fixable."""
    _, partial = _whole([f for f in findings if f.fixable])
    if not partial:
        return list(findings)
    cut = {id(f) for f in partial}
    return [f.with_fix(None) if id(f) in cut else f for f in findings]


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """The findings whose edits can all be made together, in text order: a finding's edits are
    taken all or none; an edit identical to one taken is shared (two findings on one value)."""
    ordered = sorted(findings, key=lambda f: (f.fix.edits[0].start, f.fix.edits[0].end))  # type: ignore[union-attr]
    starts: list[int] = []
    taken_edits: list[Edit] = []
    taken: list[Finding] = []
    for finding in ordered:
        edits = finding.fix.edits  # type: ignore[union-attr]
        if any(_conflicts(edit, starts, taken_edits) for edit in edits):
            continue
        for edit in edits:
            at = bisect.bisect_left(starts, edit.start)
            if at < len(taken_edits) and taken_edits[at] == edit:
                continue
            starts.insert(at, edit.start)
            taken_edits.insert(at, edit)
        taken.append(finding)
    return taken


def _conflicts(edit: Edit, starts: list[int], taken: list[Edit]) -> bool:
    """Whether ``edit`` overlaps a taken edit other than itself (an insertion counts as one
    character, so two at one place conflict)."""
    end = max(edit.end, edit.start + 1)
    at = bisect.bisect_left(starts, edit.start)
    if at > 0 and max(taken[at - 1].end, taken[at - 1].start + 1) > edit.start:
        return True
    while at < len(taken) and taken[at].start < end:
        if taken[at] != edit:
            return True
        at += 1
    return False


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` the way :func:`saving.replace` does, checked against the
    latest read of ``path``. Which folder tree a path came from is not known here, so a link
    at ``path`` is followed only to a file in the link's own folder or below it."""
    from . import files, saving

    saving.replace(path, data, files.last_read(path), tree=os.path.dirname(path) or os.curdir)


# Lines end at LF, CRLF or CR only, as positions count them: str.splitlines() also breaks at
# U+2028 and U+0085, which JSON strings may hold.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> list[str]:
    lines = _LINE.findall(text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"  # (as diff says it)
    return lines


def unified_diff(before: str, after: str, path: str, context: int = 3) -> str:
    """What fixing ``path`` changes, as a unified diff (the lines of ``difflib.unified_diff``).

    Fixes mostly change lines in place. When the line count is unchanged, line i is compared
    with line i; difflib would find the same hunks, but its matching is quadratic on files
    that repeat lines, as workflow files do: 10,000 fixed steps took 90 s."""
    import difflib  # only --diff needs it

    old, new = _lines(before), _lines(after)
    if len(old) != len(new):
        return "".join(difflib.unified_diff(old, new, path, path, n=context))

    class LineByLine(difflib.SequenceMatcher[str]):
        def get_opcodes(self) -> list[_Opcode]:
            same = [a == b for a, b in zip(old, new, strict=True)]
            codes: list[_Opcode] = []
            start = 0
            for i in range(1, len(same) + 1):
                if i == len(same) or same[i] != same[start]:
                    codes.append(("equal" if same[start] else "replace", start, i, start, i))
                    start = i
            return codes

    out: list[str] = []
    for group in LineByLine(None, old, new).get_grouped_opcodes(context):
        if not out:
            out += [f"--- {path}\n", f"+++ {path}\n"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in old[i1:i2]]
            else:
                out += ["-" + line for line in old[i1:i2]] + ["+" + line for line in new[j1:j2]]
    return "".join(out)


_Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


def _range(start: int, stop: int) -> str:
    """A hunk's line range as unified diffs write it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
