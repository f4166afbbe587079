""" "Did you mean": the closest known value to a wrong one."""

from __future__ import annotations

from collections.abc import Iterable


def closest(value: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``value`` most likely meant: a case-insensitive match first, then the
    nearest spelling, ignoring case, punctuation and spaces (``DPM++ 2M`` ~ ``dpmpp_2m``)."""
    options = [c for c in candidates if isinstance(c, str)]
    lowered = value.lower()
    for candidate in options:
        if candidate.lower() == lowered:
            return candidate
    squashed = {_squash(c): c for c in options}
    if _squash(value) in squashed:
        return squashed[_squash(value)]
    import difflib  # only when a value is wrong

    match = difflib.get_close_matches(_squash(value), list(squashed), n=1, cutoff=0.7)
    return squashed[match[0]] if match else None


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum()).replace("plus", "p")
