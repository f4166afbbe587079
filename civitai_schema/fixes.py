"""Fixes: from a rule's fix action to text edits on the exact span, and applying them.

Only the span of the value or key changes, so the file keeps its formatting, key order and
comments. Safe fixes keep the document's meaning (canonical AIRs, a value differing only in
case, an invented name with one real equivalent); unsafe ones change it and need
``--unsafe-fixes``. A second run finds nothing more to fix.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from . import pointers
from .documents import Document, Lines
from .findings import Edit, Finding, Fix

_PLAIN_YAML = re.compile(r"[A-Za-z_$/][A-Za-z0-9_.$/@+\-:=,%]*")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_YAML_SPECIAL = re.compile(r"^(?:true|false|null|~|yes|no|on|off|y|n)$", re.IGNORECASE)


def with_edits(finding: Finding, document: Document) -> Finding:
    """The finding with its fix turned into edits (or without a fix when it cannot be edited)."""
    fix = finding.fix
    if fix is None or not document.text:
        return finding
    action, value = fix.action
    edits: tuple[Edit, ...] = ()
    if action == "replace":
        edits = _replace(document, finding.path, finding.target, _render(value, document.fmt))
    elif action == "rename":
        edits = _replace(document, finding.path, "key", _render(value, document.fmt))
    elif action == "callbacks":
        edits = _callbacks(document, finding.path, value)
    return finding.with_fix(Fix(fix.description, fix.applicability, fix.action, edits) if edits else None)


def _replace(document: Document, pointer: str, target: Any, text: str) -> tuple[Edit, ...]:
    offsets = document.locator.offsets(pointer, target)
    if offsets is None:
        return ()
    return (Edit(offsets[0], offsets[1], text),)


def _render(value: Any, fmt: str) -> str:
    """JSON text, or in YAML a plain scalar where that reads back as the same string."""
    plain = isinstance(value, str) and _PLAIN_YAML.fullmatch(value) and not _YAML_SPECIAL.match(value)
    if fmt == "yaml" and plain and ": " not in value and not value.endswith(":"):
        return str(value)
    text = json.dumps(value, ensure_ascii=False)
    if not text.isascii() and _LONE_SURROGATE.search(text):
        return json.dumps(value)  # a lone surrogate (from a "\\ud800" escape) stays escaped
    return text


def _callbacks(document: Document, pointer: str, callbacks: Any) -> tuple[Edit, ...]:
    """Rewrite the seed's callbackUrl/callbackEvents as callbacks: the callbackUrl member (or
    callbackEvents when it stands alone) becomes ``callbacks``; the other member goes."""
    key = pointers.split(pointer)[-1]
    data = document.data if isinstance(document.data, dict) else {}
    replaces = key == "callbackUrl" or "callbackUrl" not in data
    start = document.locator.offsets(pointer, "key")
    end = document.locator.offsets(pointer, "value")
    if start is None or end is None:
        return ()
    if replaces:
        name = _render("callbacks", document.fmt)
        separator = document.text[start[1] : end[0]]
        rendered = _render(callbacks, document.fmt)  # (JSON text, which YAML reads too)
        return (Edit(start[0], end[1], f"{name}{separator}{rendered}"),)
    return (_delete_member(document, start[0], end[1]),)


def _delete_member(document: Document, start: int, end: int) -> Edit:
    text = document.text
    if document.fmt == "yaml":
        lines = Lines(text)
        first = lines.starts[lines.position(start)[0] - 1]
        last_line = lines.position(max(start, end - 1))[0]
        stop = lines.starts[last_line] if last_line < len(lines.starts) else len(text)
        return Edit(first, stop, "")
    before = text[:start].rstrip()
    if before.endswith(","):
        return Edit(len(before) - 1, end, "")
    after = re.match(r"\s*,\s*", text[end:])
    return Edit(start, end + (after.end() if after else 0), "")


class Applied(NamedTuple):
    text: str
    fixed: tuple[Finding, ...]


def apply(text: str, findings: Iterable[Finding], *, unsafe: bool = False) -> Applied:
    """Apply the fixes of ``findings`` to ``text`` (overlapping edits: the first one wins)."""
    chosen = [f for f in findings if f.fixable and (unsafe or f.fix.applicability == "safe")]  # type: ignore[union-attr]
    edits: list[tuple[Edit, Finding]] = sorted(
        ((edit, f) for f in chosen for edit in f.fix.edits),  # type: ignore[union-attr]
        key=lambda pair: (pair[0].start, pair[0].end),
    )
    out, position = [], 0
    fixed: dict[int, Finding] = {}  # by identity, in order (comparing findings made 20,000 fixes take minutes)
    for edit, finding in edits:
        if edit.start < position:
            continue  # overlaps an earlier edit; the next run picks it up
        out.append(text[position : edit.start])
        out.append(edit.replacement)
        position = edit.end
        fixed.setdefault(id(finding), finding)
    out.append(text[position:])
    return Applied("".join(out), tuple(fixed.values()))


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` the way :func:`saving.replace` does, checked against the
    latest read of ``path``. Which folder tree a path came from is not known here, so a link
    at ``path`` is followed only to a file in the link's own folder or below it."""
    from . import files, saving

    saving.replace(path, data, files.last_read(path), tree=os.path.dirname(path) or os.curdir)


def unified_diff(before: str, after: str, path: str, context: int = 3) -> str:
    """What fixing ``path`` changes, as a unified diff (the lines of ``difflib.unified_diff``).

    Fixes mostly change lines in place. When the line count is unchanged, line i is compared
    with line i; difflib would find the same hunks, but its matching is quadratic on files
    that repeat lines, as workflow files do: 10,000 fixed steps took 90 s."""
    import difflib  # only --diff needs it

    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
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
