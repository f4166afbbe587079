"""RFC 6901 JSON Pointers, the path every finding carries."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(parts: Iterable[object]) -> str:
    """``["steps", 0, "$type"]`` -> ``/steps/0/$type``; the whole document is ``""``."""
    return "".join("/" + escape(part) for part in parts)


def child(pointer: str, token: object) -> str:
    return pointer + "/" + escape(token)


def split(pointer: str) -> list[str]:
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    if "~" not in pointer:  # (nearly every pointer: nothing to unescape)
        return pointer[1:].split("/")
    return [unescape(token) for token in pointer[1:].split("/")]
