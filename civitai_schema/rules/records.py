"""Consistency of workflow records (API responses, webhook payloads, stored workflows)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .. import catalog
from ..findings import Finding, Kind, Severity
from ..rule_options import DEFAULT_OPTIONS, RuleOptions
from ..workflow import number, steps
from .rule import FamilyCheck, Rule

if TYPE_CHECKING:
    from datetime import datetime

F = "records"

TIMESTAMP_ORDER = Rule(
    "R101",
    "timestamps-out-of-order",
    Severity.WARNING,
    "Timestamps that contradict each other.",
    """
A workflow is created, then started, then completed, and its steps run inside that span. A
record that says otherwise was corrupted or stitched together from different workflows.

Bad: `"startedAt": "2026-01-01T10:05:00Z", "completedAt": "2026-01-01T10:00:00Z"`   Good: completed after started""",
    F,
)

COMPLETION_MISMATCH = Rule(
    "R102",
    "completion-mismatch",
    Severity.WARNING,
    "A finished status without `completedAt`, or a running one with it.",
    """
Terminal statuses (`succeeded`, `failed`, `expired`, `canceled`) come with a completion time;
`unassigned`, `preparing`, `scheduled` and `processing` do not have one yet.

Bad: `"status": "succeeded"` and no `completedAt`   Good: both, or neither while it runs""",
    F,
)

SUCCEEDED_WITH_FAILURE = Rule(
    "R103",
    "succeeded-with-failed-step",
    Severity.WARNING,
    "A succeeded workflow with a failed or canceled step.",
    """
A workflow succeeds only when every step does; this record contradicts itself.

Bad: workflow `succeeded`, a step `failed`   Good: workflow `failed`""",
    F,
)

NO_OUTPUT = Rule(
    "R104",
    "succeeded-step-without-output",
    Severity.WARNING,
    "A succeeded step with no `output`.",
    """
Results live in the step's `output`; a succeeded step without one lost its results (or the
record was trimmed).

Bad: `{"status": "succeeded"}`   Good: `{"status": "succeeded", "output": {"images": [...]}}`""",
    F,
)

COST_BELOW_BASE = Rule(
    "R105",
    "cost-total-below-base",
    Severity.WARNING,
    "`cost.total` lower than `cost.base`.",
    """
The total is the base cost plus tips and factors; it cannot be lower than the base.

Bad: `"cost": {"base": 8, "total": 6}`   Good: `"cost": {"base": 8, "total": 8}`""",
    F,
)

RECORD_MISSING = Rule(
    "R106",
    "record-field-missing",
    Severity.WARNING,
    "A workflow record lacks a field the API's document says every record has.",
    """
The API's document lists what the server fills in every record (`arguments`, `callbacks`, `cost`,
`tags`, `tips`, …). A record stored by a service months ago can lack a field added since, and
that is not wrong; a record that lacks `status` or a step's `name` was probably cut short or
written by hand. (In a request body a missing key is `S102`, an error.)

Bad: a stored record without `createdAt`   Good: the record as the API returned it""",
    F,
)

RULES = (TIMESTAMP_ORDER, COMPLETION_MISMATCH, SUCCEEDED_WITH_FAILURE, NO_OUTPUT, COST_BELOW_BASE, RECORD_MISSING)


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    if kind is not Kind.WORKFLOW or not isinstance(data, dict):
        return
    yield from _order(data, "", None)
    yield from _completion(data, "", "workflow")
    for step in steps(data):
        record, pointer = step.data, step.pointer
        yield from _order(record, pointer, data)
        yield from _completion(record, pointer, "step")
        if record.get("status") == "succeeded" and not record.get("output") and step.type != "imageUpload":
            yield NO_OUTPUT.finding("this step succeeded but has no output", f"{pointer}/status")
        if data.get("status") == "succeeded" and record.get("status") in ("failed", "canceled", "expired"):
            message = f'the workflow succeeded but this step is "{record["status"]}"'
            yield SUCCEEDED_WITH_FAILURE.finding(message, f"{pointer}/status")
    cost = data.get("cost")
    if isinstance(cost, dict):
        base, total = number(cost.get("base")), number(cost.get("total"))
        if base is not None and total is not None and total < base:
            yield COST_BELOW_BASE.finding(f"cost.total {total} is below cost.base {base}", "/cost/total")


def _time(record: dict[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if not isinstance(value, str):
        return None
    from datetime import datetime

    from ..format_checks import is_date_time  # (calendar, locale and ipaddress: only for records with times)

    if not is_date_time(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _order(record: dict[str, Any], pointer: str, workflow: dict[str, Any] | None) -> Iterator[Finding]:
    chain = [(key, _time(record, key)) for key in ("createdAt", "startedAt", "completedAt")]
    known = [(key, when) for key, when in chain if when is not None]
    for (first, early), (second, late) in itertools.pairwise(known):
        if late < early:
            yield TIMESTAMP_ORDER.finding(f"{second} is before {first}", f"{pointer}/{second}")
    if workflow is None:
        return
    created, finished = _time(workflow, "createdAt"), _time(workflow, "completedAt")
    started, done = _time(record, "startedAt"), _time(record, "completedAt")
    if created is not None and started is not None and started < created:
        yield TIMESTAMP_ORDER.finding("the step started before the workflow was created", f"{pointer}/startedAt")
    if finished is not None and done is not None and done > finished:
        yield TIMESTAMP_ORDER.finding("the step completed after the workflow did", f"{pointer}/completedAt")


def _completion(record: dict[str, Any], pointer: str, what: str) -> Iterator[Finding]:
    status = record.get("status")
    if not isinstance(status, str):
        return  # a status of the wrong type is the schema's finding
    if status in catalog.TERMINAL_STATUSES and "completedAt" not in record:
        yield COMPLETION_MISMATCH.finding(f'the {what} is "{status}" but has no completedAt', f"{pointer}/status")
    if status in catalog.RUNNING_STATUSES and record.get("completedAt"):
        yield COMPLETION_MISMATCH.finding(
            f'the {what} is still "{status}" but has a completedAt', f"{pointer}/completedAt"
        )


# The family's entries in the registry (civitai_schema.rules), with their cost per step.
CHECKS = (FamilyCheck("record checks", check, cost=0.1),)
