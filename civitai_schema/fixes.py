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
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal, NamedTuple

from . import pointers
from .documents import Document
from .findings import Edit, Finding, Fix

_PLAIN_YAML = re.compile(r"[A-Za-z_$/][A-Za-z0-9_.$/@+\-:=,%]*")
_YAML_SPECIAL = re.compile(r"^(?:true|false|null|~|yes|no|on|off|y|n)$", re.IGNORECASE)
# Characters written as \u escapes: lone surrogates (from a "\\ud800" escape) cannot be encoded;
# YAML breaks lines at U+0085, U+2028 and U+2029 even in a quoted string, and refuses C1 controls.
_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")
_AFTER_KEY = re.compile(r"[ \t]*:(?:[ \t\r\n]|#[^\r\n]*)*")
LEGACY_CALLBACK_KEYS = ("callbackUrl", "callbackEvents")


def with_edits(finding: Finding, document: Document) -> Finding:
    """The finding with its fix turned into edits (or without a fix when it cannot be edited)."""
    fix = finding.fix
    if fix is None or not document.text:
        return finding
    action, value = fix.action
    edits: tuple[Edit, ...] = ()
    if action == "replace":
        edits = _replace(document, finding.path, finding.target, value)
    elif action == "rename":
        edits = _replace(document, finding.path, "key", value)
    elif action == "callbacks":
        edits = _callbacks(document, value)
    return finding.with_fix(Fix(fix.description, fix.applicability, fix.action, edits) if edits else None)


def _replace(document: Document, pointer: str, target: str, value: Any) -> tuple[Edit, ...]:
    if document.fmt != "yaml" or not hasattr(document.locator, "root"):
        offsets = document.locator.offsets(pointer, "key" if target == "key" else "value")
        return () if offsets is None else (Edit(offsets[0], offsets[1], _json_text(value)),)
    from yaml.nodes import ScalarNode

    from . import yaml_members

    text = _yaml_text(document)
    place = yaml_members.find(document.locator, pointers.split(pointer))
    if place is None:
        return ()
    region = text.key(place) if target == "key" else text.value(place)
    if region is None or text.defines_used_anchor(*region):
        return ()
    node = place.key if target == "key" else place.node
    if target != "key" and text.is_alias(place):
        style = None  # "*name" is replaced by the value itself, written plain where it can be
    else:
        style = (node.style or None) if isinstance(node, ScalarNode) else '"'  # (libyaml: "" for plain)
    return (Edit(region[0], region[1], _render(value, "yaml", style=style, flow=yaml_members.in_flow(place))),)


def _render(value: Any, fmt: str, *, style: str | None = None, flow: bool = False) -> str:
    """JSON text; in YAML, a string keeps the original's style (``style``: the scalar's, None
    for plain) where it reads back as the same string: plain (not inside a flow collection when
    it holds one of ``,[]{}``, which end a plain scalar there) or single-quoted."""
    if fmt == "yaml" and isinstance(value, str):
        if style is None and _reads_as_plain(value, flow=flow):
            return value
        if style == "'" and value.isprintable():
            return "'" + value.replace("'", "''") + "'"
    return _json_text(value)


def _reads_as_plain(value: str, *, flow: bool) -> bool:
    return (
        _PLAIN_YAML.fullmatch(value) is not None
        and _YAML_SPECIAL.match(value) is None
        and ": " not in value
        and not value.endswith(":")
        and not (flow and _FLOW_INDICATORS.search(value))
    )


def _json_text(value: Any) -> str:
    """JSON text, which YAML reads too (as a flow collection or a double-quoted string)."""
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _callbacks(document: Document, callbacks: Any) -> tuple[Edit, ...]:
    """Rewrite the seed's callbackUrl/callbackEvents as callbacks: the callbackUrl member becomes
    ``callbacks`` and callbackEvents goes. Each member's finding carries the whole rewrite, one
    edit per member, so :func:`apply` can tell when one of them is missing (suppressed)."""
    data = document.data
    if not isinstance(data, dict) or not _carries_the_originals(data, callbacks):
        return ()
    if document.fmt == "yaml":
        return _yaml_callbacks(document, callbacks, "callbackEvents" in data)
    locator, text = document.locator, document.text
    key, value = locator.offsets("/callbackUrl", "key"), locator.offsets("/callbackUrl", "value")
    if key is None or value is None:
        return ()
    edits = [Edit(key[0], value[1], f"{_json_text('callbacks')}{text[key[1] : value[0]]}{_json_text(callbacks)}")]
    if "callbackEvents" in data:
        events = (locator.offsets("/callbackEvents", "key"), locator.offsets("/callbackEvents", "value"))
        if events[0] is None or events[1] is None:
            return ()
        edits.append(_delete_json_member(text, events[0][0], events[1][1]))
    return tuple(sorted(edits))


def _carries_the_originals(data: dict[str, Any], callbacks: Any) -> bool:
    """Whether the rewrite holds the document's own URL and events. A URL that is not a string
    (``{"fromEnv": …}``), or none at all, would otherwise become a made-up one, and events that
    are not a list would be lost."""
    url = data.get("callbackUrl")
    if not isinstance(url, str) or not isinstance(callbacks, list) or len(callbacks) != 1:
        return False
    entry = callbacks[0]
    if not isinstance(entry, dict) or set(entry) != {"url", "type"} or entry["url"] != url:
        return False
    if "callbackEvents" not in data:
        return True
    events = data["callbackEvents"]
    return isinstance(events, list) and json.dumps(entry["type"]) == json.dumps(events)


def _yaml_callbacks(document: Document, callbacks: Any, with_events: bool) -> tuple[Edit, ...]:
    from yaml.nodes import MappingNode, ScalarNode

    from . import yaml_members

    root = getattr(document.locator, "root", None)
    if not isinstance(root, MappingNode):
        return ()
    text = _yaml_text(document)
    url = yaml_members.find(document.locator, ["callbackUrl"])
    if url is None or url.key is None:
        return ()
    key, value = text.key(url), text.value(url)
    if key is None or value is None or text.defines_used_anchor(key[0], value[1]):
        return ()
    separator = _AFTER_KEY.match(document.text, key[1])
    name = _render("callbacks", "yaml", style=(url.key.style or None) if isinstance(url.key, ScalarNode) else None)
    rewrite = f"{name}{separator.group() if separator else ': '}{_json_text(callbacks)}"
    edits = [Edit(key[0], value[1], rewrite)]
    if with_events:
        events = yaml_members.find(document.locator, ["callbackEvents"])
        region = None if events is None else text.member(events, root)
        if region is None or text.defines_used_anchor(*region) or _moves_a_suppression(document.text, region[0]):
            return ()
        edits.append(Edit(region[0], region[1], ""))
    return tuple(sorted(edits))


def _yaml_text(document: Document) -> Any:
    from .yaml_members import Text

    return Text(document.text, getattr(getattr(document.locator, "marks", None), "shift", 0))


def _moves_a_suppression(text: str, start: int) -> bool:
    """Whether removing lines from ``start`` would put a suppression comment, alone on the line
    above, onto the line that follows, where it would hide that line's findings instead."""
    if start == 0 or text[start - 1] not in "\r\n":
        return False
    above = text[: start - 1].rstrip("\r")
    line = above[max(above.rfind("\n"), above.rfind("\r")) + 1 :].strip(" \t")
    return line.startswith("#") and "civitai-schema:" in line


def _delete_json_member(text: str, start: int, end: int) -> Edit:
    """A JSON member and one comma beside it."""
    before = text[:start].rstrip()
    if before.endswith(","):
        return Edit(len(before) - 1, end, "")
    after = re.match(r"\s*,\s*", text[end:])
    return Edit(start, end + (after.end() if after else 0), "")


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
    from . import fix_verification

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
        if finding.fix is not None and finding.fix.action[0] == "callbacks":
            counts[finding.fix.edits] = counts.get(finding.fix.edits, 0) + 1
    kept: list[Finding] = []
    refused: list[Finding] = []
    for finding in findings:
        fix = finding.fix
        whole = fix is None or fix.action[0] != "callbacks" or counts[fix.edits] >= len(fix.edits)
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


def splice(text: str, findings: Sequence[Finding]) -> str:
    """``text`` with the edits of ``findings`` made (identical edits once)."""
    edits = sorted({edit for f in findings for edit in f.fix.edits})  # type: ignore[union-attr]
    out, position = [], 0
    for edit in edits:
        out.append(text[position : edit.start])
        out.append(edit.replacement)
        position = edit.end
    out.append(text[position:])
    return "".join(out)


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
