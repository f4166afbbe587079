"""Reading a file: bytes, encoding and syntax. Emitted by :mod:`civitai_schema.readers`.

When one of these fires with severity error, the document could not be read, so no schema or
lint finding follows for it.
"""

from __future__ import annotations

from ..findings import Finding, Severity
from ..readers import Problem, ProblemKind
from .rule import Rule

PARSE_ERROR = Rule(
    "P101",
    "parse-error",
    Severity.ERROR,
    "The file is not valid JSON or YAML.",
    """The text could not be parsed, so nothing else in it can be checked. The finding points at
the character where the parser gave up; the real mistake is often just before it (a missing
comma, an unclosed bracket, a tab used for YAML indentation).

Bad: `{"steps": [{"$type": "imageGen"}}`   Good: `{"steps": [{"$type": "imageGen"}]}`""",
    "parse",
)

DUPLICATE_KEY = Rule(
    "P102",
    "duplicate-key",
    Severity.ERROR,
    "An object has the same key twice.",
    """JSON and YAML readers silently keep one of the two values (usually the last), so what is
submitted differs from what the author sees. The finding points at the second occurrence.

Bad: `{"width": 512, "width": 1024}`   Good: `{"width": 1024}`""",
    "parse",
)

NON_FINITE_NUMBER = Rule(
    "P103",
    "non-finite-number",
    Severity.ERROR,
    "NaN or Infinity, which JSON cannot carry.",
    """`NaN`, `Infinity` (JSON extensions) and YAML's `.nan`/`.inf` are not JSON numbers, and a
number too large for a double (`1e400`) reads as infinity: the request body cannot be
serialised, or the API rejects it.

Bad: `"cfgScale": NaN`   Good: `"cfgScale": 7`""",
    "parse",
)

INVALID_ENCODING = Rule(
    "P104",
    "invalid-encoding",
    Severity.ERROR,
    "The file is not UTF-8 text.",
    """Workflow files must be UTF-8 (a byte-order mark is accepted). UTF-16, Latin-1 and other
encodings are reported with the offending byte's position: re-save the file as UTF-8.

Bad: a file saved as UTF-16 by an editor.   Good: the same text saved as UTF-8.""",
    "parse",
)

BINARY_FILE = Rule(
    "P105",
    "binary-file",
    Severity.ERROR,
    "The file holds binary data, not text.",
    """The file contains NUL bytes, so it is not a JSON or YAML document (an image or archive
given a .json name, say). Nothing in it is checked.

Bad: `hero.png` renamed to `hero.json`.   Good: the workflow's JSON text.""",
    "parse",
)

EMPTY_DOCUMENT = Rule(
    "P106",
    "empty-document",
    Severity.ERROR,
    "The file has no document in it.",
    """An empty file (or one holding only whitespace, comments or `null`) is not a workflow: the
API needs at least one step.

Bad: an empty `workflow.json`.   Good: `{"steps": [{"$type": "imageGen", "input": {...}}]}`""",
    "parse",
)

UNREADABLE_FILE = Rule(
    "P107",
    "unreadable-file",
    Severity.ERROR,
    "The file could not be read.",
    """The operating system refused to read the file (permissions, a FIFO, a path that vanished
while checking). The command line exits with status 2 when this happens.

Bad: `chmod 000 workflow.json`.   Good: a readable file.""",
    "parse",
)

NON_STRING_KEY = Rule(
    "P108",
    "non-string-key",
    Severity.ERROR,
    "A YAML mapping key is not a string.",
    """JSON object keys are strings; YAML allows numbers, booleans or null as keys, which do not
survive the conversion to a request body the way they read. Quote the key.

Bad: `1: first`   Good: `"1": first`""",
    "parse",
)

DOCUMENT_TOO_LARGE = Rule(
    "P109",
    "document-too-large",
    Severity.ERROR,
    "The document is nested too deeply or expands to too many values.",
    """A document nested deeper than the reader allows, or a YAML document whose aliases expand
to millions of values (a "billion laughs" bomb, or one long string repeated through many aliases;
a long string counts once per 64 characters), is refused before validation so a check always
ends in bounded time and memory. No real workflow comes near these limits.

Bad: `a: &a [x, x]` `b: &b [*a, *a]` … repeated twenty times.   Good: plain data.""",
    "parse",
)

NOT_JSON_VALUE = Rule(
    "P110",
    "not-json-value",
    Severity.ERROR,
    "A document built in Python holds a value JSON cannot carry.",
    """`civitai_schema.check(obj)` and `validate(obj)` take a Python object that is about to be sent
as JSON. A `Decimal`, a `datetime` or `date`, `bytes`, a `set` or any other object that is not a
string, number, boolean, None, list or dict makes `json.dumps` raise at submission, so the
body never reaches the API. The finding names the value's path and what to send instead.

Bad: `{"cfgScale": Decimal("7.5")}`, `{"metadata": {"at": datetime.now()}}`
Good: `{"cfgScale": 7.5}`, `{"metadata": {"at": datetime.now().isoformat()}}`""",
    "parse",
)

RULES = (
    PARSE_ERROR,
    DUPLICATE_KEY,
    NON_FINITE_NUMBER,
    INVALID_ENCODING,
    BINARY_FILE,
    EMPTY_DOCUMENT,
    UNREADABLE_FILE,
    NON_STRING_KEY,
    DOCUMENT_TOO_LARGE,
    NOT_JSON_VALUE,
)


# Which rule reports each problem met while reading (the readers know no rule).
FOR_PROBLEM: dict[ProblemKind, Rule] = {
    ProblemKind.PARSE_ERROR: PARSE_ERROR,
    ProblemKind.DUPLICATE_KEY: DUPLICATE_KEY,
    ProblemKind.NON_FINITE_NUMBER: NON_FINITE_NUMBER,
    ProblemKind.INVALID_ENCODING: INVALID_ENCODING,
    ProblemKind.BINARY_FILE: BINARY_FILE,
    ProblemKind.EMPTY_DOCUMENT: EMPTY_DOCUMENT,
    ProblemKind.UNREADABLE_FILE: UNREADABLE_FILE,
    ProblemKind.NON_STRING_KEY: NON_STRING_KEY,
    ProblemKind.DOCUMENT_TOO_LARGE: DOCUMENT_TOO_LARGE,
}


def finding_of(problem: Problem, file: str) -> Finding:
    """The finding that reports a problem met while reading ``file``."""
    rule = FOR_PROBLEM[problem.kind]
    return rule.finding(problem.message, problem.path, target=problem.target).located(file, problem.span)
