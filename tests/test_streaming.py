"""A large JSON text checked a window of steps at a time (civitai_schema.streaming) gives the
report that reading it whole gives: on every fixture and corpus document, on documents whose
names, references and video chains cross windows, on generated ones, with and without forked
children. Texts it must not take go the usual way."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitai_schema import cache, checker, pipeline, sources, streaming, validators
from civitai_schema.findings import Kind
from civitai_schema.readers import json as json_reader
from civitai_schema.readers import read

from .conftest import FIXTURES, count_calls, needs_shared

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _documents(folder: Path) -> list[Any]:
    found: list[Any] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".json", ".yaml", ".yml") and path.is_file():
            found.extend(d.data for d in read(path.name, path.read_bytes()).documents if isinstance(d.data, dict))
    return found


FIXTURE_DOCUMENTS = _documents(FIXTURES)
# (without NaN or infinities, which send a text the usual way)
POOL = [
    step
    for document in FIXTURE_DOCUMENTS
    for step in document.get("steps") or []
    if isinstance(step, dict) and "NaN" not in json.dumps(step) and "Infinity" not in json.dumps(step)
]


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming, "WINDOW", 2)


def _whole(text: str, options: checker.Options, name: str = "big.json") -> Any:
    """The report of reading the text whole (the streaming path out of reach)."""
    real = sources.STREAM_MIN_CHARS
    sources.STREAM_MIN_CHARS = 1 << 62
    try:
        return pipeline.check_text(name, text, options)
    finally:
        sources.STREAM_MIN_CHARS = real


def _same(text: str, *, streams: bool = True, **options: Any) -> None:
    chosen = checker.Options(**options)
    streamed = pipeline.check_windowed(streaming.Windowed("big.json", text), chosen)
    if not streams:
        assert streamed is None
        return
    assert streamed is not None, "the text went the usual way"
    assert streamed == _whole(text, chosen)


@pytest.mark.parametrize("kind", list(Kind))
def test_request_bodies_and_records_are_both_checked_a_window_at_a_time(kind: Kind) -> None:
    """Under the effective schema a step's errors depend on the step alone, in a request body and
    in a record: the envelope reaches steps only through ``properties.steps.items`` (a record's
    ``steps`` is also ``readOnly``, an annotation that constrains nothing)."""
    envelope = validators.compiled(f"{kind.value}.envelope")
    assert validators.step_items(kind) == envelope["properties"]["steps"]["items"]
    assert validators.steps_alone(kind)


@pytest.mark.usefixtures("small_windows")
@pytest.mark.parametrize("index", range(len(FIXTURE_DOCUMENTS)))
def test_every_fixture_document(index: int) -> None:
    document = FIXTURE_DOCUMENTS[index]
    text = json.dumps(document, indent=2)
    # (the usual way: no steps array, or NaN, which only the whole-text reader reports)
    _same(text, streams=isinstance(document.get("steps"), list) and "NaN" not in text and "Infinity" not in text)


@pytest.mark.usefixtures("small_windows")
def test_every_corpus_document() -> None:
    documents = _documents(needs_shared("corpus/real"))
    assert documents
    for document in documents:
        assert isinstance(document.get("steps"), list)
        _same(json.dumps(document, indent=2))
        _same(json.dumps(document), kind=Kind.WORKFLOW)


def _crossing(count: int) -> dict[str, Any]:
    """Steps from every fixture, named so that names repeat and references reach back and
    forward across windows, with video steps reading sources windows away."""
    steps: list[Any] = []
    for i in range(count):
        step = dict(POOL[i % len(POOL)])
        step["name"] = f"s{i % (count // 2)}"  # every name twice
        if i % 3 == 0:
            step["input"] = {**(step.get("input") or {}), "image": {"$ref": f"s{(i * 7) % count}", "path": "output"}}
        if i % 7 == 1:  # a 1080p video for the upscalers, windows away
            step = {"$type": "videoGen", "name": f"w{i}", "input": {"resolution": "1080p", "aspectRatio": "16:9"}}
        if i % 5 == 0:
            source = f"w{7 * (i // 14) + 1}" if i % 2 else f"${i // 2}"
            step = {"$type": "videoUpscaler", "name": f"v{i}", "input": {"video": {"$ref": source}, "scaleFactor": 4}}
        if i % 11 == 0:
            step = {"$type": "videoInterpolation", "input": {"video": {"$ref": f"v{max(0, i - 5)}"}}}
        steps.append(step if i % 13 else "not a step")
    return {"arguments": {"used": 1, "unused": 2}, "steps": steps, "callbacks": [{"url": "http://localhost/x"}]}


@pytest.mark.usefixtures("small_windows")
@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_names_references_and_video_chains_across_windows(jobs: int) -> None:
    document = _crossing(60)
    for layout in (document, {"callbacks": document["callbacks"], "steps": document["steps"], "n": 1}):
        text = json.dumps(layout, indent=1)
        _same(text, jobs=jobs)
        _same(text, jobs=jobs, kind=Kind.WORKFLOW)
    found = pipeline.check_windowed(streaming.Windowed("big.json", json.dumps(document)), checker.Options())
    codes = {f.code for f in found.findings} if found else set()
    assert {"G101", "G103", "G105", "G106", "D106", "D108"} <= codes  # (references, names, video chains)


STEP = st.builds(
    lambda base, name, ref, video: {
        **base,
        **({"name": name} if name is not None else {}),
        **({"input": {**(base.get("input") or {}), "extra": {"$ref": ref}}} if ref is not None else {}),
        **({"$type": "videoUpscaler", "input": {"video": {"$ref": video}}} if video is not None else {}),
    },
    st.sampled_from(POOL) if POOL else st.just({}),
    st.none() | st.sampled_from(["a", "b", "c", "0", "1"]),
    st.none() | st.sampled_from(["a", "b", "$0", "$3", "9", "$arguments"]),
    st.none() | st.sampled_from(["a", "$1", "c"]),
)


@SETTINGS
@given(
    st.lists(STEP | st.sampled_from([None, 3, "x", []]), max_size=9),
    st.sampled_from(FIXTURE_DOCUMENTS),
    st.sampled_from([1, 2, 3]),
    st.integers(1, 4),
)
def test_generated_documents(steps: list[Any], envelope: dict[str, Any], jobs: int, window: int) -> None:
    real = streaming.WINDOW
    streaming.WINDOW = window
    try:
        _same(json.dumps({**envelope, "steps": steps}), jobs=jobs)
    finally:
        streaming.WINDOW = real


@pytest.mark.usefixtures("small_windows")
def test_a_check_that_crashes_in_a_later_window_reports_its_first_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from civitai_schema import rules

    def fails_on_step_7(data: Any, kind: Kind, options: Any) -> Any:
        for step in data["steps"]:
            if isinstance(step, dict) and step.get("name") == "s7":
                raise ValueError("step 7")
        return []

    monkeypatch.setattr(rules, "CHECKS", (*rules.CHECKS, ("record checks", fails_on_step_7)))
    text = json.dumps(_crossing(40))
    _same(text)
    assert "record checks crashed: ValueError: step 7" in str(
        pipeline.check_windowed(streaming.Windowed("big.json", text), checker.Options())
    )


@pytest.mark.usefixtures("small_windows")
def test_a_child_that_fails_leaves_its_block_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real = streaming._Plan.block_in_child

    def dies_in_a_child(self: Any, *args: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)
        return real(self, *args)

    monkeypatch.setattr(streaming._Plan, "block_in_child", dies_in_a_child)
    _same(json.dumps(_crossing(40)), jobs=3)


@pytest.mark.usefixtures("small_windows")
def test_a_cut_guessed_inside_a_string_is_not_used() -> None:
    steps = [{"$type": "echo", "input": {"text": "}, {" * 20}}] * 30
    text = json.dumps({"steps": steps})
    elements = {i for i in range(len(text)) if text.startswith('{"$type"', i)}
    guessed = streaming._starts(text, text.index("["), 2)
    assert guessed and guessed[0] not in elements  # (inside a string)
    _same(text, jobs=2)


@pytest.mark.usefixtures("small_windows")
@pytest.mark.parametrize(
    "text",
    [
        '{"steps": [{"$type": "echo"}, {"$type": "echo", "$type": "x"}]}',  # a duplicate key in a step
        '{"steps": [{"$type": "echo"}, {"input": {"seed": NaN}}]}',
        '{"steps": [{"$type": "echo"}, {"input": {"seed": 1e400}}]}',
        '{"steps": [{"$type": "echo"}, {"input": {"seed": 1' + "0" * 5000 + "}}]}",
        '{"steps": [{"$type": "echo"}, {"$type": "echo",}]}',  # a parse error
        '{"steps": [{"$type": "echo"}] "x": 1}',
        '{"steps": [{"$type": "echo"}]} trailing',
        '{"steps": [{"$type": "echo"}], "steps": []}',
        '{"a": 1, "a": 2, "steps": []}',
        '{"steps": {"$type": "echo"}}',
        '{"steps": [' + "[" * 5000 + "]" * 5000 + "]}",
        "[1, 2]",
        '{"other": 1}',
    ],
)
def test_what_only_the_whole_text_reader_reports_goes_the_usual_way(text: str) -> None:
    assert pipeline.check_windowed(streaming.Windowed("big.json", text), checker.Options()) is None
    assert pipeline.check_text("big.json", text, checker.Options()) == _whole(text, checker.Options())


@pytest.mark.usefixtures("small_windows")
@pytest.mark.parametrize("last", ['"n": 1', '"tags": ["a"]'])  # (the second ends with an array)
def test_members_after_the_steps_are_read_first(last: str) -> None:
    steps = json.dumps([{"$type": "echo", "name": "a"}] * 5)
    text = f'{{"id": "x", "steps": {steps}, "status": "running", {last}}}'
    calls = []
    real = json_reader.Elements.skip

    def counted(self: Any, count: int) -> int:
        calls.append(count)
        return real(self, count)

    json_reader.Elements.skip = counted  # type: ignore[method-assign]
    try:
        _same(text)  # (a record: "status" comes after the steps)
    finally:
        json_reader.Elements.skip = real  # type: ignore[method-assign]
    assert calls


def test_a_large_json_text_is_never_parsed_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "STREAM_MIN_CHARS", 1000)
    document = _crossing(400)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document))
    whole_reads = count_calls(monkeypatch, json_reader, "read_json")
    report = pipeline.check_path(str(path), checker.Options())
    assert not whole_reads
    assert report == _whole(path.read_text(), checker.Options(), str(path))
    assert report.findings


def _large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: Any) -> Path:
    monkeypatch.setattr(sources, "STREAM_MIN_CHARS", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document))
    return path


VALID = {"steps": [{"$type": "echo", "name": f"s{i}", "input": {"message": "hi"}} for i in range(100)]}


@pytest.mark.parametrize("document", [VALID, _crossing(400)], ids=["valid", "findings"])
def test_a_file_s_text_is_let_go_while_the_document_checks_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: Any
) -> None:
    """The text and the steps' skeletons were most of a 50 MB file's peak memory, one on top of
    the other: the document checks run without the text, which is read again only to locate
    findings (so a valid file's is read once: ``tests/test_bounds.py`` measures the memory)."""
    path = _large_file(tmp_path, monkeypatch, document)
    reads = count_calls(monkeypatch, sources, "_read_again")
    report = pipeline.check_path(str(path), checker.Options())
    assert report == _whole(path.read_text(), checker.Options(), str(path))
    assert report.sources == ({str(path): path.read_text()} if report.findings else {})
    assert len(reads) == (1 if report.findings else 0)


def _saved_once_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A large file with findings that is saved anew (another size: the snapshot differs,
    whatever the clock) as soon as its windowed reader lets its text go."""
    path = _large_file(tmp_path, monkeypatch, _crossing(400))
    changed = json.dumps(_crossing(300), indent=1)
    real = streaming.Windowed.let_go

    def let_go_and_save(self: streaming.Windowed) -> None:
        real(self)
        path.write_text(changed)

    monkeypatch.setattr(streaming.Windowed, "let_go", let_go_and_save)
    return path, changed


@pytest.mark.parametrize("document", [VALID, _crossing(400)], ids=["valid", "findings"])
def test_through_the_result_cache_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: Any) -> None:
    """The cache reads a file's bytes for its key; on a miss it held them, and the text, for the
    whole check (225 MiB for the 50 MB file, against 133 without the cache)."""
    path = _large_file(tmp_path, monkeypatch, document)
    reads = count_calls(monkeypatch, cache._ReadAgain, "__call__")
    results = cache.ResultCache(tmp_path / "cache")
    report = results.check_path(str(path), checker.Options())
    assert report == pipeline.check_path(str(path), checker.Options())
    assert len(reads) == (1 if report.findings else 0) and results.misses == 1
    results.save()
    warm = cache.ResultCache(tmp_path / "cache")
    assert warm.check_path(str(path), checker.Options()) == report and warm.hits == 1


def test_the_cache_keeps_no_report_of_a_file_saved_while_it_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, changed = _saved_once_let_go(tmp_path, monkeypatch)
    results = cache.ResultCache(tmp_path / "cache")
    assert results.check_path(str(path), checker.Options()) == _whole(changed, checker.Options(), str(path))
    monkeypatch.undo()
    results.save()
    path.write_text(json.dumps(_crossing(400)))  # (the first bytes again: their report was never made)
    again = cache.ResultCache(tmp_path / "cache")
    again.check_path(str(path), checker.Options())
    assert again.misses == 1 and again.hits == 0


def test_a_file_changed_after_its_windows_were_read_is_checked_as_it_is_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Findings of the text read first cannot be located in another: the file is read again, whole."""
    path, changed = _saved_once_let_go(tmp_path, monkeypatch)
    report = pipeline.check_path(str(path), checker.Options())
    assert report.findings
    assert report == _whole(changed, checker.Options(), str(path))


def test_empty_steps_and_the_skipping_of_unrecognized_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    _same('{"steps": []}')
    _same('{"steps": [], "id": "x", "status": "running"}')
    unmarked, record = '{"steps": [{"a": 1}, {"b": 2}]}', '{"id": "x", "status": "queued", "steps": [{"a": 1}]}'
    for text in (unmarked, record, '{"steps": [1, 2]}', '{"steps": [{"a": 1}, {"input": {}}]}'):
        _same(text, skip_unrecognized=True)
    assert not pipeline.check_windowed(
        streaming.Windowed("big.json", unmarked), checker.Options(skip_unrecognized=True)
    ).documents  # type: ignore[union-attr]
    assert pipeline.check_windowed(
        streaming.Windowed("big.json", record), checker.Options(skip_unrecognized=True)
    ).documents  # type: ignore[union-attr]
