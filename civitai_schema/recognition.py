"""Whether a document is a Civitai workflow at all, so that the pre-commit hook
(``--skip-unrecognized``) speaks only about workflows and never about the CI pipelines, manifests,
compose files and API fixtures beside them, yet never hides a broken workflow either.

A document is a workflow when its shape says so, never from one word:

- its ``steps`` are workflow steps: some item has a string ``$type`` or an object ``input``;
- or its top level is made of workflow fields (a request body's or a record's, give or take a
  misspelling) and either holds ``steps`` of any shape besides them, or holds a field no other
  kind of file has (``callbacks``, ``arguments``, ``nsfwLevel``, ``tips``, …). So a body whose
  ``steps`` are missing or broken is still checked, while ``{"id": 7, "status": "paid"}`` or a
  ``steps:`` list of strings in a release plan is not.

A text that cannot be parsed is a workflow's only if it names ``$type`` as a key: a
CloudFormation template with ``!Sub`` or a JSONC settings file is not ours.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from . import catalog, limits, validators
from .findings import Kind
from .suggest import misspelling_of

# Fields that the generic words every format uses (id, status, tags, metadata, cost …) are not.
_GENERIC = frozenset(
    {"id", "status", "tags", "metadata", "steps", "createdAt", "startedAt", "completedAt", "deletedAt", "cost",
     "transactions", "externalId", "priority"}
)  # fmt: skip


@functools.cache
def workflow_keys() -> frozenset[str]:
    """Every top-level key of a request body or a record, and the vendored schema's own."""
    model = catalog.workflow_model()
    return frozenset(model["templateKeys"]) | frozenset(model["recordKeys"]) | {*catalog.SEED_CALLBACK_KEYS, "priority"}


@functools.cache
def _distinctive() -> frozenset[str]:
    return workflow_keys() - _GENERIC


def is_step(item: Any) -> bool:
    """Whether one item of ``steps`` is a workflow step: a string ``$type`` or an object ``input``."""
    return isinstance(item, dict) and (isinstance(item.get("$type"), str) or isinstance(item.get("input"), dict))


def looks_like_workflow(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    steps = data.get("steps")
    if isinstance(steps, list) and any(map(is_step, steps)):
        return True
    keys = [key for key in data if isinstance(key, str)]
    if not keys or len(keys) != len(data) or not all(map(_workflow_key, keys)):
        return False
    if "steps" in data or "step" in data:
        # Steps missing their shape, beside workflow fields: a list of objects, or another field
        # whose value has its API type (an i18n table's "tags": "Étiquettes" has not).
        given = data.get("steps", data.get("step"))
        objects = isinstance(given, list) and all(isinstance(item, dict) for item in given)
        others = [key for key in keys if key not in ("steps", "step", "id")]  # (any string is an id)
        return bool(others) and (objects or any(_has_its_type(key, data[key]) for key in others))
    return any(key in _distinctive() for key in keys)


def _workflow_key(key: str) -> bool:
    return _field(key) is not None


@limits.value_cache(1024)  # (keyed by a document's keys: long ones are not kept)
def _field(key: str) -> str | None:
    """The workflow field ``key`` is, or misspells: one edit away (two for names of eight letters
    or more), ignoring case and punctuation. Closer than "did you mean", so ``agents`` is not
    taken for ``arguments`` nor ``stages`` for ``tags``."""
    if key in workflow_keys():
        return key
    if len(key) > 40:
        return None
    return misspelling_of(key, workflow_keys())


def _has_its_type(key: str, value: Any) -> bool:
    """Whether a top-level value is valid as the field it names, by the API's own schema."""
    field = _field(key)
    check = _field_validator(field) if field is not None else None
    try:
        return check is not None and bool(check.is_valid(value))
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False


@functools.cache
def _field_validator(field: str) -> Any | None:
    for kind in (Kind.SUBMISSION, Kind.WORKFLOW):
        envelope = validators.compiled(f"{kind.value}.envelope")
        spec = envelope["properties"].get(field)
        if spec is not None:
            return validators.fast_or_python({"$defs": envelope["$defs"], **spec})
    return None


# ``$type`` written as a key, in JSON or YAML: how an unparsable text shows it is a workflow.
_TYPE_KEY = re.compile(r"""(?:^|[\s{,\[])["']?\$type["']?\s*:""", re.MULTILINE)
_TYPE_KEY_BYTES = re.compile(_TYPE_KEY.pattern.encode(), re.MULTILINE)


def mentions_workflow(source: bytes | str) -> bool:
    """Whether a text that cannot be parsed still names ``$type`` as a key."""
    if isinstance(source, bytes):
        return _TYPE_KEY_BYTES.search(source) is not None
    return _TYPE_KEY.search(source) is not None
