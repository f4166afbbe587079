"""Where the cursor is in a document's structure: which object or array holds it, whether it is
on a key or a value, and the token it is on (the text a completion replaces).

JSON is scanned from the start up to the cursor, so a document being typed (an open string, a
missing comma after the cursor) still gives its place. YAML is left to PyYAML's composer, whose
nodes carry their positions; while a line is half typed, the token at the cursor is replaced by a
placeholder (as a key, then as a value) until the text composes.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Token = str | int
Target = Literal["key", "value"]


@dataclass(frozen=True)
class Place:
    """``container`` is the path of the object or array the cursor is in; ``member`` the key (on a
    key, the text typed so far) or index; ``start``/``end`` the offsets of the token under the
    cursor (equal when there is none); ``data`` the document as far as it could be read."""

    container: tuple[Token, ...]
    target: Target
    member: Token | None
    start: int
    end: int
    prefix: str
    quoted: bool = False
    data: Any = None

    @property
    def path(self) -> tuple[Token, ...]:
        """The path of the member the cursor is on (its key or its value)."""
        return self.container if self.member is None else (*self.container, self.member)


def place(text: str, offset: int, fmt: str, *, typing: bool = False) -> Place | None:
    """The place at ``offset``; ``typing`` is for completion, where the text may not parse."""
    if fmt == "json":
        return json_place(text, offset)
    return yaml_place(text, offset, typing=typing)


def typing_places(text: str, offset: int, fmt: str) -> list[Place]:
    """Every place the token being typed may be (completion offers the first that has any)."""
    if fmt == "json":
        found = json_place(text, offset, typing=True)
        return [] if found is None else [found]
    return list(typed_places(text, offset))


# ---------------------------------------------------------------------------------------------
# JSON

_BARE = re.compile(r"[^\s,:\[\]{}\"]*")
_BLANK = re.compile(r"[ \t\r\n]*")


class _Frame:
    __slots__ = ("expect", "index", "key", "object")

    def __init__(self, is_object: bool) -> None:
        self.object = is_object
        self.key: str | None = None
        self.index = 0
        self.expect = "key" if is_object else "value"  # then "colon", "value", "comma"

    def member(self) -> Token | None:
        return self.key if self.object else self.index


def _string_end(text: str, start: int) -> int:
    """Just past the string opened at ``start``: its closing quote, or the end of the line."""
    i = start + 1
    while i < len(text):
        character = text[i]
        if character == "\\":
            i += 2
            continue
        if character == '"':
            return i + 1
        if character in "\r\n":
            return i
        i += 1
    return len(text)


_DECODER = json.JSONDecoder()


def _complete_value_end(text: str, start: int) -> int | None:
    try:
        return int(_DECODER.raw_decode(text, start)[1])
    except (ValueError, RecursionError):
        return None


def _decoded(token: str) -> str:
    try:
        value = json.loads(token)
    except ValueError:
        return token.strip('"')
    return value if isinstance(value, str) else token


def json_place(text: str, offset: int, *, typing: bool = False) -> Place | None:
    """The place at ``offset``; with ``typing``, also the document's data as far as it can be
    read with the token at the cursor taken out (and, if the rest does not parse, every open
    object and array closed right after it)."""
    found = _json_scan(text, offset)
    if found is None or not typing:
        return found[0] if found else None
    where, closers = found
    filler = f'"{CURSOR}": null' if where.target == "key" else "null"
    for candidate in (text[: where.start] + filler + text[where.end :], text[: where.start] + filler + closers):
        try:
            data = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        return dataclasses.replace(where, data=_without_cursor(data))
    return where


def _json_scan(text: str, offset: int) -> tuple[Place, str] | None:
    """The place at ``offset`` and what closes the objects and arrays open there."""
    stack: list[_Frame] = []

    def container() -> tuple[Token, ...]:
        tokens = []
        for frame in stack[:-1]:
            member = frame.member()
            if member is not None:
                tokens.append(member)
        return tuple(tokens)

    def closers() -> str:
        return "".join("}" if frame.object else "]" for frame in reversed(stack))

    def at(target: Target, member: Token | None, start: int, end: int, quoted: bool) -> tuple[Place, str]:
        prefix = text[start + (1 if quoted else 0) : max(offset, start + (1 if quoted else 0))]
        return Place(container(), target, member, start, end, prefix, quoted), closers()

    i = 0
    while True:
        i = _BLANK.match(text, i).end()  # type: ignore[union-attr]  # (matches the empty string)
        if i >= offset or i >= len(text):
            break  # the cursor is in blank space (or past the end)
        character = text[i]
        frame = stack[-1] if stack else None
        if character == '"':
            end = _string_end(text, i)
            if frame is not None and frame.object and frame.expect == "key":
                if offset <= end:
                    return at("key", _decoded(text[i:end]), i, end, True)
                frame.key, frame.expect = _decoded(text[i:end]), "colon"
            elif frame is not None and frame.expect == "value":
                if offset <= end:
                    return at("value", frame.member(), i, end, True)
                frame.expect = "comma"
            elif offset <= end:
                return None
            i = end
        elif character in "{[":
            # A whole object or array that ends before the cursor is skipped by the C decoder:
            # scanning the steps of a 10,000-step document one character at a time took a second.
            skipped = _complete_value_end(text, i)
            if frame is not None:
                frame.expect = "comma"
            if skipped is not None and skipped < offset:
                i = skipped
                continue
            stack.append(_Frame(character == "{"))
            i += 1
        elif character in "}]":
            if stack:
                stack.pop()
            i += 1
        elif character == ":":
            if frame is not None and frame.object:
                frame.expect = "value"
            i += 1
        elif character == ",":
            if frame is not None:
                if frame.object:
                    frame.key, frame.expect = None, "key"
                else:
                    frame.index, frame.expect = frame.index + 1, "value"
            i += 1
        else:
            end = max(_BARE.match(text, i).end(), i + 1)  # type: ignore[union-attr]
            if offset <= end and frame is not None:
                if frame.object and frame.expect == "key":
                    return at("key", text[i:end], i, end, False)  # an unquoted key being typed
                return at("value", frame.member(), i, end, False)
            if frame is not None:
                frame.expect = "colon" if frame.object and frame.expect == "key" else "comma"
            i = end
    if not stack:
        return None
    frame = stack[-1]
    if frame.object and frame.expect == "key":
        return Place(container(), "key", "", offset, offset, ""), closers()
    if frame.expect == "value":
        return Place(container(), "value", frame.member(), offset, offset, ""), closers()
    return None


# ---------------------------------------------------------------------------------------------
# YAML

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CURSOR = "civitaiSchemaCursor"
# A token ends at blanks, flow indicators and quotes; a value's ``:`` without a blank after it
# (``urn:air:sdxl:…``) stays inside it.
_TOKEN_BACK = re.compile(r"[^\s{}\[\],\"']*\Z")
_TOKEN_FORWARD = re.compile(r"[^\s{}\[\],\"']*")
_LINE_HEAD = re.compile(r"[ \t]*(?:-[ \t]+)*\Z")


def compose(text: str) -> list[Node] | None:
    """Every document of a YAML stream as nodes, or None when the text does not compose."""
    loader = _LOADER(text)
    try:
        roots = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                roots.append(node)
        return roots
    except (yaml.YAMLError, RecursionError, ValueError):
        return None
    finally:
        loader.dispose()


def _shift(text: str) -> int:
    # libyaml does not count a leading byte-order mark in its marks; PyYAML's own reader does.
    return int(_LOADER is not yaml.SafeLoader and text.startswith("\ufeff"))


def node_data(node: Node) -> Any:
    """A node as plain data: scalars stay text (enough to name steps, types and keys)."""
    pending: list[tuple[Node, Any, Token | None]] = [(node, None, None)]
    root: Any = None
    seen: dict[int, Any] = {}
    while pending:
        current, parent, token = pending.pop()
        if id(current) in seen:
            value = seen[id(current)]
        elif isinstance(current, MappingNode):
            value = seen[id(current)] = {}
            pending.extend((v, value, k.value) for k, v in reversed(current.value) if isinstance(k, ScalarNode))
        elif isinstance(current, SequenceNode):
            value = seen[id(current)] = [None] * len(current.value)
            pending.extend((v, value, i) for i, v in enumerate(current.value))
        else:
            value = current.value
        if parent is None:
            root = value
        else:
            parent[token] = value
    return root


# From this size a YAML text is read only around the cursor: the step it is in (composing 2 MB
# took seconds a keystroke). Other steps give only their names, for ``$ref`` completion.
WINDOW_FROM = 256 * 1024
_STEPS_KEY = re.compile(r"^steps:[ \t]*(?:#.*)?$", re.M)
_TOP_LEVEL = re.compile(r"^[^\s#\-]", re.M)
_ITEM = re.compile(r"^([ \t]*)-(?:[ \t]|$)", re.M)


@dataclass(frozen=True)
class _Window:
    start: int  # where the step's text starts
    end: int
    index: int  # the step's index in ``steps``
    names: tuple[str | None, ...]  # every step's name, where it has a plain one


def _step_window(text: str, offset: int) -> _Window | None:
    """The block-style ``steps`` item holding ``offset`` in a large YAML text, or None."""
    if len(text) < WINDOW_FROM:
        return None
    heads = list(_STEPS_KEY.finditer(text, 0, offset))
    if not heads:
        return None
    begin = heads[-1].end()
    after = _TOP_LEVEL.search(text, begin)
    region_end = after.start() if after else len(text)
    first = _ITEM.search(text, begin, region_end)
    if first is None or offset > region_end:
        return None
    indent = re.escape(first.group(1))
    starts = [m.start() for m in re.finditer(rf"^{indent}-(?:[ \t]|$)", text[:region_end], re.M) if m.start() >= begin]
    index = bisect.bisect_right(starts, offset) - 1
    if index < 0:
        return None
    end = starts[index + 1] if index + 1 < len(starts) else region_end
    names: list[str | None] = [None] * len(starts)
    name = re.compile(rf"^{indent}(?:-[ \t]+|[ \t][ \t])name:[ \t]*(.*?)[ \t]*$", re.M)
    for match in name.finditer(text, begin, region_end):
        names[bisect.bisect_right(starts, match.start()) - 1] = match.group(1).strip("\"'")
    return _Window(starts[index], end, index, tuple(names))


def _from_window(found: Place, window: _Window) -> Place:
    steps: list[Any] = [{} if n is None else {"name": n} for n in window.names]
    item = found.data[0] if isinstance(found.data, list) and found.data else None
    steps[window.index] = item
    return dataclasses.replace(
        found,
        container=("steps", window.index, *found.container[1:]),
        start=found.start + window.start,
        end=found.end + window.start,
        data={"steps": steps},
    )


def yaml_place(text: str, offset: int, *, typing: bool = False, roots: list[Node] | None = None) -> Place | None:
    window = _step_window(text, offset)
    if window is not None:
        found = yaml_place(text[window.start : window.end], offset - window.start, typing=typing)
        return None if found is None or not found.container else _from_window(found, window)
    if not typing:
        roots = roots if roots is not None else compose(text)
        if roots is None:
            return None
        shift = _shift(text)
        for root in roots:
            found = _node_place(root, offset - shift, shift)
            if found is not None:
                return found
        return None
    return _typed_place(text, offset)


def _contains(node: Node, offset: int) -> bool:
    return bool(node.start_mark.index <= offset <= node.end_mark.index)


def _node_place(root: Node, offset: int, shift: int) -> Place | None:
    """The key or scalar value at ``offset`` (marks minus ``shift``), descending from ``root``."""
    if not _contains(root, offset):
        return None
    node, path = root, list[Token]()
    while True:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and _contains(key, offset):
                    return _scalar_place(tuple(path), "key", key.value, key, shift, root)
                if _contains(value, offset) and value.start_mark.index != value.end_mark.index:
                    if isinstance(value, ScalarNode):
                        return _scalar_place(tuple(path), "value", key.value, value, shift, root)
                    node = value
                    path.append(key.value)
                    break
            else:
                return None
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                if _contains(item, offset):
                    if isinstance(item, ScalarNode):
                        return _scalar_place(tuple(path), "value", index, item, shift, root)
                    node = item
                    path.append(index)
                    break
            else:
                return None
        else:
            return None


def _scalar_place(
    container: tuple[Token, ...], target: Target, member: Token, node: Node, shift: int, root: Node
) -> Place:
    start, end = node.start_mark.index + shift, node.end_mark.index + shift
    return Place(container, target, member, start, end, str(node.value), False, node_data(root))


def _typed_place(text: str, offset: int) -> Place | None:
    return next(typed_places(text, offset), None)


def typed_places(text: str, offset: int) -> Iterator[Place]:
    """The places the token being typed at ``offset`` may be: the token is replaced by a
    placeholder key (where a key may start), then by a placeholder value, for each text that
    composes. (``- wor`` may start a mapping or be a string item: completion tries both.)"""
    window = _step_window(text, offset)
    if window is not None:
        for found in _typed_places(text[window.start : window.end], offset - window.start):
            if found.container:
                yield _from_window(found, window)
        return
    yield from _typed_places(text, offset)


def _typed_places(text: str, offset: int) -> Iterator[Place]:
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    back = _TOKEN_BACK.search(text, line_start, offset)
    start = back.start() if back else offset
    end = _TOKEN_FORWARD.match(text, offset).end()  # type: ignore[union-attr]  # (matches "")
    quoted = start > line_start and text[start - 1] in "\"'"
    if quoted:
        start -= 1
        close = text.find(text[start], offset)
        newline = min((i for i in (text.find("\n", offset), text.find("\r", offset)) if i >= 0), default=len(text))
        end = close + 1 if 0 <= close < newline else end
    prefix = text[start + int(quoted) : offset]
    head = text[line_start:start]
    variants = [f"{CURSOR}: null", CURSOR] if _LINE_HEAD.fullmatch(head) else [CURSOR]
    for variant in variants:
        roots = compose(text[:start] + variant + text[end:])
        if roots is None:
            continue
        for root in roots:
            found = _find_cursor(root)
            if found is not None:
                container, target, member = found
                data = _without_cursor(node_data(root))
                if target == "key":
                    member = prefix
                yield Place(container, target, member, start, end, prefix, quoted, data)
                break


def _find_cursor(root: Node) -> tuple[tuple[Token, ...], Target, Token | None] | None:
    pending: list[tuple[Node, tuple[Token, ...]]] = [(root, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == CURSOR:
                    return path, "key", None
                if isinstance(value, ScalarNode) and value.value == CURSOR and isinstance(key, ScalarNode):
                    return path, "value", key.value
                if isinstance(key, ScalarNode):
                    pending.append((value, (*path, key.value)))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                if isinstance(item, ScalarNode) and item.value == CURSOR:
                    return path, "value", index
                pending.append((item, (*path, index)))
    return None


def _without_cursor(data: Any) -> Any:
    """The data with the placeholder taken out (a key that is only a placeholder)."""
    for container in _walk(data):
        if isinstance(container, dict):
            container.pop(CURSOR, None)
            for key, value in container.items():
                if value == CURSOR:
                    container[key] = None
        else:
            for index, value in enumerate(container):
                if value == CURSOR:
                    container[index] = None
    return data


def _walk(data: Any) -> Iterator[dict[str, Any] | list[Any]]:
    pending = [data]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if isinstance(current, (dict, list)) and id(current) not in seen:
            seen.add(id(current))
            yield current
            pending.extend(current.values() if isinstance(current, dict) else current)
