"""Rule logic at its edges: where each domain rule fires, and where it must stay silent."""

from __future__ import annotations

from typing import Any

import pytest

import civitai_schema
from civitai_schema import catalog

from .conftest import count_calls


def codes(document: Any, **options: Any) -> list[str]:
    return sorted(f.code for f in civitai_schema.check(document, **options).findings)


def sdxl(**extra: Any) -> dict[str, Any]:
    base = {
        "engine": "sdcpp",
        "ecosystem": "sdxl",
        "operation": "createImage",
        "model": "urn:air:sdxl:checkpoint:civitai:101055@128078",
        "prompt": "a lighthouse",
    }
    return {"steps": [{"$type": "imageGen", "input": {**base, **extra}}]}


def test_a_clean_sdxl_request_is_silent() -> None:
    assert codes(sdxl(width=1216, height=832, loras={"urn:air:sdxl:lora:civitai:328553@368189": 0.8})) == []


@pytest.mark.parametrize(
    ("addon", "expected"),
    [
        ({"loras": {"urn:air:pony:lora:civitai:1@2": 1}}, []),  # Pony is SDXL
        ({"loras": {"urn:air:illustrious:lora:civitai:1@2": 1}}, []),
        ({"embeddings": ["urn:air:sd1:embedding:civitai:7808@9208"]}, []),  # SD1 embeddings partly work
        ({"loras": {"urn:air:sd1:lora:civitai:82098@87153": 1}}, ["A109"]),
        ({"loras": {"urn:air:flux1:lora:civitai:1@2": 1}}, ["A109"]),
        ({"loras": {"urn:air:other:lora:civitai:1@2": 1}}, []),  # unknown family: no claim
        ({"embeddings": ["urn:air:sdxl:vae:civitai:1@2"]}, ["A108"]),
        ({"loras": {"urn:air:sdxl:checkpoint:civitai:1@2": 1}}, ["A108"]),
    ],
)
def test_addon_compatibility_and_resource_types(addon: dict[str, Any], expected: list[str]) -> None:
    assert codes(sdxl(**addon)) == expected


def test_air_checks_follow_the_leaf_not_the_field_name() -> None:
    openai = {
        "steps": [
            {
                "$type": "imageGen",
                "input": {"engine": "openai", "model": "gpt-image-1", "operation": "createImage", "prompt": "x"},
            }
        ]
    }
    assert codes(openai) == []  # "model" is an enum here, not an AIR
    chat = {
        "steps": [
            {
                "$type": "chatCompletion",
                "input": {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
            }
        ]
    }
    assert codes(chat) == []


def test_value_references_are_never_checked_as_values() -> None:
    ref = {"$ref": "$arguments", "path": "x"}
    body = sdxl(model=ref, width=ref, steps=ref, sampleMethod=ref)
    body["arguments"] = {"x": 1}
    assert codes(body) == []


@pytest.mark.parametrize(
    ("value", "key", "fix"),
    [
        ("DPM++ 2M Karras", "sampler", '"sampler": "dpmpp_2m", "scheduler": "karras"'),
        ("Euler a", "sampler", '"sampler": "euler_ancestral"'),
        ("DPM++ 2M Karras", "sampleMethod", '"sampleMethod": "dpm++2m", "schedule": "karras"'),
    ],
)
def test_a1111_sampler_names_are_translated(value: str, key: str, fix: str) -> None:
    engine = "comfy" if key == "sampler" else "sdcpp"
    body = sdxl(engine=engine, **{key: value})
    (finding,) = civitai_schema.check(body).findings
    assert finding.code == "N101" and finding.message.endswith(fix)


def test_case_only_differences_get_a_suggestion() -> None:
    (finding,) = civitai_schema.check(sdxl(sampleMethod="Euler_A")).findings
    assert finding.message.endswith('did you mean "euler_a"?')


@pytest.mark.parametrize(
    ("seed", "step_type", "expected"),
    [(2_147_483_647, "imageGen", []), (2_147_483_648, "imageGen", ["N109"]), (4_000_000_000, "textToImage", [])],
)
def test_seed_int32(seed: int, step_type: str, expected: list[str]) -> None:
    body = (
        sdxl(seed=seed)
        if step_type == "imageGen"
        else {"steps": [{"$type": "textToImage", "input": {"prompt": "x", "seed": seed}}]}
    )
    assert codes(body) == expected


@pytest.mark.parametrize(("strength", "expected"), [(-1, []), (2, []), (2.5, ["N110"]), (-3, ["N110"])])
def test_lora_strength(strength: float, expected: list[str]) -> None:
    assert codes(sdxl(loras={"urn:air:sdxl:lora:civitai:1@2": strength})) == expected


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (1024, 1024, []),
        (1536, 640, []),
        (2048, 2048, ["D104"]),
        (512, 512, ["D104"]),
        (832, 1216, []),
        (256, 256, ["D104"]),
        (1000, 1024, ["D102"]),
    ],
)
def test_sdxl_sizes(width: int, height: int, expected: list[str]) -> None:
    assert codes(sdxl(width=width, height=height)) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.example.com/x", []),
        ("http://hooks.example.com/x", ["C101"]),
        ("https://localhost/x", ["C102"]),
        ("https://10.1.2.3/x", ["C102"]),
        ("https://[::1]:8443/x", ["C102"]),
        ("https://[fe80::1]/x", ["C102"]),
        ("https://metadata.google.internal/x", ["C102"]),
        ("https://8.8.8.8/x", []),
        ("https://hooks[.example.com/x", ["S106"]),  # urlsplit raises on it; only the schema speaks
    ],
)
def test_callback_hosts(url: str, expected: list[str]) -> None:
    body = {
        "steps": [{"$type": "echo", "input": {"message": "hi"}}],
        "callbacks": [{"url": url, "type": ["workflow:*"]}],
    }
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("timeout", "ok"),
    [
        ("00:10:00", True),
        ("1.02:00:00", True),
        ("00:00:30.5", True),
        ("10m", False),
        ("25:00:00", False),
        ("PT10M", False),
    ],
)
def test_timeout_format(timeout: str, ok: bool) -> None:
    body = {"steps": [{"$type": "echo", "timeout": timeout, "input": {"message": "hi"}}]}
    assert codes(body) == ([] if ok else ["S106"])


def test_server_fields_only_matter_in_a_submission() -> None:
    record = {
        "id": "6-1",
        "status": "succeeded",
        "createdAt": "2026-01-01T00:00:00Z",
        "completedAt": "2026-01-01T00:01:00Z",
        "steps": [],
    }
    # In a record the server's fields are expected; what the record lacks is one R106 warning.
    assert codes(record) == ["R106"]
    assert codes(record, kind="submission").count("C107") == 4


def test_records_rules_only_apply_to_records() -> None:
    body = {"steps": [{"$type": "echo", "input": {"message": "hi"}}], "cost": {"base": 8, "total": 1}}
    assert "R105" not in codes(body)
    assert "R105" in codes({**body, "id": "6-1", "status": "processing"})


def test_step_graph_edges() -> None:
    positional = {
        "steps": [
            {"$type": "textToImage", "input": {"prompt": "x"}},
            {"$type": "imageUpscaler", "input": {"image": {"$ref": "$0", "path": "output.images[0].url"}}},
        ]
    }
    assert codes(positional) == []
    by_default_name = {
        "steps": [
            {"$type": "textToImage", "input": {"prompt": "x"}},
            {"$type": "imageUpscaler", "input": {"image": {"$ref": "0", "path": "output.images[0].url"}}},
        ]
    }
    assert codes(by_default_name) == []
    out_of_range = {
        "steps": [{"$type": "imageUpscaler", "input": {"image": {"$ref": "$3", "path": "output.blob.url"}}}]
    }
    assert codes(out_of_range) == ["G101"]
    long_cycle = {
        "steps": [
            {"$type": "imageUpscaler", "name": n, "input": {"image": {"$ref": m, "path": "output.blob.url"}}}
            for n, m in (("a", "b"), ("b", "c"), ("c", "a"))
        ]
    }
    assert codes(long_cycle) == ["G103"]


def test_video_chain_in_the_recommended_order_is_silent() -> None:
    body = {
        "steps": [
            {
                "$type": "videoGen",
                "name": "clip",
                "input": {
                    "engine": "wan",
                    "version": "v2.6",
                    "provider": "fal",
                    "operation": "text-to-video",
                    "prompt": "x",
                    "resolution": "720p",
                },
            },
            {
                "$type": "videoInterpolation",
                "name": "smooth",
                "input": {"video": {"$ref": "clip", "path": "output.video.url"}},
            },
            {
                "$type": "videoUpscaler",
                "input": {"video": {"$ref": "smooth", "path": "output.video.url"}, "scaleFactor": 2},
            },
        ]
    }
    assert codes(body) == []


def test_records_of_the_wrong_shape_do_not_crash_record_rules() -> None:
    # Found by the property tests: a status that is an object is not a set member.
    codes_found = codes({"steps": {}, "id": {}, "status": {}})
    assert "X001" not in codes_found and "S101" in codes_found


def test_only_ascii_digits_are_digits() -> None:
    # Found by the property tests: "²" passes str.isdigit() but int() refuses it.
    body = {"steps": [{"$type": "imageUpscaler", "input": {"image": {"$ref": "²", "path": "output.blob.url"}}}]}
    assert codes(body) == ["G101"]
    assert not civitai_schema.check(
        {"id": "1", "status": "failed", "createdAt": "٢٠٢٦-01-01T00:00:00Z", "steps": []}
    ).ok


def test_suggestions_stay_bounded_for_long_candidate_lists_and_many_wrong_values() -> None:
    from civitai_schema import suggest

    few = suggest.Suggestions(["imageGen", "videoGen", "DPM++ 2M"])
    assert few.closest("imagegen") == "imageGen"  # case
    assert few.closest("dpmpp_2m") == "DPM++ 2M"  # punctuation
    assert few.closest("imageGne") == "imageGen"  # spelling
    many = suggest.Suggestions([f"step{i}" for i in range(suggest.FUZZY_LIMIT + 1)])
    assert many.closest("STEP7") == "step7" and many.closest("stpe7") is None  # no spelling search
    limited = suggest.Suggestions(["alpha", "bravo"])
    for i in range(suggest.FUZZY_QUERIES):
        limited.closest(f"zz{i}")
    assert limited.closest("alpah") is None  # the budget of different wrong values is spent
    assert suggest.Suggestions(["alpha", "bravo"]).closest("alpah") == "alpha"


def test_many_wrong_step_names_cost_a_bounded_number_of_spelling_searches(monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    from civitai_schema import suggest

    steps: list[dict[str, Any]] = [
        {"$type": "imageUpscaler", "name": f"step{i}", "input": {"image": {"$ref": f"stpe{i}x"}}} for i in range(150)
    ]
    steps[-1]["input"]["more"] = [{"$ref": f"zz{j}"} for j in range(3000)]
    searched = count_calls(monkeypatch, difflib, "get_close_matches")
    findings = civitai_schema.check({"steps": steps}).findings
    assert sum(f.code == "G101" for f in findings) == 3150
    assert len(searched) <= suggest.FUZZY_QUERIES + 3  # (the unknown input key "more" asks too)
    assert any(f.message.endswith('did you mean "step1"?') for f in findings)


def test_a_long_cycle_is_named_by_its_ends() -> None:
    """Each of 4,000 back references closing a 4,000-step cycle once made a message (and a
    search of the path) as long as the cycle: quadratic work."""

    def ring(names: list[str]) -> dict[str, Any]:
        after = names[1:] + names[:1]
        steps = [
            {"$type": "imageUpscaler", "name": n, "input": {"image": {"$ref": m, "path": "output"}}}
            for n, m in zip(names, after, strict=True)
        ]
        return {"steps": steps}

    (long,) = [f for f in civitai_schema.check(ring([f"s{i}" for i in range(40)])).findings if f.code == "G103"]
    assert long.message == "steps wait for each other in a cycle: 0 → 1 → 2 → 3 → … → 36 → 37 → 38 → 39 → 0"
    (short,) = [f for f in civitai_schema.check(ring(["a", "b"])).findings if f.code == "G103"]
    assert short.message == "steps wait for each other in a cycle: 0 → 1 → 0"


def test_every_rule_that_asks_which_base_model_gets_one_answer() -> None:
    """An sdcpp SDXL step with an SD1 checkpoint: the pipeline is SDXL's, so the LoRA check and
    the pixel budget both speak of SDXL (they once answered sd1 and SDXL on one step)."""
    step_input = {
        "engine": "sdcpp",
        "ecosystem": "sdxl",
        "operation": "createImage",
        "model": "urn:air:sd1:checkpoint:civitai:4384@128713",
        "prompt": "a red bicycle",
        "width": 2048,
        "height": 2048,
        "loras": {"urn:air:sd1:lora:civitai:1@2": 0.8},
    }
    assert catalog.base_group(step_input) == "sdxl"
    report = civitai_schema.check({"steps": [{"$type": "imageGen", "input": step_input}]})
    by_code = {f.code: f.message for f in report.findings}
    assert "generates with sdxl" in by_code["A109"]
    assert "SDXL" in by_code["D104"]
