"""Submission hygiene: callbacks the orchestrator can and may post to, the vendored schema's
invented webhook fields, and server-assigned fields in a request body.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .. import catalog
from ..documents import Document
from ..findings import Edit, Finding, Fix, Kind, Severity
from ..fix_actions import DOCUMENT, Copies, FixAction, Impossible
from ..rule_options import DEFAULT_OPTIONS, RuleOptions
from ..text_edits import AFTER_KEY, delete_json_member, json_text, moves_a_suppression, render, yaml_text
from ..workflow import steps
from .rule import FamilyCheck, Names, Option, Rule

F = "hygiene"

ALLOWED_CALLBACK_HOSTS = Option(
    "allowed-callback-hosts",
    Names(),
    frozenset[str](),
    "Private hosts you really post callbacks to (a tunnel, a host inside Civitai's network).",
)

NOT_HTTPS = Rule(
    "C101",
    "callback-not-https",
    Severity.WARNING,
    "A callback URL that is not https.",
    """
The orchestrator posts webhooks only to HTTPS URLs; an `http://` callback is never called.

Bad: `"url": "http://hooks.example.com/civitai"`   Good: `"url": "https://hooks.example.com/civitai"`""",
    F,
)

PRIVATE_HOST = Rule(
    "C102",
    "callback-private-host",
    Severity.WARNING,
    "A callback to a loopback, private, link-local or cloud-metadata address.",
    """
The orchestrator runs on Civitai's servers: `localhost`, `10.x`, `192.168.x`, `169.254.169.254`
and the like are unreachable from there, or point at Civitai's own network (a server-side
request forgery risk that will be refused). Use a public HTTPS endpoint, or a tunnel.

Bad: `"url": "https://127.0.0.1:8080/hook"`   Good: `"url": "https://hooks.example.com/civitai"`""",
    F,
    options=(ALLOWED_CALLBACK_HOSTS,),
)

NO_EVENTS = Rule(
    "C103",
    "callback-without-events",
    Severity.WARNING,
    "A callback that subscribes to no event.",
    """
`type` lists the events to deliver; an empty list means the callback is never called.

Bad: `"type": []`   Good: `"type": ["workflow:succeeded", "workflow:failed"]`""",
    F,
)

REDUNDANT_EVENT = Rule(
    "C104",
    "redundant-callback-event",
    Severity.INFO,
    "A callback event already covered by another in the same list.",
    """
`workflow:*` already includes `workflow:succeeded`; a repeated event is delivered once.

Bad: `["workflow:*", "workflow:succeeded"]`   Good: `["workflow:*"]`""",
    F,
)

EPHEMERAL = Rule(
    "C105",
    "ephemeral-without-callback",
    Severity.WARNING,
    "`ephemeral: true` with no callback.",
    """
An ephemeral workflow is not stored, so its results reach you only through a callback or a
request that waits (`wait` > 0, which the body cannot show). Without either, the API returns 400.

Bad: `"ephemeral": true` and no `callbacks`   Good: add a callback, or submit with `?wait=60`""",
    F,
)

LEGACY_CALLBACK = Rule(
    "C106",
    "legacy-callback-field",
    Severity.ERROR,
    "The vendored schema's `callbackUrl`/`callbackEvents`.",
    """
The workflow API has no such fields (a single `callbackUrl` existed only in the legacy v1 jobs
API). Webhooks are a list of `callbacks`, each with a `url` and the event `type`s it wants.

Bad: `"callbackUrl": "https://h.example/x", "callbackEvents": ["workflow:succeeded"]`
Good: `"callbacks": [{"url": "https://h.example/x", "type": ["workflow:succeeded"]}]`""",
    F,
    fixable="unsafe",
)

SERVER_FIELD = Rule(
    "C107",
    "server-assigned-field",
    Severity.ERROR,
    "A server-assigned field in a request body.",
    """
`id`, `status`, `createdAt`, `cost`, `jobs`, `output` and the like are set by the API on the
workflow it returns; a request body carrying them is refused. Copying a returned workflow back
as a template is the usual cause.

Bad: a submission with `"status": "succeeded"`   Good: only `steps` and the request fields""",
    F,
)

RULES = (NOT_HTTPS, PRIVATE_HOST, NO_EVENTS, REDUNDANT_EVENT, EPHEMERAL, LEGACY_CALLBACK, SERVER_FIELD)
OPTIONS = (ALLOWED_CALLBACK_HOSTS,)

_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "metadata.azure.com"})


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    if not isinstance(data, dict):
        return
    if not _CALLBACK_KEYS.isdisjoint(data):  # (the callback checks read nothing else)
        yield from _callbacks(data, options)
        yield from _legacy(data)
    if kind is Kind.SUBMISSION:
        yield from _server_fields(data)


_CALLBACK_KEYS = frozenset({"callbacks", "ephemeral", "callbackUrl", "callbackEvents"})


def _callbacks(data: dict[str, Any], options: RuleOptions) -> Iterator[Finding]:
    callbacks = data.get("callbacks")
    entries = [(i, c) for i, c in enumerate(callbacks) if isinstance(c, dict)] if isinstance(callbacks, list) else []
    for i, callback in entries:
        where = f"/callbacks/{i}"
        url = callback.get("url")
        if isinstance(url, str) and "://" in url:
            yield from _url(url, f"{where}/url", options)
        events = callback.get("type")
        if isinstance(events, list):
            if not events:
                yield NO_EVENTS.finding("this callback lists no event types, so it is never called", f"{where}/type")
            yield from _redundant(events, f"{where}/type")
    if data.get("ephemeral") is True and not entries:
        yield EPHEMERAL.finding("ephemeral workflows need a callback (or a request with wait > 0)", "/ephemeral")


def _url(url: str, where: str, options: RuleOptions) -> Iterator[Finding]:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # "https://[oops": not a URL at all, which the schema's uri format reports
        return
    if parts.scheme.lower() != "https":
        yield NOT_HTTPS.finding(f"callbacks are posted only to https URLs, not {parts.scheme}://", where)
    if not host or host in ALLOWED_CALLBACK_HOSTS.of(options):
        return
    reason = _private(host)
    if reason is not None:
        yield PRIVATE_HOST.finding(f'"{host}" is {reason}: the orchestrator cannot and will not post there', where)


def _private(host: str) -> str | None:
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    if host in _METADATA_HOSTS:
        return "a cloud metadata service"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if str(address) in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_unspecified:
        return "a private address"
    return None


def _redundant(events: list[Any], where: str) -> Iterator[Finding]:
    seen: set[str] = set()
    scopes = {e.split(":", 1)[0] for e in events if isinstance(e, str) and e.endswith(":*")}
    for i, event in enumerate(events):
        if not isinstance(event, str):
            continue
        scope = event.split(":", 1)[0]
        if event in seen:
            yield REDUNDANT_EVENT.finding(f'"{event}" is listed twice', f"{where}/{i}")
        elif scope in scopes and not event.endswith(":*"):
            yield REDUNDANT_EVENT.finding(f'"{event}" is already included in "{scope}:*"', f"{where}/{i}")
        seen.add(event)


def _legacy(data: dict[str, Any]) -> Iterator[Finding]:
    url, events = data.get("callbackUrl"), data.get("callbackEvents")
    if url is None and events is None:
        return
    rewrite = {
        "url": url if isinstance(url, str) else "https://…",
        "type": events if isinstance(events, list) else ["workflow:*"],
    }
    suggestion = json.dumps({"callbacks": [rewrite]}, ensure_ascii=False)
    # Only the document's own values move: no made-up URL for one that is not a string.
    own = isinstance(url, str) and (events is None or isinstance(events, list))
    fix = (
        Fix("rewrite as callbacks", "unsafe", RewriteCallbacks([rewrite])) if own and "callbacks" not in data else None
    )
    for key in ("callbackUrl", "callbackEvents"):
        if key in data:
            message = f'"{key}" is not part of the workflow API; write {suggestion}'
            yield LEGACY_CALLBACK.finding(message, f"/{key}", target="key", fix=fix)


@dataclass(frozen=True)
class RewriteCallbacks(FixAction):
    """C106's fix: the seed's callbackUrl member becomes ``callbacks`` (written as ``callbacks``)
    and callbackEvents goes. Each member's finding carries the whole rewrite, one edit per
    member, so the fix is left out when one of them is missing (suppressed)."""

    callbacks: Any
    one_edit_per_finding: ClassVar[bool] = True

    def edits(self, document: Document, finding: Finding) -> tuple[Edit, ...]:
        data = document.data
        if not isinstance(data, dict) or not self._carries_the_originals(data):
            return ()
        if document.fmt == "yaml":
            return self._yaml_edits(document, "callbackEvents" in data)
        locator, text = document.locator, document.text
        key, value = locator.offsets("/callbackUrl", "key"), locator.offsets("/callbackUrl", "value")
        if key is None or value is None:
            return ()
        written = f"{json_text('callbacks')}{text[key[1] : value[0]]}{json_text(self.callbacks)}"
        edits = [Edit(key[0], value[1], written)]
        if "callbackEvents" in data:
            events = (locator.offsets("/callbackEvents", "key"), locator.offsets("/callbackEvents", "value"))
            if events[0] is None or events[1] is None:
                return ()
            edits.append(delete_json_member(text, events[0][0], events[1][1]))
        return tuple(sorted(edits))

    def _carries_the_originals(self, data: dict[str, Any]) -> bool:
        """Whether the rewrite holds the document's own URL and events. A URL that is not a
        string (``{"fromEnv": …}``), or none at all, would otherwise become a made-up one, and
        events that are not a list would be lost."""
        url, callbacks = data.get("callbackUrl"), self.callbacks
        if not isinstance(url, str) or not isinstance(callbacks, list) or len(callbacks) != 1:
            return False
        entry = callbacks[0]
        if not isinstance(entry, dict) or set(entry) != {"url", "type"} or entry["url"] != url:
            return False
        if "callbackEvents" not in data:
            return True
        events = data["callbackEvents"]
        return isinstance(events, list) and json.dumps(entry["type"]) == json.dumps(events)

    def _yaml_edits(self, document: Document, with_events: bool) -> tuple[Edit, ...]:
        from yaml.nodes import MappingNode, ScalarNode

        from .. import yaml_members

        root = getattr(document.locator, "root", None)
        if not isinstance(root, MappingNode):
            return ()
        text = yaml_text(document)
        url = yaml_members.find(document.locator, ["callbackUrl"])
        if url is None or url.key is None:
            return ()
        key, value = text.key(url), text.value(url)
        if key is None or value is None or text.defines_used_anchor(key[0], value[1]):
            return ()
        separator = AFTER_KEY.match(document.text, key[1])
        style = (url.key.style or None) if isinstance(url.key, ScalarNode) else None
        name = render("callbacks", "yaml", style=style)
        edits = [Edit(key[0], value[1], f"{name}{separator.group() if separator else ': '}{json_text(self.callbacks)}")]
        if with_events:
            events = yaml_members.find(document.locator, ["callbackEvents"])
            region = None if events is None else text.member(events, root)
            if region is None or text.defines_used_anchor(*region) or moves_a_suppression(document.text, region[0]):
                return ()
            edits.append(Edit(region[0], region[1], ""))
        return tuple(sorted(edits))

    def stage(self, finding: Finding) -> int:
        return DOCUMENT

    def change(self, data: Copies, finding: Finding) -> None:
        root = data.container([])
        if not isinstance(root, dict):
            raise Impossible
        for key in ("callbackUrl", "callbackEvents"):
            root.pop(key, None)
        root["callbacks"] = self.callbacks


_SERVER_KEYS, _SERVER_STEP_KEYS = frozenset(catalog.SERVER_WORKFLOW_KEYS), frozenset(catalog.SERVER_STEP_KEYS)


def _server_fields(data: dict[str, Any]) -> Iterator[Finding]:
    for key in _present(catalog.SERVER_WORKFLOW_KEYS, _SERVER_KEYS, data):
        yield SERVER_FIELD.finding(
            f'"{key}" is assigned by the server; remove it from the request body', f"/{key}", target="key"
        )
    for step in steps(data):
        if _SERVER_STEP_KEYS.isdisjoint(step.data):
            continue  # (nearly every step)
        for key in _present(catalog.SERVER_STEP_KEYS, _SERVER_STEP_KEYS, step.data):
            message = f'step "{key}" is assigned by the server; remove it from the request body'
            yield SERVER_FIELD.finding(message, f"{step.pointer}/{key}", target="key")


def _present(keys: tuple[str, ...], among: frozenset[str], data: dict[str, Any]) -> list[str]:
    """Those of ``keys`` that ``data`` has, in their order (``among``: the same keys as a set,
    which tells in C whether there is any; nearly no body or step has one)."""
    return [key for key in keys if key in data] if not among.isdisjoint(data) else []


# The family's entries in the registry (civitai_schema.rules), with their cost per step.
CHECKS = (FamilyCheck("submission hygiene checks", check, cost=0.2),)
