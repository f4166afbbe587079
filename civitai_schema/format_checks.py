"""Format checks that always run.

A plain ``jsonschema`` install skips ``date-time`` and ``uri`` unless optional packages are
present (rfc3339-validator, and rfc3987, which is GPL). These small checkers make the result the
same on every machine and add no dependency.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .spans import is_date_span

if TYPE_CHECKING:
    from jsonschema import FormatChecker

_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_TIME = r"(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))"
_DATE_RE = re.compile(_DATE, re.ASCII)  # JSON Schema formats are ASCII digits
_TIME_RE = re.compile(_TIME, re.ASCII)
_DATE_TIME_RE = re.compile(_DATE + "[Tt]" + _TIME, re.ASCII)

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# RFC 3986 §2: unreserved, reserved and '%' (checked separately for two hex digits).
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_date(text: str) -> bool:
    match = _DATE_RE.fullmatch(text)
    return bool(match) and _valid_date(*map(int, match.groups()))  # type: ignore[union-attr]


def is_time(text: str) -> bool:
    match = _TIME_RE.fullmatch(text)
    return bool(match) and _valid_time(match.groups())  # type: ignore[union-attr]


def is_date_time(text: str) -> bool:
    """RFC 3339 ``date-time``: a full date, a time and a zone (``Z`` or ``±hh:mm``)."""
    match = _DATE_TIME_RE.fullmatch(text)
    if not match:
        return False
    groups = match.groups()
    return _valid_date(*map(int, groups[:3])) and _valid_time(groups[3:])


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _valid_time(groups: tuple[str | None, ...]) -> bool:
    hour, minute, second = (int(g or 0) for g in groups[:3])
    sign = -1 if groups[4] == "-" else 1
    offset_hour, offset_minute = (int(g or 0) for g in groups[5:7])
    if not (hour <= 23 and minute <= 59 and second <= 60 and offset_hour <= 23 and offset_minute <= 59):
        return False
    # RFC 3339 §5.7: a leap second (60) comes only at the end of a UTC day, 23:59:60Z.
    utc_minutes = (hour * 60 + minute - sign * (offset_hour * 60 + offset_minute)) % 1440
    return second < 60 or utc_minutes == 23 * 60 + 59


def is_uri_reference(text: str) -> bool:
    return (
        _URI_CHARS.fullmatch(text) is not None
        and not _PCT.search(text)
        and text.count("#") <= 1
        and _valid_authority(text)
    )


def is_uri(text: str) -> bool:
    """An absolute RFC 3986 URI: a scheme, then only URI characters, well-formed escapes."""
    scheme, colon, _ = text.partition(":")
    return bool(colon) and _SCHEME.fullmatch(scheme) is not None and is_uri_reference(text)


_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")


def _valid_authority(text: str) -> bool:
    """Brackets only around an IP literal; a port, when present, is digits."""
    match = _AUTHORITY.match(text)
    if match is None:
        return "[" not in text and "]" not in text
    host_port = match.group(1).rpartition("@")[2]
    if host_port.startswith("["):
        literal, bracket, port = host_port[1:].partition("]")
        if not bracket or not (is_ipv6(literal) or literal[:1] in "vV"):
            return False
    else:
        literal, _, port = host_port.partition(":")
        port = ":" + port if _ else ""
        if "[" in literal or "]" in literal:
            return False
    return port in ("", ":") or (port.startswith(":") and port[1:].isascii() and port[1:].isdigit())


def is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def is_regex(text: str) -> bool:
    try:  # (ECMA-262 named groups (?<name>…) are Python's (?P<name>…))
        _compile_uncached(re.sub(r"\(\?<(?![=!])", "(?P<", text))
    except (re.error, RecursionError, OverflowError):
        return False
    return True


def _compile_uncached(pattern: str) -> object:
    """``re.compile`` without its cache: ``re`` keeps the last 512 patterns it compiled, each
    whatever its length, so document values checked as ``regex`` would stay alive (512 of 100 KB
    held hundreds of megabytes). A value is compiled once here and let go."""
    try:
        from re import _compiler  # type: ignore[attr-defined]  # Python 3.11+
    except ImportError:  # Python 3.10
        import sre_compile as _compiler
    return _compiler.compile(pattern, 0)


CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "time": is_time,
    "uri": is_uri,
    "uri-reference": is_uri_reference,
    "uuid": is_uuid,
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "regex": is_regex,
    "date-span": is_date_span,
}


def format_checker() -> FormatChecker:
    """A ``jsonschema.FormatChecker`` with exactly these checks (non-strings pass, as the spec says)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in CHECKS.items():
        checker.checks(name)(_strings_only(check))
    return checker


def _strings_only(check: Callable[[str], bool]) -> Callable[[object], bool]:
    def run(value: object) -> bool:
        return not isinstance(value, str) or check(value)

    return run
