"""Suppressions that suppress nothing, so they cannot rot (see civitai_schema/suppressions.py)."""

from __future__ import annotations

from ..findings import Severity
from .rule import Rule

UNUSED_SUPPRESSION = Rule(
    "U001",
    "unused-suppression",
    Severity.WARNING,
    "An ignore comment or per-path ignore that suppresses nothing.",
    """A `# civitai-schema: ignore[…]` comment, or a `per-path-ignores` entry of the configuration,
that no finding matches any more: the problem was fixed, the rule renamed, or the comment moved
away from its line. Remove it, so a new problem there is not hidden by an old excuse.

Bad: `seed: 7  # civitai-schema: ignore[N109]` (7 is fine)   Good: `seed: 7`""",
    "suppression",
)

RULES = (UNUSED_SUPPRESSION,)
