"""Ignore comments are real YAML comments (issue 18): the same words inside a string value, a
quoted key or a block scalar are the document's text, and honouring them let one value hide
every finding of the file with exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import civitai_schema
from civitai_schema import suppressions

from .conftest import invoke

# "tts" is an invented step type (S112, an error); "nmae" a misspelt key (N104 inside input).
HEAD = "steps:\n  - $type: tts\n    input:\n"


def codes(text: str) -> list[str]:
    return sorted(f.code for f in civitai_schema.check_text(text, filename="w.yaml").findings)


IN_STRINGS = {
    "double-quoted": '      text: "a # civitai-schema: ignore-file"\n',
    "single-quoted": "      text: 'a # civitai-schema: ignore-file'\n",
    "double-quoted over lines": '      text: "a\n        # civitai-schema: ignore-file\n        b"\n',
    "single-quoted over lines": "      text: 'a\n        # civitai-schema: ignore-file\n        b'\n",
    "literal block": "      text: |\n        a\n        # civitai-schema: ignore-file\n        b\n",
    "folded block": "      text: >-\n        a # civitai-schema: ignore-file\n\n        # civitai-schema: ignore\n",
    "indented block": "      text: |2\n          # civitai-schema: ignore-file\n",
    "quoted key": '      "k # civitai-schema: ignore-file": 1\n',
    "flow sequence": '      tags: ["x # civitai-schema: ignore-file", y]\n',
    "flow mapping": "      more: {a: 'x # civitai-schema: ignore-file'}\n",
    "a line directive in a string": '      text: "x # civitai-schema: ignore[S112]"\n',
    "the step type's own line": "",
}


@pytest.mark.parametrize("case", sorted(IN_STRINGS))
def test_a_directive_inside_a_string_is_not_a_comment(case: str) -> None:
    text = HEAD + IN_STRINGS[case]
    if case == "the step type's own line":
        text = 'steps:\n  - $type: tts\n    name: "x  # civitai-schema: ignore"\n    input: {}\n'
    assert "S112" in codes(text)
    assert "U001" not in codes(text)  # (not a directive at all, so not an unused one either)


def test_a_string_directive_through_the_command_exits_1(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(HEAD + '      text: "… # civitai-schema: ignore-file"\n', "utf-8")
    result = invoke("check", "--format", "concise", str(tmp_path / "w.yaml"))
    assert result.exit_code == 1 and "S112" in result.output
    (tmp_path / "w.yaml").write_text(HEAD + "      text: |\n        # civitai-schema: ignore-file\n", "utf-8")
    result = invoke("check", "--format", "concise", str(tmp_path / "w.yaml"))
    assert result.exit_code == 1 and "S112" in result.output


REAL_COMMENTS = {
    "after a quoted string": '      text: "# civitai-schema: ignore[S112]"  # civitai-schema: ignore-file\n',
    "after a block scalar's header": "      text: |  # civitai-schema: ignore-file\n        a\n",
    "after a block scalar": "      text: |\n        a\n# civitai-schema: ignore-file\n",
    "inside a flow mapping": "      more: {a: 1, # civitai-schema: ignore-file\n        b: 2}\n",
    "after a plain scalar": "      text: a#b  # civitai-schema: ignore-file\n",
    "alone at the end": "      text: x\n# civitai-schema: ignore-file\n",
}


@pytest.mark.parametrize("case", sorted(REAL_COMMENTS))
def test_real_comments_still_suppress(case: str) -> None:
    assert codes(HEAD + REAL_COMMENTS[case]) == []


def test_line_directives_still_cover_their_line_and_the_next() -> None:
    same = "steps:\n  - $type: tts  # civitai-schema: ignore[S112]\n    input: {}\n"
    above = "steps:\n  # civitai-schema: ignore[S112]\n  - $type: tts\n    input: {}\n"
    assert codes(same) == [] and codes(above) == []


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_breaks_and_a_bom_do_not_move_comments(newline: str) -> None:
    lines = [
        "steps:",
        "  - $type: tts  # civitai-schema: ignore[S112]",
        '    input: {text: "# civitai-schema: ignore-file"}',
    ]
    lines += ["  - $type: tts", "    input: {}", ""]
    text = newline.join(lines)
    for prefix in ("", "\ufeff"):
        findings = civitai_schema.check_text(prefix + text, filename="w.yaml").findings
        assert [(f.code, f.line) for f in findings] == [("S112", 4)]


def test_a_directive_after_a_scanning_error_is_not_trusted() -> None:
    """Past the error nothing is known about what is a string, so no later '#' counts."""
    text = 'steps:\n  - $type: tts\n    input: {text: "unterminated # civitai-schema: ignore-file}\n'
    assert suppressions.directives(text) == []
    before = "# civitai-schema: ignore-file[P101]\n" + text
    assert [d.line for d in suppressions.directives(before)] == [1]


def test_the_first_real_comment_of_a_line_is_its_directive() -> None:
    text = 'a: "# civitai-schema: ignore[S112]"  # civitai-schema: ignore[N104]\n'
    (directive,) = suppressions.directives(text)
    assert directive.selectors == ("N104",) and directive.column == text.index("# civitai-schema: ignore[N104]") + 1


_DIRECTIVES = st.sampled_from(
    [
        "# civitai-schema: ignore-file",
        "#civitai-schema:ignore",
        " # civitai-schema: ignore[S112]",
        "\n# civitai-schema: ignore-file\n",
    ]
)
_AROUND = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_AROUND, _DIRECTIVES, _AROUND, st.sampled_from([None, '"', "'", "|", ">"]))
def test_no_string_value_is_ever_a_directive(before: str, directive: str, after: str, style: str | None) -> None:
    """Whatever the value and however YAML writes it (PyYAML picks a style that holds it), a
    directive inside it is not honoured: the step type's error stays."""
    value = before + directive + after
    body = {"steps": [{"$type": "tts", "input": {"text": value}}], "tags": [value]}
    text = yaml.safe_dump(body, default_style=style, allow_unicode=True, width=40)
    assert "S112" in codes(text), text


def test_the_readme_example_means_what_it_says() -> None:
    from .conftest import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    block = readme.split("Only real YAML comments count.", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    text = HEAD + block
    (directive,) = suppressions.directives(text)
    assert directive.selectors == ("N109",) and text.splitlines()[directive.line - 1].startswith("      text: |")
    assert "S112" in codes(text)
