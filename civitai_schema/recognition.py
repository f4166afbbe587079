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
from collections.abc import Iterable
from typing import Any

from . import catalog
from .suggest import closest

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
    if "steps" in data:
        return len(keys) > 1  # steps missing their shape, beside other workflow fields
    return any(key in _distinctive() for key in keys)


def looks_like_workflow_steps(steps: Iterable[Any]) -> bool:
    """:func:`looks_like_workflow` for a stream of steps read apart from their document."""
    return any(map(is_step, steps))


@functools.lru_cache(maxsize=1024)
def _workflow_key(key: str) -> bool:
    """A workflow field, or a misspelling of one (``step``, ``callback``)."""
    if key in workflow_keys():
        return True
    return len(key) <= 40 and closest(key, workflow_keys()) is not None


# ``$type`` written as a key, in JSON or YAML: how an unparsable text shows it is a workflow.
_TYPE_KEY = re.compile(r"""(?:^|[\s{,\[])["']?\$type["']?\s*:""", re.MULTILINE)
_TYPE_KEY_BYTES = re.compile(_TYPE_KEY.pattern.encode(), re.MULTILINE)


def mentions_workflow(source: bytes | str) -> bool:
    """Whether a text that cannot be parsed still names ``$type`` as a key."""
    if isinstance(source, bytes):
        return _TYPE_KEY_BYTES.search(source) is not None
    return _TYPE_KEY.search(source) is not None
