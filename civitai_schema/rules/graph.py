"""The step graph: value references must name a source that exists, never form a cycle, and
carry a well-formed path; step names are unique; workflow arguments are used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .. import pointers
from ..findings import Finding, Kind, Severity
from ..rule_options import DEFAULT_OPTIONS, RuleOptions
from ..suggest import Suggestions
from ..workflow import references, steps
from .rule import FamilyCheck, Rule

F = "graph"

UNKNOWN_SOURCE = Rule(
    "G101",
    "ref-unknown-source",
    Severity.ERROR,
    "A value reference to a step or argument that does not exist.",
    """
`$ref` names a step (by `name`, or `$0`, `$1`… by position) or `$arguments`. A reference to
nothing leaves the step waiting forever, or fails it.

Bad: `{"$ref": "hero", …}` with no step named hero   Good: name the step `"name": "hero"`""",
    F,
)

SELF_REFERENCE = Rule(
    "G102",
    "ref-self",
    Severity.ERROR,
    "A step that reads its own output.",
    """
A step cannot wait for itself to succeed.

Bad: step "hero" with `"image": {"$ref": "hero", …}`   Good: refer to the step before it""",
    F,
)

CYCLE = Rule(
    "G103",
    "ref-cycle",
    Severity.ERROR,
    "Steps that wait for each other.",
    """
A cycle of references can never start: each step stays `unassigned` until its sources succeed.

Bad: A reads B and B reads A   Good: a chain or tree of steps""",
    F,
)

BAD_PATH = Rule(
    "G104",
    "ref-bad-path",
    Severity.WARNING,
    "A value reference whose `path` is malformed or does not start at `output`.",
    """
Paths are dotted property names with `[n]` indexes, such as `output.images[0].url`; a step's
results are under `output`. `$arguments` paths are plain argument names.

Bad: `"path": "images.0.url"`   Good: `"path": "output.images[0].url"`""",
    F,
)

DUPLICATE_NAME = Rule(
    "G105",
    "duplicate-step-name",
    Severity.WARNING,
    "Two steps with the same name.",
    """
References by name become ambiguous; what the API does with duplicate names is not documented.

Bad: two steps named "hero"   Good: "hero" and "hero-4k\"""",
    F,
)

UNUSED_ARGUMENT = Rule(
    "G106",
    "unused-argument",
    Severity.INFO,
    "A workflow argument that no step reads.",
    """
Arguments are read with `{"$ref": "$arguments", "path": "<name>"}`; one nobody reads is probably
a typo in a path, or left over.

Bad: `"arguments": {"seed": 7}` and no reference to it   Good: reference it, or remove it""",
    F,
)

RULES = (UNKNOWN_SOURCE, SELF_REFERENCE, CYCLE, BAD_PATH, DUPLICATE_NAME, UNUSED_ARGUMENT)

_PATH = re.compile(r"[A-Za-z_$][\w$-]*(\[\d+\])*(\.[A-Za-z_$][\w$-]*(\[\d+\])*)*", re.ASCII)
_POSITIONAL = re.compile(r"\$(\d+)", re.ASCII)


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    all_steps = steps(data)
    names: dict[str, int] = {}
    for index, step in enumerate(all_steps):
        name = step.data.get("name")
        if isinstance(name, str):
            if name in names:
                yield DUPLICATE_NAME.finding(
                    f'a step named "{name}" already exists (step {names[name]})', f"{step.pointer}/name"
                )
            names.setdefault(name, index)
    arguments = data.get("arguments") if isinstance(data, dict) else None
    used_arguments: set[str] = set()
    edges: dict[int, list[tuple[int, str]]] = {}
    # Indexed once per document, when first needed: a document full of wrong names stays linear.
    argument_names = step_names = None
    for index, step in enumerate(all_steps):
        for where, ref in references(step.data.get("input"), step.pointer + "/input"):
            source, path = ref["$ref"], ref.get("path")
            if source == "$arguments":
                key = re.split(r"[.\[]", path, maxsplit=1)[0] if isinstance(path, str) else ""
                used_arguments.add(key)
                if not isinstance(arguments, dict) or key not in arguments:
                    argument_names = argument_names or Suggestions(
                        sorted(arguments) if isinstance(arguments, dict) else []
                    )
                    guess = argument_names.closest(key)
                    message = f'"$arguments" has no "{key}"' + (f'; did you mean "{guess}"?' if guess else "")
                    yield UNKNOWN_SOURCE.finding(message, f"{where}/path")
                continue
            target = _target(source, names, len(all_steps))
            if target is None:
                step_names = step_names or Suggestions(names)
                guess = step_names.closest(source)
                message = f'no step is named "{source}"' + (f'; did you mean "{guess}"?' if guess else "")
                yield UNKNOWN_SOURCE.finding(message, f"{where}/$ref")
                continue
            if target == index:
                yield SELF_REFERENCE.finding(f'step {index} reads its own output through "{source}"', f"{where}/$ref")
                continue
            edges.setdefault(index, []).append((target, f"{where}/$ref"))
            if path is not None and (not isinstance(path, str) or not _PATH.fullmatch(path)):
                yield BAD_PATH.finding(
                    f"path {_shown(path)} is not a dotted path such as output.images[0].url", f"{where}/path"
                )
            elif isinstance(path, str) and not path.startswith("output"):
                yield BAD_PATH.finding(
                    f'path "{path}" does not start at "output", where a step\'s results are', f"{where}/path"
                )
    if sum(map(len, edges.values())) > 1:  # (a cycle needs two edges: a step reading itself is not one)
        yield from _cycles(edges)
    if isinstance(arguments, dict):
        for key in arguments:
            if key not in used_arguments:
                yield UNUSED_ARGUMENT.finding(
                    f'no step reads the argument "{key}"', f"/arguments/{pointers.escape(key)}", target="key"
                )


def _target(source: str, names: dict[str, int], count: int) -> int | None:
    if source in names:
        return names[source]
    positional = _POSITIONAL.fullmatch(source)
    if positional is not None:
        return _index(positional.group(1), count)
    if source.isascii() and source.isdigit():
        return _index(source, count)  # an unnamed step's default name is its index
    return None


def _index(digits: str, count: int) -> int | None:
    """The step index ``digits`` names, if there is such a step. Compared by length first:
    ``int()`` of a string past Python's 4,300-digit limit raises, and made the whole family
    crash (silent for the document) on a ``$ref`` of "$999…9"."""
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(count)):
        return None
    index = int(significant)
    return index if index < count else None


def _shown(value: Any) -> str:
    """A value as a message quotes it: a string in quotes, anything else as JSON writes it (a
    YAML ``0x…`` integer may be too long for Python to print, so never ``str()`` of it)."""
    if isinstance(value, str):
        return f'"{value}"'
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return f"of type {type(value).__name__}"
    return text if len(text) <= 80 else text[:79] + "…"


def _cycles(edges: dict[int, list[tuple[int, str]]]) -> Iterator[Finding]:
    """Report each cycle once, at the reference that closes it (iterative depth-first search)."""
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[int] = [start]
        depth = {start: 0}  # where each step of the current path is on it
        iterators = [iter(edges.get(start, []))]
        state[start] = 1
        while iterators:
            step = next(iterators[-1], None)
            if step is None:
                state[path.pop()] = 2
                iterators.pop()
                continue
            target, where = step
            if state.get(target) == 1:
                loop = " → ".join(map(str, _ends(path, depth[target])))
                yield CYCLE.finding(f"steps wait for each other in a cycle: {loop} → {target}", where)
            elif not state.get(target):
                state[target] = 1
                depth[target] = len(path)
                path.append(target)
                iterators.append(iter(edges.get(target, [])))


def _ends(path: list[int], first: int) -> list[int | str]:
    """``path[first:]``, or its first and last four steps around "…" when it is longer (a
    thousand-step cycle closed a thousand times made each message as long as the cycle)."""
    if len(path) - first <= 9:
        return list(path[first:])
    return [*path[first : first + 4], "…", *path[-4:]]


# The family's entries in the registry (civitai_schema.rules), with their cost per step. Names
# and references join steps, so the check reads many.
CHECKS = (FamilyCheck("step graph checks", check, cost=0.9, reads_many_steps=True),)
