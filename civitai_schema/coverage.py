"""Enum coverage: which values of the API's enums a set of documents exercises, and which never.

A team's fixtures or templates that never use `scheduled`, `step:*`, a sampler or an engine
leave that part of the API untested; this report lists the gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import air, catalog
from .workflow import steps

_DISCRIMINATORS = ("ecosystem", "model", "version", "provider", "modelVariant", "operation", "mode")
# Sampler-like fields and the leaf enum they draw from, per engine (facts §4.1-4.2).
_SAMPLER_FIELDS: tuple[tuple[str, str | None, str, str], ...] = (
    ("imageGen", "comfy", "sampler", "ComfySampler"),
    ("imageGen", "comfy", "scheduler", "ComfyScheduler"),
    ("imageGen", "sdcpp", "sampleMethod", "SdCppSampleMethod"),
    ("imageGen", "sdcpp", "schedule", "SdCppSchedule"),
    ("textToImage", None, "scheduler", "Scheduler"),
)


@dataclass
class EnumCoverage:
    name: str
    values: tuple[str, ...]
    used: set[str] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        return [v for v in self.values if v not in self.used]

    @property
    def unknown(self) -> list[str]:
        """Values the documents use that the catalog does not list."""
        return sorted(self.used - set(self.values))

    def to_dict(self) -> dict[str, Any]:
        return {
            "enum": self.name,
            "total": len(self.values),
            "used": sorted(v for v in self.used if v in self.values),
            "missing": self.missing,
            "unknown": self.unknown,
        }


def universe() -> dict[str, EnumCoverage]:
    """Every enum the report tracks, with all its values, keyed by a readable name."""
    enums = catalog.leaf_data()["enums"]
    table: dict[str, tuple[str, ...]] = {
        "status": catalog.STATUSES,
        "callback event": catalog.CALLBACK_EVENTS,
        "priority": catalog.PRIORITIES,
        "nsfwLevel": catalog.NSFW_LEVELS,
        "currencies": catalog.CURRENCIES,
        "upgradeMode": catalog.UPGRADE_MODES,
        "step $type": catalog.step_types(),
    }
    for kind, leaves in catalog.leaves().items():
        engines = catalog.leaf_values(kind, "engine")
        if engines:
            table[f"{kind} engine"] = engines
        for engine in engines:
            chosen = [leaf for leaf in leaves if leaf.discriminators.get("engine") == engine]
            for key in _DISCRIMINATORS:
                values = sorted({leaf.discriminators[key] for leaf in chosen if key in leaf.discriminators})
                if values:
                    table[f"{kind} {engine} {key}"] = tuple(values)
            for key in ("aspectRatio", "outputFormat", "resolution", "duration"):
                values = sorted({str(v) for leaf in chosen for v in leaf.fields.get(key, {}).get("enum", [])})
                if values:
                    table[f"{kind} {engine} {key}"] = tuple(values)
    for sampler_kind, sampler_engine, key, enum in _SAMPLER_FIELDS:
        table[_sampler_name(sampler_kind, sampler_engine, key)] = tuple(enums[enum])
    return {name: EnumCoverage(name, tuple(values)) for name, values in table.items()}


def _sampler_name(kind: str, engine: str | None, key: str) -> str:
    return f"{kind} {engine} {key}" if engine else f"{kind} {key}"


def measure(documents: Iterable[Any]) -> list[EnumCoverage]:
    report = universe()

    def use(name: str, value: Any) -> None:
        if name in report and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            report[name].used.add(str(value))

    for data in documents:
        if not isinstance(data, dict):
            continue
        use("status", data.get("status"))
        use("nsfwLevel", data.get("nsfwLevel"))
        use("upgradeMode", data.get("upgradeMode"))
        for currency in data.get("currencies") or []:
            use("currencies", currency)
        for callback in data.get("callbacks") or []:
            for event in callback.get("type") or [] if isinstance(callback, dict) else []:
                use("callback event", event)
        for step in steps(data):
            kind, data_in = step.type, step.input
            use("step $type", kind)
            use("status", step.data.get("status"))
            use("priority", step.data.get("priority"))
            for job in step.data.get("jobs") or []:
                if isinstance(job, dict):
                    use("status", job.get("status"))
            if kind is None or data_in is None:
                continue
            engine = data_in.get("engine")
            use(f"{kind} engine", engine)
            for key in (*_DISCRIMINATORS, "aspectRatio", "outputFormat", "resolution", "duration"):
                value = data_in.get(key)
                if not air.looks_like_air(value):  # "model" holds an AIR on some engines
                    use(f"{kind} {engine} {key}", value)
            for sampler_kind, sampler_engine, key, _ in _SAMPLER_FIELDS:
                if kind == sampler_kind and (sampler_engine is None or engine == sampler_engine):
                    use(_sampler_name(kind, sampler_engine, key), data_in.get(key))
    return list(report.values())
