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
from typing import Any, NamedTuple

from . import pointers
from .documents import Document, Lines
from .findings import Edit, Finding, Fix

_PLAIN_YAML = re.compile(r"[A-Za-z_$/][A-Za-z0-9_.$/@+\-:=,%]*")
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
    return json.dumps(value, ensure_ascii=False)


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
        rendered = json.dumps(callbacks, ensure_ascii=False)
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
    out, position, fixed = [], 0, []
    for edit, finding in edits:
        if edit.start < position:
            continue  # overlaps an earlier edit; the next run picks it up
        out.append(text[position : edit.start])
        out.append(edit.replacement)
        position = edit.end
        if finding not in fixed:
            fixed.append(finding)
    out.append(text[position:])
    return Applied("".join(out), tuple(fixed))


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: a crash leaves the old file or the new one."""
    import tempfile  # only --fix writes files

    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=".civitai-schema-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
