"""The .NET TimeSpan format (``date-span``), apart from the other format checks: jsonschema-rs
knows every other format itself, so a valid document's run imports only this."""

from __future__ import annotations

import re

# As System.Text.Json writes and reads it ("c" format): [-][d.]hh:mm:ss[.fffffff].
_DATE_SPAN_RE = re.compile(r"-?(?:(\d{1,8})\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d{1,7})?", re.ASCII)


def is_date_span(text: str) -> bool:
    match = _DATE_SPAN_RE.fullmatch(text)
    if match is None:
        return False
    _, hours, minutes, seconds = match.groups()
    return int(hours) < 24 and int(minutes) < 60 and int(seconds) < 60
