"""From bytes to documents: encoding, format detection, and the JSON and YAML readers.

Readers know nothing of rules: what stops or mars reading is a located :class:`Problem`, a
value the checker turns into a finding of :mod:`civitai_schema.rules.parse`. Nothing here
raises on bad input.
"""

from __future__ import annotations

import codecs
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from ..documents import Document, Lines
from ..findings import Span, Target

# JSON and YAML both count only these four as blanks (Python's \s and isspace() also take
# control characters such as \x1c-\x1f and \x0c, which neither format allows there).
_FIRST_CHARACTER = re.compile(r"[ \t\r\n]*([^ \t\r\n])")
_BLANK = re.compile(r"[ \t\r\n]*\Z")
JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")

_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class ProblemKind(enum.Enum):
    """What went wrong while reading (the value is the name of the parse rule that reports it)."""

    PARSE_ERROR = "parse-error"
    DUPLICATE_KEY = "duplicate-key"
    NON_FINITE_NUMBER = "non-finite-number"
    INVALID_ENCODING = "invalid-encoding"
    BINARY_FILE = "binary-file"
    EMPTY_DOCUMENT = "empty-document"
    UNREADABLE_FILE = "unreadable-file"
    NON_STRING_KEY = "non-string-key"
    DOCUMENT_TOO_LARGE = "document-too-large"


START = Span(1, 1, 1, 2)  # where a problem of the whole file is shown


class Problem(NamedTuple):
    """One problem met while reading, located in the file. ``document`` is the place in
    :attr:`Parsed.documents` of the document it mars (None: the file could not be read, or that
    part of it gave no document)."""

    kind: ProblemKind
    message: str
    span: Span = START
    path: str = ""
    target: Target = "value"
    document: int | None = None


@dataclass
class Parsed:
    """What reading one file gave: its documents and the problems met, in the file's order."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def one_by_one(self) -> Iterator[tuple[Document, list[Problem]]]:
        """Each document with the problems that mar it, in order. A YAML stream reads them as
        they are asked for (:class:`.yaml.Stream`): its :attr:`problems` are known once this ends."""
        marring: dict[int, list[Problem]] = {}
        for problem in self.problems:
            if problem.document is not None:
                marring.setdefault(problem.document, []).append(problem)
        for index, document in enumerate(self.documents):
            yield document, marring.get(index, [])


def file_format(name: str, text: str) -> str:
    """``json`` or ``yaml``, from the file name or else from the first character."""
    lowered = name.lower()
    if lowered.endswith(JSON_SUFFIXES):
        return "json"
    if lowered.endswith(YAML_SUFFIXES):
        return "yaml"
    first = _FIRST_CHARACTER.match(text)
    return "json" if first is not None and first.group(1) in "{[" else "yaml"


def read(name: str, raw: bytes, fmt: str | None = None) -> Parsed:
    """Decode and parse ``raw``; ``fmt`` forces ``json`` or ``yaml``."""
    text = decode(raw)
    if isinstance(text, Problem):
        return Parsed(problems=[text])
    return read_text(name, text, fmt)


def read_text(name: str, text: str, fmt: str | None = None) -> Parsed:
    """Parse decoded text; ``fmt`` forces ``json`` or ``yaml``."""
    if _BLANK.match(text):  # (no copy of a large text, as strip would make)
        return Parsed(problems=[Problem(ProblemKind.EMPTY_DOCUMENT, "the file is empty")])
    if (fmt or file_format(name, text)) == "json":
        from .json import read_json

        return read_json(name, text)
    from .yaml import read_yaml

    return read_yaml(name, text)


def decode(raw: bytes) -> str | Problem:
    """UTF-8 text (a BOM is dropped), or the problem that says why not."""
    for bom, encoding in _UTF16_32_BOMS:
        if raw.startswith(bom):
            return Problem(ProblemKind.INVALID_ENCODING, f"the file is {encoding}; save it as UTF-8")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    if b"\x00" in raw:
        if _looks_utf16(raw):
            message = "the file looks like UTF-16 without a byte-order mark; save it as UTF-8"
            return Problem(ProblemKind.INVALID_ENCODING, message)
        return Problem(ProblemKind.BINARY_FILE, "the file holds binary data (NUL bytes), not JSON or YAML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].decode("utf-8", errors="replace")
        line, column = Lines(before).position(len(before))
        message = f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8"
        return Problem(ProblemKind.INVALID_ENCODING, message, Span(line, column, line, column + 1))


def _looks_utf16(raw: bytes) -> bool:
    """UTF-16 text without a BOM: ASCII characters leave a NUL in every other byte."""
    sample = raw[:512]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 4:
        return False
    return (odd.count(0) >= 0.8 * len(odd) and even.count(0) == 0) or (
        even.count(0) >= 0.8 * len(even) and odd.count(0) == 0
    )


def number_too_long(exc: ValueError) -> str:
    """The reader's words for a value Python refuses to convert (a 5,000-digit integer, say)."""
    if "digits" in str(exc):
        return "a number has more digits than can be read (Python's limit is 4300)"
    return str(exc).split(";")[0]
