"""What every rule states about itself: code, name, default severity, summary and documentation."""

from __future__ import annotations

from typing import NamedTuple

from ..findings import Finding, Fix, Severity, Target


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
            message=message,
            path=path,
            hint=hint,
            target=target,
            fix=fix,
        )
