"""Reading a workflow document's parts: steps, inputs, value references, and their pointers.

Lint rules use these instead of indexing raw data, so a document of the wrong shape (which the
schema already reports) never makes a rule crash.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from . import catalog, pointers


class _Memo:
    """Answers about one document, keyed by the asking object's identity; each entry keeps its
    object alive, so an identity cannot be reused while the memo is held."""

    __slots__ = ("leaves", "quick", "steps")

    def __init__(self, leaves: bool, quick: Any) -> None:
        self.steps: dict[int, tuple[Any, list[Step]]] = {}
        self.leaves = leaves
        self.quick = quick  # the data known to compare quickly (see :func:`compares_quickly`), or None


# What the rule families ask about the document being checked (its steps, each input's leaf),
# worked out once per document rather than once per family.
_MEMO: ContextVar[_Memo | None] = ContextVar("civitai_schema_memo", default=None)


class _OneDocument:
    """The context of :func:`one_document` (a class: a generator-based context manager cost
    twice as much, on every document ``check()`` is given)."""

    __slots__ = ("memo", "token")

    def __init__(self, memo: _Memo) -> None:
        self.memo = memo
        self.token: Token[_Memo | None] | None = None

    def __enter__(self) -> None:
        self.token = _MEMO.set(self.memo)

    def __exit__(self, *exc: object) -> None:
        if self.token is not None:
            _MEMO.reset(self.token)
            self.token = None


def one_document(*, leaves: bool = True, compares_quickly: Any = None) -> AbstractContextManager[None]:
    """Share answers between the checks of one document (the data must not change meanwhile).
    ``leaves=False`` leaves :attr:`Step.resolution` None, for checks that do not read it;
    ``compares_quickly`` is the document's data when it is known to hold no number jsonschema-rs
    compares slowly (:attr:`documents.Document.compares_quickly`)."""
    return _OneDocument(_Memo(leaves, compares_quickly))


def compares_quickly(data: Any) -> bool:
    """Whether ``data`` is the document being checked and known to hold no number jsonschema-rs
    compares slowly (NaN, an infinity, an integer beyond 64 bits)."""
    memo = _MEMO.get()
    return memo is not None and memo.quick is not None and memo.quick is data


# Not a tuple, so every family reads a step one way, by attribute; and not frozen: a frozen
# dataclass costs 0.6 µs more per step to make (object.__setattr__), a tenth of what all the
# checks of a step cost. Nothing changes a step once made.
@dataclass(slots=True)
class Step:
    """One object in ``steps`` with what every rule family asks of it, worked out once: its
    ``$type`` and ``input`` (None unless a string and an object) and, when it has both, which
    catalog leaf the input is."""

    pointer: str
    data: dict[str, Any]
    type: str | None
    input: dict[str, Any] | None
    resolution: catalog.Resolution | None


def steps(data: Any) -> list[Step]:
    """Every step that is an object, in order (do not modify the list)."""
    memo = _MEMO.get()
    hit = memo.steps.get(id(data)) if memo is not None else None
    if hit is not None and hit[0] is data:
        return hit[1]
    items = data.get("steps") if isinstance(data, dict) else None
    leaves = memo is None or memo.leaves
    found = (
        [_step(f"/steps/{i}", s, leaves) for i, s in enumerate(items) if isinstance(s, dict)]
        if isinstance(items, list)
        else []
    )
    if memo is not None:
        memo.steps[id(data)] = (data, found)
    return found


def _step(pointer: str, step: dict[str, Any], leaves: bool) -> Step:
    kind, data_in = step_type(step), step_input(step)
    found = catalog.resolve(kind, data_in) if leaves and kind is not None and data_in is not None else None
    return Step(pointer, step, kind, data_in, found)


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


_SCALARS = frozenset({str, int, float, bool, type(None)})  # (a quick test first; isinstance decides)


def references(value: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every value reference inside ``value``, in document order (iteratively, so depth cannot
    exhaust the stack; pointers are built only for the references found)."""
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            yield pointer, value
            return  # (a reference is not looked into)
        if _flat(value):
            return  # a flat object (most step inputs): nothing inside to walk
        inner = [(key, item) for key, item in value.items() if isinstance(item, (dict, list))]
        flat = [(key, item) for key, item in inner if isinstance(item, dict) and _flat(item)]
        if len(flat) == len(inner):
            for key, item in flat:  # flat objects inside (an input whose values are references)
                if isinstance(item.get("$ref"), str):
                    yield pointers.child(pointer, key), item
            return
    pending: list[tuple[tuple[Any, ...] | None, Any]] = [((), value)]
    # The containers being walked, by identity: an in-memory object may contain itself (readers
    # never give one), and walking into it again would never end. (A None path marks where a
    # container's walk ends.)
    above: set[int] = set()
    while pending:
        path, node = pending.pop()
        if path is None:
            above.discard(id(node))
            continue
        if id(node) in above:
            continue
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield pointer + pointers.join(path), node
                continue
            above.add(id(node))
            pending.append((None, node))
            pending.extend(((*path, k), v) for k, v in reversed(node.items()) if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            above.add(id(node))
            pending.append((None, node))
            pending.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))) if isinstance(v, (dict, list)))


def _flat(value: dict[str, Any]) -> bool:
    """Whether an object holds no object or array (its members' types read in C first)."""
    return _SCALARS.issuperset(map(type, value.values())) or not any(
        isinstance(item, (dict, list)) for item in value.values()
    )


def number(value: Any) -> float | None:
    """A finite JSON number (not a boolean, not NaN or infinity, which readers report), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def number_text(amount: float) -> str:
    """A number as a person writes it: ``1024``, not ``1024.0``."""
    if isinstance(amount, int):
        return str(amount)  # (an integer of 400 digits has no float)
    return str(int(amount)) if amount.is_integer() else str(amount)


def quotient(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, infinite rather than an error when integers too large for a
    float make it overflow (a width of 10**400 is valid JSON)."""
    try:
        return numerator / denominator
    except OverflowError:
        return math.inf if (numerator >= 0) == (denominator >= 0) else -math.inf


# What the checks that read many steps (FamilyCheck.reads_many_steps) read of a step's input
# besides its value references: the video chain's sizes and sources.
_CHAIN_KEYS = ("width", "height", "resolution", "aspectRatio", "scaleFactor", "video")


def skeleton(step: Any, shared: dict[tuple[Any, ...], dict[str, Any]]) -> Any:
    """What the document checks read of a step, and nothing else: its ``$type`` and ``name``
    when strings, and its input whole when it holds value references, else only the input's
    video-chain keys. Inputs of those keys alone are shared through ``shared`` when equal, so
    the skeletons of 100,000 steps of a few sizes hold a few inputs. Not an object: None (the
    checks skip steps that are not objects)."""
    if not isinstance(step, dict):
        return None
    kept: dict[str, Any] = {}
    kind, name = step.get("$type"), step.get("name")
    if isinstance(kind, str):
        kept["$type"] = sys.intern(kind)  # (one string for the many steps of a type, not one each)
    if isinstance(name, str):
        kept["name"] = name
    if "input" not in step:
        return kept
    value = step["input"]
    flat = isinstance(value, dict) and _SCALARS.issuperset(map(type, value.values()))
    if (flat and isinstance(value.get("$ref"), str)) or (not flat and next(references(value, ""), None) is not None):
        kept["input"] = value
    elif isinstance(value, dict):
        # (typed: 1, 1.0 and True are equal keys, but the checks tell them apart)
        chain = tuple((key, type(value[key]), value[key]) for key in _CHAIN_KEYS if key in value)
        try:
            kept["input"] = shared.setdefault(chain, {key: item for key, _, item in chain})
        except TypeError:  # an unhashable value (a list for a width): not shared
            kept["input"] = {key: item for key, _, item in chain}
    return kept
