"""Formatters: plain functions from a report to text. The CLI picks one by name, and reads what
the format needs from the :class:`Traits` its module declares."""

from __future__ import annotations

import functools
import importlib
import json as _json  # (not `json`: the package's json submodule takes that name once imported)
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ..findings import Finding, Report, printable, printable_lines

__all__ = ["FORMATTERS", "MODULES", "Traits", "View", "json_text", "printable", "printable_lines", "traits", "xml_text"]


class View(NamedTuple):
    """How a person asked to see the report."""

    quiet: bool = False  # findings only, no summary
    color: bool = False
    statistics: bool = False  # a count per rule instead of the findings
    unsafe_fixes: bool = False  # whether unsafe fixes count as fixable in the summary
    fixed: tuple[Finding, ...] | None = None  # with --fix: the findings fixed (the report is what is left)


Formatter = Callable[[Report, View], str]


class Traits(NamedTuple):
    """What a format needs, declared by its module as ``TRAITS``."""

    streams: bool = False  # can be written one finding at a time (a long JSON Lines stream needs no memory)
    sources: bool = False  # reads the text of each file with findings (code frames, SARIF fixes)
    for_people: bool = False  # read in a terminal or a CI log (the others escape what they carry)
    in_streams: str | None = None  # the format written instead for JSON Lines streams (read once)
    stream_summary: bool = False  # written one finding at a time, it ends with a summary line


# Format name → module; a module is imported only when its format is used (start-up time).
MODULES = {
    "full": "full",
    "concise": "concise",
    "json": "json",
    "jsonl": "jsonl",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "gitlab": "gitlab",
    "text": "concise",  # the first name of the concise format
}


def traits(name: str) -> Traits:
    """What the format ``name`` declares it needs (importing its module only)."""
    declared: Traits = importlib.import_module(f"{__name__}.{MODULES[name]}").TRAITS
    return declared


class _Formatters(dict[str, Formatter]):
    def __missing__(self, name: str) -> Formatter:
        render: Formatter = importlib.import_module(f"{__name__}.{MODULES[name]}").render
        self[name] = render
        return render


FORMATTERS: dict[str, Formatter] = _Formatters()


ITEMS = "\0items\0"  # in a payload given to dumps_with_items, [ITEMS] stands for the items


def dumps_with_items(payload: Any, items: Iterable[Any], encode: Callable[[Any, str], str] | None = None) -> str:
    """``json.dumps(payload, indent=2, ensure_ascii=False)`` with ``items`` in place of the one
    list ``[ITEMS]`` in ``payload``, which must come before any text taken from the documents.

    Each item is encoded on its own (by ``encode``, which gives what :func:`indented` gives;
    :func:`indented` itself by default) and set into the text: encoding a payload of every
    finding in one call held millions of small pieces at once (see docs/performance.md). The
    text is the same."""
    encode = encode or indented
    head, _, tail = indented(payload).partition(_json.dumps(ITEMS))
    indent = head[head.rfind("\n") + 1 :]
    parts = [head]
    for item in items:
        if len(parts) > 1:
            parts.append(",\n" + indent)
        parts.append(encode(item, indent))
    if len(parts) == 1:  # an empty list is written "[]"
        return head[: -len(indent) - 1] + tail[tail.index("]") :] + "\n"
    parts.append(tail + "\n")
    return "".join(parts)  # (one join: the text is built once)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def indented(value: Any, indent: str = "") -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, each line after the first starting
    with ``indent`` as well, by the C encoder: with an indent, ``json`` encodes in pure Python.
    Each run of scalars in a container (most of a report) is one call of the C encoder, whose
    item separator carries the line break and the indent; only containers inside are walked."""
    inner = indent + "  "
    flat = _flat(inner)
    parts: list[str] = []
    if isinstance(value, dict) and value:
        if _SCALARS.issuperset(map(type, value.values())):  # (a finding without a fix: one call)
            return "{\n" + inner + flat(value)[1:-1] + "\n" + indent + "}"
        run: dict[Any, Any] = {}
        for key, item in value.items():
            if type(item) in _SCALARS:
                run[key] = item
                continue
            if run:
                parts.append(flat(run)[1:-1])
                run = {}
            parts.append(_key_text(key, flat) + ": " + indented(item, inner))
        if run:
            parts.append(flat(run)[1:-1])
        return "{\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)) and value:
        start = 0
        for index, item in enumerate(value):
            if type(item) in _SCALARS:
                continue
            if start < index:
                parts.append(flat(value[start:index])[1:-1])
            parts.append(indented(item, inner))
            start = index + 1
        if start < len(value):
            parts.append(flat(value[start:])[1:-1])
        return "[\n" + inner + (",\n" + inner).join(parts) + "\n" + indent + "]"
    return flat(value)


def _key_text(key: Any, flat: Callable[[Any], str]) -> str:
    """A member's key as ``json`` writes it (a number or a constant as a string)."""
    if type(key) is str:
        return _encoded_string(key)
    return flat({key: 0})[1:-4]


_encoded_string: Callable[[str], str] = _json.encoder.encode_basestring  # (C where there is a C half)


@functools.lru_cache(maxsize=64)  # one per depth in practice
def _flat(indent: str) -> Callable[[Any], str]:
    """The C encoder (``json`` uses it only without an indent), writing each item of a container
    on a new line that starts with ``indent``. Made once per depth: ``JSONEncoder.encode`` makes
    a new one on every call, which cost as much as the encoding."""
    from json import encoder

    separator = ",\n" + indent
    make = getattr(encoder, "c_make_encoder", None)  # (not in the stubs: the C half of json)
    if make is None:  # a Python built without the _json module
        return _json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode
    # No markers (the circular-reference check): a report is made of fresh, acyclic values.
    chunks = make(None, _not_json, encoder.encode_basestring, None, ": ", separator, False, False, True)
    return lambda value: "".join(chunks(value, 0))


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# How each output carries what it cannot hold as it is: a lone surrogate (a file name's
# undecodable byte 0xff arrives from os.fsdecode as U+DCFF; a JSON string may escape "\ud800").
# Written raw, the output encoding made it the byte 0xff, and the JSON or XML no longer parsed.
# JSON text also gets U+0085, U+2028 and U+2029 escaped: valid raw in a JSON string, but
# str.splitlines() (and so many a reader of JSON Lines) breaks lines there.
_JSON_ESCAPED = re.compile("[\u0085\u2028\u2029\ud800-\udfff]")


def json_text(dumped: str) -> str:
    """JSON from ``json.dumps(..., ensure_ascii=False)`` with each lone surrogate (and each
    U+0085, U+2028, U+2029) written as its JSON escape (``"bad\\udcff.json"``), so the text is
    valid UTF-8, one line per line, and ``json.loads`` gives back the very string (for a file
    name, what ``os.fsdecode`` gave; ``os.fsencode`` turns it back into the name's bytes). Each
    such character in JSON text is inside a string, where an escape is allowed."""
    if dumped.isascii() or _JSON_ESCAPED.search(dumped) is None:  # (isascii: one quick pass in C)
        return dumped
    return _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


@functools.cache  # compiled when first used: about 5 ms, which every run paid at start-up
def _not_xml() -> re.Pattern[str]:
    """What XML 1.0 does not allow: it allows tab, LF, CR and U+0020..U+D7FF, U+E000..U+FFFD,
    U+10000 and above."""
    return re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """One line of text for XML. XML 1.0 cannot hold a lone surrogate at all: an undecodable
    file-name byte is written as the text ``\\xff``, another lone surrogate as ``\\ud800``;
    then the stand-ins people see in the terminal (:func:`printable`), and U+FFFE and U+FFFF,
    which XML does not allow either, as U+FFFD."""
    if _LONE_SURROGATE.search(text) is not None:
        text = _LONE_SURROGATE.sub(_surrogate_escape, text)
    return _not_xml().sub("\ufffd", printable(text))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


@functools.lru_cache(maxsize=4096)  # each file's name is asked for once per finding in it
def uri(file: str) -> str:
    """A file name as a URI reference (SARIF's ``uri``): its bytes percent-encoded except the
    unreserved characters and ``/``, so ``a#b.json`` is not read as a fragment, ``a:b.json``
    not as a scheme, and an undecodable byte is ``%FF``, the byte the name has on disk."""
    from urllib.parse import quote  # (SARIF only)

    try:
        raw = file.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is not an undecodable byte
        raw = file.encode("utf-8", "surrogatepass")
    return quote(raw, safe="/")
