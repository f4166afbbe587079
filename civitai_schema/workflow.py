"""Reading a workflow document's parts: steps, inputs, value references, and their pointers.

Lint rules use these instead of indexing raw data, so a document of the wrong shape (which the
schema already reports) never makes a rule crash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from . import catalog, pointers

T = TypeVar("T")

# What the rule families ask about the document being checked (its steps, each input's leaf),
# worked out once per document rather than once per family. Keyed by the asking object's
# identity; each entry keeps its object alive, so an identity cannot be reused while it is held.
_MEMO: ContextVar[dict[tuple[str, int], tuple[Any, Any]] | None] = ContextVar("civitai_schema_memo", default=None)


@contextmanager
def one_document() -> Iterator[None]:
    """Share answers between the checks of one document (the data must not change meanwhile)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memoised(topic: str, subject: Any, compute: Callable[[], T]) -> T:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    key = (topic, id(subject))
    hit = memo.get(key)
    if hit is not None and hit[0] is subject:
        answer: T = hit[1]
        return answer
    answer = compute()
    memo[key] = (subject, answer)
    return answer


def steps(data: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, step)`` for every step that is an object (do not modify the list)."""
    return _memoised("steps", data, lambda: _steps(data))


def _steps(data: Any) -> list[tuple[str, dict[str, Any]]]:
    items = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [(f"/steps/{i}", step) for i, step in enumerate(items) if isinstance(step, dict)]


def resolution(kind_of_step: str, step_input: dict[str, Any]) -> catalog.Resolution:
    """Which catalog leaf a step input is (see :func:`catalog.resolve`)."""
    return _memoised("leaf:" + kind_of_step, step_input, lambda: catalog.resolve(kind_of_step, step_input))


def step_type(step: dict[str, Any]) -> str | None:
    value = step.get("$type")
    return value if isinstance(value, str) else None


def step_input(step: dict[str, Any]) -> dict[str, Any] | None:
    value = step.get("input")
    return value if isinstance(value, dict) else None


def is_reference(value: Any) -> bool:
    """``{"$ref": "<source>", "path": "…"}``: a value known only when the workflow runs."""
    return isinstance(value, dict) and isinstance(value.get("$ref"), str)


def source_of(value: Any) -> str | None:
    """The ``$ref`` source of a value reference, else None."""
    return value["$ref"] if is_reference(value) else None


def references(value: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every value reference inside ``value``, in document order (iteratively, so depth cannot
    exhaust the stack; pointers are built only for the references found)."""
    if isinstance(value, dict) and not any(isinstance(v, (dict, list)) for v in value.values()):
        if isinstance(value.get("$ref"), str):
            yield pointer, value
        return  # a flat object (most step inputs): nothing inside to walk
    pending: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield pointer + pointers.join(path), node
                continue
            pending.extend(((*path, k), v) for k, v in reversed(node.items()) if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            pending.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))) if isinstance(v, (dict, list)))


def number(value: Any) -> float | None:
    """A finite JSON number (not a boolean, not NaN or infinity, which readers report), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def number_text(amount: float) -> str:
    """A number as a person writes it: ``1024``, not ``1024.0``."""
    return str(int(amount)) if float(amount).is_integer() else str(amount)
