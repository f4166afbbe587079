"""The language server: pygls wiring between the editor and the engine.

Documents are kept here as the editor sends them (incremental changes applied with the engine's
line breaks, see :mod:`.positions`). Checks run on one worker thread after a pause in typing,
so a long check never holds up a hover; a check whose text has changed meanwhile is dropped,
and the newer one publishes. Anything that raises in a request is logged to the editor and
answered with nothing; a crash inside the engine becomes a diagnostic: the server stays up.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import config
from ..findings import Finding, Report
from ..version import __version__
from . import actions, diagnostics, knowledge, places
from .checking import Engine, crashed, document_format, is_config_file
from .positions import Positions

DEBOUNCE_SECONDS = 0.3
logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Checked:
    """The last check of a document: the text it read, its report and its diagnostics."""

    text: str
    report: Report
    diagnostics: list[types.Diagnostic]


@dataclass
class OpenDocument:
    uri: str
    path: str
    fmt: str | None  # None: not JSON or YAML, never checked
    text: str
    version: int | None
    checked: Checked | None = None
    data: Any = None  # the last JSON that parsed, for completion while the text does not
    composed: tuple[str, list[Any] | None] | None = None  # YAML nodes of one text


class CivitaiLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("civitai-schema", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.documents: dict[str, OpenDocument] = {}
        self.engine = Engine()
        self.debounce = DEBOUNCE_SECONDS
        self.pending: dict[str, asyncio.Task[None]] = {}
        # One thread checks (in order); another answers hovers and completions meanwhile.
        self.checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civitai-schema-check")
        self.queries = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civitai-schema-query")
        self.shut_down = False  # (the exit status says whether shutdown came before exit)

    # -- settings ------------------------------------------------------------------------

    def configure(self, settings: Any) -> None:
        """Settings from ``initializationOptions`` or ``workspace/didChangeConfiguration``:
        ``config`` (one configuration file for everything), ``isolated`` (none), ``debounce``
        (milliseconds); also accepted nested under ``civitai-schema`` or ``civitaiSchema``."""
        if not isinstance(settings, dict):
            return
        settings = settings.get("civitai-schema", settings.get("civitaiSchema", settings))
        if not isinstance(settings, dict):
            return
        if isinstance(settings.get("debounce"), (int, float)) and settings["debounce"] >= 0:
            self.debounce = settings["debounce"] / 1000
        path = settings.get("config")
        self.engine = Engine(
            config_path=path if isinstance(path, str) and path else None, isolated=bool(settings.get("isolated"))
        )

    @property
    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        except RuntimeError:  # (no workspace before initialize)
            return types.PositionEncodingKind.Utf16

    def markup(self, text: str, formats: Any) -> types.MarkupContent:
        """Markdown when the client takes it (``formats``: what its capabilities list), else the same text plain."""
        markdown = formats is not None and types.MarkupKind.Markdown in formats
        return types.MarkupContent(
            kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=text
        )

    def hover_formats(self) -> Any:
        document = self.client_capabilities.text_document
        return document.hover.content_format if document and document.hover else None

    def documentation_formats(self) -> Any:
        document = self.client_capabilities.text_document
        completion = document.completion if document else None
        item = completion.completion_item if completion else None
        return item.documentation_format if item else None

    def positions(self, text: str) -> Positions:
        return Positions(text, self.encoding)

    def reload(self) -> None:
        """A configuration file or a setting changed: check every open document again."""
        self.engine.reload()
        for uri, document in self.documents.items():
            if document.fmt is not None:
                self.schedule(uri, 0)

    # -- checking ------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        earlier = self.pending.pop(uri, None)
        if earlier is not None:
            earlier.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.documents.get(uri)
        if document is None or document.fmt is None:
            return
        text, version = document.text, document.version
        checked = await self.in_thread(self.checks, self.check, document.path, uri, text, document.fmt)
        current = self.documents.get(uri)
        if current is None or current.text != text:
            return  # the text changed while it was checked; the newer check publishes
        current.checked = checked
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=checked.diagnostics, version=version)
        )

    async def in_thread(self, pool: ThreadPoolExecutor, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)

    def check(self, path: str, uri: str, text: str, fmt: str) -> Checked:
        positions = self.positions(text)
        try:
            outcome = self.engine.check(path, text, fmt)
            report, problem = outcome.report, outcome.config_problem
            found = diagnostics.diagnostics(report.findings, uri, positions, path, fmt)
        except Exception as exc:  # (the engine reports crashing rules itself; this is the rest)
            logger.exception("checking %s", path)
            report, problem = crashed(path, exc), None
            found = diagnostics.diagnostics(report.findings, uri, positions, path, fmt)
        if problem is not None:
            found.insert(
                0,
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=0, character=0), end=types.Position(line=0, character=1)
                    ),
                    message=f"the configuration cannot be used: {problem}; checked with the defaults",
                    severity=types.DiagnosticSeverity.Error,
                    source=diagnostics.SOURCE,
                ),
            )
        return Checked(text, report, found)

    async def current_check(self, document: OpenDocument) -> Checked:
        """The check of the document's text as it is now (made now if the last one is older)."""
        text = document.text
        if document.checked is not None and document.checked.text == text:
            return document.checked
        assert document.fmt is not None
        checked: Checked = await self.in_thread(
            self.checks, self.check, document.path, document.uri, text, document.fmt
        )
        return checked

    # -- places --------------------------------------------------------------------------

    def json_data(self, document: OpenDocument, text: str) -> Any:
        # While a document is being typed, the last text that parsed gives the data.
        with contextlib.suppress(ValueError, RecursionError):
            document.data = json.loads(text)
        return document.data

    def place_at(self, document: OpenDocument, text: str, offset: int) -> places.Place | None:
        if document.fmt == "json":
            found = places.json_place(text, offset)
            return None if found is None else dataclasses.replace(found, data=self.json_data(document, text))
        if len(text) >= places.WINDOW_FROM:
            return places.yaml_place(text, offset)  # (only the step around the cursor is read)
        if document.composed is None or document.composed[0] != text:
            document.composed = (text, places.compose(text))
        return places.yaml_place(text, offset, roots=document.composed[1] or [])

    def cursor(self, uri: str, position: types.Position) -> tuple[OpenDocument, str, str, Positions, int] | None:
        """The open workflow document at ``uri``, its format, its text, its positions and the
        cursor's offset (None when the document is not open or not one we check)."""
        document = self.documents.get(uri)
        if document is None or document.fmt is None:
            return None
        positions = self.positions(document.text)
        return document, document.fmt, document.text, positions, positions.offset(position)

    def typing_places(self, document: OpenDocument, text: str, offset: int) -> list[places.Place]:
        found = places.typing_places(text, offset, document.fmt or "yaml")
        if document.fmt == "json":  # (the last text that parsed, when this one cannot be read)
            found = [
                p if p.data is not None else dataclasses.replace(p, data=self.json_data(document, text)) for p in found
            ]
        return found


# ---------------------------------------------------------------------------------------------
# Rendering completions

_PLAIN_YAML = re.compile(r"[A-Za-z_$][A-Za-z0-9_.$/@+\-:*]*")
_YAML_WORDS = re.compile(r"(?:true|false|null|yes|no|on|off|y|n|~)", re.IGNORECASE)
_ITEM_KINDS = {
    "key": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.EnumMember,
    "reference": types.CompletionItemKind.Reference,
}


def _rendered(value: Any, fmt: str) -> str:
    if fmt == "yaml" and isinstance(value, str) and _PLAIN_YAML.fullmatch(value) and not _YAML_WORDS.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def completion_item(
    suggestion: knowledge.Suggestion,
    place: places.Place,
    fmt: str,
    text: str,
    positions: Positions,
    markup: Callable[[str], types.MarkupContent],
) -> types.CompletionItem:
    inserted = _rendered(suggestion.value, fmt)
    shown = inserted
    if suggestion.kind == "key":
        line_end = min(
            (i for i in (text.find("\n", place.end), text.find("\r", place.end)) if i >= 0), default=len(text)
        )
        if not text[place.end : line_end].lstrip().startswith(":"):
            inserted += ": "
    return types.CompletionItem(
        label=suggestion.label,
        kind=_ITEM_KINDS[suggestion.kind],
        detail=suggestion.detail,
        documentation=markup(suggestion.documentation) if suggestion.documentation else None,
        sort_text=f"{suggestion.sort}{suggestion.label}",
        filter_text=shown,
        text_edit=types.TextEdit(range=positions.range(place.start, place.end), new_text=inserted),
    )


# ---------------------------------------------------------------------------------------------
# The features


Handler = Callable[["CivitaiLanguageServer", Any], Awaitable[Any]]


def _guarded(default: Any) -> Callable[[Handler], Handler]:
    """A request handler that logs what it raises and answers ``default``: the server stays up."""

    def wrap(handler: Handler) -> Handler:
        async def run(ls: CivitaiLanguageServer, params: Any) -> Any:
            try:
                return await handler(ls, params)
            except Exception as exc:
                logger.exception("%s failed", handler.__name__)
                ls.window_log_message(
                    types.LogMessageParams(
                        type=types.MessageType.Error, message=f"civitai-schema: {handler.__name__} failed: {exc!r}"
                    )
                )
                return default

        run.__name__ = handler.__name__
        return run

    return wrap


def _path_of(uri: str) -> str:
    return to_fs_path(uri) or uri


def _apply(text: str, changes: Any, positions: Any) -> str:
    for change in changes:
        change_range = getattr(change, "range", None)
        if change_range is None:
            text = change.text
            continue
        where = positions(text)
        start, end = where.offset(change_range.start), where.offset(change_range.end)
        text = text[:start] + change.text + text[end:]
    return text


def build() -> CivitaiLanguageServer:
    server = CivitaiLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: CivitaiLanguageServer, params: types.InitializeParams) -> None:
        ls.configure(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CivitaiLanguageServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in config.CONFIG_FILES]
        registration = types.Registration(
            id="civitai-schema-configuration",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception:  # (a client that refuses: configuration changes then need a save)
            logger.warning("the client did not register the configuration file watchers")

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CivitaiLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = _path_of(item.uri)
        fmt = document_format(path, item.language_id)
        ls.documents[item.uri] = OpenDocument(item.uri, path, fmt, item.text, item.version)
        if fmt is not None:
            ls.schedule(item.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CivitaiLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return
        document.text = _apply(document.text, params.content_changes, ls.positions)
        document.version = params.text_document.version
        if document.fmt is not None:
            ls.schedule(document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CivitaiLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        if is_config_file(_path_of(params.text_document.uri)):
            ls.reload()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CivitaiLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.documents.pop(uri, None)
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        if document is not None and document.fmt is not None:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: CivitaiLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(is_config_file(_path_of(change.uri)) for change in params.changes):
            ls.reload()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: CivitaiLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        if params.settings:
            ls.configure(params.settings)
            ls.reload()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_guarded(None)
    async def hover(ls: CivitaiLanguageServer, params: types.HoverParams) -> types.Hover | None:
        at = ls.cursor(params.text_document.uri, params.position)
        if at is None:
            return None
        document, _fmt, text, positions, offset = at
        parts: list[str] = []
        hover_range: types.Range | None = None
        checked = document.checked
        if checked is not None and checked.text == text:
            for finding in checked.report.findings:
                where = diagnostics.finding_range(finding, positions)
                if _within(params.position, where):
                    doc = knowledge.rule_hover(finding.code)
                    if doc:
                        parts.append(doc + _fix_line(finding))
                        hover_range = hover_range or where
        found = await ls.in_thread(ls.queries, ls.place_at, document, text, offset)
        if found is not None:
            facts = await ls.in_thread(ls.queries, knowledge.hover, found)
            if facts:
                parts.append(facts)
                hover_range = positions.range(found.start, found.end)
        if not parts:
            return None
        contents = ls.markup("\n\n---\n\n".join(parts), ls.hover_formats())
        return types.Hover(contents=contents, range=hover_range)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=['"', ":", " ", "$", "-"])
    )
    @_guarded(None)
    async def completion(ls: CivitaiLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        at = ls.cursor(params.text_document.uri, params.position)
        if at is None:
            return None
        document, fmt, text, positions, offset = at

        def suggestions() -> tuple[places.Place, list[knowledge.Suggestion]] | None:
            for candidate in ls.typing_places(document, text, offset):
                found = knowledge.complete(candidate)
                if found:
                    return candidate, found
            return None

        result = await ls.in_thread(ls.queries, suggestions)
        if result is None:
            return types.CompletionList(is_incomplete=False, items=[])
        where, found = result
        formats = ls.documentation_formats()
        items = [completion_item(s, where, fmt, text, positions, lambda t: ls.markup(t, formats)) for s in found]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL]),
    )
    @_guarded(None)
    async def code_action(ls: CivitaiLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        document = ls.documents.get(params.text_document.uri)
        if document is None or document.fmt is None:
            return None
        return await _code_actions(ls, document, params)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: CivitaiLanguageServer, params: None) -> None:
        ls.shut_down = True
        for task in ls.pending.values():
            task.cancel()
        ls.pending.clear()
        ls.checks.shutdown(wait=False, cancel_futures=True)
        ls.queries.shutdown(wait=False, cancel_futures=True)

    return server


def _within(position: types.Position, where: types.Range) -> bool:
    here = (position.line, position.character)
    return (where.start.line, where.start.character) <= here <= (where.end.line, where.end.character)


def _fix_line(finding: Finding) -> str:
    if finding.fix is None or not finding.fixable:
        return ""
    return f"\n\nFix ({finding.fix.applicability}): {finding.fix.description}"


def _wants(only: list[str] | None, kind: str) -> bool:
    """Whether a request limited to ``only`` kinds takes actions of ``kind`` (kinds are dotted prefixes)."""
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


async def _code_actions(
    ls: CivitaiLanguageServer, document: OpenDocument, params: types.CodeActionParams
) -> list[types.CodeAction]:
    text = document.text
    assert document.fmt is not None
    fmt = document.fmt
    positions = ls.positions(text)
    checked = await ls.current_check(document)
    report = checked.report
    only = [str(k) for k in params.context.only] if params.context.only else None
    # The client's own diagnostics first (so an editor can tell which it fixes), else the check's.
    sent = list(params.context.diagnostics) + checked.diagnostics
    out: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix):
        out += actions.quick_fixes(document.uri, report, positions, params.range, sent)
        out += await ls.in_thread(ls.checks, _ignores, ls, document, text, report, positions, params.range, sent)
    if _wants(only, actions.FIX_ALL) and any(
        f.fixable and f.fix and f.fix.applicability == "safe" for f in report.findings
    ):
        after = await ls.in_thread(ls.checks, ls.engine.fix, document.path, text, fmt)
        fixed = actions.fix_all(document.uri, text, after, positions)
        if fixed is not None:
            out.append(fixed)
    return out


def _ignores(
    ls: CivitaiLanguageServer,
    document: OpenDocument,
    text: str,
    report: Report,
    positions: Positions,
    wanted: types.Range,
    sent: list[types.Diagnostic],
) -> list[types.CodeAction]:
    """Suppression actions for the findings in ``wanted`` (run on the checking thread: a YAML
    comment is verified by checking the text with it)."""
    assert document.fmt is not None
    fmt = document.fmt
    chosen = [f for f in report.findings if _overlaps(diagnostics.finding_range(f, positions), wanted)]
    out = []
    before = collections.Counter((f.code, f.path) for f in report.findings)
    for finding in chosen:
        if fmt == "yaml":

            def rejects(patched: str, finding: Finding = finding) -> bool:
                after = collections.Counter(
                    (f.code, f.path) for f in ls.engine.check(document.path, patched, fmt).report.findings
                )
                expected = before.copy()
                expected[(finding.code, finding.path)] -= 1
                return after != +expected

            verify = rejects if len(text) <= actions.VERIFY_MAX_CHARS else None
            action = actions.yaml_ignore(document.uri, finding, text, positions, sent, verify)
        else:
            settings = ls.engine.settings_for(document.path)
            action = actions.json_ignore(finding, document.path, settings, sent, positions)
        if action is not None:
            out.append(action)
    return out


def _overlaps(where: types.Range, wanted: types.Range) -> bool:
    return (where.start.line, where.start.character) <= (wanted.end.line, wanted.end.character) and (
        wanted.start.line,
        wanted.start.character,
    ) <= (where.end.line, where.end.character)


def run() -> None:
    """Serve one editor over standard input and output until it says exit."""
    logging.basicConfig(level=os.environ.get("CIVITAI_SCHEMA_LOG", "WARNING").upper(), format="%(name)s: %(message)s")
    server = build()
    server.start_io()
    # Ended here rather than by returning: the protocol has closed standard output, and the
    # exit status is the protocol's (0 after a shutdown request, 1 without one).
    os._exit(0 if server.shut_down else 1)
