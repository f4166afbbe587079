"""What every rule states about itself: code, name, default severity, summary and documentation."""

from __future__ import annotations

import re
from typing import NamedTuple

from ..findings import Finding, Fix, Severity, Target, printable

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


class Rule(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    family: str
    fixable: str | None = None  # "safe", "unsafe" or "safe, unsafe": which fixes the rule offers

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
