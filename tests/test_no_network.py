"""Nothing civitai-schema does at run time touches the network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import civitai_schema
from civitai_schema import validators

from .conftest import FIXTURES, invoke, shared


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args))
        raise OSError("network access attempted during a check")

    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_every_command_runs_without_the_network(no_sockets: list[str], tmp_path: Path) -> None:
    validators.validator.cache_clear()  # build the validators again, with sockets refused
    published = shared("corpus/real")
    paths = [str(FIXTURES)] + ([str(published)] if published is not None else [])
    for fmt in ("concise", "full", "json", "sarif", "junit", "gitlab", "github", "jsonl"):
        assert invoke("check", "--format", fmt, *paths).exit_code == 1  # fixtures/invalid has errors
    assert invoke("coverage", str(FIXTURES)).exit_code == 0
    assert invoke("schema", "--kind", "workflow").exit_code == 0
    assert invoke("rules", "--format", "markdown").exit_code == 0
    target = tmp_path / "w.yaml"
    target.write_bytes((FIXTURES / "fixes" / "invented-types.yaml").read_bytes())
    fixed = invoke("check", "--fix", "--unsafe-fixes", str(target))
    assert target.read_bytes() == (FIXTURES / "fixes" / "invented-types.fixed.yaml").read_bytes(), fixed.output
    # What is left (textToSpeech's engine defaults to custom, which needs xVectorOnlyMode) is what
    # a check of the fixed file finds: no crash, no refused connection.
    assert fixed.exit_code == 1 == invoke("check", str(target)).exit_code
    civitai_schema.check({"steps": [{"$type": "imageGen", "input": {"model": "urn:air:sdxl:checkpoint:civitai:1@2"}}]})
    assert no_sockets == []
