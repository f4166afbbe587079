"""Formats are really checked, whatever optional packages are installed."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

import civitai_schema
from civitai_schema import format_checks


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2026-01-01T00:00:00Z", True),
        ("2026-07-24T19:37:06.680Z", True),
        ("2016-12-31T23:59:60Z", True),  # a real leap second
        ("1998-12-31T15:59:60.123-08:00", True),  # the same instant, eight hours west
        ("2024-02-29T23:59:60.5+05:30", False),  # 18:29:60 UTC is no leap second
        ("2026-02-29T00:00:00Z", False),  # not a leap year
        ("2026-13-01T00:00:00Z", False),
        ("2026-01-01 00:00:00Z", False),  # RFC 3339 date-time needs the T
        ("2026-01-01T00:00:00", False),  # no time zone
        ("2026-01-01T24:00:00Z", False),
        ("yesterday", False),
    ],
)
def test_date_time(text: str, valid: bool) -> None:
    assert format_checks.is_date_time(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("https://hooks.example.com/civitai?x=1#y", True),
        ("http://[::1]:8080/path", True),
        ("urn:air:sdxl:checkpoint:civitai:101055@128078", True),
        ("mailto:ops@example.com", True),
        ("hooks.example.com/civitai", False),  # no scheme
        ("https://example.com/a b", False),  # a space
        ("https://example.com/%zz", False),  # a broken escape
        ("https://example.com:port/", False),
        ("http://[::1/", False),
        ("", False),
    ],
)
def test_uri(text: str, valid: bool) -> None:
    assert format_checks.is_uri(text) is valid


def test_our_validator_checks_formats_a_plain_one_may_skip() -> None:
    record = {
        "id": "6-1",
        "status": "failed",
        "createdAt": "2026-02-30T10:00:00Z",
        "steps": [],
        "callbacks": [{"url": "not a uri", "type": ["workflow:failed"]}],
    }
    codes = [(f.path, f.code) for f in civitai_schema.check(record).findings]
    assert ("/createdAt", "S106") in codes
    assert ("/callbacks/0/url", "S106") in codes


def test_a_format_checker_without_our_checks_would_accept_the_bad_uri() -> None:
    # The reason format_checks.py exists: jsonschema checks "uri" only when rfc3987 is installed.
    from jsonschema import FormatChecker

    without_uri = FormatChecker(formats=[f for f in FormatChecker().checkers if f != "uri"])
    plain = Draft202012Validator({"format": "uri"}, format_checker=without_uri)
    assert plain.is_valid("not a uri")
    assert format_checks.format_checker().conforms("not a uri", "uri") is False  # type: ignore[attr-defined]


def test_non_strings_pass_format_checks() -> None:
    checker = format_checks.format_checker()
    assert checker.conforms(5, "date-time")  # type: ignore[attr-defined]
