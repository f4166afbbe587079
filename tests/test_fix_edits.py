"""--fix loses nothing: each fix changes only the value, key or members it targets, or is left
out. Cases from issue 18 (an emptied file, a deleted anchor, a deleted comment, half of the
callback pair, a made-up URL, an AIR that became two keys), the verification that catches what
the cases do not, and generated documents in every YAML style and in JSON."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import civitai_schema
from civitai_schema import fix_verification, fixes, pointers
from civitai_schema.findings import Edit, Finding, Fix, Severity
from civitai_schema.fix_actions import Rename, Replace
from civitai_schema.rules.hygiene import RewriteCallbacks

from .conftest import invoke

STEPS = "steps:\n  - $type: echo\n    input: {message: hi}\n"
URL = "https://hooks.example.com/civitai"
INPUT = "engine: sdcpp, ecosystem: sdxl, "


def fixed(text: str, name: str = "w.yaml", *, unsafe: bool = True) -> civitai_schema.pipeline.FixOutcome:
    return civitai_schema.fix_text(text, filename=name, unsafe=unsafe)


def load(text: str, name: str = "w.yaml") -> Any:
    """The data as civitai-schema reads it (YAML 1.2 core schema), for the whole stream."""
    from civitai_schema import readers

    parsed = readers.read_text(name, text)
    assert not parsed.problems, parsed.problems
    return [d.data for d in parsed.documents]


# The cases, one by one.


def test_a_one_line_flow_mapping_with_the_callback_pair_keeps_its_steps() -> None:
    steps = "steps: [{$type: echo, input: {message: hi}}]"
    text = f'{{{steps}, callbackUrl: "{URL}", callbackEvents: ["workflow:succeeded"]}}\n'
    outcome = fixed(text)
    assert outcome.after.strip(), "the file was emptied"
    (data,) = load(outcome.after)
    assert data == {
        "steps": [{"$type": "echo", "input": {"message": "hi"}}],
        "callbacks": [{"url": URL, "type": ["workflow:succeeded"]}],
    }
    assert sorted(f.code for f in outcome.fixed) == ["C106", "C106"]


@pytest.mark.parametrize(
    "text",
    [
        f'callbackEvents: &e ["workflow:succeeded"]\ncallbackUrl: {URL}\ntags: *e\n{STEPS}',
        f"callbackUrl: &u {URL}\ncallbackEvents: [workflow:succeeded]\n{STEPS}    note: *u\n",
        f"callbackUrl: {URL}\ncallbackEvents:\n  - &w workflow:succeeded\n{STEPS}tags: [*w]\n",
    ],
    ids=["events-anchored", "url-anchored", "an-event-anchored"],
)
def test_an_anchored_member_used_elsewhere_is_not_removed(text: str) -> None:
    outcome = fixed(text)
    assert outcome.after == text and not outcome.fixed
    assert [f.code for f in outcome.report.findings if f.code == "C106" and not f.fixable] == ["C106", "C106"]
    assert "[*]" not in invoke("check", "--format", "concise", "--unsafe-fixes", "-", input=text).output


def test_an_alias_of_the_events_elsewhere_still_lets_the_pair_be_rewritten() -> None:
    """The alias is the other way round: callbackEvents uses an anchor defined elsewhere."""
    text = f"tags: &e [workflow:succeeded]\ncallbackUrl: {URL}\ncallbackEvents: *e\n{STEPS}"
    (data,) = load(fixed(text).after)
    assert data["callbacks"] == [{"url": URL, "type": ["workflow:succeeded"]}] and data["tags"] == [
        "workflow:succeeded"
    ]


@pytest.mark.parametrize("indent", ["", "  "])
def test_comments_after_a_block_list_stay(indent: str) -> None:
    text = (
        f"callbackUrl: {URL}   # our webhook\ncallbackEvents:\n"
        f"{indent}- workflow:succeeded\n{indent}- workflow:failed\n"
        f"# the steps follow\n\n  # indented, also kept\n{STEPS}"
    )
    outcome = fixed(text)
    assert outcome.after == (
        f'callbacks: [{{"url": "{URL}", "type": ["workflow:succeeded", "workflow:failed"]}}]   # our webhook\n'
        f"# the steps follow\n\n  # indented, also kept\n{STEPS}"
    )


def test_comments_in_a_flow_mapping_written_over_several_lines_stay() -> None:
    text = (
        f"{{\n  callbackUrl: {URL},   # the hook\n  # events:\n  callbackEvents: [workflow:succeeded],\n"
        "  steps: [{$type: echo, input: {message: hi}}]   # one step\n}\n"
    )
    outcome = fixed(text)
    assert outcome.after == (
        f'{{\n  callbacks: [{{"url": "{URL}", "type": ["workflow:succeeded"]}}],   # the hook\n  # events:\n'
        "  steps: [{$type: echo, input: {message: hi}}]   # one step\n}\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        f"callbackUrl: {URL}  # civitai-schema: ignore[C106]\ncallbackEvents: [workflow:succeeded]\n{STEPS}",
        f"callbackUrl: {URL}\ncallbackEvents: [workflow:succeeded]  # civitai-schema: ignore[C106]\n{STEPS}",
        "# civitai-schema: ignore[legacy-callback-field]\n"
        f"callbackEvents:\n  - workflow:succeeded\ncallbackUrl: {URL}\n{STEPS}",
    ],
    ids=["url-suppressed", "events-suppressed", "events-suppressed-above"],
)
def test_when_one_of_the_pair_is_suppressed_neither_is_rewritten(text: str) -> None:
    outcome = fixed(text)
    assert outcome.after == text and not outcome.fixed
    (left,) = [f for f in outcome.report.findings if f.code == "C106"]
    assert [f.fixable for f in fixes.whole_fixes_only([left])] == [False]  # what the report should say


def test_a_suppression_comment_above_a_removed_member_is_not_moved_onto_the_next_line() -> None:
    text = f"callbackUrl: {URL}\n# civitai-schema: ignore[S104]\ncallbackEvents: [workflow:succeeded]\n{STEPS}"
    assert fixed(text).after == text


@pytest.mark.parametrize(
    "text",
    [
        'callbackUrl: {fromEnv: HOOK_URL}\ncallbackEvents: ["workflow:succeeded"]\n' + STEPS,
        'callbackUrl: 42\ncallbackEvents: ["workflow:succeeded"]\n' + STEPS,
        'callbackEvents: ["workflow:succeeded"]\n' + STEPS,
        f"callbackUrl: {URL}\ncallbackEvents: workflow:succeeded\n" + STEPS,
    ],
    ids=["from-env", "a-number", "no-url", "events-not-a-list"],
)
def test_a_rewrite_never_makes_up_a_url_or_drops_the_events(text: str) -> None:
    outcome = fixed(text)
    assert outcome.after == text and not outcome.fixed
    assert "https://…" not in outcome.after
    json_text = json.dumps(yaml.safe_load(text))
    assert fixed(json_text, "w.json").after == json_text


@pytest.mark.parametrize(
    "text",
    [
        "{steps: [{$type: imageGen, input: {" + INPUT + 'model: "sdxl:checkpoint:civitai:101055@1,2", prompt: a}}]}\n',
        "steps: [{$type: imageGen, input: {" + INPUT + "model: sdxl:checkpoint:civitai:101055@a=b, prompt: a}}]\n",
        "steps:\n  - {$type: imageGen, input: {" + INPUT + "model: 'sdxl:checkpoint:civitai:1@2,x:y', prompt: a}}\n",
    ],
    ids=["comma-in-flow-mapping", "plain-in-flow", "single-quoted-in-flow"],
)
def test_a_safe_fix_inside_a_flow_collection_changes_only_the_air(text: str) -> None:
    (before,) = load(text)
    outcome = fixed(text, unsafe=False)
    (after,) = load(outcome.after)
    model = before["steps"][0]["input"]["model"]
    before["steps"][0]["input"]["model"] = "urn:air:" + model
    assert after == before and [f.code for f in outcome.fixed] == ["A102"]


def test_a_fix_keeps_the_quoting_style_it_found() -> None:
    text = (
        "steps:\n  - $type: imageGen\n    input:\n      engine: sdcpp\n      ecosystem: sdxl\n"
        "      model: 'sdxl:checkpoint:civitai:1@2'\n      prompt: a\n"
    )
    assert "model: 'urn:air:sdxl:checkpoint:civitai:1@2'" in fixed(text, unsafe=False).after


def test_an_alias_is_replaced_where_it_is_written_and_its_anchor_stays() -> None:
    text = (
        "steps:\n  - $type: imageGen\n    metadata: {base: &m 'sdxl:checkpoint:civitai:1@2'}\n    input:\n"
        "      engine: sdcpp\n      ecosystem: sdxl\n      model: *m\n      prompt: a cat\n"
    )
    outcome = fixed(text, unsafe=False)
    assert "metadata: {base: &m 'sdxl:checkpoint:civitai:1@2'}" in outcome.after
    assert "model: urn:air:sdxl:checkpoint:civitai:1@2\n" in outcome.after


# The verification: whatever an edit is, what reads back is the original with its change only.


def _finding(path: str, value: Any, edit: Edit, *, file: str = "w.yaml") -> Finding:
    fix = Fix("test", "safe", Replace(value), (edit,))
    return Finding("A102", "air-not-canonical", Severity.WARNING, "m", path, file=file, fix=fix)


def test_an_edit_that_reads_back_as_two_keys_is_left_out_and_a_sound_one_kept() -> None:
    text = "{a: x, b: y}\n"
    bad = _finding("/a", "p,q", Edit(4, 5, "p,q"))  # written plain in a flow mapping: "q" becomes a key
    good = _finding("/b", "z", Edit(10, 11, "z"))
    applied = fixes.apply(text, [bad, good])
    assert applied.text == "{a: x, b: z}\n" and applied.fixed == (good,) and applied.refused == (bad,)


@pytest.mark.parametrize(
    ("text", "path", "value", "edit"),
    [
        ('{"a": "1", "b": 2}', "/a", "1", Edit(6, 9, "1")),  # the string "1" became the number 1
        ('{"a": false}', "/a", True, Edit(6, 11, "1")),  # 1 == True in Python, not in JSON
        ('{"a": 1, "b": 2}', "/a", 3, Edit(6, 15, "3")),  # took "b" with it
        ("a: x\nb: y\n", "/a", "z", Edit(3, 9, "z")),  # took the next line with it
        ("a: &k x\nb: *k\n", "/a", "z", Edit(3, 7, "z")),  # the alias is left undefined
        ("a: x\n", "/a", "z", Edit(3, 4, "z\n---\nc: 1")),  # a second document
        ("a: x\n", "/a", "z", Edit(3, 4, "z\na: 2")),  # a duplicate key
        ("a: x\n", "/a", "z", Edit(0, 5, "")),  # the file emptied
    ],
)
def test_an_edit_that_changes_more_than_its_target_is_left_out(text: str, path: str, value: Any, edit: Edit) -> None:
    name = "w.json" if text.startswith("{") else "w.yaml"
    finding = _finding(path, value, edit, file=name)
    applied = fixes.apply(text, [finding])
    assert applied.text == text and applied.fixed == () and applied.refused == (finding,)


def test_halving_finds_the_one_bad_fix_among_many() -> None:
    text = "{" + ", ".join(f"k{i}: v" for i in range(64)) + "}\n"
    findings = []
    for i in range(64):
        start = text.index(f"k{i}: v") + len(f"k{i}: ")
        replacement = "w,x" if i == 37 else "w"
        findings.append(_finding(f"/k{i}", "w,x" if i == 37 else "w", Edit(start, start + 1, replacement)))
    applied = fixes.apply(text, findings)
    assert [f.path for f in applied.refused] == ["/k37"] and len(applied.fixed) == 63
    (data,) = load(applied.text)
    assert data == {f"k{i}": ("v" if i == 37 else "w") for i in range(64)}


def test_a_fix_that_no_reading_can_verify_is_not_made() -> None:
    finding = _finding("/a", "z", Edit(0, 1, "z"), file="w.json")
    assert fix_verification.verified("not json at all [", [finding]) == []


def test_two_findings_with_one_edit_share_it() -> None:
    """An anchored value and its alias both fixed: the anchor's text is edited once, and both
    places change, as both findings say."""
    text = "a: &k x\nb: *k\n"
    one, two = _finding("/a", "z", Edit(6, 7, "z")), _finding("/b", "z", Edit(6, 7, "z"))
    applied = fixes.apply(text, [one, two])
    assert applied.text == "a: &k z\nb: *k\n" and applied.fixed == (one, two)
    alone = fixes.apply(text, [two])  # only the alias's finding: the anchor's place would change too
    assert alone.text == text and alone.refused == (two,)


# Generated documents: every fix reads back as exactly its change, comments stay, and a second
# run changes nothing.

_AIR_VERSION = "0123456789abc,=%:./"
_YAML_WORDS = re.compile(r"(?i)true|false|null|yes|no|on|off|y|n|~")


def _plain(value: str, flow: bool) -> bool:
    return (
        re.fullmatch(r"[A-Za-z][A-Za-z0-9_.:/@=%,-]*", value) is not None
        and not value.endswith(":")
        and not _YAML_WORDS.fullmatch(value)
        and not (flow and re.search(r"[,\[\]{}]", value))
    )


@st.composite
def _scalar(draw: st.DrawFn, value: str, flow: bool) -> str:
    style = draw(st.sampled_from(["plain", "single", "double"]))
    if style == "plain" and _plain(value, flow):
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value)


@st.composite
def _air(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 4)) == 0:
        return "urn:air:sdxl:checkpoint:civitai:101055@128078"
    tail = draw(st.text(_AIR_VERSION, max_size=6))
    return f"sdxl:checkpoint:civitai:{draw(st.integers(1, 99999))}@{draw(st.integers(1, 9))}{tail}"


@st.composite
def yaml_documents(draw: st.DrawFn) -> tuple[str, list[str], bool]:
    """A workflow in block or flow style, with fixable AIRs and step types, maybe the legacy
    callback pair (maybe with its events anchored and used elsewhere), maybe an alias of one
    step's model in another, and numbered comments that must all survive. Also returns the
    comments and whether the events' anchor is used elsewhere (then the pair must stay)."""
    flow = draw(st.booleans())
    count = draw(st.integers(1, 3))
    airs = [draw(_air()) for _ in range(count)]
    alias = count > 1 and draw(st.booleans())
    pair = draw(st.booleans())
    anchored = pair and draw(st.integers(0, 3)) == 0
    events = ["workflow:succeeded", "workflow:failed"][: draw(st.integers(1, 2))]
    comments: list[str] = []

    def step(i: int) -> tuple[str, str]:
        model = draw(_scalar(airs[i], flow))
        if alias and i == 0:
            model = "&m " + model
        if alias and i == count - 1:
            model = "*m"
        return draw(_scalar(draw(st.sampled_from(["imageGen", "imagegen"])), flow)), model

    members: list[tuple[str, list[str]]] = []
    if flow:
        items = []
        for i in range(count):
            kind, model = step(i)
            prompt = draw(_scalar("a cat", True))
            items.append(
                f"{{$type: {kind}, input: {{engine: sdcpp, ecosystem: sdxl, model: {model}, prompt: {prompt}}}}}"
            )
        members.append(("steps", ["steps: [" + ", ".join(items) + "]"]))
        if pair:
            members.append(("callbackUrl", [f"callbackUrl: {draw(_scalar(URL, True))}"]))
            listed = "[" + ", ".join(draw(_scalar(e, True)) for e in events) + "]"
            members.append(("callbackEvents", [f"callbackEvents: {'&e ' if anchored else ''}{listed}"]))
    else:
        lines = ["steps:"]
        for i in range(count):
            kind, model = step(i)
            comments.append(f"c{len(comments)}")
            lines += [f"  - $type: {kind}   # {comments[-1]}", "    input:", "      engine: sdcpp"]
            lines += [
                "      ecosystem: sdxl",
                f"      model: {model}",
                f"      prompt: {draw(_scalar('a cat', False))}",
            ]
        members.append(("steps", lines))
        if pair:
            comments.append(f"c{len(comments)}")
            members.append(("callbackUrl", [f"callbackUrl: {draw(_scalar(URL, False))}   # {comments[-1]}"]))
            head = f"callbackEvents: {'&e ' if anchored else ''}".rstrip()
            if draw(st.booleans()):
                listed = [head + " [" + ", ".join(draw(_scalar(e, True)) for e in events) + "]"]
            else:
                indent = draw(st.sampled_from(["", "  "]))
                listed = [head] + [f"{indent}- {draw(_scalar(e, False))}" for e in events]
            comments.append(f"c{len(comments)}")
            members.append(("callbackEvents", [*listed, f"# {comments[-1]}"]))  # a comment after the list
    members = draw(st.permutations(members))
    if anchored:
        members.append(("tags", ["tags: *e"]))  # (after its anchor, wherever that went)
    if flow:
        return "{" + ", ".join(lines[0] for _, lines in members) + "}\n", comments, anchored
    return "\n".join(line for _, lines in members for line in lines) + "\n", comments, anchored


def expected(data: Any, done: tuple[Finding, ...]) -> Any:
    """The test's own account of what the fixes said they would do, made in the order of the
    passes (each pass's paths name the document as that pass found it)."""
    data = copy.deepcopy(data)
    for finding in done:
        assert finding.fix is not None
        action = finding.fix.action
        if isinstance(action, RewriteCallbacks):
            data.pop("callbackUrl", None)
            data.pop("callbackEvents", None)
            data["callbacks"] = action.callbacks
            continue
        assert isinstance(action, (Replace, Rename))
        value = action.value if isinstance(action, Replace) else action.key
        *head, last = pointers.split(finding.path)
        node = data
        for token in head:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(action, Rename) or finding.target == "key":
            node[value] = node.pop(last)
        else:
            node[int(last) if isinstance(node, list) else last] = value
    return data


@pytest.mark.slow
@settings(max_examples=300, deadline=None, derandomize=True)
@given(yaml_documents())
def test_generated_yaml_fixes_change_only_their_targets(case: tuple[str, list[str], bool]) -> None:
    text, comments, anchored = case
    outcome = fixed(text)
    (before,) = load(text)
    (after,) = load(outcome.after)
    assert after == expected(before, outcome.fixed)
    assert all(f"# {c}" in outcome.after for c in comments)
    assert all(step["input"]["model"].startswith("urn:air:") for step in after["steps"])
    assert all(step["$type"] == "imageGen" for step in after["steps"])
    if "callbackUrl" in before:
        assert ("callbacks" in after) != anchored, outcome.after
    assert not any(f.code.startswith("P1") for f in outcome.report.findings)
    assert fixed(outcome.after).after == outcome.after


@st.composite
def json_documents(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 3))
    steps = [
        {
            "$type": draw(st.sampled_from(["imageGen", "imagegen"])),
            "input": {"engine": "sdcpp", "ecosystem": "sdxl", "model": draw(_air()), "prompt": "a, b: [c] {d}"},
        }
        for _ in range(count)
    ]
    members: list[tuple[str, Any]] = [("steps", steps)]
    if draw(st.booleans()):
        members += [("callbackUrl", URL), ("callbackEvents", ["workflow:succeeded"])]
    if draw(st.booleans()):
        members.append(("tag", ["draft"]))  # renamed to "tags" (unsafe)
    members = draw(st.permutations(members))
    indent = draw(st.sampled_from([None, 0, 2, "\t"]))
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
    return json.dumps(dict(members), indent=indent, separators=separators, ensure_ascii=draw(st.booleans()))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(json_documents())
def test_generated_json_fixes_change_only_their_targets(text: str) -> None:
    outcome = fixed(text, "w.json")
    before, after = json.loads(text), json.loads(outcome.after)
    assert after == expected(before, outcome.fixed)
    assert all(step["input"]["model"].startswith("urn:air:") for step in after["steps"])
    assert ("callbackUrl" in after, "tag" in after) == (False, False)
    assert fixed(outcome.after, "w.json").after == outcome.after
