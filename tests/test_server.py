"""The language server end to end: a real LSP client (pytest-lsp) drives ``civitai-schema server``
over standard input and output, as an editor does."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import civitai_schema
from civitai_schema.findings import Finding

from .conftest import FIXTURES, REPO, invoke

pytest.importorskip("pytest_lsp", reason="the server's tests need pytest-lsp (the test extra)")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER = [sys.executable, "-m", "civitai_schema", "server"]
WAIT = 15.0  # seconds a publication may take at most (the first check imports jsonschema)

IMAGE_GEN = textwrap.dedent(
    """\
    arguments:
      subject: a red fox
    callbacks:
      - url: https://hooks.example.com/civitai
        type:
          - workflow:succeeded
    steps:
      - $type: imageGen
        name: hero
        input:
          engine: sdcpp
          ecosystem: sdxl
          operation: createImage
          model: urn:air:sdxl:checkpoint:civitai:101055@128078
          prompt: { $ref: $arguments, path: subject }
          steps: 30
      - $type: imageUpscaler
        input:
          image: { $ref: hero, path: "output.images[0].url" }
    """
)


def accept_registrations(client: LanguageClient) -> list[types.Registration]:
    """Answer ``client/registerCapability`` as an editor does, keeping what was registered."""
    registered: list[types.Registration] = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        registered.extend(params.registrations)

    return registered


def initialize_params(**options: Any) -> types.InitializeParams:
    markdown = [types.MarkupKind.Markdown, types.MarkupKind.PlainText]
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=markdown),
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(documentation_format=markdown)
            ),
        ),
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create]
            ),
        ),
    )
    return types.InitializeParams(capabilities=capabilities, initialization_options={"debounce": 20, **options})


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    lsp_client.registered = accept_registrations(lsp_client)  # type: ignore[attr-defined]
    result = await lsp_client.initialize_session(initialize_params())
    lsp_client.initialize_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the test documents live: no configuration file above them but the defaults."""
    return tmp_path_factory.mktemp("workspace")


# ---------------------------------------------------------------------------------------------
# Driving the client


def open_document(client: LanguageClient, path: Path, text: str, language: str | None = None) -> str:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    language = language or ("json" if path.suffix == ".json" else "yaml")
    item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    return uri


def replace_text(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.diagnostics.pop(uri, None)
    change = types.TextDocumentContentChangeWholeDocument(text=text)
    document = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
    client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=document, content_changes=[change]))


async def published(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The next diagnostics published for ``uri``."""
    for _ in range(int(WAIT / 0.02)):
        if uri in client.diagnostics:
            return list(client.diagnostics.pop(uri))
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics published for {uri} within {WAIT} s")


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def offset_of(text: str, position: types.Position) -> int:
    """An offset from a protocol position (the test documents are ASCII, so units are characters)."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: position.line]) + position.character


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset_of(text, edit.range.start), offset_of(text, edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def position_of(text: str, needle: str, shift: int = 0) -> types.Position:
    offset = text.index(needle) + shift
    line = text.count("\n", 0, offset)
    return at(line, offset - (text.rfind("\n", 0, offset) + 1))


async def actions(
    client: LanguageClient, uri: str, where: types.Range, only: list[str] | None = None
) -> list[types.CodeAction]:
    context = types.CodeActionContext(diagnostics=[], only=only)
    params = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=where, context=context)
    found = await client.text_document_code_action_async(params)
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


async def hover_text(client: LanguageClient, uri: str, position: types.Position) -> str:
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    found = await client.text_document_hover_async(params)
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


async def completion_labels(client: LanguageClient, uri: str, position: types.Position) -> list[str]:
    params = types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    found = await client.text_document_completion_async(params)
    assert isinstance(found, types.CompletionList)
    return [item.label for item in found.items]


def expected_ranges(findings: tuple[Finding, ...]) -> list[tuple[str, int, int, int, int]]:
    return [
        (f.code, (f.line or 1) - 1, (f.column or 1) - 1, (f.end_line or 1) - 1, (f.end_column or 1) - 1)
        for f in findings
    ]


def got_ranges(found: list[types.Diagnostic]) -> list[tuple[str, int, int, int, int]]:
    return [
        (str(d.code), d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in found
    ]


# ---------------------------------------------------------------------------------------------
# Tests


async def test_initialize_advertises_what_the_server_does(client: LanguageClient) -> None:
    result: types.InitializeResult = client.initialize_result  # type: ignore[attr-defined]
    capabilities = result.capabilities
    assert result.server_info is not None and result.server_info.name == "civitai-schema"
    assert capabilities.hover_provider
    assert capabilities.completion_provider is not None
    assert '"' in (capabilities.completion_provider.trigger_characters or [])
    assert isinstance(capabilities.code_action_provider, types.CodeActionOptions)
    assert "source.fixAll.civitai-schema" in (capabilities.code_action_provider.code_action_kinds or [])
    sync = capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions) and sync.change == types.TextDocumentSyncKind.Incremental
    for _ in range(100):  # (registered once the client said "initialized")
        if client.registered:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.02)
    (watchers,) = client.registered  # type: ignore[attr-defined]
    assert watchers.method == "workspace/didChangeWatchedFiles"


async def test_diagnostics_are_the_command_lines_findings_with_links_and_related_ends(
    client: LanguageClient, folder: Path
) -> None:
    text = (FIXTURES / "invalid" / "step-graph.yaml").read_text("utf-8")
    uri = open_document(client, folder / "step-graph.yaml", text)
    found = await published(client, uri)
    report = civitai_schema.check_text(text, filename="step-graph.yaml")
    assert got_ranges(found) == expected_ranges(report.findings)
    assert all(d.source == "civitai-schema" for d in found)
    severities = {str(d.code): d.severity for d in found}
    assert severities["G101"] == types.DiagnosticSeverity.Error
    assert severities["G104"] == types.DiagnosticSeverity.Warning
    assert severities["G106"] == types.DiagnosticSeverity.Information
    duplicate = next(d for d in found if d.code == "G105")
    assert duplicate.code_description is not None
    assert duplicate.code_description.href.endswith("docs/rules.md#g105-duplicate-step-name")
    # The other end: the first step named "hero" (line 7 of the file: `    name: hero`).
    (related,) = duplicate.related_information or []
    assert related.location.uri == uri
    assert related.location.range.start == at(6, 10)
    cycle = next(d for d in found if d.code == "G103")
    assert cycle.related_information, "a cycle names the step its reference reads"


async def test_only_workflow_documents_get_diagnostics(client: LanguageClient, folder: Path) -> None:
    package = open_document(client, folder / "package.json", '{"name": "x", "version": "1.0.0"}\n')
    assert await published(client, package) == []
    ci = open_document(client, folder / "ci.yaml", "jobs:\n  build:\n    runs-on: ubuntu-latest\n")
    assert await published(client, ci) == []
    notes = open_document(client, folder / "notes.md", "steps: not a workflow file\n", language="markdown")
    await asyncio.sleep(0.3)
    assert notes not in client.diagnostics


async def test_a_document_that_does_not_parse_still_gets_its_parse_error(client: LanguageClient, folder: Path) -> None:
    text = "steps:\n  - $type: imageGen\n    input: {prompt: 'a cat'\n"
    uri = open_document(client, folder / "broken.yaml", text)
    found = await published(client, uri)
    assert [d.code for d in found] == ["P101"]
    assert found[0].severity == types.DiagnosticSeverity.Error


async def test_changes_are_checked_again(client: LanguageClient, folder: Path) -> None:
    text = (FIXTURES / "invalid" / "invented-step-type.yaml").read_text("utf-8")
    uri = open_document(client, folder / "invented.yaml", text)
    assert [d.code for d in await published(client, uri)] == ["S112", "S112", "S112"]
    # An incremental change, as editors send them: "tts" becomes "textToSpeech".
    start = position_of(text, "tts")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=start, end=at(start.line, start.character + 3)), text="textToSpeech"
    )
    document = types.VersionedTextDocumentIdentifier(uri=uri, version=2)
    client.text_document_did_change(types.DidChangeTextDocumentParams(text_document=document, content_changes=[change]))
    changed = text.replace("tts", "textToSpeech")
    report = civitai_schema.check_text(changed, filename="invented.yaml")
    assert got_ranges(await published(client, uri)) == expected_ranges(report.findings)
    assert [f.code for f in report.findings].count("S112") == 2


async def test_quick_fixes_safe_first_unsafe_marked_and_an_applied_fix_is_rechecked(
    client: LanguageClient, folder: Path
) -> None:
    text = "steps:\n  - $type: tts\n    nmae: voice\n    input:\n      text: Hello there\n"
    uri = open_document(client, folder / "fixes.yaml", text)
    before = await published(client, uri)
    assert sorted(str(d.code) for d in before) == ["S104", "S112"]
    whole = types.Range(start=at(0, 0), end=at(5, 0))
    offered = await actions(client, uri, whole)
    fixes = [a for a in offered if a.kind == types.CodeActionKind.QuickFix and "ignore" not in a.title]
    titles = [a.title for a in fixes]
    assert titles == [
        'civitai-schema (S112): use "textToSpeech"',
        'civitai-schema (S104): rename to "name" (unsafe)',
    ], titles
    assert [a.kind for a in offered].count("source.fixAll.civitai-schema") == 1
    assert fixes[0].is_preferred and not fixes[1].is_preferred
    assert fixes[0].kind == types.CodeActionKind.QuickFix
    assert fixes[0].diagnostics and fixes[0].diagnostics[0].code == "S112"
    assert fixes[0].edit is not None and fixes[0].edit.changes is not None
    fixed = apply_edits(text, list(fixes[0].edit.changes[uri]))
    assert "$type: textToSpeech" in fixed
    replace_text(client, uri, fixed, 2)
    assert [d.code for d in await published(client, uri) if d.code in ("S104", "S112")] == ["S104"]


async def test_fix_all_applies_every_safe_fix(client: LanguageClient, folder: Path) -> None:
    text = (FIXTURES / "invalid" / "invented-step-type.yaml").read_text("utf-8")
    uri = open_document(client, folder / "fix-all.yaml", text)
    await published(client, uri)
    whole = types.Range(start=at(0, 0), end=at(0, 0))
    (action,) = await actions(client, uri, whole, only=[types.CodeActionKind.SourceFixAll])
    assert action.kind == "source.fixAll.civitai-schema"
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_edits(text, list(action.edit.changes[uri]))
    outcome = civitai_schema.fix_text(text, filename="fix-all.yaml")
    assert fixed == outcome.after and "S112" not in [f.code for f in outcome.report.findings]
    replace_text(client, uri, fixed, 2)
    assert got_ranges(await published(client, uri)) == expected_ranges(outcome.report.findings)


async def test_suppressing_a_yaml_finding_adds_an_ignore_comment_that_works(
    client: LanguageClient, folder: Path
) -> None:
    text = (FIXTURES / "invalid" / "invented-step-type.yaml").read_text("utf-8")
    uri = open_document(client, folder / "suppress.yaml", text)
    first = (await published(client, uri))[0]
    offered = await actions(client, uri, first.range)
    (ignore,) = [a for a in offered if "ignore" in a.title]
    assert ignore.title == "civitai-schema (S112): ignore invented-step-type on this line"
    assert ignore.edit is not None and ignore.edit.changes is not None
    suppressed = apply_edits(text, list(ignore.edit.changes[uri]))
    assert "  - $type: tts  # civitai-schema: ignore[S112]\n" in suppressed
    replace_text(client, uri, suppressed, 2)
    assert [d.code for d in await published(client, uri)] == ["S112", "S112"]  # (and no U001)


async def test_suppressing_a_json_finding_adds_a_per_path_ignore(client: LanguageClient, tmp_path: Path) -> None:
    text = (FIXTURES / "invalid" / "unknown-key.json").read_text("utf-8")
    uri = open_document(client, tmp_path / "template.json", text)
    found = await published(client, uri)
    nmae = next(d for d in found if "nmae" in d.message)
    (ignore,) = [a for a in await actions(client, uri, nmae.range) if "ignore" in a.title]
    assert ignore.edit is not None and ignore.edit.document_changes is not None
    create, edit = ignore.edit.document_changes
    assert isinstance(create, types.CreateFile) and create.uri == (tmp_path / "civitai-schema.toml").as_uri()
    assert isinstance(edit, types.TextDocumentEdit)
    written = edit.edits[0].new_text
    assert tomllib.loads(written) == {
        "per-path-ignores": [{"files": "template.json", "path": "/steps/0/nmae", "rules": ["S104"]}]
    }
    (tmp_path / "civitai-schema.toml").write_text(written, "utf-8")
    change = types.FileEvent(uri=create.uri, type=types.FileChangeType.Created)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
    again = await published(client, uri)
    assert len(again) == len(found) - 1 and not any("nmae" in d.message for d in again)


async def test_configuration_files_are_honoured_and_followed(client: LanguageClient, tmp_path: Path) -> None:
    settings = tmp_path / "civitai-schema.toml"
    settings.write_text('ignore = ["S112"]\n', "utf-8")
    text = (FIXTURES / "invalid" / "invented-step-type.yaml").read_text("utf-8")
    uri = open_document(client, tmp_path / "templates" / "voice.yaml", text)
    assert await published(client, uri) == []

    def changed() -> None:
        event = types.FileEvent(uri=settings.as_uri(), type=types.FileChangeType.Changed)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))

    settings.write_text('[severity]\nS112 = "warning"\n', "utf-8")
    changed()
    found = await published(client, uri)
    assert [(d.code, d.severity) for d in found] == [("S112", types.DiagnosticSeverity.Warning)] * 3
    settings.write_text('ignore = ["no-such-rule"]\n', "utf-8")
    changed()
    found = await published(client, uri)
    assert "the configuration cannot be used" in found[0].message and "no-such-rule" in found[0].message
    assert [d.code for d in found[1:]] == ["S112"] * 3


async def test_hover_shows_the_rule_on_a_diagnostic(client: LanguageClient, folder: Path) -> None:
    text = (FIXTURES / "invalid" / "invented-step-type.yaml").read_text("utf-8")
    uri = open_document(client, folder / "hover-rule.yaml", text)
    await published(client, uri)
    shown = await hover_text(client, uri, position_of(text, "tts", 1))
    assert shown.startswith("**S112 invented-step-type** (error · fix: safe)")
    assert civitai_schema.rules.lookup("S112").summary in shown  # type: ignore[union-attr]
    assert 'Fix (safe): use "textToSpeech"' in shown


async def test_hover_shows_what_the_compiled_data_knows(client: LanguageClient, folder: Path) -> None:
    uri = open_document(client, folder / "hover.yaml", IMAGE_GEN)
    await published(client, uri)
    steps = await hover_text(client, uri, position_of(IMAGE_GEN, "steps: 30", 2))
    assert "**`steps`** · `imageGen` input" in steps
    assert "leaf `SdxlCreateImageGenInput`, chosen by `$type` imageGen → `engine` sdcpp → `ecosystem` sdxl" in steps
    assert "type: integer" in steps and "range: 1 to 150" in steps and "default: `20`" in steps
    engine = await hover_text(client, uri, position_of(IMAGE_GEN, "sdcpp", 1))
    assert "discriminator: its value chooses the leaf" in engine and "comfy" in engine
    model = await hover_text(client, uri, position_of(IMAGE_GEN, "urn:air:sdxl", 4))
    assert "AIR: ecosystem `sdxl`, type `checkpoint`, source `civitai`, id `101055`, version `128078`" in model
    kind = await hover_text(client, uri, position_of(IMAGE_GEN, "imageGen", 2))
    assert "**step type `imageGen`**" in kind and "`engine` chooses among:" in kind
    reference = await hover_text(client, uri, position_of(IMAGE_GEN, "$ref: hero", 7))
    assert '**`hero`**: step 0 (`imageGen`, named "hero")' in reference


async def test_completion_offers_the_keys_the_leaf_accepts(client: LanguageClient, folder: Path) -> None:
    text = IMAGE_GEN.replace("      steps: 30\n", "      steps: 30\n      neg\n")
    uri = open_document(client, folder / "complete-keys.yaml", text)
    await published(client, uri)
    labels = await completion_labels(client, uri, position_of(text, "      neg\n", 9))
    assert "negativePrompt" in labels and "cfgScale" in labels and "width" in labels
    assert not {"engine", "prompt", "steps"} & set(labels), "keys already present are not offered"
    as_json = '{"steps": [{"$type": "imageGen", "input": {"engine": "sdcpp", "ecosystem": "sdxl", "wid'
    json_uri = open_document(client, folder / "complete-keys.json", as_json)
    params = types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=json_uri), position=at(0, len(as_json))
    )
    found = await client.text_document_completion_async(params)
    assert isinstance(found, types.CompletionList)
    width = next(item for item in found.items if item.label == "width")
    assert isinstance(width.text_edit, types.TextEdit)
    assert width.text_edit.new_text == '"width": '
    assert width.text_edit.range.start == at(0, len(as_json) - 4)  # (from the opening quote)
    assert "range: 64 to 2048" in str(width.documentation)
    assert "engine" not in [item.label for item in found.items]


async def test_completion_offers_values_and_references(client: LanguageClient, folder: Path) -> None:
    uri = open_document(client, folder / "complete-values.yaml", IMAGE_GEN)
    await published(client, uri)
    engines = await completion_labels(client, uri, position_of(IMAGE_GEN, "sdcpp", 2))
    assert {"sdcpp", "comfy", "openai"} <= set(engines)
    ecosystems = await completion_labels(client, uri, position_of(IMAGE_GEN, "sdxl\n", 2))
    assert {"sdxl", "sd1", "flux1"} <= set(ecosystems) and "gpt-image-1" not in ecosystems
    step_types = await completion_labels(client, uri, position_of(IMAGE_GEN, "imageUpscaler", 3))
    assert set(step_types) == set(civitai_schema.catalog.step_types())
    sources = await completion_labels(client, uri, position_of(IMAGE_GEN, "$ref: hero", 7))
    assert sources == ["hero", "$0", "$arguments"]
    arguments = await completion_labels(client, uri, position_of(IMAGE_GEN, "path: subject", 8))
    assert arguments == ["subject"]
    events = await completion_labels(client, uri, position_of(IMAGE_GEN, "workflow:succeeded", 3))
    assert "workflow:failed" in events and "job:*" in events
    typed = IMAGE_GEN.replace("      steps: 30\n", "      steps: 30\n      sampleMethod: eu\n")
    replace_text(client, uri, typed, 2)
    methods = await completion_labels(client, uri, position_of(typed, "sampleMethod: eu", 16))
    assert {"euler", "euler_a"} <= set(methods)


async def test_the_cli_says_how_to_install_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    import civitai_schema.lsp

    monkeypatch.setattr(civitai_schema.lsp, "missing_dependencies", lambda: ["pygls"])
    result = invoke("server")
    assert result.exit_code == 2
    assert "pip install 'civitai-schema[server]'" in result.output


# ---------------------------------------------------------------------------------------------
# Robustness: a server whose engine is made to crash, and the protocol's exit


_CRASHING = """
import sys
from civitai_schema import pipeline, rules

def boom(data, kind, options):
    raise RuntimeError("a rule that crashes")

rules.CHECKS = (*rules.CHECKS, ("exploding checks", boom))
real = pipeline.check_bytes

def check_bytes(name, *args, **kwargs):
    if name.endswith("engine-crash.yaml"):
        raise MemoryError("the whole engine fails")
    return real(name, *args, **kwargs)

pipeline.check_bytes = check_bytes
from civitai_schema.lsp.server import run
run()
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-c", _CRASHING]))
async def crashing(lsp_client: LanguageClient) -> AsyncIterator[None]:
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_crashes_become_diagnostics_and_the_server_stays_up(crashing: LanguageClient, tmp_path: Path) -> None:
    text = (FIXTURES / "valid" / "submission-chain.yaml").read_text("utf-8")
    uri = open_document(crashing, tmp_path / "chain.yaml", text)
    (crash,) = await published(crashing, uri)
    assert crash.code == "X001" and "exploding checks crashed: RuntimeError: a rule that crashes" in crash.message
    broken = open_document(crashing, tmp_path / "engine-crash.yaml", text)
    found = await published(crashing, broken)
    assert [d.code for d in found] == ["X001"] and "MemoryError" in found[0].message
    assert "X001 internal-error" in await hover_text(crashing, uri, crash.range.start)  # still answering


@pytest.mark.asyncio(loop_scope="function")
async def test_shutdown_then_exit_ends_the_process_with_status_0() -> None:
    client = await ClientServerConfig(server_command=SERVER).start()
    assert isinstance(client, LanguageClient)
    accept_registrations(client)
    await client.initialize_session(initialize_params())
    await client.shutdown_session()
    assert client._server is not None and client._server.returncode == 0
    await client.stop()


# ---------------------------------------------------------------------------------------------
# A real editor

_NEOVIM = """
-- vim.lsp.start_client and buf_attach_client: Neovim 0.7 (Debian 12) has them; vim.lsp.start is 0.8+.
local fixture = vim.fn.argv()[1]
local out = os.getenv("CIVITAI_SCHEMA_OUT")
local ok, problem = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(fixture))
  local client = vim.lsp.start_client({
    name = "civitai-schema",
    cmd = { os.getenv("CIVITAI_SCHEMA_PYTHON"), "-m", "civitai_schema", "server" },
    root_dir = vim.fn.fnamemodify(fixture, ":h"),
  })
  vim.lsp.buf_attach_client(0, client)
  vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  local lines = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(lines, string.format("%s %d:%d", d.code, d.lnum + 1, d.col + 1))
  end
  table.sort(lines)
  vim.fn.writefile(lines, out)
end)
if not ok then vim.fn.writefile({ "error: " .. tostring(problem) }, out) end
vim.cmd("qa!")
"""


@pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim (nvim) is not installed; apt-get install neovim")
@pytest.mark.asyncio(loop_scope="function")
async def test_neovim_shows_the_diagnostics(tmp_path: Path) -> None:
    fixture = tmp_path / "invented-step-type.yaml"
    shutil.copy(FIXTURES / "invalid" / "invented-step-type.yaml", fixture)
    script = tmp_path / "check.lua"
    script.write_text(_NEOVIM, "utf-8")
    out = tmp_path / "diagnostics.txt"
    env = {**os.environ, "CIVITAI_SCHEMA_OUT": str(out), "CIVITAI_SCHEMA_PYTHON": sys.executable}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", str(script), str(fixture)],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), done.stderr.decode(errors="replace")
    assert out.read_text().split("\n")[:3] == ["S112 3:12", "S112 6:12", "S112 9:12"]
