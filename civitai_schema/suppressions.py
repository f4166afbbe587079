"""Suppressing findings where a person decided to live with them.

YAML files take comments: ``# civitai-schema: ignore[CODE-or-name, …]`` at the end of the
offending line, or alone on the line above it; ``# civitai-schema: ignore-file[…]`` anywhere for
the whole file. Without ``[…]`` every rule is ignored. JSON has no comments, so its suppressions
are ``per-path-ignores`` in the configuration: a file glob plus a JSON Pointer pattern, where
``*`` matches one token and ``**`` any number. A suppression that suppresses nothing is reported
as ``unused-suppression`` (U001).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import pointers
from .config import PathIgnore, Settings, codes_for, glob_match
from .documents import Lines, split_lines
from .findings import Finding, Span
from .paths import shown
from .rules.suppression import UNUSED_SUPPRESSION

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DIRECTIVE = re.compile(r"(?:^|\s)#\s*civitai-schema:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?")


@dataclass
class Directive:
    line: int
    column: int
    end_column: int
    selectors: tuple[str, ...]  # empty: every rule
    lines: frozenset[int]  # the finding lines it covers; empty for a file-level directive
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        if self.lines and finding.line not in self.lines:
            return False
        return not self.selectors or any(finding.code in codes_for(s) for s in self.selectors)


def directives(text: str) -> list[Directive]:
    """The ignore comments of a YAML text. Only real comments count: a ``#`` inside a quoted
    string or a block scalar (``|``, ``>``) is the document's text, and honouring it let a value
    such as ``"… # civitai-schema: ignore-file"`` hide every finding of the file."""
    candidates: list[tuple[int, int, str, re.Match[str]]] = []  # (offset of the '#', line, line text, match)
    lines = split_lines(text)
    starts = Lines(text).starts
    for number, line in enumerate(lines, start=1):
        if "civitai-schema" not in line:
            continue
        for match in _DIRECTIVE.finditer(line):
            hash_at = match.start() + (1 if match.group().startswith((" ", "\t")) else 0)
            candidates.append((starts[number - 1] + hash_at, number, line, match))
    if not candidates:
        return []
    comments = _comment_offsets(text, [offset for offset, *_ in candidates])
    found = []
    taken: set[int] = set()  # (one directive per line: its first real comment)
    for offset, number, line, match in candidates:
        if offset not in comments or number in taken:
            continue
        taken.add(number)
        selectors = tuple(s.strip() for s in (match["codes"] or "").split(",") if s.strip())
        comment_only = not line[: offset - starts[number - 1]].strip()
        covered = frozenset() if match["kind"] == "ignore-file" else frozenset({number + 1 if comment_only else number})
        column = offset - starts[number - 1] + 1
        found.append(Directive(number, column, len(line.rstrip()) + 1, selectors, covered))
    return found


def _comment_offsets(text: str, offsets: list[int]) -> set[int]:
    """Which of ``offsets`` (each at a ``#`` that follows a blank or starts a line) begin a real
    comment. PyYAML reports no comments, so they are found as what its scanner leaves out: a
    ``#`` outside every token's span is a comment. A block scalar's span starts at its ``|`` or
    ``>``, whose line may end in a comment of its own, so its span is taken from the next line.
    Past a scanning error nothing is known, so no later ``#`` counts."""
    import yaml  # (only texts that mention a directive get here)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    shift = int(text.startswith("\ufeff") and not isinstance(loader, yaml.SafeLoader))  # (libyaml skips the BOM)
    wanted = sorted(offsets)
    inside: set[int] = set()
    end_of_scan = len(text) + 1
    try:
        while loader.check_token():
            token = loader.get_token()
            start, end = token.start_mark.index + shift, token.end_mark.index + shift
            if end <= start:
                continue
            if getattr(token, "style", None) in ("|", ">"):
                header_end = _LINE_BREAK.search(text, start)
                start = header_end.start() if header_end is not None else end
            inside.update(wanted[bisect.bisect_left(wanted, start) : bisect.bisect_left(wanted, end)])
    except yaml.YAMLError as exc:
        marks = [getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)]
        known = [m.index + shift for m in marks if m is not None]
        position = getattr(exc, "position", None)  # (a reader error: a character YAML does not allow)
        if not known and isinstance(position, int):
            known = [position]
        end_of_scan = min(known, default=0)
    finally:
        loader.dispose()
    return {offset for offset in offsets if offset not in inside and offset < end_of_scan}


def apply_comments(findings: list[Finding], text: str, file: str) -> tuple[list[Finding], list[Finding]]:
    """The findings no comment suppresses, and a U001 for each directive that suppressed nothing."""
    found = directives(text)
    if not found:
        return findings, []
    # Each finding meets only the directives of its own line and the file-level ones for its
    # code (the first in the file wins): trying every directive for every finding made a file
    # with a comment per step, or thousands of file-level comments, quadratic.
    by_line: dict[int, list[int]] = {}
    whole_file: dict[str | None, list[int]] = {}  # by code; None for those that name no rule
    for index, each in enumerate(found):
        for line in each.lines:
            by_line.setdefault(line, []).append(index)
        if not each.lines:
            for code in set().union(*map(codes_for, each.selectors)) if each.selectors else (None,):
                whole_file.setdefault(code, []).append(index)
    kept: list[Finding] = []
    unused_findings: list[Finding] = []
    for finding in findings:
        on_line = by_line.get(finding.line, ()) if finding.line is not None else ()
        candidates = [i for i in on_line if found[i].covers(finding)]
        candidates += [group[0] for group in (whole_file.get(finding.code), whole_file.get(None)) if group]
        directive = found[min(candidates)] if candidates else None
        if directive is None:
            kept.append(finding)
        else:
            directive.used.add(finding.code)
    for directive in found:
        unused = [s for s in directive.selectors if not codes_for(s) & directive.used]
        if directive.used and not unused:
            continue
        what = ", ".join(unused) if unused else "every rule"
        reason = " (no such rule)" if any(not codes_for(s) for s in unused) else ""
        message = f"this ignore comment suppresses nothing for {what}{reason}; remove it"
        span = Span(directive.line, directive.column, directive.line, directive.end_column)
        unused_findings.append(UNUSED_SUPPRESSION.finding(message).located(file, span))
    return kept, unused_findings


def apply_path_ignores(
    findings: Iterable[Finding], settings: Settings, file: str, used: set[PathIgnore]
) -> list[Finding]:
    relative = settings.relative(file)
    entries = [e for e in settings.per_path_ignores if glob_match(e.files, relative)]
    if not entries:
        return list(findings)
    kept = []
    for finding in findings:
        entry = next(
            (
                e
                for e in entries
                if pointer_match(e.pointer, finding.path) and any(finding.code in codes_for(s) for s in e.rules)
            ),
            None,
        )
        if entry is None:
            kept.append(finding)
        else:
            used.add(entry)
    return kept


def pointer_match(pattern: str, pointer: str) -> bool:
    """JSON Pointer patterns: ``*`` is one token, ``**`` any number of tokens.

    The pattern's positions reachable after each token are tracked together (time: tokens ×
    pattern), so several ``**`` against a deep pointer cannot make it exponential, as trying
    each split in turn did."""
    wanted, tokens = pointers.split(pattern), pointers.split(pointer)

    def past_wildcards(states: set[int]) -> set[int]:  # a ``**`` may match no token at all
        pending, reached = list(states), set()
        while pending:
            i = pending.pop()
            if i not in reached:
                reached.add(i)
                if i < len(wanted) and wanted[i] == "**":
                    pending.append(i + 1)
        return reached

    states = past_wildcards({0})
    for token in tokens:
        after = set()
        for i in states:
            if i == len(wanted):
                continue
            if wanted[i] == "**":
                after.add(i)
            elif wanted[i] in ("*", token):
                after.add(i + 1)
        states = past_wildcards(after)
        if not states:
            return False
    return len(wanted) in states


def unused_path_ignores(runs: Iterable[tuple[Settings, Sequence[str]]], used: set[PathIgnore]) -> list[Finding]:
    """U001 findings for per-path-ignores entries that suppressed nothing in the whole run,
    among those whose ``files`` glob matched a file checked with those settings. An entry for a
    file the run did not check says nothing about that file: a pre-commit run that does not
    touch it must not call the entry unused."""
    out = []
    for each, checked in runs:
        if each.source is None:
            continue
        candidates = [e for e in each.per_path_ignores if e not in used]
        relative = [each.relative(path) for path in checked] if candidates else []
        candidates = [e for e in candidates if any(glob_match(e.files, r) for r in relative)]
        if not candidates:
            continue
        try:
            lines = split_lines(each.source.read_text("utf-8"))
        except OSError:
            lines = []
        for entry in candidates:
            number = next((i for i, line in enumerate(lines, 1) if entry.pointer and entry.pointer in line), 1)
            message = f'per-path-ignores entry for "{entry.pointer}" in {entry.files} suppresses nothing; remove it'
            where = shown(str(each.source))
            out.append(UNUSED_SUPPRESSION.finding(message).located(where, Span(number, 1, number, 2)))
    return out
