"""The AIR parser: the official grammar with Python named groups and a full match."""

from __future__ import annotations

import pytest

from civitai_schema import air


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "urn:air:sdxl:checkpoint:civitai:827184@2514310",
            ("sdxl", "checkpoint", "civitai", "827184", "2514310", None, None),
        ),
        (
            "urn:air:sdxl:checkpoint:civitai:827184@2514310+2402203",
            ("sdxl", "checkpoint", "civitai", "827184", "2514310", "2402203", None),
        ),
        (
            "urn:air:sdxl:checkpoint:civitai:4384@128713.safetensor",
            ("sdxl", "checkpoint", "civitai", "4384", "128713", None, "safetensor"),
        ),
        (
            "urn:air:model:huggingface:stabilityai/sdxl-vae",
            ("model", None, "huggingface", "stabilityai/sdxl-vae", None, None, None),
        ),
        ("civitai:4384@128713", (None, None, "civitai", "4384", "128713", None, None)),
        (
            "urn:air:oci:image:ghcr:civitai/training-toolkit@sha256:abc123",
            ("oci", "image", "ghcr", "civitai/training-toolkit", "sha256:abc123", None, None),
        ),
        (
            "urn:air:comfy:nodepack:comfyregistry:kijai/comfyui-kjnodes@1.4.0",
            ("comfy", "nodepack", "comfyregistry", "kijai/comfyui-kjnodes", "1.4.0", None, None),
        ),
        ("urn:air:SDXL:LORA:CIVITAI:1@2", ("SDXL", "LORA", "CIVITAI", "1", "2", None, None)),
    ],
)
def test_parse(text: str, parts: tuple[str | None, ...]) -> None:
    value = air.parse(text)
    assert (value.ecosystem, value.type, value.source, value.id, value.version, value.file_id, value.format) == parts


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("sdxl:lora:civitai:1@2", "urn:air:sdxl:lora:civitai:1@2"),
        ("air:sdxl:lora:civitai:1@2", "urn:air:sdxl:lora:civitai:1@2"),
        (
            "urn:air:sdxl:checkpoint:civitai:827184@2514310+2402203",
            "urn:air:sdxl:checkpoint:civitai:827184@2514310+2402203",
        ),
        (
            "urn:air:flux1:vae:huggingface:black-forest-labs/FLUX.1-dev@main/ae.safetensors",
            "urn:air:flux1:vae:huggingface:black-forest-labs/FLUX.1-dev@main/ae.safetensors",
        ),
    ],
)
def test_canonical_form_round_trips(text: str, canonical: str) -> None:
    assert air.parse(text).canonical == canonical == str(air.parse(canonical))
    assert air.parse(canonical).canonical_prefix and (text == canonical) == air.parse(text).canonical_prefix


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("4384", "source"),
        ("urn:air:sdxl:checkpoint:civitai:", "id"),
        ("urn:air:sdxl:checkpoint:civitai:1@", "version"),
        ("urn:air:sdxl:lora:civitai:1@2+x", "file id"),
        ("urn:air:sdxl:lora:civ!tai:1@2", "source"),
        ("urn:air:sd xl:lora:civitai:1@2", "value"),
        ("urn:air:a:b:c:d:e@1", "value"),
        ("", "value"),
        ("urn:air:sdxl:lora:civitai:1@2\n", "value"),  # a full match: no trailing newline
    ],
)
def test_malformed_names_the_part(text: str, part: str) -> None:
    with pytest.raises(air.AIRError) as caught:
        air.parse(text)
    assert caught.value.part == part


def test_looks_like_air() -> None:
    assert air.looks_like_air("urn:air:x:y")
    assert air.looks_like_air("sdxl:lora:civitai:1")
    assert not air.looks_like_air("gpt-image-1") and not air.looks_like_air("openai/gpt-4o-mini")
