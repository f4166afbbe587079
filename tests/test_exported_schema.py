"""`civitai-schema schema --kind K` and the CLI agree on every generated document.

The documents are tests/api_oracle.py's (valid ones and one-violation ones, for every input leaf
and every record shape). The editor is jsonschema-rs given the exported schema, as an editor with
a standard draft 2020-12 validator has it; the CLI's verdict is whether `check` reports an error
that a schema can express (schema and input findings, and the rules that report such an error
in their place: A101 for an AIR, D101/D103 for sizes, C106/C107 for keys the request has no room for).
"""

from __future__ import annotations

import json

import pytest

import civitai_schema
from civitai_schema.spans import is_date_span

from .api_oracle import Corpus, build
from .conftest import invoke

pytestmark = pytest.mark.slow  # the generated corpus is built once for the module, in ~25 s

# Codes of findings whose error a JSON Schema can state.
_SCHEMA_LIKE = ("S1", "N1")
_IN_THEIR_PLACE = frozenset({"A101", "D101", "D103", "C106", "C107"})


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build(sample=True)


def _cli_says_invalid(body: object, kind: str) -> bool:
    findings = civitai_schema.check(body, kind=kind).findings
    return any(
        f.severity.value == "error" and (f.code.startswith(_SCHEMA_LIKE) or f.code in _IN_THEIR_PLACE) for f in findings
    )


@pytest.mark.parametrize("kind", ["submission", "workflow"])
def test_the_exported_schema_and_the_cli_agree_on_every_generated_document(corpus: Corpus, kind: str) -> None:
    import jsonschema_rs

    exported = json.loads(invoke("schema", "--kind", kind).output)
    editor = jsonschema_rs.validator_for(exported, validate_formats=True, formats={"date-span": is_date_span})
    documents = [(d.label, d.body) for d in corpus.valid if d.kind == kind]
    documents += [(d.label, d.body) for d in corpus.violations if d.kind == kind and d.expected == "error"]
    disagreements = []
    for label, body in documents:
        if editor.is_valid(body) == _cli_says_invalid(body, kind):
            disagreements.append(label)
    print(f"\n{kind}: {len(documents)} documents compared, {len(disagreements)} disagreements")
    assert len(documents) > 400
    assert disagreements == []
