"""What a fix does, as the rule that offers it states it: a small value with two answers.

A :class:`FixAction` says which text edits make its change in a document (so only the span of
the value or key changes, and the file keeps its formatting, key order and comments), and what
the change does to the document's data (so :mod:`civitai_schema.fix_verification` can show that
the edited text reads back as exactly that). :mod:`civitai_schema.fixes` applies any action
through these two answers and knows no rule. :class:`Replace` and :class:`Rename` serve every
family; a rule with an edit of its own defines its action beside it (the legacy callback pair's
rewrite lives in :mod:`civitai_schema.rules.hygiene`).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

from . import pointers, text_edits
from .documents import Document
from .findings import Edit, Finding

# When a change is made to the data among a pass's changes: values first, then keys (deepest
# first, since a path names the keys above it as they were), then rewrites of the whole document.
VALUE, KEY, DOCUMENT = 0, 1, 2


class Impossible(Exception):
    """A fix's change cannot be made to the data (its target is not there, or a key is taken)."""


class FixAction(abc.ABC):
    """A fix's change, stated by the rule; subclasses are frozen dataclasses."""

    # A rewrite carried by several findings, one edit for each (the legacy callback pair, one
    # finding per member): made only with all of them, or a suppressed member would be rewritten.
    one_edit_per_finding: ClassVar[bool] = False

    @abc.abstractmethod
    def edits(self, document: Document, finding: Finding) -> tuple[Edit, ...]:
        """The edits that make the change in ``document``'s text; none when it cannot be made
        on the exact text (the finding then offers no fix)."""

    @abc.abstractmethod
    def stage(self, finding: Finding) -> int:
        """When the change is made to the data: :data:`VALUE`, :data:`KEY` or :data:`DOCUMENT`."""

    @abc.abstractmethod
    def change(self, data: Copies, finding: Finding) -> None:
        """Make the change on ``data``; :class:`Impossible` when it cannot be made. (It is made
        once for each finding that carries it, so a change several findings share must leave
        the data as it is when made again.)"""


@dataclass(frozen=True)
class Replace(FixAction):
    """Write ``value`` in place of the finding's value (or, for a finding on a key, its key)."""

    value: Any

    def edits(self, document: Document, finding: Finding) -> tuple[Edit, ...]:
        return text_edits.value_edits(document, finding.path, finding.target, self.value)

    def stage(self, finding: Finding) -> int:
        return KEY if finding.target == "key" else VALUE

    def change(self, data: Copies, finding: Finding) -> None:
        if finding.target == "key":
            data.rename(pointers.split(finding.path), self.value)
        else:
            data.replace(pointers.split(finding.path), self.value)


@dataclass(frozen=True)
class Rename(FixAction):
    """Rename the key at the finding's path to ``key``; its value stays."""

    key: str

    def edits(self, document: Document, finding: Finding) -> tuple[Edit, ...]:
        return text_edits.value_edits(document, finding.path, "key", self.key)

    def stage(self, finding: Finding) -> int:
        return KEY

    def change(self, data: Copies, finding: Finding) -> None:
        data.rename(pointers.split(finding.path), self.key)


class Copies:
    """A document's data with changes made to copies of the containers on their paths only;
    everything else is shared with the original. Copies are found by path, not by identity: a
    container an alias shares between two places is changed only where the change is."""

    def __init__(self, data: Any) -> None:
        self.root = data
        self.copied: dict[tuple[str, ...], Any] = {}

    def container(self, tokens: list[str]) -> Any:
        """The (copied) container at ``tokens``, ready to change."""
        if () not in self.copied:
            self.root = self.copied[()] = _copy(self.root)
        node = self.root
        for depth in range(len(tokens)):
            path = tuple(tokens[: depth + 1])
            copy = self.copied.get(path)
            if copy is None:
                copy = self.copied[path] = _copy(_get(node, tokens[depth]))
                _set(node, tokens[depth], copy)
            node = copy
        return node

    def replace(self, tokens: list[str], value: Any) -> None:
        if not tokens:
            raise Impossible
        parent = self.container(tokens[:-1])
        _get(parent, tokens[-1])
        _set(parent, tokens[-1], value)

    def rename(self, tokens: list[str], key: Any) -> None:
        if not tokens:
            raise Impossible
        parent = self.container(tokens[:-1])
        old = tokens[-1]
        if not isinstance(parent, dict) or old not in parent or not isinstance(key, str):
            raise Impossible
        if key != old:
            if key in parent:
                raise Impossible  # the new name is taken: renaming would lose a value
            parent[key] = parent.pop(old)


def _copy(container: Any) -> Any:
    if isinstance(container, dict):
        return dict(container)
    if isinstance(container, list):
        return list(container)
    raise Impossible


def _get(container: Any, token: str) -> Any:
    if isinstance(container, dict):
        if token not in container:
            raise Impossible
        return container[token]
    if isinstance(container, list) and token.isascii() and token.isdigit() and int(token) < len(container):
        return container[int(token)]
    raise Impossible


def _set(container: Any, token: str, value: Any) -> None:
    if isinstance(container, dict):
        container[token] = value
    else:
        container[int(token)] = value
