"""Code actions: each fix as a quick fix (safe ones first and preferred, unsafe ones marked),
"fix all safe fixes", and suppressing a finding: a YAML ignore comment on its line, or for JSON,
which has no comments, a ``per-path-ignores`` entry in the nearest configuration file."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from lsprotocol import types

from .. import config
from ..findings import Finding, Report
from .diagnostics import SOURCE, finding_range
from .positions import Positions

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
# Findings an ignore comment is not offered for: reading problems (the text may not even parse),
# unused suppressions (remove the comment instead) and the checker's own errors.
_NOT_SUPPRESSIBLE = ("P", "U", "X")
_DIRECTIVE = re.compile(r"#\s*civitai-schema:\s*ignore\[(?P<codes>[^\]]*)\]")
VERIFY_MAX_CHARS = 256 * 1024  # an ignore comment is checked by re-checking the text up to this size


def _overlaps(finding_range_: types.Range, wanted: types.Range) -> bool:
    start, end = finding_range_.start, finding_range_.end
    return (start.line, start.character) <= (wanted.end.line, wanted.end.character) and (
        wanted.start.line,
        wanted.start.character,
    ) <= (end.line, end.character)


def _edit(uri: str, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: edits})


def quick_fixes(
    uri: str, report: Report, positions: Positions, wanted: types.Range, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    safe: list[types.CodeAction] = []
    unsafe: list[types.CodeAction] = []
    for finding in report.findings:
        if not finding.fixable or finding.fix is None:
            continue
        where = finding_range(finding, positions)
        if not _overlaps(where, wanted):
            continue
        is_safe = finding.fix.applicability == "safe"
        edits = [
            types.TextEdit(range=positions.range(e.start, e.end), new_text=e.replacement) for e in finding.fix.edits
        ]
        title = f"{SOURCE} ({finding.code}): {finding.fix.description}" + ("" if is_safe else " (unsafe)")
        action = types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=_matching(finding, where, diagnostics),
            edit=_edit(uri, edits),
            is_preferred=is_safe or None,
        )
        (safe if is_safe else unsafe).append(action)
    return safe + unsafe


def _matching(
    finding: Finding, where: types.Range, diagnostics: list[types.Diagnostic]
) -> list[types.Diagnostic] | None:
    found = [d for d in diagnostics if d.code == finding.code and d.range == where]
    return found or None


def fix_all(uri: str, before: str, after: str, positions: Positions, kind: str = FIX_ALL) -> types.CodeAction | None:
    """One action that applies every safe fix: a single edit over the part of the text that changes."""
    if after == before:
        return None
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    edit = types.TextEdit(range=positions.range(start, len(before) - end), new_text=after[start : len(after) - end])
    return types.CodeAction(title=f"{SOURCE}: fix all safe fixes", kind=kind, edit=_edit(uri, [edit]))


def yaml_ignore(
    uri: str,
    finding: Finding,
    text: str,
    positions: Positions,
    diagnostics: list[types.Diagnostic],
    still_found: Callable[[str], bool] | None,
) -> types.CodeAction | None:
    """``# civitai-schema: ignore[CODE]`` at the end of the finding's line (added to a directive
    already there), or alone on the line above when that is what works: an end-of-line comment
    inside a multi-line string would be part of the string. ``still_found`` re-checks a
    candidate text, so only a comment that suppresses the finding, and nothing else, is offered."""
    if finding.code.startswith(_NOT_SUPPRESSIBLE) or finding.line is None:
        return None
    line = finding.line - 1
    starts = positions.lines.starts
    if line >= len(starts):
        return None
    start = starts[line]
    stop = starts[line + 1] if line + 1 < len(starts) else len(text)
    content = text[start:stop].rstrip("\r\n")
    existing = _DIRECTIVE.search(content)
    candidates: list[tuple[int, int, str]] = []
    if existing is not None:
        codes = [c.strip() for c in existing["codes"].split(",") if c.strip()]
        if finding.code in codes or finding.name in codes:
            return None
        replacement = f"# civitai-schema: ignore[{', '.join([*codes, finding.code])}]"
        candidates.append((start + existing.start(), start + existing.end(), replacement))
    else:
        body = content.rstrip()
        candidates.append((start + len(body), start + len(content), f"  # civitai-schema: ignore[{finding.code}]"))
        indent = content[: len(content) - len(content.lstrip())]
        candidates.append((start, start, f"{indent}# civitai-schema: ignore[{finding.code}]{_newline(text)}"))
    where = finding_range(finding, positions)
    for first, last, replacement in candidates:
        patched = text[:first] + replacement + text[last:]
        if still_found is not None and still_found(patched):
            continue
        edit = types.TextEdit(range=positions.range(first, last), new_text=replacement)
        return types.CodeAction(
            title=f"{SOURCE} ({finding.code}): ignore {finding.name} on this line",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=_matching(finding, where, diagnostics),
            edit=_edit(uri, [edit]),
        )
    return None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def json_ignore(
    finding: Finding, path: str, settings: config.Settings, diagnostics: list[types.Diagnostic], positions: Positions
) -> types.CodeAction | None:
    """A ``per-path-ignores`` entry for the finding's file and pointer, appended to the
    configuration file that applies to the document (or a new ``civitai-schema.toml`` beside it)."""
    if finding.code.startswith(_NOT_SUPPRESSIBLE):
        return None
    source = settings.source
    operations: list[types.TextDocumentEdit | types.CreateFile] = []
    if source is None:
        target = Path(os.path.dirname(os.path.abspath(path))) / "civitai-schema.toml"
        if target.exists():
            return None  # (a configuration that could not be used: leave it to its author)
        root, table, existing = target.parent, "[[per-path-ignores]]", ""
        operations.append(types.CreateFile(uri=target.as_uri(), options=types.CreateFileOptions(ignore_if_exists=True)))
    else:
        target = Path(source)
        try:
            existing = target.read_text("utf-8")
        except OSError:
            return None
        if re.search(r"^\s*per-path-ignores\s*=", existing, re.M):
            return None  # an inline array cannot be extended by an array-of-tables entry
        root = settings.root or target.parent
        prefix = "tool.civitai-schema." if target.name == "pyproject.toml" else ""
        table = f"[[{prefix}per-path-ignores]]"
    try:
        relative = Path(os.path.realpath(path)).relative_to(root).as_posix()
    except ValueError:
        return None
    pointer = finding.path  # (already escaped; a token "*" would match any, which also covers it)
    block = (
        ("\n" if existing and not existing.endswith("\n") else "")
        + ("\n" if existing.strip() else "")
        + f'{table}\nfiles = {_toml_string(relative)}\npath = {_toml_string(pointer)}\nrules = ["{finding.code}"]\n'
    )
    end = Positions(existing).position(len(existing))
    operations.append(
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=target.as_uri(), version=None),
            edits=[types.TextEdit(range=types.Range(start=end, end=end), new_text=block)],
        )
    )
    return types.CodeAction(
        title=f"{SOURCE} ({finding.code}): ignore {finding.name} at {finding.path or '/'} in {target.name}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=_matching(finding, finding_range(finding, positions), diagnostics),
        edit=types.WorkspaceEdit(document_changes=operations),
    )


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
