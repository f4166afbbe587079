"""YAML with PyYAML's safe loader (the C one when present), read the way JSON users expect.

Scalars follow the YAML 1.2 core schema rather than PyYAML's YAML 1.1 defaults, because a
request body is JSON: timestamps stay strings (``createdAt`` must validate as ``date-time``),
``16:9`` is the string "16:9" and not the base-60 integer 969, and ``yes``/``on`` are strings.
Duplicate keys, non-string keys and ``.nan``/``.inf`` are noted while constructing; every
document of a stream is checked. Positions come from the nodes of the same parse.
"""

from __future__ import annotations

import collections
import itertools
import math
import re
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .. import pointers
from ..documents import Document, Lines
from ..findings import Span, Target
from . import START, Parsed, Problem, ProblemKind, number_too_long

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"

# Aliases let a few lines expand to billions of values; validation walks the expansion.
MAX_EXPANDED_NODES = 1_000_000
CHARACTERS_PER_VALUE = 64

# libyaml's composer recurses in C and crashes the process on very deep nesting (seen at
# 100,000 levels); past this bound the pure-Python parser is used, which raises RecursionError.
C_PARSER_MAX_DEPTH = 500
_FLOW_BRACKETS = re.compile(r"[\[\]{}]")
_BLOCK_INDENT = re.compile(r"^[ \-?:]*", re.M)
_ANCHOR = re.compile(r"(?:![^ \t\r\n]* +)?&([^ \t\r\n,\[\]{}]{1,100})")  # a node's tag and anchor


if TYPE_CHECKING:
    _Constructor = yaml.SafeLoader
else:
    _Constructor = object


class _JsonFriendly(_Constructor):
    """Construction that notes what JSON cannot carry (mixed into the C and Python loaders)."""

    problems: list[tuple[ProblemKind, str, Node, Node | None]]

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[tuple[ProblemKind, str, Node, Node | None]] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.note_keys(node)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep)
        if any(not isinstance(key, str) for key in mapping):
            mapping = {_key_text(key): value for key, value in mapping.items()}
        return mapping

    def note_keys(self, node: MappingNode) -> None:
        """Note keys that are not strings, and keys given twice."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                continue
            if key_node.tag != _STR:
                read_as = _READ_AS.get(key_node.tag.rsplit(":", 1)[-1], "something else")
                message = f"the key {key_node.value or 'null'} is read as {read_as}, not a string; quote it"
                self.problems.append((ProblemKind.NON_STRING_KEY, message, node, key_node))
            if key_node.value in seen:
                message = f'duplicate key "{key_node.value}": only the last value is kept'
                self.problems.append((ProblemKind.DUPLICATE_KEY, message, node, key_node))
            seen.add(key_node.value)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        value: float = super().construct_yaml_float(node)
        if math.isnan(value) or math.isinf(value):
            self.problems.append((ProblemKind.NON_FINITE_NUMBER, f"{node.value} is not a JSON number", node, None))
        return value

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits[:2] in ("0x", "0o"):
            base = 16 if digits[1] == "x" else 8
            # Python's digit limit does not guard these bases, but every later str() of the
            # value does: refuse here what a JSON reader refuses, where the literal is.
            limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
            if limit and (len(digits) - 2) * math.log10(base) > limit:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"a number has more digits than can be read (Python's limit is {limit})",
                    node.start_mark,
                )
            return sign * int(digits[2:], base)
        return int(text, 10)  # YAML 1.2: a leading zero does not make an octal number


class _Unusual(Exception):
    """A node :func:`_build` leaves to PyYAML's constructor (merge keys, keys that are not scalars)."""


def _build(loader: _JsonFriendly, root: Node) -> Any:
    """The document's data straight from its nodes: what PyYAML's constructor gives for the
    core-schema tags, several times faster (it dispatches every node through generic hooks).
    An alias yields the same object as its anchor, as in PyYAML. Depth is bounded by the
    caller (only texts within ``C_PARSER_MAX_DEPTH`` come here)."""
    return _Builder(loader).build(root)


class _Builder:
    """:func:`_build`'s state. (A method, not a closure that calls itself: such a closure is a
    cycle, and every document of a stream would leave one for the collector, which the checker
    pauses while it reads a text.)"""

    def __init__(self, loader: _JsonFriendly) -> None:
        self.loader = loader
        self.built: dict[int, Any] = {}  # containers by node, so an alias shares its anchor's object
        self.scalars: dict[str, Any] = {
            _NULL: lambda node: None,
            _BOOL: lambda node: node.value in ("true", "True", "TRUE"),
            _INT: loader.construct_yaml_int,
            _FLOAT: loader.construct_yaml_float,
        }

    def build(self, node: Node) -> Any:
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return node.value
            make = self.scalars.get(node.tag)
            return make(node) if make is not None else self.loader.construct_object(node, deep=True)
        known = self.built.get(id(node))
        if known is not None:
            return known
        if isinstance(node, SequenceNode):
            items: list[Any] = []
            self.built[id(node)] = items
            items.extend([self.build(item) for item in node.value])
            return items
        if not isinstance(node, MappingNode):
            return self.loader.construct_object(node, deep=True)
        mapping: dict[Any, Any] = {}
        self.built[id(node)] = mapping
        self.loader.note_keys(node)
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE:
                raise _Unusual
            mapping[self.build(key_node)] = self.build(value_node)
        if any(not isinstance(key, str) for key in mapping):  # as construct_mapping does
            text_keys = {_key_text(key): item for key, item in mapping.items()}
            mapping.clear()
            mapping.update(text_keys)
        return mapping


_NULL, _BOOL = "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


_READ_AS = {"int": "a number", "float": "a number", "bool": "a boolean", "null": "null"}


def _key_text(key: object) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


class _CLoader(_JsonFriendly, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        """PyYAML's resolve() for our table, without its per-call list building (the C composer
        calls it for every node)."""
        if kind is ScalarNode:
            if implicit[0]:
                for tag, pattern in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if pattern.match(value):
                        return str(tag)
            return _STR
        return "tag:yaml.org,2002:seq" if kind is SequenceNode else "tag:yaml.org,2002:map"


class _PyLoader(_JsonFriendly, yaml.SafeLoader):
    pass


# The YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_CORE_SCHEMA = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
)
for _loader in (_CLoader, _PyLoader):
    _loader.yaml_implicit_resolvers = {}  # start from nothing, not PyYAML's YAML 1.1 set
    for _tag, _pattern, _first in _CORE_SCHEMA:
        _loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
    _loader.add_constructor("tag:yaml.org,2002:float", _JsonFriendly.construct_yaml_float)
    _loader.add_constructor("tag:yaml.org,2002:int", _JsonFriendly.construct_yaml_int)


def nesting_bound(text: str) -> int:
    """An upper bound on how deeply the text can nest: open flow brackets plus the widest
    run of indentation and block indicators. Brackets inside strings only make it larger."""
    flow = deepest = 0
    for match in _FLOW_BRACKETS.finditer(text):
        flow += 1 if match.group() in "[{" else -1
        deepest = max(deepest, flow)
    block = max(map(len, _BLOCK_INDENT.findall(text)), default=0)
    return deepest + block


def read_yaml(name: str, text: str) -> Stream:
    """The text's documents, read as they are asked for (see :class:`Stream`)."""
    return Stream(name, text)


class Stream(Parsed):
    """A YAML text's documents and the problems met, read when asked for.

    Going through :meth:`one_by_one` (or :attr:`documents`) once reads the stream a document at
    a time and keeps none of them: the checker checks each and lets it go before the next is
    read (300,000 small documents held over a gigabyte of data and node trees). Asking how many
    there are, for one by its index, or for :attr:`problems` before such a pass has ended reads
    them all and keeps them."""

    def __init__(self, name: str, text: str) -> None:  # (not the dataclass's: its fields are read lazily here)
        self._name, self._text = name, text
        self._all: list[Document] | None = None
        self._problems: list[Problem] | None = None  # known once one pass has ended

    @property
    def documents(self) -> _Documents:  # type: ignore[override]  # (a sequence read lazily, not a list)
        return _Documents(self)

    @property
    def problems(self) -> list[Problem]:  # type: ignore[override]
        if self._problems is None:
            self.keep_all()
        assert self._problems is not None  # (a whole pass sets them)
        return self._problems

    def keep_all(self) -> list[Document]:
        if self._all is None:
            self._all = [document for document, _ in self.one_by_one()]
        return self._all

    def one_by_one(self) -> Iterator[tuple[Document, list[Problem]]]:
        """A pass over the stream; its problems are known once it ends."""
        if self._all is not None:
            yield from super().one_by_one()
            return
        problems: list[Problem] = []
        yield from _read(self._name, self._text, problems)
        if self._problems is None:
            self._problems = problems


class _Documents(Sequence[Document]):
    """A stream's documents: iterated lazily, counted or indexed by reading them all."""

    def __init__(self, stream: Stream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[Document]:
        if self._stream._all is not None:
            return iter(self._stream._all)
        return (document for document, _ in self._stream.one_by_one())

    def __len__(self) -> int:
        return len(self._stream.keep_all())

    def __bool__(self) -> bool:  # (reads up to the first document only)
        return next(iter(self), None) is not None

    def __eq__(self, other: object) -> bool:
        return self._stream.keep_all() == (list(other) if isinstance(other, Sequence) else other)

    __hash__ = None  # type: ignore[assignment]  # (unhashable, as a list)

    @overload
    def __getitem__(self, index: int) -> Document: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Document]: ...
    def __getitem__(self, index: int | slice) -> Document | Sequence[Document]:
        return self._stream.keep_all()[index]


def _read(name: str, text: str, problems: list[Problem]) -> Iterator[tuple[Document, list[Problem]]]:
    """The stream's documents one by one, each with the problems that mar it, adding to
    ``problems`` every problem met. The newest documents' node trees are kept (:class:`_Kept`)."""
    count = 0
    loader = (_CLoader if nesting_bound(text) <= C_PARSER_MAX_DEPTH else _PyLoader)(text)
    # libyaml does not count a leading BOM in its marks; PyYAML's own reader does.
    marks = Marks(Lines(text), shift=int(isinstance(loader, _CLoader) and text.startswith("\ufeff")))
    kept = _Kept()
    recomposed: list[YamlLocator] = []  # the one locator of the stream holding a tree composed again
    try:
        for position in itertools.count():  # (in the stream, counting empty and refused documents)
            if not loader.check_node():
                break
            node = loader.get_node()
            assert node is not None  # check_node() said there is one
            locator = YamlLocator(node, marks, source=_Source.of(node, marks, type(loader), position, recomposed))
            refused = _refused(node, marks) if "*" in text else None
            if refused is not None:
                message, path = refused
                span = locator.span(path, "value")
                problems.append(Problem(ProblemKind.DOCUMENT_TOO_LARGE, message, span, path))
                continue
            loader.problems = []
            data = _construct(loader, node)
            if data is None:
                continue  # an empty document in a stream, such as a trailing '---'
            document = Document(data, name, count, locator, text=text, fmt="yaml")
            paths = _paths_to(node, {id(p[2]) for p in loader.problems}) if loader.problems else {}
            marring = [_problem(paths, locator, p, count) for p in loader.problems]
            problems.extend(marring)
            count += 1
            kept.add(locator)
            yield document, marring
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "syntax error"
        if exc.context and exc.problem:
            what = f"{exc.problem} {exc.context}"
            if exc.context_mark is not None and mark is not None:
                line, column = marks.position(exc.context_mark)
                if line != marks.position(mark)[0]:
                    what += f" (started at line {line}, column {column})"
        span = marks.span(mark) if mark is not None else START
        problems.append(Problem(ProblemKind.PARSE_ERROR, f"invalid YAML: {what}", span))
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", 0) or 0
        span = marks.lines.span(position, position + 1)
        problems.append(Problem(ProblemKind.PARSE_ERROR, f"invalid YAML: {_first_line(exc)}", span))
    except RecursionError:
        problems.append(Problem(ProblemKind.DOCUMENT_TOO_LARGE, "the YAML is nested too deeply to check"))
    except ValueError as exc:  # e.g. an integer longer than Python's int conversion limit
        problems.append(Problem(ProblemKind.PARSE_ERROR, f"invalid YAML: {number_too_long(exc)}"))
    finally:
        loader.dispose()
    if not count and not problems:
        problems.append(Problem(ProblemKind.EMPTY_DOCUMENT, "the file has no YAML document (only comments or null)"))


# The node trees of a stream's documents are kept for this many characters of text, the newest
# first (a small file keeps all of them, a single document always keeps its own). Older
# documents' locators forget theirs and compose them again from their own part of the text when
# a finding needs a position. A tree takes about 75 bytes per character: a stream of 300,000
# small documents kept over a gigabyte of them.
KEEP_TREES_CHARS = 256 * 1024


class _Kept:
    """The locators of a stream still holding their tree, and how much text they take."""

    def __init__(self) -> None:
        self.locators: collections.deque[YamlLocator] = collections.deque()
        self.chars = 0

    def add(self, newest: YamlLocator) -> None:
        self.locators.append(newest)
        self.chars += newest.chars
        while self.chars > KEEP_TREES_CHARS and len(self.locators) > 1:
            oldest = self.locators.popleft()
            self.chars -= oldest.chars
            oldest.forget()


def _construct(loader: _JsonFriendly, node: Node) -> Any:
    if isinstance(loader, _CLoader):
        try:
            return _build(loader, node)
        except _Unusual:
            loader.problems = []  # start again, the general way
        finally:  # (what construct_document forgets after a document: tagged nodes built here)
            loader.constructed_objects, loader.recursive_objects = {}, {}
    return loader.construct_document(node)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _problem(
    paths: dict[int, str], locator: YamlLocator, problem: tuple[ProblemKind, str, Node, Node | None], document: int
) -> Problem:
    kind, message, node, key_node = problem
    path = paths.get(id(node), "")
    if key_node is not None:
        span = locator.marks.span(key_node.start_mark, key_node.end_mark)
        return Problem(kind, message, span, pointers.child(path, key_node.value), "key", document)
    return Problem(kind, message, locator.marks.span(node.start_mark, node.end_mark), path, document=document)


def _paths_to(root: Node, goals: set[int]) -> dict[int, str]:
    """The pointer of each goal node (by identity; its first path, when aliases give it several),
    in one walk that stops once all are found. Pointers are built only for the goals: a
    document with a problem in each of 10,000 steps once took minutes, a walk per problem."""
    found: dict[int, str] = {}
    # An entry is (node, its parent entry, its token), so a path is spelled only when needed.
    pending: list[tuple[Node, Any, str | int | None]] = [(root, None, None)]
    seen: set[int] = set()
    while pending and len(found) < len(goals):
        entry = pending.pop()
        node = entry[0]
        if id(node) in goals and id(node) not in found:
            found[id(node)] = _spell(entry)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            pending.extend((value, entry, key.value) for key, value in node.value)
        elif isinstance(node, SequenceNode):
            pending.extend((value, entry, i) for i, value in enumerate(node.value))
    return found


def _spell(entry: tuple[Node, Any, str | int | None]) -> str:
    tokens = []
    while entry[1] is not None:
        tokens.append(entry[2])
        entry = entry[1]
    path = ""
    for token in reversed(tokens):
        path = pointers.child(path, token)
    return path


class _Cycle(Exception):
    """An alias inside the node it names (``steps: &a [*a]``): the data would be infinite."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


def _refused(root: Node, marks: Marks) -> tuple[str, str] | None:
    """Why a document whose aliases make it infinite or too large to check is refused, and
    where (its message and path), else None."""
    try:
        size = _expanded_size(root)
    except _Cycle as cycle:
        path = _paths_to(root, {id(cycle.node)}).get(id(cycle.node), "")
        # (nodes do not keep their anchor; the text does, where the node starts)
        anchor = _ANCHOR.match(marks.lines.text, cycle.node.start_mark.index + marks.shift)
        what = f"&{anchor.group(1)} contains an alias to itself" if anchor else "an alias is inside the value it names"
        message = f"{what}, so the document would be infinitely large"
        return message, path
    if size <= MAX_EXPANDED_NODES:
        return None
    message = (
        f"the document expands to more than {MAX_EXPANDED_NODES:,} values through aliases "
        f"(a long string counting once per {CHARACTERS_PER_VALUE} characters)"
    )
    return message, ""


def _expanded_size(root: Node) -> int:
    """How many values the document has once every alias is expanded (memoised, no recursion);
    :class:`_Cycle` when an alias sits inside the node it names, which would never end.

    A long string counts once per :data:`CHARACTERS_PER_VALUE` characters: one 1 MB string
    repeated through 300 aliases is 300 MB of data to check and quote in messages."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # started and not finished: the nodes above the one at hand
    pending: list[tuple[Node, bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            open_nodes.discard(id(node))
            own = len(node.value) // CHARACTERS_PER_VALUE if isinstance(node, ScalarNode) else 0
            sizes[id(node)] = 1 + own + sum(sizes.get(id(c), 0) for c in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                return sizes[id(node)]
            continue
        open_nodes.add(id(node))
        pending.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise _Cycle(child)
            if id(child) not in sizes:
                pending.append((child, False))
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


class Marks:
    """Where the parser's marks fall in the text, by their character index.

    The parser's own line numbers are not used: YAML 1.1 also breaks lines at U+0085, U+2028 and
    U+2029, even inside quoted strings, while JSON, editors and the rest of civitai-schema break
    them only at CR and LF. Its line numbers put every finding after such a character on the
    wrong line, and a fix in the wrong place."""

    def __init__(self, lines: Lines, shift: int = 0) -> None:
        self.lines = lines
        self.shift = shift  # characters before the parser's index 0

    def position(self, mark: Any) -> tuple[int, int]:
        return self.lines.position(mark.index + self.shift)

    def span(self, start: Any, end: Any | None = None) -> Span:
        line, column = self.position(start)
        if end is None:
            return Span(line, column, line, column + 1)
        end_line, end_column = self.position(end)
        if end_line > line and end_column == 1:  # a block scalar ends at the start of the next line
            end_line -= 1
            end_column = self.lines.line_length(end_line) + 1
        if (end_line, end_column) <= (line, column):
            end_line, end_column = line, column + 1
        return Span(line, column, end_line, end_column)


class _Source(NamedTuple):
    """Where a document's node tree can be composed again from: its part of the text (from the
    start of the line its root starts on to the end of the line it ends on), the loader that read
    it and its place in the stream."""

    marks: Marks  # the whole text's
    start: int
    root_start: int
    end: int
    loader: type[_JsonFriendly]
    position: int  # in the stream
    recomposed: list[YamlLocator]  # shared by the stream's documents: at most one

    @classmethod
    def of(
        cls, root: Node, marks: Marks, loader: type[_JsonFriendly], index: int, recomposed: list[YamlLocator]
    ) -> _Source:
        text = marks.lines.text
        root_start = root.start_mark.index + marks.shift
        start = root_start - marks.lines.position(root_start)[1] + 1  # (where its line starts)
        found = _LINE_END.search(text, root.end_mark.index + marks.shift)
        return cls(marks, start, root_start, found.start() if found else len(text), loader, index, recomposed)

    def compose(self) -> tuple[Node, Marks]:
        """The tree and the marks that place it in the whole text."""
        text = self.marks.lines.text
        before = text[self.start : self.root_start]
        if before.lstrip(" \t").startswith("---"):  # (the document's start marker, blanked: columns stay)
            before = " " * len(before)
        part = before + text[self.root_start : self.end]
        shift = self.start + int(self.loader is _CLoader and part.startswith("\ufeff"))
        loader = self.loader(part)
        try:
            root = loader.get_node() if loader.check_node() else None
            if root is not None and root.start_mark.index + shift == self.root_start:
                return root, Marks(self.marks.lines, shift)
        except (yaml.YAMLError, RecursionError, ValueError):
            pass  # (a %TAG directive its part lacks, say): read the stream again up to it
        finally:
            loader.dispose()
        whole = self.loader(text)
        try:
            for _ in range(self.position + 1):
                root = whole.get_node()
        finally:
            whole.dispose()
        assert root is not None  # (it was read before)
        return root, self.marks


_LINE_END = re.compile(r"[\r\n]|\Z")


class YamlLocator:
    """Spans from the node tree, found by walking down the pointer (never the whole tree).

    A large mapping's keys are indexed on its first lookup: scanning its pairs for every
    finding made 10,000 findings among 20,000 keys take seconds. A locator may :meth:`forget`
    its tree (see :data:`KEEP_TREES_CHARS`); it is composed again when next needed, and then
    only one forgotten tree of a stream is held at a time."""

    INDEXED_FROM = 16  # pairs; smaller mappings are scanned

    def __init__(self, root: Node, marks: Marks, *, source: _Source | None = None) -> None:
        self._root: Node | None = root
        self._marks = marks
        self._source = source
        self._keys: dict[int, dict[str, tuple[Node, Node]]] = {}  # by node identity (the root keeps nodes alive)

    @property
    def chars(self) -> int:
        """How much of the text the document takes."""
        return self._source.end - self._source.start if self._source is not None else 0

    @property
    def root(self) -> Node:
        if self._root is None:
            assert self._source is not None  # (only a locator with a source forgets)
            self._root, self._marks = self._source.compose()
            for other in self._source.recomposed:
                if other is not self:
                    other.forget()
            self._source.recomposed[:] = [self]
        return self._root

    @property
    def marks(self) -> Marks:
        """The marks that place this tree's nodes in the text."""
        self.root  # noqa: B018  (a forgotten tree comes with marks of its own)
        return self._marks

    def forget(self) -> None:
        if self._source is not None:
            self._root = None
            self._keys.clear()

    def _child(self, node: Node, token: str) -> tuple[Node | None, Node] | None:
        if isinstance(node, MappingNode) and len(node.value) >= self.INDEXED_FROM:
            keys = self._keys.get(id(node))
            if keys is None:
                # The last pair with a key wins, as in the constructed data (merged keys come first).
                keys = self._keys[id(node)] = {k.value: (k, v) for k, v in node.value if isinstance(k, ScalarNode)}
            return keys.get(token)
        return _child(node, token)

    def offsets(self, pointer: str, target: Target) -> tuple[int, int] | None:
        node, key = self.root, None
        for token in pointers.split(pointer):
            found = self._child(node, token)
            if found is None:
                return None
            key, node = found
        chosen = key if target == "key" else node
        if chosen is None:
            return None
        span = self.marks.span(chosen.start_mark, chosen.end_mark)
        lines = self.marks.lines
        return lines.offset(span.line, span.column), lines.offset(span.end_line, span.end_column)

    def span(self, pointer: str, target: Target) -> Span:
        node, key = self.root, None
        for token in pointers.split(pointer):
            found = self._child(node, token)
            if found is None:
                target = "value"
                break
            key, node = found
        is_container = isinstance(node, (MappingNode, SequenceNode))
        if key is not None and (target == "key" or is_container):
            return self.marks.span(key.start_mark, key.end_mark)
        if is_container:
            return self.marks.span(node.start_mark)
        return self.marks.span(node.start_mark, node.end_mark)


def _child(node: Node, token: str) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode):
        # The last pair with this key wins, as in the constructed data (merged keys come first).
        for key, value in reversed(node.value):
            if isinstance(key, ScalarNode) and key.value == token:
                return key, value
        return None
    if isinstance(node, SequenceNode) and token.isascii() and token.isdigit() and int(token) < len(node.value):
        return None, node.value[int(token)]
    return None
