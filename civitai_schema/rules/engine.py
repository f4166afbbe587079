"""Problems of the checker itself, reported as findings so one failure never hides the rest."""

from __future__ import annotations

from ..findings import Severity
from .rule import Rule

INTERNAL_ERROR = Rule(
    "X001",
    "internal-error",
    Severity.ERROR,
    "A check crashed on this document.",
    """A bug in civitai-schema, not in your document: one check raised an exception. The other
checks and documents still ran. Please report it with the document that triggers it; the message
names the check and the exception.

Bad: any document that makes a check crash.   Good: a fixed civitai-schema.""",
    "engine",
)

RULES = (INTERNAL_ERROR,)
