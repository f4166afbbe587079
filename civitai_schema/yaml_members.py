"""Where a value, a key or a whole member of a mapping lies in a YAML text, from the parser's
nodes, for fixes that must edit exactly that and nothing around it.

The node marks alone mislead in three places, each of which made a fix lose data:

- a block collection ends where the next token starts, so its span takes in the comments and
  blank lines that follow it; its content ends with its last item;
- an alias (``*name``) yields the anchored node itself, whose marks are where the anchor is,
  not where the alias is written;
- a member of a flow mapping (``{a: 1, b: 2}``) shares its line with the others, so it is
  removed with one comma, never with its line.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*[ \t]+)+")  # an anchor and/or a tag before a value
_ALIAS = re.compile(r"\*[^\s,\[\]{}]+")
_GAP = re.compile(r"(?:[ \t\r\n]|#[^\r\n]*)*")  # blanks and comments
_ANCHOR = re.compile(r"(?:^|(?<=[\s\[\]{},]))&([^\s,\[\]{}]+)")
_FLOW_REST_OF_LINE = re.compile(r"[ \t]*,?[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)")
_REST_OF_LINE = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|\Z)")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class Place(NamedTuple):
    """A value found by its pointer: the containers above it (root first), its key node when
    its parent is a mapping, and its node (for an alias, the anchored node)."""

    containers: tuple[Node, ...]
    key: Node | None
    node: Node


def find(locator: Any, tokens: list[str]) -> Place | None:
    """The place of ``tokens`` in a :class:`~civitai_schema.readers.yaml.YamlLocator`'s tree."""
    child = getattr(locator, "_child", None)  # (the locator's own lookup: the last pair of a key wins)
    node, key = getattr(locator, "root", None), None
    if child is None or node is None:
        return None
    containers: list[Node] = []
    for token in tokens:
        found = child(node, token)
        if found is None:
            return None
        containers.append(node)
        key, node = found
    return Place(tuple(containers), key, node)


def in_flow(place: Place) -> bool:
    """Whether the value is written inside a flow collection, where ``,[]{}`` end a plain scalar."""
    return any(getattr(container, "flow_style", False) for container in place.containers)


class Text:
    """Offsets in the text for the parser's marks (``shift``: characters before its index 0)."""

    def __init__(self, text: str, shift: int) -> None:
        self.text = text
        self.shift = shift

    def start(self, node: Node) -> int:
        return int(node.start_mark.index) + self.shift

    def end(self, node: Node) -> int:
        return int(node.end_mark.index) + self.shift

    def value(self, place: Place) -> tuple[int, int] | None:
        """The value's own text: past its anchor and tag, up to the end of its content (an
        alias: the ``*name`` written there). None where it cannot be told exactly."""
        if self.is_alias(place):
            return self.alias(place)
        start = self.start(place.node)
        properties = _PROPERTIES.match(self.text, start)
        if properties is not None and properties.end() < self.content_end(place.node):
            start = properties.end()
        return start, self.content_end(place.node)

    def key(self, place: Place) -> tuple[int, int] | None:
        if place.key is None:
            return None
        return self.start(place.key), self.end(place.key)

    def is_alias(self, place: Place) -> bool:
        """An anchor comes before its aliases, so a value whose node starts before its own key,
        or before the collection holding it, is written there as an alias."""
        start = self.start(place.node)
        if place.key is not None:
            return start < self.end(place.key)
        if place.containers:
            return start < self.start(place.containers[-1])
        return False

    def alias(self, place: Place) -> tuple[int, int] | None:
        if place.key is None:
            return None  # an alias among a sequence's items: where it is written is not known
        after = self.end(place.key)
        colon = re.compile(r"[ \t]*:").match(self.text, after)
        if colon is None:
            return None
        found = _ALIAS.match(self.text, _GAP.match(self.text, colon.end()).end())  # type: ignore[union-attr]
        return (found.start(), found.end()) if found is not None else None

    def content_end(self, node: Node) -> int:
        """Where the node's content ends: a block collection's with its last item's, a block
        scalar's before the line breaks that end it."""
        while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
            last = node.value[-1]
            child = last[1] if isinstance(node, MappingNode) else last
            written_before = self.start(child) < self.start(node) or (
                isinstance(node, MappingNode) and self.start(child) < self.end(last[0])
            )
            if written_before:  # the last item is an alias: its line ends the content
                return self._without_trailing_comments(self.start(node), self.end(node))
            node = child
        end = self.end(node)
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            end = self.start(node) + len(self.text[self.start(node) : end].rstrip(" \t\r\n"))
        return end

    def _without_trailing_comments(self, start: int, end: int) -> int:
        region = self.text[start:end]
        keep = len(region)
        for line in reversed(_LINES.findall(region)):
            content = line.strip(" \t\r\n")
            if content and not content.startswith("#"):
                break
            keep -= len(line)
        return start + len(region[:keep].rstrip(" \t\r\n"))

    def member(self, place: Place, mapping: MappingNode) -> tuple[int, int] | None:
        """The text to remove to take the member out of ``mapping``: in a block mapping its lines
        (with a comment at the end of its last line, not the lines after it); in a flow mapping
        the member and one comma beside it."""
        key, value = self.key(place), self.value(place)
        if key is None or value is None:
            return None
        pairs = mapping.value
        index = next((i for i, (k, _) in enumerate(pairs) if k is place.key), None)
        if index is None:
            return None
        line_start = max(self.text.rfind("\n", 0, key[0]), self.text.rfind("\r", 0, key[0])) + 1
        first_on_line = not self.text[line_start : key[0]].strip(" \t")
        if mapping.flow_style:
            own_lines = _FLOW_REST_OF_LINE.match(self.text, value[1]) if first_on_line else None
            if own_lines is not None:  # a member on lines of its own: those lines (comments around stay)
                return line_start, own_lines.end()
            if index > 0:
                before = Place(place.containers, pairs[index - 1][0], pairs[index - 1][1])
                previous = self.value(before)
                return None if previous is None else (previous[1], value[1])
            if len(pairs) > 1:
                return key[0], self.start(pairs[1][0])
            return key[0], value[1]
        if not first_on_line:
            # not first on its line ("- key: value"): up to the next key, or to the line's end
            if index + 1 < len(pairs):
                return key[0], self.start(pairs[index + 1][0])
            return key[0], value[1]
        rest = _REST_OF_LINE.match(self.text, value[1])
        return line_start, rest.end() if rest is not None else value[1]

    def defines_used_anchor(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` defines an anchor that an alias outside it uses: removing
        or rewriting it would leave that alias undefined."""
        region = self.text[start:end]
        if "&" not in region:
            return False
        for match in _ANCHOR.finditer(region):
            alias = re.compile(r"\*" + re.escape(match.group(1)) + r"(?![^\s,\[\]{}])")
            if alias.search(self.text, 0, start) or alias.search(self.text, end):
                return True
        return False
