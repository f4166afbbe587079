"""An in-memory document as JSON would carry it (``civitai_schema.check(obj)``).

The rules read documents as the readers give them: objects with string keys, integers that
Python can print. An object built in Python may hold what no reader gives: keys that are numbers,
``None``, bytes or any object (one whose ``__eq__`` raises among them), subclasses of ``str``,
``int``, ``float``, ``dict`` or ``list`` with methods of their own, tuples, NaN, integers past
Python's limit for printing (``str()`` of a 4,301-digit integer raises ``ValueError``). Most made
a rule family crash, so it said nothing about the document.

:func:`prepare` gives the document back untouched when it holds none of these (one walk, no
copy), and otherwise a copy the way ``json.dumps`` would send it: a key that is not a string
becomes the text ``json.dumps`` writes for it (``1`` → ``"1"``, ``None`` → ``"null"``), with a
``non-string-key`` finding; a key JSON cannot send (bytes, any other object) becomes a stand-in
text naming its type, with the same finding; subclasses become their plain base type, so no
method of theirs runs during the check; a tuple becomes a list; NaN and infinity are
``non-finite-number`` findings, as in a file. An integer too long to print is refused like the JSON
reader refuses it (``parse-error``), and the document is not checked further. No method of the
caller's objects runs: keys are read with ``dict``'s own iteration, never compared or hashed.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any, NamedTuple

from . import pointers
from .findings import Finding
from .rules import parse
from .validators import FAST_INTEGERS

_SCALARS = (str, int, float, bool, type(None))
_CONTAINERS = (dict, list, tuple)


class Prepared(NamedTuple):
    data: Any
    findings: list[Finding]  # not located yet: each names its JSON Pointer
    checkable: bool  # False: an integer too long to print, the document is not checked
    tree: bool = False  # True: no container is reached twice, so none can contain itself
    # True: the data is given back untouched, so it holds no NaN, infinity, tuple or integer that
    # jsonschema-rs compares slowly (the schema check's walk for them is spared)
    plain: bool = False


class _Bound(NamedTuple):
    magnitude: int  # printing raises from this magnitude on


@functools.cache
def _bound_for(limit: int) -> _Bound:
    return _Bound(10**limit)


# (Python 3.10.7 and later; the limit may be changed while running, so it is read on every call)
_MAX_STR_DIGITS = getattr(sys, "get_int_max_str_digits", None)


def _bound() -> _Bound | None:
    limit = _MAX_STR_DIGITS() if _MAX_STR_DIGITS is not None else 0  # (0: no limit)
    return _bound_for(limit) if limit else None


def prepare(data: Any) -> Prepared:
    """``data`` as JSON carries it, the findings about what it cannot carry, and whether it can
    be checked at all."""
    care = _needs_care(data)
    if care is not True:
        return Prepared(data, [], True, tree=care is None, plain=True)
    return _Copy(_bound()).run(data)


def _needs_care(data: Any) -> bool | None:
    """Whether anything in ``data`` needs :class:`_Copy`: one walk, each container once (so a
    structure that contains itself ends too); None when nothing does and no container was
    reached twice (a tree: then nothing can contain itself, and that walk can be spared). Each
    container's members are looked at by type and size first, in C: nearly every document holds
    nothing that needs care, and a Python loop over every value made ``check()`` a fifth slower."""
    if type(data) not in (dict, list):
        return _odd([data], {type(data)}) or None
    pending, seen, shared = [data], set[int](), False
    pop, push, add = pending.pop, pending.extend, seen.add  # (looked up once, not per container)
    while pending:
        node = pop()
        known = id(node)
        if known in seen:
            shared = True
            continue
        add(known)
        if type(node) is dict:
            if not _STRING.issuperset(map(type, node)):
                return True
            values: Any = _values(node)
        else:
            values = node
        types = set(map(type, values))
        if not _PLAIN.issuperset(types) and _odd(values, types):
            return True
        if dict in types or list in types:
            push([v for v in values if type(v) is dict or type(v) is list])
    return False if shared else None


_values = dict.values  # (a dict's own, whatever the class of the object)


_STRING = frozenset({str})
_PLAIN = frozenset({str, bool, type(None), dict, list})
_NUMBERS = frozenset({int, float})


def _odd(values: Any, types: set[type]) -> bool:
    """Whether one of ``values`` (not containers) needs care: a number Python cannot print (or
    jsonschema-rs compares slowly) or JSON cannot carry, a tuple, a subclass of a JSON type, a
    value of no JSON type."""
    if int in types and not _fast_integers(values):
        return True
    if float in types and not all(map(math.isfinite, [v for v in values if type(v) is float])):
        return True
    return bool(types - _PLAIN - _NUMBERS)  # a tuple, a subclass, or no JSON type at all


def _fast_integers(values: Any) -> bool:
    """Whether every integer among ``values`` is one jsonschema-rs compares quickly. One that is
    not (an integer too long to print among them) is left to :class:`_Copy`, which tells
    exactly; so a document given back untouched holds none (:attr:`Prepared.plain`). Only
    plain integers are compared: a subclass's methods never run (it needs care anyway)."""
    integers = [value for value in values if type(value) is int]
    return not integers or (min(integers) in FAST_INTEGERS and max(integers) in FAST_INTEGERS)


class _Copy:
    """The converted copy, built iteratively (depth costs no stack); a container met twice is
    copied once, so shared parts stay shared and a cycle stays a cycle instead of a hang here."""

    def __init__(self, bound: _Bound | None) -> None:
        self.bound = bound
        self.findings: list[Finding] = []
        self.checkable = True
        self.copies: dict[int, Any] = {}
        self.pending: list[tuple[Any, Any, str]] = []

    def run(self, data: Any) -> Prepared:
        root = self.value(data, "")
        while self.pending:
            source, copy, pointer = self.pending.pop()
            if isinstance(copy, dict):
                self.members(source, copy, pointer)
            else:
                items = list.__iter__(source) if isinstance(source, list) else tuple.__iter__(source)
                for index, item in enumerate(items):
                    copy[index] = self.value(item, pointers.child(pointer, index))
        return Prepared(root, self.findings, self.checkable)

    def members(self, source: dict[Any, Any], copy: dict[str, Any], pointer: str) -> None:
        for key, item in dict.items(source):
            text = self.key(key, pointer)
            if text in copy:
                message = f'duplicate key "{text}" once keys are written as JSON: only the last value is kept'
                self.findings.append(parse.DUPLICATE_KEY.finding(message, pointers.child(pointer, text), target="key"))
            copy[text] = self.value(item, pointers.child(pointer, text))

    def key(self, key: Any, pointer: str) -> str:
        kind = type(key)
        if kind is str:
            return str(key)  # (itself)
        if isinstance(key, str):
            return str.__str__(key)
        what = kind.__name__
        if key is None:
            python, text = "None", "null"
        elif isinstance(key, bool):
            python, text = ("True", "true") if key else ("False", "false")
        elif isinstance(key, int) and not self.fits(key):
            self.too_long(pointer)
            return f"<int of more than {sys.get_int_max_str_digits()} digits>"
        elif isinstance(key, int):
            python = text = int.__repr__(key)
        elif isinstance(key, float):
            python = float.__repr__(key)
            text = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(python, python)
        else:
            shown = bytes.__repr__(key) if isinstance(key, bytes) else f"<{what}>"
            text = shown if len(shown) <= 60 else shown[:59] + "…"
            message = f"a key of type {what} ({text}) is not a string, and JSON cannot send it; use a string key"
            self.findings.append(parse.NON_STRING_KEY.finding(message, pointers.child(pointer, text), target="key"))
            return text
        message = f'the key {python} ({what}) is not a string; JSON sends it as "{text}"'
        self.findings.append(parse.NON_STRING_KEY.finding(message, pointers.child(pointer, text), target="key"))
        return text

    def fits(self, number: int) -> bool:
        return self.bound is None or abs(number) < self.bound.magnitude

    def too_long(self, pointer: str) -> None:
        message = f"a number has more digits than can be read (Python's limit is {sys.get_int_max_str_digits()})"
        self.findings.append(parse.PARSE_ERROR.finding(message, pointer))
        self.checkable = False

    def value(self, value: Any, pointer: str) -> Any:
        kind = type(value)
        if kind is int or (isinstance(value, int) and kind is not bool):
            if not self.fits(value):
                self.too_long(pointer)
                return None
            return value if kind is int else int.__int__(value)
        if kind is float and not math.isfinite(value):
            message = (
                f"{float.__repr__(value)} is not a JSON number (json.dumps writes it, but no JSON parser reads it)"
            )
            self.findings.append(parse.NON_FINITE_NUMBER.finding(message, pointer))
            return value
        if kind in _SCALARS:
            return value
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, float):
            return float.__float__(value)
        if not isinstance(value, _CONTAINERS):
            self.findings.append(parse.NOT_JSON_VALUE.finding(_not_json(kind), pointer))
            return value  # (kept: the rules still say what type the field expects)
        known = self.copies.get(id(value))
        if known is not None:
            return known
        if isinstance(value, dict):
            copy: Any = {}
        else:  # (their own length: a subclass's __len__ may say anything)
            copy = [None] * (list.__len__(value) if isinstance(value, list) else tuple.__len__(value))
        self.copies[id(value)] = copy
        self.pending.append((value, copy, pointer))
        return copy


# What to send instead, by the name of a type json.dumps refuses (checked along the type's MRO).
_INSTEAD = {
    "Decimal": "send float(value), or str(value) to keep every digit",
    "datetime": "send value.isoformat()",
    "date": "send value.isoformat()",
    "time": "send value.isoformat()",
    "timedelta": "send a number of seconds or a TimeSpan string",
    "bytes": "send text (value.decode()), or base64 for binary data",
    "bytearray": "send text (value.decode()), or base64 for binary data",
    "memoryview": "send text, or base64 for binary data",
    "set": "send a list",
    "frozenset": "send a list",
    "UUID": "send str(value)",
    "Path": "send str(value)",
    "PurePath": "send str(value)",
    "Enum": "send value.value",
}


def _not_json(kind: type) -> str:
    """The message for a value of ``kind``; only the type is named (no method of the value runs)."""
    instead = next((_INSTEAD[k.__name__] for k in kind.__mro__ if k.__name__ in _INSTEAD), None)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    name = name if len(name) <= 100 else "…" + name[-99:]
    advice = instead or "send a string, number, boolean, null, list or object"
    return f"a value of type {name} is not JSON: json.dumps refuses it, so this body cannot be sent; {advice}"
