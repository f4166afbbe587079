"""RFC 6902 JSON Patch, enough to apply our reviewed schema corrections.

Each operation may carry ``reason`` and ``source`` members: RFC 6902 §4 says members an
operation does not define are ignored, so the patch files stay standard while explaining
themselves.
"""

from __future__ import annotations

import copy
from typing import Any

from . import pointers


class PatchError(ValueError):
    """An operation that does not apply to the document."""


def apply(document: Any, operations: list[dict[str, Any]]) -> Any:
    """A patched copy of ``document``; the original is never modified."""
    result = copy.deepcopy(document)
    for number, op in enumerate(operations):
        try:
            result = _apply_one(result, op)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise PatchError(f"operation {number} ({op.get('op')} {op.get('path')}): {exc}") from None
    return result


def _apply_one(doc: Any, op: dict[str, Any]) -> Any:
    kind = op["op"]
    path = op["path"]
    if kind == "add":
        return _add(doc, path, copy.deepcopy(op["value"]))
    if kind == "remove":
        return _remove(doc, path)[0]
    if kind == "replace":
        doc = _remove(doc, path)[0]
        return _add(doc, path, copy.deepcopy(op["value"]))
    if kind == "move":
        doc, value = _remove(doc, op["from"])
        return _add(doc, path, value)
    if kind == "copy":
        return _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
    if kind == "test":
        if _get(doc, path) != op["value"]:
            raise ValueError("test failed")
        return doc
    raise ValueError(f"unknown op {kind!r}")


def _get(doc: Any, path: str) -> Any:
    for token in pointers.split(path):
        doc = doc[_index(doc, token)]
    return doc


def _parent(doc: Any, path: str) -> tuple[Any, str]:
    tokens = pointers.split(path)
    if not tokens:
        raise ValueError("the whole document cannot be the target here")
    return _get(doc, pointers.join(tokens[:-1])), tokens[-1]


def _add(doc: Any, path: str, value: Any) -> Any:
    if path == "":
        return value
    parent, token = _parent(doc, path)
    if isinstance(parent, list):
        parent.insert(len(parent) if token == "-" else _index(parent, token, inclusive=True), value)
    elif isinstance(parent, dict):
        parent[token] = value
    else:
        raise TypeError("parent is not a container")
    return doc


def _remove(doc: Any, path: str) -> tuple[Any, Any]:
    parent, token = _parent(doc, path)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, token))
    if token not in parent:
        raise KeyError(f"no member {token!r}")
    return doc, parent.pop(token)


def _index(container: Any, token: str, *, inclusive: bool = False) -> Any:
    if not isinstance(container, list):
        return token
    if not (token.isascii() and token.isdigit()) or (token != "0" and token.startswith("0")):
        raise IndexError(f"bad array index {token!r}")
    index = int(token)
    if index > len(container) or (index == len(container) and not inclusive):
        raise IndexError(f"array index {index} out of range")
    return index
