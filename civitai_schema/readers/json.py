"""JSON with the standard ``json`` module, plus a scanner that finds where each value is.

``json.loads`` does the parsing (fast, in C). Duplicate keys and ``NaN``/``Infinity`` are noted
by hooks during that parse; only when a document has findings does :class:`JsonLocator` scan the
text for positions.
"""

from __future__ import annotations

import contextlib
import json
import json.decoder
import json.scanner
import math
import re
import sys
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, NamedTuple

from .. import pointers
from ..documents import Document, Lines
from ..findings import Span, Target
from . import Parsed, Problem, ProblemKind, number_too_long

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?Infinity|NaN|true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# A string (stepped over whole) or a run of digits that is not a fraction or an exponent. Linear:
# ``\d{4000,}`` searched from every digit of many near-miss runs took 22 s on 1 MiB.
_STRING_OR_DIGITS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?<![.eE+0-9])[0-9]+')
_NON_FINITE = ("NaN", "Infinity", "-Infinity")


def read_json(name: str, text: str) -> Parsed:
    flags = {"duplicates": False, "non_finite": False}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(items)
        if len(mapping) != len(items):
            flags["duplicates"] = True
        return mapping

    def number(token: str) -> float:
        value = float(token)
        if math.isinf(value):  # 1e400: valid JSON that no float can hold
            flags["non_finite"] = True
        return value

    def constant(token: str) -> float:
        flags["non_finite"] = True
        return float(token)

    lines = Lines(text)
    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {_explain(exc.msg)}"
        return Parsed(problems=[Problem(ProblemKind.PARSE_ERROR, message, lines.span(exc.pos, exc.pos + 1))])
    except RecursionError:
        problem = Problem(ProblemKind.DOCUMENT_TOO_LARGE, "the JSON is nested too deeply to check", lines.span(0, 1))
        return Parsed(problems=[problem])
    except ValueError as exc:  # e.g. an integer longer than Python's int conversion limit
        start = _too_long_integer(text)
        message = f"invalid JSON: {number_too_long(exc)}"
        return Parsed(problems=[Problem(ProblemKind.PARSE_ERROR, message, lines.span(start, start + 1))])
    locator = JsonLocator(lines)
    document = Document(data, name, 0, locator, text=text, fmt="json")
    problems: list[Problem] = []
    if flags["duplicates"]:
        for pointer, (start, end) in locator.index().duplicates:
            key = pointers.split(pointer)[-1]
            message = f'duplicate key "{key}": only the last value is kept'
            span = lines.span(start, end)
            problems.append(Problem(ProblemKind.DUPLICATE_KEY, message, span, pointer, "key", document=0))
    if flags["non_finite"]:
        for pointer, (start, end) in locator.index().non_finite:
            message = f"{text[start:end]} is not a JSON number"
            problems.append(
                Problem(ProblemKind.NON_FINITE_NUMBER, message, lines.span(start, end), pointer, document=0)
            )
    return Parsed(documents=[document], problems=problems)


def _too_long_integer(text: str) -> int:
    """Where the first integer too long for Python to convert starts (0 when none is found). The
    text before it parsed, so its strings are well formed and are stepped over whole."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or len(text)
    for match in _STRING_OR_DIGITS.finditer(text):
        if match.end() - match.start() > limit and text[match.start()] != '"':
            return match.start()
    return 0


def _overflows(token: str) -> bool:
    """A number too large for a float (it would read as infinity)."""
    is_float = "." in token or "e" in token or "E" in token  # (integers are exact at any length)
    return is_float and token[-1:].isdigit() and math.isinf(float(token))


def _explain(message: str) -> str:
    if message == "Extra data":
        return "unexpected text after the end of the document"
    return message[:1].lower() + message[1:]


class JsonIndex:
    """Offsets of every value and key of a valid JSON text, keyed by JSON Pointer.

    An iterative scan (no recursion, so any nesting depth the parser accepted is fine). With
    duplicate keys the last occurrence wins, as in the parsed data.
    """

    def __init__(self, text: str) -> None:
        self.values: dict[str, tuple[int, int]] = {}
        self.keys: dict[str, tuple[int, int]] = {}
        self.duplicates: list[tuple[str, tuple[int, int]]] = []
        self.non_finite: list[tuple[str, tuple[int, int]]] = []
        self._scan(text)

    def _scan(self, text: str) -> None:
        # A frame is [is_object, pointer, items_seen, keys_seen].
        stack: list[list[Any]] = []
        pointer = ""
        pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
        while True:
            char = text[pos]
            if char in "{[":
                self.values[pointer] = (pos, pos + 1)
                stack.append([char == "{", pointer, 0, set()])
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if text[pos] not in "}]":
                    pointer, pos = self._next(text, stack[-1], pos)
                    continue
                pos = self._close(stack, pos)
            else:
                match = (_STRING if char == '"' else _SCALAR).match(text, pos)
                assert match is not None
                self.values[pointer] = (pos, match.end())
                if match.group() in _NON_FINITE or _overflows(match.group()):
                    self.non_finite.append((pointer, (pos, match.end())))
                pos = match.end()
            while True:
                pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                if not stack:
                    return
                if text[pos] == ",":
                    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                    pointer, pos = self._next(text, stack[-1], pos)
                    break
                pos = self._close(stack, pos)

    def _next(self, text: str, frame: list[Any], pos: int) -> tuple[str, int]:
        """The pointer of the container's next value, and where that value starts."""
        if not frame[0]:
            frame[2] += 1
            return pointers.child(frame[1], frame[2] - 1), pos
        match = _STRING.match(text, pos)
        assert match is not None
        key = json.loads(match.group())
        pointer = pointers.child(frame[1], key)
        if key in frame[3]:
            self.duplicates.append((pointer, (pos, match.end())))
        frame[3].add(key)
        self.keys[pointer] = (pos, match.end())
        colon = _WS.match(text, match.end()).end()  # type: ignore[union-attr]
        return pointer, _WS.match(text, colon + 1).end()  # type: ignore[union-attr]

    def _close(self, stack: list[list[Any]], pos: int) -> int:
        frame = stack.pop()
        start = self.values[frame[1]][0]
        self.values[frame[1]] = (start, pos + 1)
        return pos + 1


class JsonLocator:
    """Spans for pointers. Each lookup walks only the containers on the pointer's way, letting the
    ``json`` module's C scanner step over every other value; the full :class:`JsonIndex` is built
    only where a reader needs every position (duplicate keys, non-finite numbers).

    What a walk learns about a container (an object's members, an array's element starts so far)
    is kept for the next lookup, so locating a finding in each of 100,000 steps scans the steps
    once rather than once per finding. The most recently used :data:`KEPT_CONTAINERS` are kept.
    :meth:`prepare` learns every container on the way to a set of pointers in one pass instead
    (a lookup one by one parses a value once for each container around it), and keeps where each
    of those pointers leads once it is first looked up (a finding's span, then its fix's edit)."""

    KEPT_CONTAINERS = 4096

    def __init__(self, lines: Lines) -> None:
        self.lines = lines
        self._index: JsonIndex | None = None
        self._containers: OrderedDict[int, _Members | _Elements] = OrderedDict()
        # Filled by prepare(): bounded by the pointers it was given, so not evicted.
        self._prepared: dict[int, _Members | _Elements] = {}
        self._ways: dict[str, _Way | None] = {}
        self._root: int | None = None  # where the root value starts, found on first use

    def index(self) -> JsonIndex:
        if self._index is None:
            self._index = JsonIndex(self.lines.text)
        return self._index

    def prepare(self, paths: Iterable[str]) -> None:
        """Learn, in one pass over the text, every container on the way to the pointers ``paths``, so that
        looking each of them up afterwards reads only what was learnt. The answers are the ones
        a lookup alone gives (the same tables, built in text order)."""
        trie: _Trie = {}
        for pointer in paths:
            self._ways.setdefault(pointer, None)
            node = trie
            for token in pointers.split(pointer):
                node = node.setdefault(token, {})
        # (An error cannot happen on parsed text; if one did, lookups would find it one by one.)
        with contextlib.suppress(ValueError, RecursionError, IndexError):
            _learn(self.lines.text, trie, self._prepared)

    def offsets(self, pointer: str, target: Target) -> tuple[int, int] | None:
        key, start, whole = self._way(pointer)
        if not whole:
            return None
        if target == "key":
            return key
        return start, _value_end(self.lines.text, start)

    def span(self, pointer: str, target: Target) -> Span:
        key, start, whole = self._way(pointer)
        if not whole:
            target = "value"  # absent: point at the nearest enclosing value
        is_container = self.lines.text[start] in "{["
        if key is not None and (target == "key" or is_container):
            return self.lines.span(*key)
        if is_container:
            return self.lines.span(start, start + 1)
        return self.lines.span(start, _value_end(self.lines.text, start))

    def _way(self, pointer: str) -> _Way:
        """Where ``pointer`` leads: kept for a prepared pointer, walked for any other."""
        way = self._ways.get(pointer)
        if way is None:
            way = self._walk(pointers.split(pointer))
            if pointer in self._ways:
                self._ways[pointer] = way
        return way

    def _walk(self, tokens: list[str]) -> _Way:
        """The key span and value start of the deepest value on the way to ``tokens``, and
        whether that is the value ``tokens`` name."""
        if self._root is None:
            self._root = _WS.match(self.lines.text, 0).end()  # type: ignore[union-attr]
        key: tuple[int, int] | None = None
        start, prepared = self._root, self._prepared
        member: tuple[tuple[int, int] | None, int] | None
        for token in tokens:
            table = prepared.get(start)
            if isinstance(table, dict):  # (most steps of most walks: one lookup)
                member = table.get(token)
            elif table is not None:  # an array, which prepare read to its end
                index = _index(token)
                member = None if index is None or index >= len(table.starts) else (None, table.starts[index])
            else:
                try:
                    member = self._member(start, token)
                except (ValueError, RecursionError, IndexError):  # cannot happen on parsed text; be safe
                    member = None
            if member is None:
                return key, start, False
            key, start = member
        return key, start, True

    def _member(self, start: int, token: str) -> tuple[tuple[int, int] | None, int] | None:
        """In the container at ``start``, one :meth:`prepare` did not learn (:meth:`_walk` reads
        those itself), the key span and value start of member ``token``."""
        container = self._container(start)
        if container is None:
            return None
        if isinstance(container, dict):
            return container.get(token)
        index = _index(token)
        element = None if index is None else container.start(self.lines.text, index)
        return None if element is None else (None, element)

    def _container(self, start: int) -> _Members | _Elements | None:
        """The table of the container at ``start`` (None for a scalar), read on first use."""
        text, kept = self.lines.text, self._containers
        container = kept.get(start)
        if container is not None:
            kept.move_to_end(start)
            return container
        if text[start] == "{":
            container = kept[start] = _members(text, start)
        elif text[start] == "[":
            container = kept[start] = _Elements(text, start)
        else:
            return None
        if len(kept) > self.KEPT_CONTAINERS:
            kept.popitem(last=False)
        return container


# Where a pointer leads: the key span (None at the root and in arrays) and the value start of
# the deepest value found on its way, and whether that value is the one the pointer names.
_Way = tuple[tuple[int, int] | None, int, bool]

# An object's members: name → (key span, value start); the last one when a key repeats, as the
# parsed data keeps.
_Members = dict[str, tuple[tuple[int, int], int]]


def _members(text: str, pos: int) -> _Members:
    learnt: dict[int, _Members | _Elements] = {}
    _read(text, pos, {}, learnt)
    members = learnt[pos]
    assert isinstance(members, dict)
    return members


# The blanks, the colon and the blanks between a member's name and its value.
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
# What follows a value: blanks, then a comma and the blanks after it (or the container's end).
_AFTER = re.compile(r"[ \t\n\r]*(,[ \t\n\r]*)?")
_BLANK = " \t\n\r"


def _after(text: str, end: int) -> tuple[int, bool]:
    """After a value that ends at ``end``: where the next member (or the container's end) is, and
    whether there is a next member."""
    match = _AFTER.match(text, end)
    return match.end(), match.lastindex is not None  # type: ignore[union-attr]


def _index(token: str) -> int | None:
    """The array index a pointer token names (``0``, ``12``; not ``01`` or ``-``)."""
    if not (token.isascii() and token.isdigit()) or (token != "0" and token.startswith("0")):
        return None
    return int(token)


class _Elements:
    """Where an array's elements start, found as far as lookups have needed."""

    __slots__ = ("done", "first", "starts")

    def __init__(self, text: str, pos: int) -> None:
        self.first: int = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        self.starts: list[int] = []
        self.done = False

    def start(self, text: str, index: int) -> int | None:
        starts = self.starts
        while len(starts) <= index and not self.done:
            if not starts:
                self.done = text[self.first] == "]"
                if not self.done:
                    starts.append(self.first)
                continue
            pos, more = _after(text, _value_end(text, starts[-1]))
            self.done = not more
            if more:
                starts.append(pos)
        return starts[index] if index < len(starts) else None


# The tokens of the pointers to look up, as a tree: token -> the tokens under it.
_Trie = dict[str, "_Trie"]


def _learn(text: str, trie: _Trie, learnt: dict[int, _Members | _Elements]) -> None:
    """Fill ``learnt`` with the table of every container on the way to the pointers of ``trie``
    (keyed by where each starts), reading the text once."""
    start = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if trie and text[start] in "{[":
        _read(text, start, trie, learnt)


def _read(text: str, start: int, node: _Trie, learnt: dict[int, _Members | _Elements]) -> None:
    """Read the container at ``start`` member by member, and within it every container on the
    way to the tokens of ``node`` (in place, so no value is parsed twice), filling ``learnt``
    with their tables; every other value is stepped over by the C scanner. Iterative, so any
    depth the parser accepted is fine. Objects keep the last of a repeated key, as the parsed
    data does.

    This loop is most of locating a finding, so it is written flat: no call of a Python function
    for an item, and the usual layout (``"name": value,`` then blanks and the next name) read
    by looking at characters rather than by matching patterns, each match being a call."""
    scan, scanstring, blanks, after, colon = _SCAN, _scanstring, _WS.match, _AFTER.match, _COLON.match
    find = text.find
    enclosing: list[tuple[int, _Trie, _Members | _Elements]] = []
    table: _Members | _Elements = {} if text[start] == "{" else _Elements(text, start)
    pos = blanks(text, start + 1).end()  # type: ignore[union-attr]
    more = text[pos] not in "}]"  # (else the container is empty)
    while True:
        if not more:  # at the end of the innermost open container
            if isinstance(table, _Elements):
                table.done = True
            learnt[start] = table
            if not enclosing:
                return
            start, node, table = enclosing.pop()
            match = after(text, pos + 1)
            pos, more = match.end(), match.lastindex is not None  # type: ignore[union-attr]
            continue
        if isinstance(table, dict):
            name, end = scanstring(text, pos + 1)
            if text[end] == ":" and text[end + 1] == " " and text[end + 2] not in _BLANK:
                value = end + 2
            else:
                value = colon(text, end).end()  # type: ignore[union-attr]
            table[name] = ((pos, end), value)
            child = node.get(name) if node else None
        else:
            value = pos
            child = node.get(str(len(table.starts))) if node else None
            table.starts.append(value)
        if child and text[value] in "{[":  # on the way to a deeper pointer: read it too
            enclosing.append((start, node, table))
            start, node = value, child
            table = {} if text[value] == "{" else _Elements(text, value)
            pos = blanks(text, value + 1).end()  # type: ignore[union-attr]
            more = text[pos] not in "}]"
            continue
        end = scan(text, value)[1]
        if text[end] == "," and isinstance(table, dict):  # the next name is the next quote
            pos = find('"', end + 1)
        else:
            match = after(text, end)
            pos, more = match.end(), match.lastindex is not None  # type: ignore[union-attr]


def _value_end(text: str, start: int) -> int:
    """Where the JSON value starting at ``start`` ends (the C scanner parses it and says)."""
    end: int = _SCAN(text, start)[1]
    return end


_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


# Reading a large text's steps a few at a time (see civitai_schema.streaming). Whatever the
# whole-text reader would report (a parse error, a duplicate key, NaN, a number out of range or
# too long, deep nesting) raises Unusual instead, and the caller reads the text as usual.


class Unusual(Exception):
    """The text needs the whole-text reader, which reports what this one only notices."""


def _strict_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(items)
    if len(mapping) != len(items):
        raise Unusual("a duplicate key")
    return mapping


def _strict_float(token: str) -> float:
    value = float(token)
    if math.isinf(value):
        raise Unusual("a number out of range")
    return value


def _no_constant(token: str) -> Any:
    raise Unusual(token)


_STRICT_DECODER = json.JSONDecoder(
    object_pairs_hook=_strict_pairs, parse_float=_strict_float, parse_constant=_no_constant
)
_STRICT_SCAN = json.scanner.make_scanner(_STRICT_DECODER)  # type: ignore[arg-type]


def _scanned(scan: Any, text: str, pos: int) -> tuple[Any, int]:
    """The value at ``pos`` and where it ends; whatever the scanner raises becomes Unusual."""
    try:
        value, end = scan(text, pos)
    except (StopIteration, ValueError, RecursionError, IndexError) as exc:
        raise Unusual(type(exc).__name__) from None
    return value, end


def _strict_value(text: str, pos: int) -> tuple[Any, int]:
    return _scanned(_STRICT_SCAN, text, pos)


def _skip_value(text: str, pos: int) -> int:
    return _scanned(_SCAN, text, pos)[1]


def _ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _key(text: str, pos: int) -> tuple[str, int]:
    """The member name at ``pos`` and where its value starts."""
    if text[pos : pos + 1] != '"':
        raise Unusual("a member without a name")
    try:
        key, end = _scanstring(text, pos + 1)
    except ValueError:
        raise Unusual("a broken string") from None
    colon = _ws(text, end)
    if text[colon : colon + 1] != ":":
        raise Unusual("a member without a colon")
    return key, _ws(text, colon + 1)


def _new_key(text: str, pos: int, seen: set[str]) -> tuple[str, int]:
    """The member name at ``pos``, not in ``seen`` (and added to it), and where its value starts."""
    key, start = _key(text, pos)
    if key in seen:
        raise Unusual("a duplicate key")
    seen.add(key)
    return key, start


class Outline(NamedTuple):
    """A text that is an object with a ``steps`` array: the members before the array, in order,
    and where the array starts."""

    before: list[tuple[str, Any]]
    start: int


def outline(text: str) -> Outline | None:
    """The text's outline, or None when it is not an object with a ``steps`` array."""
    pos = _ws(text, 0)
    if text[pos : pos + 1] != "{":
        return None
    before: list[tuple[str, Any]] = []
    seen: set[str] = set()
    pos = _ws(text, pos + 1)
    if text[pos : pos + 1] == "}":
        return None
    while True:
        key, start = _new_key(text, pos, seen)
        if key == "steps":
            return Outline(before, start) if text[start : start + 1] == "[" else None
        value, end = _strict_value(text, start)
        before.append((key, value))
        pos = _ws(text, end)
        if text[pos : pos + 1] != ",":
            return None  # no steps array (or a broken text, which the usual reader explains)
        pos = _ws(text, pos + 1)


def members_after(text: str, pos: int, before: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The members after the ``steps`` array that ends at ``pos``, up to the end of the text."""
    seen = {key for key, _ in before} | {"steps"}
    after: list[tuple[str, Any]] = []
    pos = _ws(text, pos)
    while text[pos : pos + 1] == ",":
        key, start = _new_key(text, _ws(text, pos + 1), seen)
        value, end = _strict_value(text, start)
        after.append((key, value))
        pos = _ws(text, end)
    if text[pos : pos + 1] != "}" or _ws(text, pos + 1) != len(text):
        raise Unusual("text after the object")
    return after


_ENDS_WITH_ARRAY = re.compile(r"\][ \t\r\n]*\}[ \t\r\n]*\Z")


_BETWEEN_OBJECTS = re.compile(r"\}[ \t\r\n]*,[ \t\r\n]*(?=\{)")


def next_object_start(text: str, pos: int) -> int | None:
    """Where ``}, {`` next ends after ``pos``: most likely, in an array of objects, where an
    element starts (but it may be inside a string: callers check)."""
    match = _BETWEEN_OBJECTS.search(text, pos)
    return None if match is None else match.end()


def may_end_with_array(text: str) -> bool:
    """Whether the object's last member may be an array (else members follow ``steps``)."""
    return _ENDS_WITH_ARRAY.search(text, max(0, len(text) - 256)) is not None


class Elements:
    """The elements of an array, read in order a few at a time: from the array's start
    (``text[pos]`` is ``[``) or from an element's (``inside``)."""

    __slots__ = ("finished", "pos", "text")

    def __init__(self, text: str, pos: int, *, inside: bool = False) -> None:
        self.text = text
        self.pos = pos if inside else _ws(text, pos + 1)
        self.finished = not inside and text[self.pos : self.pos + 1] == "]"
        if self.finished:
            self.pos += 1

    def read(self, count: int, stop: int | None = None) -> list[Any]:
        """The next ``count`` elements (fewer at the end, or once ``stop`` is reached)."""
        values: list[Any] = []
        while not self.finished and len(values) < count and (stop is None or self.pos < stop):
            value, end = _strict_value(self.text, self.pos)
            values.append(value)
            self._past(end)
        return values

    def skip(self, count: int) -> int:
        """Step over the next ``count`` elements (fewer at the end); how many there were."""
        skipped = 0
        while not self.finished and skipped < count:
            self._past(_skip_value(self.text, self.pos))
            skipped += 1
        return skipped

    def _past(self, end: int) -> None:
        pos = _ws(self.text, end)
        separator = self.text[pos : pos + 1]
        if separator == ",":
            self.pos = _ws(self.text, pos + 1)
        elif separator == "]":
            self.finished, self.pos = True, pos + 1
        else:
            raise Unusual("an array without a comma or an end")
