"""Reading bytes into documents: encodings, syntax, positions, YAML semantics, hostile input."""

from __future__ import annotations

import codecs
import time

import pytest

from civitai_schema.findings import Finding, Span
from civitai_schema.readers import Parsed, read
from civitai_schema.rules.parse import finding_of

from .conftest import count_calls


def findings(parsed: Parsed, document: int | None = None, name: str = "t") -> list[Finding]:
    """What reading found, as the checker reports it: the file's own (``document`` None), or one document's."""
    return [finding_of(problem, name) for problem in parsed.problems if problem.document == document]


def codes(raw: bytes, name: str = "t.json") -> list[tuple[str, int | None, int | None]]:
    parsed = read(name, raw)
    found = findings(parsed) + [f for i in range(len(parsed.documents)) for f in findings(parsed, i)]
    return [(f.code, f.line, f.column) for f in found]


def spans(raw: bytes, name: str, pointer: str, target: str = "value") -> Span:
    (document,) = read(name, raw).documents
    return document.locator.span(pointer, target)  # type: ignore[arg-type]


JSON = (
    b'{\n  "steps": [\n    {"$type": "imageGen", "input": {"width": 1024, "prompt": "caf\xc3\xa9 \\"x\\""}}\n'
    b'  ],\n  "tags": []\n}\n'
)
YAML = b"steps:\n  - $type: imageGen\n    input:\n      width: 1024\n      prompt: caf\xc3\xa9\ntags: []\n"


@pytest.mark.parametrize(
    ("raw", "name", "pointer", "target", "expected"),
    [
        (JSON, "t.json", "/steps/0/input/width", "value", Span(3, 46, 3, 50)),
        (JSON, "t.json", "/steps/0/input/width", "key", Span(3, 37, 3, 44)),
        (JSON, "t.json", "/steps/0/input", "value", Span(3, 27, 3, 34)),  # an object: its key
        (JSON, "t.json", "/steps/0", "value", Span(3, 5, 3, 6)),  # an array item: where it starts
        (JSON, "t.json", "/steps/0/input/prompt", "value", Span(3, 62, 3, 74)),
        (JSON, "t.json", "/tags", "value", Span(5, 3, 5, 9)),
        (JSON, "t.json", "/steps/0/input/missing", "value", Span(3, 27, 3, 34)),  # nearest ancestor
        (YAML, "t.yaml", "/steps/0/input/width", "value", Span(4, 14, 4, 18)),
        (YAML, "t.yaml", "/steps/0/input/width", "key", Span(4, 7, 4, 12)),
        (YAML, "t.yaml", "/steps/0/input", "value", Span(3, 5, 3, 10)),
        (YAML, "t.yaml", "/steps/0", "value", Span(2, 5, 2, 6)),
        (YAML, "t.yaml", "/steps/0/input/prompt", "value", Span(5, 15, 5, 19)),  # columns count characters
        (YAML, "t.yaml", "", "value", Span(1, 1, 1, 2)),
    ],
)
def test_spans(raw: bytes, name: str, pointer: str, target: str, expected: Span) -> None:
    assert spans(raw, name, pointer, target) == expected


def test_crlf_and_bom_do_not_shift_positions() -> None:
    raw = codecs.BOM_UTF8 + b'{\r\n  "a": 1,\r\n  "a": 2\r\n}\r\n'
    assert codes(raw) == [("P102", 3, 3)]
    yaml_raw = codecs.BOM_UTF8 + b"a: 1\r\nb:\r\n  c: 2\r\n  c: 3\r\n"
    assert codes(yaml_raw, "t.yaml") == [("P102", 4, 3)]


def test_json_duplicate_keys_point_at_the_second_occurrence() -> None:
    raw = b'{"a": {"b": 1, "c": 2, "b": 3}, "a2": [{"x": 1, "x": 1}]}'
    parsed = read("t.json", raw)
    (document,) = parsed.documents
    assert [(f.path, f.column, f.end_column) for f in findings(parsed, 0)] == [("/a/b", 24, 27), ("/a2/0/x", 49, 52)]
    assert document.data["a"]["b"] == 3


@pytest.mark.parametrize(
    "token", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1E+999", b"1.5e309", b"9" * 400 + b".5"]
)
def test_json_non_finite_numbers(token: bytes) -> None:
    """NaN and Infinity are not JSON; 1e400 is, but no float holds it (it reads as infinity),
    as YAML's reader also reports."""
    assert codes(b'{"cfgScale": ' + token + b"}") == [("P103", 1, 14)]
    assert codes(b'{"cfgScale": [1e308, -2.5e-400, ' + token + b"]}") == [("P103", 1, 33)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": 1,}', [("P101", 1, 9)]),
        (b'{"a": 1} {"b": 2}', [("P101", 1, 10)]),
        (b"", [("P106", 1, 1)]),
        (b"   \n\t\n", [("P106", 1, 1)]),
        (codecs.BOM_UTF16_LE + "{}".encode("utf-16-le"), [("P104", 1, 1)]),
        ("{}".encode("utf-16-le") * 4, [("P104", 1, 1)]),  # UTF-16 without a BOM
        (b'{"a": "\xe9t\xe9"}', [("P104", 1, 8)]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", [("P105", 1, 1)]),
        (b"[" + b"1" * 5000 + b"]", [("P101", 1, 2)]),
    ],
)
def test_json_bad_input(raw: bytes, expected: list[tuple[str, int, int]]) -> None:
    assert codes(raw) == expected


def test_yaml_reads_scalars_as_json_users_expect() -> None:
    raw = (
        b"createdAt: 2026-01-01T00:00:00Z\nday: 2026-01-01\nratio: 16:9\ntime: 1:30\nflag: yes\noff: off\n"
        b"n: 017\nh: 0x1F\no: 0o17\nt: true\nz: ~\nf: 1.5e3\n"
    )
    (document,) = read("t.yaml", raw).documents
    assert document.data == {
        "createdAt": "2026-01-01T00:00:00Z",
        "day": "2026-01-01",
        "ratio": "16:9",
        "time": "1:30",
        "flag": "yes",
        "off": "off",
        "n": 17,
        "h": 31,
        "o": 15,
        "t": True,
        "z": None,
        "f": 1500.0,
    }


def test_yaml_multi_document_streams_check_every_document() -> None:
    raw = b"a: 1\n---\n---\nb: 2\nb: 3\n---\n"
    parsed = read("t.yaml", raw)
    assert [d.data for d in parsed.documents] == [{"a": 1}, {"b": 3}]
    assert [(f.code, f.line) for f in findings(parsed, 1)] == [("P102", 5)]


def test_yaml_anchors_aliases_and_merge_keys() -> None:
    raw = b"base: &b {engine: sdcpp, width: 512}\nstep:\n  <<: *b\n  width: 1024\n"
    (document,) = read("t.yaml", raw).documents
    assert document.data["step"] == {"engine": "sdcpp", "width": 1024}
    assert document.locator.span("/step/width", "value") == Span(4, 10, 4, 14)
    assert document.locator.span("/step/engine", "value") == Span(1, 19, 1, 24)  # from the anchor


@pytest.mark.parametrize("odd", ["\x85", "\u2028", "\u2029", "\U0001f600"])
@pytest.mark.parametrize("loader", ["C", "Python"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_yaml_positions_break_lines_where_json_does(
    odd: str, loader: str, bom: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YAML 1.1 also breaks lines at U+0085, U+2028 and U+2029, so the parser's line numbers
    put whatever follows one on a later line than editors (and our JSON positions) do. Spans and
    fix offsets are taken from the parser's character index instead, with either parser, with
    or without a BOM in front of a text handed in directly."""
    from civitai_schema.readers import read_text
    from civitai_schema.readers import yaml as yaml_reader

    if loader == "Python":
        monkeypatch.setattr(yaml_reader, "C_PARSER_MAX_DEPTH", -1)
    text = f'{bom}steps:\n  - name: "a{odd}b{odd}"\n    input: {{width: 1024, width: 9}}\n'
    parsed = read_text("t.yaml", text)
    (document,) = parsed.documents
    assert document.locator.span("/steps/0/input/width", "key") == Span(3, 26, 3, 31)  # the last one wins
    assert [(f.code, f.line, f.column) for f in findings(parsed, 0)] == [("P102", 3, 26)]
    offsets = document.locator.offsets("/steps/0/name", "value")
    assert offsets is not None and text[slice(*offsets)] == f'"a{odd}b{odd}"'
    (error,) = findings(read_text("t.yaml", f'{bom}a: "{odd}{odd}"\nb: [1, 2\nc: 3\n'))
    assert (error.code, error.line, error.column) == ("P101", 3, 2)
    assert error.message.endswith("(started at line 2, column 4)")


def test_yaml_syntax_errors_are_located() -> None:
    assert codes(b"a: [1, 2\nb: 3\n", "t.yaml")[0][0] == "P101"
    assert codes(b"a:\n\tb: 1\n", "t.yaml") == [("P101", 2, 1)]
    assert codes(b"a: 1\n  b: 2\n", "t.yaml") == [("P101", 2, 4)]


def test_yaml_empty_and_null_files() -> None:
    assert codes(b"# only a comment\n", "t.yaml") == [("P106", 1, 1)]
    assert codes(b"null\n", "t.yaml") == [("P106", 1, 1)]
    assert codes(b"---\n---\n", "t.yaml") == [("P106", 1, 1)]


@pytest.mark.parametrize("name", ["t.json", "t.yaml"])
def test_only_spaces_tabs_and_line_breaks_make_a_file_empty(name: str) -> None:
    assert codes(b" \t\r\n", name) == [("P106", 1, 1)]
    # Python counts these control characters as whitespace; neither format allows them there.
    for raw in (b"\x1f", b"\x0c", b"\x1c{}"):
        assert [code for code, *_ in codes(raw, name)] == ["P101"], raw


def test_yaml_keys_and_numbers_json_cannot_carry() -> None:
    assert codes(b"1: a\nnull: b\nx: .nan\ny: -.inf\n", "t.yaml") == [
        ("P108", 1, 1),
        ("P108", 2, 1),
        ("P103", 3, 4),
        ("P103", 4, 4),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"a: " + b"[" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b"- " * 5_000 + b"x",
        b"{" + b'"a":{' * 100_000 + b"}" * 100_001,
    ],
)
@pytest.mark.parametrize("name", ["t.yaml", "t.json"])
def test_deep_nesting_is_a_finding_not_a_crash(raw: bytes, name: str) -> None:
    start = time.monotonic()
    parsed = read(name, raw)
    assert time.monotonic() - start < 10
    found = [f.code for f in findings(parsed)]
    assert found and set(found) <= {"P101", "P109"}


def test_alias_bombs_are_refused_without_expanding_them() -> None:
    lines = [b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(b"a%d: &a%d [" % (i, i) + b", ".join([b"*a%d" % (i - 1)] * 10) + b"]")
    start = time.monotonic()
    parsed = read("t.yaml", b"\n".join(lines) + b"\n")
    assert time.monotonic() - start < 5
    assert [f.code for f in findings(parsed)] == ["P109"]
    assert parsed.documents == []


def test_problems_in_many_yaml_steps_are_located_in_one_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each problem's pointer took a walk of the whole document: 10,000 steps with a duplicate
    key each took minutes. Now one walk finds them all, spelling pointers only for them."""
    from civitai_schema import pointers

    count = 2000
    text = "steps:\n" + "".join(f"  - name: s{i}\n    name: t{i}\n    input: {{}}\n" for i in range(count))
    spelled = count_calls(monkeypatch, pointers, "child")
    parsed = read("t.yaml", text.encode())
    duplicates = [f for f in findings(parsed, 0) if f.code == "P102"]
    assert [f.path for f in duplicates[:2]] == ["/steps/0/name", "/steps/1/name"] and len(duplicates) == count
    assert len(spelled) < 10 * count


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"k{i}: {i}\n" for i in range(40)) + "k3: again\nk7: [1, {a: 2}]\n",
        "base: &b {" + ", ".join(f"m{i}: {i}" for i in range(20)) + "}\n"
        "merged: {<<: *b, m3: 30, " + ", ".join(f"n{i}: {i}" for i in range(20)) + "}\n",
        "1: a\ntrue: b\nnull: c\n" + "".join(f"'q{i}': {i}\n" for i in range(30)),
    ],
)
def test_indexed_yaml_mappings_locate_as_a_scan_does(text: str) -> None:
    """Large mappings are indexed; every pointer must land where scanning the pairs lands."""
    from civitai_schema.documents import Lines
    from civitai_schema.readers import yaml as yaml_reader

    (document,) = read("t.yaml", text.encode()).documents
    root = document.locator.root  # type: ignore[attr-defined]
    indexed = yaml_reader.YamlLocator(root, yaml_reader.Marks(Lines(text)))
    scanned = yaml_reader.YamlLocator(root, yaml_reader.Marks(Lines(text)))
    scanned.INDEXED_FROM = 10**9

    def pointers(value: object, at: str = "") -> list[str]:
        found = [at]
        if isinstance(value, dict):
            for key, item in value.items():
                found += pointers(item, f"{at}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                found += pointers(item, f"{at}/{i}")
        return found

    for pointer in [*pointers(document.data), "/missing", "/k7/1/zz"]:
        for target in ("value", "key"):
            assert indexed.span(pointer, target) == scanned.span(pointer, target), (pointer, target)
            assert indexed.offsets(pointer, target) == scanned.offsets(pointer, target), (pointer, target)


def test_findings_among_many_yaml_keys_do_not_scan_the_mapping_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding for each of 10,000 keys of one mapping scanned all its pairs each time."""
    from civitai_schema import checker, pipeline
    from civitai_schema.readers import yaml as yaml_reader

    count = 2000
    text = "steps: [{$type: echo, input: {}}]\n" + "".join(f"k{i}: 1\nk{i}: 2\n" for i in range(count))
    scans = count_calls(monkeypatch, yaml_reader, "_child")
    report = pipeline.check_text("t.yaml", text, checker.Options())
    assert sum(f.code == "P102" for f in report.findings) == count
    assert len(scans) < count  # (only the small mappings on the way are scanned)
