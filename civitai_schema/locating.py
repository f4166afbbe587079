"""Locate: a document's findings given their place in its text (line, column, the span) and
their fixes turned into text edits. Positions are only ever computed for findings."""

from __future__ import annotations

from .documents import Document
from .findings import Finding, Fix


def located(findings: list[Finding], document: Document) -> list[Finding]:
    """The findings of a document located in its text, fixes turned into edits."""
    if not findings:
        return []
    from . import fixes  # here, not at start-up: a clean run never needs it

    # A locator that can learn the way to every pointer in one pass over the text (JSON's);
    # then each lookup below reads only what it learnt.
    prepare = getattr(document.locator, "prepare", None)
    if prepare is not None:
        prepare(f.path for f in findings if f.line is None)
    # Located in pointer order, so the findings of one step meet its containers together while
    # the locator still keeps them (each family reports in step order, one family after another).
    done = list(findings)
    shared: dict[int, Fix | None] = {}  # (the findings hold their fixes: no identity is reused)
    for index in sorted(range(len(findings)), key=[f.path for f in findings].__getitem__):
        finding = document.locate(findings[index])
        done[index] = finding if finding.fix is None else fixes.with_edits(finding, document, shared)
    return done
