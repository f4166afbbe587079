"""Findings as the protocol's diagnostics: code, severity, exact range, a link to the rule's
documentation, and related information where a finding has a second end (the other step of a
duplicate name, the step a ``$ref`` reads in a cycle or a self reference)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lsprotocol import types

from .. import pointers, readers, rule_docs, rules
from ..documents import Document
from ..findings import Finding, Severity
from .positions import Positions

SOURCE = "civitai-schema"

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
# Findings whose other end is a step: duplicate names, and the references of a cycle or a step
# that reads itself (the step the reference names).
_TWO_ENDED = frozenset({"G102", "G103", "G105"})
_POSITIONAL = re.compile(r"\$(\d+)")


def rule_url(code: str) -> str | None:
    rule = rules.lookup(code)
    return None if rule is None else rule_docs.rule_url(rule)


def finding_range(finding: Finding, positions: Positions) -> types.Range:
    line, column = finding.line or 1, finding.column or 1
    start = positions.at(line, column)
    end = positions.at(finding.end_line or line, finding.end_column or column + 1)
    return types.Range(start=start, end=end if (end.line, end.character) > (start.line, start.character) else start)


def diagnostic(
    finding: Finding, positions: Positions, related: list[types.DiagnosticRelatedInformation]
) -> types.Diagnostic:
    url = rule_url(finding.code)
    message = finding.message if finding.hint is None else f"{finding.message}\n{finding.hint}"
    return types.Diagnostic(
        range=finding_range(finding, positions),
        message=message,
        severity=_SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source=SOURCE,
        related_information=related or None,
        data={"name": finding.name, "path": finding.path, "fixable": finding.fixable},
    )


def diagnostics(
    findings: Iterable[Finding], uri: str, positions: Positions, path: str, fmt: str
) -> list[types.Diagnostic]:
    findings = list(findings)
    documents: list[Document] | None = None
    out = []
    for finding in findings:
        related: list[types.DiagnosticRelatedInformation] = []
        if finding.code in _TWO_ENDED:
            if documents is None:  # (read again only for the few files that have such findings)
                documents = readers.read_text(path, positions.text, fmt).documents
            related = _related(finding, documents, uri, positions)
        out.append(diagnostic(finding, positions, related))
    return out


def _related(
    finding: Finding, documents: list[Document], uri: str, positions: Positions
) -> list[types.DiagnosticRelatedInformation]:
    document = _owner(finding, documents)
    if document is None:
        return []
    tokens = pointers.split(finding.path)
    if len(tokens) < 2 or tokens[0] != "steps":
        return []
    steps = document.data.get("steps") if isinstance(document.data, dict) else None
    if not isinstance(steps, list):
        return []
    value = _at(document.data, tokens)
    if finding.code == "G105":
        other = next((i for i, s in enumerate(steps) if isinstance(s, dict) and s.get("name") == value), None)
        what = f'the first step named "{value}"'
    else:
        other = step_named(steps, value)
        what = f'the step "{value}" this reference reads'
    if other is None:
        return []
    pointer = f"/steps/{other}/name" if isinstance(steps[other], dict) and "name" in steps[other] else f"/steps/{other}"
    span = document.locator.span(pointer, "value")
    start = positions.at(span.line, span.column)
    end = positions.at(span.end_line, span.end_column)
    location = types.Location(uri=uri, range=types.Range(start=start, end=end))
    return [types.DiagnosticRelatedInformation(location=location, message=what)]


def _owner(finding: Finding, documents: list[Document]) -> Document | None:
    """The document of a YAML stream a finding belongs to: the one that locates its pointer where it is."""
    if len(documents) == 1:
        return documents[0]
    for document in documents:
        span = document.locator.span(finding.path, finding.target)
        if (span.line, span.column) == (finding.line, finding.column):
            return document
    return None


def _at(data: Any, tokens: list[str]) -> Any:
    for token in tokens:
        if isinstance(data, dict):
            data = data.get(token)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return None
    return data


def step_named(steps: list[Any], source: Any) -> int | None:
    """The index of the step a ``$ref`` source names: by ``name``, ``$N`` or a bare index."""
    if not isinstance(source, str):
        return None
    for index, step in enumerate(steps):
        if isinstance(step, dict) and step.get("name") == source:
            return index
    match = _POSITIONAL.fullmatch(source)
    digits = match.group(1) if match else (source if source.isascii() and source.isdigit() else None)
    if digits is not None and int(digits) < len(steps):
        return int(digits)
    return None
