"""Small answers about JSON values that several rule families word their findings with."""

from __future__ import annotations

from typing import Any

from ..findings import Fix
from ..fix_actions import Replace


def case_fix(value: Any, guess: str | None) -> Fix | None:
    """A safe fix when the right value differs only in letter case."""
    if isinstance(value, str) and guess is not None and guess != value and guess.lower() == value.lower():
        return Fix(f'write "{guess}"', "safe", Replace(guess))
    return None


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
