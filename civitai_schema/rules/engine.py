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

TOO_MANY_FINDINGS = Rule(
    "X002",
    "too-many-findings",
    Severity.WARNING,
    "A file has more findings than are reported.",
    """A file reports at most 10,000 findings (after selection and ignores), the most severe first
and among those the first in the document; this one finding then says how many more there
were, and takes the highest severity among them, so the exit status is the one they would have
given. A check also stops looking after 20,000 findings for one document (schema validation
after 10,000 errors); the count then says "at least". This bounds the memory and time a file can
cost: a few hundred bytes of YAML aliases, or 500,000 empty steps, once made hundreds of
thousands of findings.

Bad: a generated file whose every step lacks `$type`.   Good: fix the generator, then re-check.""",
    "engine",
)

RULES = (INTERNAL_ERROR, TOO_MANY_FINDINGS)
