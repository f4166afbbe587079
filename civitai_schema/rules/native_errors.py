"""jsonschema-rs errors in the shape :func:`civitai_schema.rules.schema.translate` reads, so that a
failing document is worded without Python ``jsonschema`` (its import and validator build cost
about 160 ms a process, and re-validating a failing step about 600 µs a file).

There is one translation: an adapted error carries what the translation reads from a
``jsonschema`` error (the keyword, its value, the subschema that holds it, the instance, the paths
and, for a union, the errors of each branch), each taken from the schema and the document
themselves rather than from jsonschema-rs's own renderings, so the values are the very objects
Python ``jsonschema`` would hand over. What cannot be adapted raises :class:`Unworded`, and the
caller words that document (or step input) with Python ``jsonschema``, which stays the reference:

- a keyword outside :data:`ADAPTED` (``contains``, ``propertyNames``, ``dependentRequired``,
  ``unevaluatedProperties``, a ``false`` schema, …), or one whose errors jsonschema-rs shapes
  otherwise (its ``dependentRequired`` says ``required``);
- reading ``message``: the translation uses the validator's own sentence only for keywords
  without a wording of ours, and jsonschema-rs's sentences are not jsonschema's;
- a value jsonschema-rs cannot take (a Python set) or reads otherwise (a non-finite float reads
  as null: the caller keeps those away);
- more errors than a file reports: which of them are kept follows jsonschema's order.

tests/test_native_wording.py shows both ways give the same findings on the generated corpus.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from .. import limits

# The keywords whose errors jsonschema-rs and jsonschema shape alike: one error at the instance
# the keyword judges, the keyword last in the schema path. (``not`` is here for the compiler's
# ``x-civitai-warning`` markers, whose findings never read the message.)
ADAPTED = frozenset(
    {
        "type", "required", "enum", "const", "additionalProperties", "pattern", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems",
        "minProperties", "maxProperties", "uniqueItems", "anyOf", "oneOf", "not",
    }
)  # fmt: skip

Path = tuple[str | int, ...]


class Unworded(Exception):
    """jsonschema-rs cannot word this error as jsonschema would: word it with jsonschema."""


class NativeError(NamedTuple):
    """One jsonschema-rs error, read as a ``jsonschema.ValidationError`` is read. (A named
    tuple, not a frozen dataclass: made in a quarter of the time, and a findings-heavy record
    makes ten of them.)"""

    validator: str
    validator_value: Any
    schema: Any  # the subschema that holds the keyword
    instance: Any
    absolute_path: Path
    relative_path: Path  # from the union this error is a branch error of (else the absolute path)
    relative_schema_path: Path  # within a union: the branch's index first
    context: tuple[NativeError, ...]

    @property
    def message(self) -> str:
        raise Unworded(f"no wording of jsonschema's for {self.validator}")


def errors(fast: Any, instance: Any, root: Any, prefix: Path = ()) -> Iterator[NativeError]:
    """The errors of ``instance`` by jsonschema-rs validator ``fast`` (built from schema ``root``),
    paths from the document's root (``prefix`` leads to ``instance``). Raises :class:`Unworded`."""
    try:
        found = list(fast.iter_errors(instance))
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        raise Unworded(f"jsonschema-rs cannot take the value: {exc}") from None
    if len(found) > limits.MAX_FINDINGS:  # which of them a file reports follows jsonschema's order
        raise Unworded(f"{len(found):,} errors")
    for error in found:
        yield _adapt(error, instance, root, prefix)


def _adapt(error: Any, instance: Any, root: Any, prefix: Path, union: Any = None, branch: int = 0) -> NativeError:
    """``union``: the jsonschema-rs error whose ``branch``-th branch ``error`` is an error of."""
    kind = error.kind
    keyword = kind.name
    schema_path = error.schema_path
    if keyword not in ADAPTED or not schema_path or schema_path[-1] != keyword:
        raise Unworded(f"no adapter for {type(kind).__name__} at {schema_path}")
    holder = _at(root, schema_path[:-1])
    if not isinstance(holder, dict) or keyword not in holder:
        raise Unworded(f"the schema has no {keyword} at {schema_path}")
    path = tuple(error.instance_path)
    relative, relative_schema = path, ()
    if union is not None:
        above = tuple(union.instance_path)
        if path[: len(above)] != above:
            raise Unworded(f"a branch error outside its union at {path}")
        # jsonschema's branch errors start their schema path with the branch's index: all the
        # translation reads of it.
        relative = path[len(above) :]
        relative_schema = (branch, *error.evaluation_path[len(union.evaluation_path) + 1 :])
    context: tuple[NativeError, ...] = ()
    if keyword == "anyOf" or type(kind).__name__ == "OneOfNotValid":
        # (jsonschema gives no context when several branches of a oneOf match, nor do we.)
        context = tuple(
            _adapt(sub, instance, root, prefix, error, index)
            for index, errors_of_branch in enumerate(kind.context)
            for sub in errors_of_branch
        )
    # (validator, its value, the subschema, the instance, absolute path, relative path and
    # schema path, context: positional, as keywords cost twice as much)
    return NativeError(
        keyword, holder[keyword], holder, _at(instance, path), (*prefix, *path), relative, relative_schema, context
    )


def _at(node: Any, path: Any) -> Any:
    try:
        for token in path:
            node = node[token]
    except (KeyError, IndexError, TypeError) as exc:
        raise Unworded(f"no value at {list(path)}: {exc!r}") from None
    return node
