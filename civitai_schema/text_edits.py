"""Writing a value or key into a document's own text, and making edits.

What every fix action needs, whichever rule states it: the edit that writes a value (or key) on
the exact span of the one it replaces, in the file's format and the scalar's own YAML style, the
text of a member to delete, and :func:`splice`, which makes edits. Nothing here knows a rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from . import pointers
from .documents import Document
from .findings import Edit, Finding, Target

_PLAIN_YAML = re.compile(r"[A-Za-z_$/][A-Za-z0-9_.$/@+\-:=,%]*")
_YAML_SPECIAL = re.compile(r"^(?:true|false|null|~|yes|no|on|off|y|n)$", re.IGNORECASE)
# Characters written as \u escapes: lone surrogates (from a "\\ud800" escape) cannot be encoded;
# YAML breaks lines at U+0085, U+2028 and U+2029 even in a quoted string, and refuses C1 controls.
_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
_FLOW_INDICATORS = re.compile(r"[,\[\]{}]")
AFTER_KEY = re.compile(r"[ \t]*:(?:[ \t\r\n]|#[^\r\n]*)*")  # a key's colon, and what follows it to the value


def value_edits(document: Document, pointer: str, target: Target, value: Any) -> tuple[Edit, ...]:
    """The edit that writes ``value`` over the value (or the key) at ``pointer``; none when
    its text cannot be found exactly, or (YAML) when it defines an anchor something uses."""
    if document.fmt != "yaml" or not hasattr(document.locator, "root"):
        offsets = document.locator.offsets(pointer, "key" if target == "key" else "value")
        return () if offsets is None else (Edit(offsets[0], offsets[1], json_text(value)),)
    from yaml.nodes import ScalarNode

    from . import yaml_members

    text = yaml_text(document)
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
    return (Edit(region[0], region[1], render(value, "yaml", style=style, flow=yaml_members.in_flow(place))),)


def render(value: Any, fmt: str, *, style: str | None = None, flow: bool = False) -> str:
    """JSON text; in YAML, a string keeps the original's style (``style``: the scalar's, None
    for plain) where it reads back as the same string: plain (not inside a flow collection when
    it holds one of ``,[]{}``, which end a plain scalar there) or single-quoted."""
    if fmt == "yaml" and isinstance(value, str):
        if style is None and _reads_as_plain(value, flow=flow):
            return value
        if style == "'" and value.isprintable():
            return "'" + value.replace("'", "''") + "'"
    return json_text(value)


def _reads_as_plain(value: str, *, flow: bool) -> bool:
    return (
        _PLAIN_YAML.fullmatch(value) is not None
        and _YAML_SPECIAL.match(value) is None
        and ": " not in value
        and not value.endswith(":")
        and not (flow and _FLOW_INDICATORS.search(value))
    )


def json_text(value: Any) -> str:
    """JSON text, which YAML reads too (as a flow collection or a double-quoted string)."""
    text = _ENCODE(value)
    if text.isascii() and "\x7f" not in text:  # (one pass in C: nothing to escape)
        return text
    return _ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# json.dumps(value, ensure_ascii=False), with the encoder made once rather than on every call.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def yaml_text(document: Document) -> Any:
    """The YAML document's text with its node regions (:class:`yaml_members.Text`)."""
    from .yaml_members import Text

    return Text(document.text, getattr(getattr(document.locator, "marks", None), "shift", 0))


def moves_a_suppression(text: str, start: int) -> bool:
    """Whether removing lines from ``start`` would put a suppression comment, alone on the line
    above, onto the line that follows, where it would hide that line's findings instead."""
    if start == 0 or text[start - 1] not in "\r\n":
        return False
    above = text[: start - 1].rstrip("\r")
    line = above[max(above.rfind("\n"), above.rfind("\r")) + 1 :].strip(" \t")
    return line.startswith("#") and "civitai-schema:" in line


def delete_json_member(text: str, start: int, end: int) -> Edit:
    """A JSON member and one comma beside it. (Only blanks can stand between a member and its
    commas; they are stepped over in place, not in a copy of the text before or after it.)"""
    before = start
    while before > 0 and text[before - 1] in _JSON_BLANKS:
        before -= 1
    if before > 0 and text[before - 1] == ",":
        return Edit(before - 1, end, "")
    after = _COMMA.match(text, end)
    return Edit(start, after.end() if after else end, "")


_JSON_BLANKS = " \t\n\r"
_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")


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
