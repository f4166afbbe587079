"""What every rule states about itself (code, name, default severity, summary, documentation,
the options it reads), and the typed entries of the registry: each check a family runs, and
each option a rule reads."""

from __future__ import annotations

import abc
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from ..findings import Finding, Fix, Kind, Severity, Target, printable
from ..rule_options import RuleOptions

# Messages quote the document's own values. A YAML alias can repeat one long value in thousands
# of places, and a 1 MB file then made 300 MB of messages; no message needs more than this.
MESSAGE_LIMIT = 1000


def _bounded(text: str) -> str:
    """At most :data:`MESSAGE_LIMIT` characters, control characters made visible. A lone
    surrogate of the range file names use for undecodable bytes (a JSON string may spell one,
    "\\udca0") is written out as that escape: a message quotes document values, never a file
    name, and output would otherwise turn it into a raw byte that is not UTF-8."""
    text = printable(text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…")
    return _ESCAPED_BYTE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")

T = TypeVar("T")


class OptionError(ValueError):
    """A configured value an option's type refuses; ``key`` names the entry inside a table."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message, self.key = message, key


class OptionType(abc.ABC, Generic[T]):
    """How a TOML value becomes an option's value, and how that value is shown again."""

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """What the value is, for the rule reference."""

    @abc.abstractmethod
    def read(self, value: Any) -> T:
        """The option's value, or :class:`OptionError` saying what was expected."""

    @abc.abstractmethod
    def show(self, value: T) -> Any:
        """The value as ``--show-settings`` prints it (JSON)."""


class Names(OptionType[frozenset[str]]):
    """A list of strings, compared without regard to case (ecosystems, sources, hosts)."""

    @property
    def description(self) -> str:
        return "a list of strings, compared case-insensitively"

    def read(self, value: Any) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise OptionError("expected a list of strings")
        return frozenset(v.lower() for v in value)

    def show(self, value: frozenset[str]) -> list[str]:
        return sorted(value)


@dataclass(frozen=True)
class PositiveNumbers(OptionType[Mapping[str, float]]):
    """A table of finite positive numbers by name; ``meaning`` says what each number is."""

    meaning: str

    @property
    def description(self) -> str:
        return f"a table of finite positive numbers ({self.meaning})"

    def read(self, value: Any) -> Mapping[str, float]:
        if not isinstance(value, dict):
            raise OptionError("expected a table")
        for key, number in value.items():
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 < number < math.inf:
                raise OptionError(f"expected a finite positive number ({self.meaning})", key=str(key))
        return {str(k): float(v) for k, v in value.items()}

    def show(self, value: Mapping[str, float]) -> dict[str, float]:
        return dict(value)


@dataclass(frozen=True)
class Option(Generic[T]):
    """A knob a rule reads, declared next to it: its name under ``[options]`` in the
    configuration, its type (which validates what a file gives), its default and its doc."""

    name: str
    type: OptionType[T]
    default: T
    doc: str

    def of(self, options: RuleOptions) -> T:
        """The option's value in ``options`` (its default when they do not set it)."""
        value: T = options.values.get(self.name, self.default)
        return value


class Rule(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    family: str
    fixable: str | None = None  # "safe", "unsafe" or "safe, unsafe": which fixes the rule offers
    options: tuple[Option[Any], ...] = ()  # the options the rule reads

    def finding(
        self, message: str, path: str = "", *, hint: str | None = None, target: Target = "value", fix: Fix | None = None
    ) -> Finding:
        """A finding of this rule, not yet located in a file."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=_bounded(message),
            path=path,
            hint=None if hint is None else _bounded(hint),
            target=target,
            fix=fix,
        )


CheckFunction = Callable[[Any, Kind, RuleOptions], Iterable[Finding]]


@dataclass(frozen=True)
class FamilyCheck:
    """One check a rule family runs over a document, as the registry lists it.

    ``label`` is what an internal-error finding names if the check crashes; ``cost`` what it
    costs per step, in microseconds (benchmarks/rule_cost.py on a 185,000-step document), used
    only to share a large document's checks fairly between processes; ``reads_many_steps``
    says it finds in a step what other steps hold (names, references, a video's source), so a
    document checked a window of steps at a time (civitai_schema.streaming) runs it once, on
    every step's skeleton (workflow.skeleton)."""

    label: str
    run: CheckFunction
    cost: float = 1.0
    reads_many_steps: bool = False
