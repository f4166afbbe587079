"""AIR identifiers wherever a step input holds one: checkpoints, VAEs, text encoders, the keys of
``loras``/``additionalNetworks`` maps, ``air`` in LoRA lists, ``embeddings``,
``trainingData.sourceUrl`` and every other field the catalog types as an AIR.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from .. import air as airs
from .. import catalog, limits, pointers
from ..findings import Finding, Fix, Kind, Severity, Target
from ..fix_actions import Replace
from ..rule_options import DEFAULT_OPTIONS, RuleOptions
from ..suggest import closest
from ..workflow import is_reference, steps
from .rule import FamilyCheck, Names, Option, Rule

F = "air"

EXTRA_ECOSYSTEMS = Option(
    "extra-ecosystems",
    Names(),
    frozenset[str](),
    "AIR ecosystems your own resources use, known besides the catalog's.",
)

EXTRA_SOURCES = Option(
    "extra-sources",
    Names(),
    frozenset[str](),
    "AIR sources your own resources live in, known besides the catalog's.",
)

EXTRA_RESOURCE_TYPES = Option(
    "extra-resource-types",
    Names(),
    frozenset[str](),
    "AIR resource types known besides the catalog's.",
)

MALFORMED = Rule(
    "A101",
    "air-malformed",
    Severity.ERROR,
    "A value that must be an AIR is not one.",
    """
The API identifies every model, LoRA, VAE and data set by an AIR,
`urn:air:{ecosystem}:{type}:{source}:{id}@{version}`. The message names the part that is wrong.

Bad: `"model": "sdxl-base-1.0"`   Good: `"model": "urn:air:sdxl:checkpoint:civitai:101055@128078"`""",
    F,
)

NOT_CANONICAL = Rule(
    "A102",
    "air-not-canonical",
    Severity.INFO,
    "An AIR without its `urn:air:` prefix.",
    """
Parsers accept `sdxl:checkpoint:civitai:…` and `air:…`, but the documentation asks for the full
`urn:air:` form in API requests: it is the unambiguous one.

Bad: `"sdxl:lora:civitai:328553@368189"`   Good: `"urn:air:sdxl:lora:civitai:328553@368189"`""",
    F,
    fixable="safe",
)

UNKNOWN_ECOSYSTEM = Rule(
    "A103",
    "air-unknown-ecosystem",
    Severity.WARNING,
    "An AIR ecosystem the catalog does not know.",
    """
Ecosystems are the base-model families (`sd1`, `sdxl`, `flux1`, `wanvideo`, …); new ones
appear often, so this is a warning. It also catches an AIR with the ecosystem left out, where the
type is read as the ecosystem.

Bad: `urn:air:lora:civitai:1@2`   Good: `urn:air:sdxl:lora:civitai:1@2`""",
    F,
    options=(EXTRA_ECOSYSTEMS,),
)

UNKNOWN_TYPE = Rule(
    "A104",
    "air-unknown-type",
    Severity.WARNING,
    "An AIR resource type the catalog does not know.",
    """
Types name what the resource is: `checkpoint`, `lora`, `embedding`, `vae`, `diffusionmodel`, …

Bad: `urn:air:sdxl:loras:civitai:1@2`   Good: `urn:air:sdxl:lora:civitai:1@2`""",
    F,
    options=(EXTRA_RESOURCE_TYPES,),
)

UNKNOWN_SOURCE = Rule(
    "A105",
    "air-unknown-source",
    Severity.WARNING,
    "An AIR source the catalog does not know.",
    """
Sources say where the resource lives: `civitai`, `civitai-r2`, `huggingface`, `orchestrator`, and
for container images a registry such as `dockerhub` or `ghcr`.

Bad: `urn:air:sdxl:lora:civitia:1@2`   Good: `urn:air:sdxl:lora:civitai:1@2`""",
    F,
    options=(EXTRA_SOURCES,),
)

CIVITAI_NOT_NUMERIC = Rule(
    "A106",
    "air-civitai-id-not-numeric",
    Severity.WARNING,
    "A civitai AIR whose id or version is not a number.",
    """
For the `civitai` source the id is the model id and the version the model-version id, both
numbers from the model's page. A name or slug there cannot be resolved.

Bad: `urn:air:sdxl:checkpoint:civitai:juggernaut@v9`   Good: `urn:air:sdxl:checkpoint:civitai:133005@357609`""",
    F,
)

UNPINNED = Rule(
    "A107",
    "air-unpinned-version",
    Severity.WARNING,
    "An AIR without `@version`.",
    """
Without a version the resource's latest version is used, so the same request can give other
results tomorrow. Pin the version you tested.

Bad: `urn:air:sdxl:checkpoint:civitai:101055`   Good: `urn:air:sdxl:checkpoint:civitai:101055@128078`""",
    F,
)

WRONG_RESOURCE = Rule(
    "A108",
    "air-wrong-resource-type",
    Severity.WARNING,
    "An AIR of the wrong kind of resource for its field.",
    """
A LoRA given as `model`, a checkpoint among `loras`, a VAE in `embeddings`: the engine cannot
load the resource as what the field needs.

Bad: `"model": "urn:air:sdxl:lora:civitai:328553@368189"`   Good: a `checkpoint` AIR in `model`, the LoRA in `loras`""",
    F,
)

INCOMPATIBLE = Rule(
    "A109",
    "air-incompatible-ecosystem",
    Severity.WARNING,
    "A LoRA or embedding made for another base model.",
    """
The API accepts it and it silently has no effect (or a bad one): an SD 1.5 LoRA on an SDXL
checkpoint, a Flux LoRA on SDXL. Pony, Illustrious and NoobAI are SDXL; SD 1.5 embeddings partly
work on SDXL.

Bad: an `urn:air:sd1:lora:…` in the `loras` of an `sdxl` request   Good: an `urn:air:sdxl:lora:…`""",
    F,
)

SD3 = Rule(
    "A110",
    "air-sd3-checkpoint",
    Severity.WARNING,
    "An SD3 checkpoint, which no engine generates.",
    """
SD 3 and 3.5 models are listed on civitai.com, but the orchestrator has no engine that runs them.

Bad: `"model": "urn:air:sd3:checkpoint:civitai:1@2"`   Good: an SDXL, Flux or other supported checkpoint""",
    F,
)

RULES = (MALFORMED, NOT_CANONICAL, UNKNOWN_ECOSYSTEM, UNKNOWN_TYPE, UNKNOWN_SOURCE, CIVITAI_NOT_NUMERIC, UNPINNED,
         WRONG_RESOURCE, INCOMPATIBLE, SD3)  # fmt: skip
OPTIONS = (EXTRA_ECOSYSTEMS, EXTRA_SOURCES, EXTRA_RESOURCE_TYPES)

_CHECKPOINT_FIELDS = catalog.CHECKPOINT_FIELDS
_ADDON_FIELDS = ("loras", "additionalNetworks", "embeddings")
_ADDON_KEYS = frozenset(_ADDON_FIELDS)
_ECOSYSTEMS = catalog.ECOSYSTEMS | catalog.LEGACY_ECOSYSTEMS


def _known(name: str, catalogued: frozenset[str], configured: frozenset[str]) -> bool:
    return name in catalogued or name in configured


class Occurrence(NamedTuple):
    """One AIR in a step input: where, what, in which field, and whether it is a map key."""

    pointer: str
    text: str
    field: str
    target: Target = "value"


def occurrences(
    kind_of_step: str | None, data: dict[str, Any], found: catalog.Resolution | None
) -> Iterator[Occurrence]:
    """The AIRs of a step input (``found``: which catalog leaf it is, see :class:`workflow.Step`)."""
    air_fields, wanted = _air_fields(kind_of_step, found)
    present = wanted.intersection(data)  # (in C: most inputs have one such key, or none)
    # (in the input's order; each key once, as a dict has it)
    for key in present if len(present) < 2 else [key for key in data if key in present]:
        value = data[key]
        if key in _ADDON_KEYS:
            yield from _addons(key, value)
        elif key == "trainingData" and isinstance(value, dict) and isinstance(value.get("sourceUrl"), str):
            yield Occurrence(f"/{key}/sourceUrl", value["sourceUrl"], "trainingData.sourceUrl")
        elif key in air_fields and isinstance(value, str) and (air_fields[key] or airs.looks_like_air(value)):
            yield Occurrence(pointers.child("", key), value, key)


def _addons(key: str, value: Any) -> Iterator[Occurrence]:
    """The AIRs of LoRAs (a map keyed by AIR, or a list of objects with ``air``) and embeddings."""
    here = "/" + key
    if key != "embeddings" and isinstance(value, dict) and not is_reference(value):
        for name in value:
            yield Occurrence(pointers.child(here, name), name, key, "key")
    elif key != "embeddings" and isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict) and isinstance(item.get("air"), str):
                yield Occurrence(f"{here}/{i}/air", item["air"], key)
    elif key == "embeddings" and isinstance(value, list):
        yield from (Occurrence(f"{here}/{i}", v, key) for i, v in enumerate(value) if isinstance(v, str))


def _air_fields(
    kind_of_step: str | None, found: catalog.Resolution | None
) -> tuple[Mapping[str, bool], frozenset[str]]:
    """AIR-typed fields, each with whether it is an AIR for certain (the leaf is known) or only
    in some leaves (then only values that look like AIRs are checked); and every key that can
    hold an AIR (those fields, LoRAs, embeddings, training data)."""
    if kind_of_step is None or found is None:
        return _with_keys(())
    if found.leaf is not None:
        return _leaf_air_fields(found.leaf)
    return _maybe_air_fields(kind_of_step)


@functools.cache
def _leaf_air_fields(leaf: catalog.Leaf) -> tuple[Mapping[str, bool], frozenset[str]]:
    return _with_keys((k, True) for k, f in leaf.fields.items() if f.get("type") == "air")


@limits.value_cache(1024)
def _maybe_air_fields(step_type: str) -> tuple[Mapping[str, bool], frozenset[str]]:
    return _with_keys((k, False) for k in catalog.air_fields(step_type))


def _with_keys(fields: Iterable[tuple[str, bool]]) -> tuple[Mapping[str, bool], frozenset[str]]:
    mapping = dict(fields)
    return mapping, frozenset(mapping) | _ADDON_KEYS | {"trainingData"}


def check(data: Any, kind: Kind, options: RuleOptions = DEFAULT_OPTIONS) -> Iterator[Finding]:
    for step in steps(data):
        data_in = step.input
        if data_in is None:
            continue
        found = list(occurrences(step.type, data_in, step.resolution))
        if not found:
            continue
        base = step.pointer + "/input"
        base_group = catalog.base_group(data_in)  # (only the AIRs found read it)
        for occurrence in found:
            for finding in _judged(occurrence.text, occurrence.field, occurrence.target, base_group, options):
                yield finding.evolve(path=base + occurrence.pointer)


def _error(text: str) -> str | None:
    """Why ``text`` is not a well-formed AIR; None when it is one."""
    try:
        airs.parse(text)
    except airs.AIRError as exc:
        return f"{exc} ({exc.part})" if exc.part != "value" else str(exc)
    return None


@limits.value_cache(50_000)  # templates and batches repeat the same checkpoints and LoRAs
def _judged(text: str, field: str, target: Target, base_group: str | None, options: RuleOptions) -> tuple[Finding, ...]:
    """The findings for the AIR ``text`` in ``field`` (paths left empty: the caller sets them):
    that it is malformed, or what is wrong with a well-formed one."""
    error = _error(text)
    if error is not None:
        return (MALFORMED.finding(f"malformed AIR {_quote(text)}: {error}", target=target),)
    return tuple(_check_one(text, airs.parse(text), field, target, base_group, options))


def _check_one(
    text: str, value: airs.AIR, field: str, target: Target, base_group: str | None, options: RuleOptions
) -> Iterator[Finding]:
    quoted = _quote(text)
    if not value.canonical_prefix:
        fix = Fix("write the canonical urn:air: form", "safe", Replace(value.canonical))
        yield NOT_CANONICAL.finding(f"write {quoted} in its canonical form {value.canonical}", target=target, fix=fix)
    ecosystem, kind = value.ecosystem, value.type
    if ecosystem is not None and not _known(ecosystem.lower(), _ECOSYSTEMS, EXTRA_ECOSYSTEMS.of(options)):
        if kind is None and ecosystem.lower() in catalog.RESOURCE_TYPES:
            message = (
                f'{quoted} has no ecosystem: with three parts before the id, "{ecosystem}" is read as the ecosystem; '
                f"write urn:air:<ecosystem>:{ecosystem}:{value.source}:…"
            )
        else:
            guess = closest(ecosystem, sorted(catalog.ECOSYSTEMS))
            message = f'unknown AIR ecosystem "{ecosystem}" in {quoted}' + (
                f'; did you mean "{guess}"?' if guess else ""
            )
        yield UNKNOWN_ECOSYSTEM.finding(message, target=target)
    if kind is not None and not _known(kind.lower(), catalog.RESOURCE_TYPES, EXTRA_RESOURCE_TYPES.of(options)):
        guess = closest(kind, sorted(catalog.RESOURCE_TYPES))
        tail = f'; did you mean "{guess}"?' if guess else ""
        yield UNKNOWN_TYPE.finding(f'unknown AIR resource type "{kind}" in {quoted}{tail}', target=target)
    if not _known(value.source.lower(), catalog.SOURCES, EXTRA_SOURCES.of(options)):
        guess = closest(value.source, sorted(catalog.SOURCES))
        tail = f'; did you mean "{guess}"?' if guess else ""
        yield UNKNOWN_SOURCE.finding(f'unknown AIR source "{value.source}" in {quoted}{tail}', target=target)
    if value.source.lower() == "civitai":
        bad = [f'id "{value.id}"'] if not (value.id.isascii() and value.id.isdigit()) else []
        if value.version is not None and not (value.version.isascii() and value.version.isdigit()):
            bad.append(f'version "{value.version}"')
        if bad:
            message = f"{quoted}: the civitai {' and '.join(bad)} must be numbers (model id @ model-version id)"
            yield CIVITAI_NOT_NUMERIC.finding(message, target=target)
    if value.version is None:
        message = f"{quoted} has no @version, so the latest version is used and results can change; pin it"
        yield UNPINNED.finding(message, target=target)
    allowed = catalog.FIELD_RESOURCE_TYPES.get(field)
    if allowed and kind is not None and kind.lower() in catalog.KNOWN_RESOURCE_TYPES and kind.lower() not in allowed:
        expected = " or ".join(sorted(allowed))
        yield WRONG_RESOURCE.finding(f'{quoted} is a {kind}, but "{field}" takes a {expected}', target=target)
    if field in _CHECKPOINT_FIELDS and ecosystem is not None and ecosystem.lower() in catalog.UNGENERATABLE_ECOSYSTEMS:
        yield SD3.finding(f"{quoted} is an SD3 checkpoint; no orchestrator engine generates SD3", target=target)
    if field in _ADDON_FIELDS and base_group is not None and ecosystem is not None:
        group = catalog.compat_group(ecosystem)
        extra = catalog.EMBEDDING_EXTRA_GROUPS.get(group, frozenset()) if kind == "embedding" else frozenset()
        known = ecosystem.lower() in _ECOSYSTEMS and group != "other"
        if known and group != base_group and base_group not in extra:
            message = (
                f"{quoted} is made for {ecosystem}, but this step generates with {base_group}: it will have no effect"
            )
            yield INCOMPATIBLE.finding(message, target=target)


def _quote(text: str) -> str:
    return f'"{text}"' if len(text) <= 80 else f'"{text[:79]}…"'


# The family's entries in the registry (civitai_schema.rules), with their cost per step.
CHECKS = (FamilyCheck("AIR checks", check, cost=2.3),)
