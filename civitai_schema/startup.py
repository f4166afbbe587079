"""Imports that would cost every run more than it uses (see docs/performance.md).

jsonschema-rs's extension, when loaded, reads its own build date with
``email.utils.parsedate_to_datetime`` (for the ``__build__`` record), and that import brings
``socket``, ``random``, ``calendar`` and the ``email`` package: about a tenth of a valid file's
run. :func:`jsonschema_rs` lends it a stand-in for ``email.utils`` while it loads, which reads
that one kind of date itself and imports the real module for anything else.
"""

from __future__ import annotations

import re
import sys
import types
from typing import Any

# How the build date is written (RFC 2822, in UTC): "Thu, 12 Nov 2026 07:50:16 +0000".
_UTC_DATE = re.compile(r"[A-Z][a-z]{2}, (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) \+0000")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def jsonschema_rs() -> types.ModuleType:
    """The ``jsonschema_rs`` module (ImportError when it is not installed)."""
    if "jsonschema_rs" in sys.modules or "email.utils" in sys.modules:
        import jsonschema_rs as module

        return module
    stand_in = types.ModuleType("email.utils")
    stand_in.parsedate_to_datetime = _parsedate_to_datetime  # type: ignore[attr-defined]
    setattr(stand_in, "__getattr__", lambda name: getattr(_real_email_utils(), name))  # noqa: B010 (a module's hook)
    sys.modules["email.utils"] = stand_in
    try:
        import jsonschema_rs as module
    finally:
        if sys.modules.get("email.utils") is stand_in:
            del sys.modules["email.utils"]
    return module


def _parsedate_to_datetime(data: Any) -> Any:
    """``email.utils.parsedate_to_datetime``, the same value for a UTC date as it is written."""
    match = _UTC_DATE.fullmatch(data) if isinstance(data, str) else None
    if match is None or match.group(2) not in _MONTHS:
        return _real_email_utils().parsedate_to_datetime(data)
    import datetime

    day, month, year, hour, minute, second = match.groups()
    return datetime.datetime(
        int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second), tzinfo=datetime.timezone.utc
    )


def _real_email_utils() -> types.ModuleType:
    module = sys.modules.get("email.utils")
    if module is not None and not hasattr(module, "formatdate"):  # (the stand-in)
        del sys.modules["email.utils"]
    import email.utils

    return email.utils
