"""AIR, the AI Resource Identifier: ``urn:air:{ecosystem}:{type}:{source}:{id}[@{version}][+{fileId}][.{format}]``.

The official pattern (facts §1.2) uses JavaScript named groups; this is the same grammar with
Python's ``(?P<…>)`` and a full match (Python's ``$`` would accept a trailing newline). Two
choices, both documented by the facts: ``+digits`` after the version is the file id (as the
official client reads it), and the version is matched lazily so ``@128713.safetensor`` is
version ``128713`` with format ``safetensor``, which is what the grammar means.

>>> parse("urn:air:sdxl:checkpoint:civitai:827184@2514310+2402203").file_id
'2402203'
>>> str(parse("sdxl:lora:civitai:1@2"))
'urn:air:sdxl:lora:civitai:1@2'
"""

from __future__ import annotations

import re
from typing import NamedTuple

from . import limits

_SEGMENT = r"[A-Za-z0-9_\-/]+"
_PATTERN = re.compile(
    rf"(?P<prefix>(?:urn:)?(?:air:)?)"
    rf"(?:(?P<ecosystem>{_SEGMENT}):)?"
    rf"(?:(?P<type>{_SEGMENT}):)?"
    rf"(?P<source>{_SEGMENT}):"
    r"(?P<id>[A-Za-z0-9_\-/.]+?)"
    r"(?:@(?P<version>[A-Za-z0-9_\-/.=,%:]+?))?"
    r"(?:\+(?P<file_id>\d+))?"
    r"(?:\.(?P<format>[A-Za-z][A-Za-z0-9_\-]*))?",
    re.ASCII,
)
_SEGMENT_RE = re.compile(_SEGMENT)
_ID_RE = re.compile(r"[A-Za-z0-9_\-/.]+")
_VERSION_RE = re.compile(r"[A-Za-z0-9_\-/.=,%:]+")


class AIRError(ValueError):
    """A string that is not an AIR; ``part`` names what is wrong (``source``, ``version``, …)."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


class AIR(NamedTuple):
    source: str
    id: str
    ecosystem: str | None = None
    type: str | None = None
    version: str | None = None
    file_id: str | None = None
    format: str | None = None
    canonical_prefix: bool = True

    @property
    def canonical(self) -> str:
        """The full ``urn:air:…`` form the API documentation asks for."""
        head = ":".join(p for p in (self.ecosystem, self.type, self.source, self.id) if p is not None)
        text = f"urn:air:{head}"
        if self.version is not None:
            text += f"@{self.version}"
        if self.file_id is not None:
            text += f"+{self.file_id}"
        if self.format is not None:
            text += f".{self.format}"
        return text

    def __str__(self) -> str:
        return self.canonical


@limits.value_cache(8192)  # the same checkpoints and LoRAs recur across documents
def parse(text: str) -> AIR:
    """The parts of ``text``, or :class:`AIRError` naming the part that is wrong."""
    if not isinstance(text, str):
        raise AIRError("value", "an AIR is a string")
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise _diagnose(text)
    return AIR(
        source=match["source"],
        id=match["id"],
        ecosystem=match["ecosystem"],
        type=match["type"],
        version=match["version"],
        file_id=match["file_id"],
        format=match["format"],
        canonical_prefix=match["prefix"] == "urn:air:",
    )


def looks_like_air(text: object) -> bool:
    """Whether a string is meant as an AIR (used where a field holds an AIR or something else)."""
    return isinstance(text, str) and (text.startswith(("urn:", "air:")) or text.count(":") >= 2)


def _diagnose(text: str) -> AIRError:
    if not text.strip():
        return AIRError("value", "the AIR is empty")
    if any(ch.isspace() for ch in text):
        return AIRError("value", "an AIR has no spaces")
    body = re.sub(r"^(?:urn:)?(?:air:)?", "", text)
    head, at, tail = body.partition("@")
    segments = head.split(":")
    if len(segments) < 2:
        return AIRError("source", "an AIR needs at least a source and an id, as in civitai:4384@128713")
    if len(segments) > 4:
        return AIRError(
            "value", f"an AIR has at most 4 parts before '@' (ecosystem:type:source:id), this has {len(segments)}"
        )
    names = ["ecosystem", "type", "source", "id"][-len(segments) :]
    for name, segment in zip(names, segments, strict=True):
        pattern = _ID_RE if name == "id" else _SEGMENT_RE
        if not segment:
            return AIRError(name, f"the {name} is empty")
        if pattern.fullmatch(segment) is None:
            return AIRError(name, f"the {name} {segment!r} has characters an AIR does not allow")
    if at:
        version = re.sub(r"(\+\d+)?(\.[A-Za-z0-9_\-]+)?$", "", tail) if tail else ""
        if not tail:
            return AIRError("version", "the version after '@' is empty")
        if "+" in tail and not re.search(r"\+\d+(\.[A-Za-z0-9_\-]+)?$", tail):
            return AIRError("file id", "the file id after '+' must be digits")
        if not version or _VERSION_RE.fullmatch(version) is None:
            return AIRError("version", f"the version {tail!r} has characters an AIR does not allow")
    return AIRError("value", "not an AIR (urn:air:ecosystem:type:source:id@version)")
