"""The rule options and ``--config`` values given on the command line, read into the API's
:class:`~civitai_schema.api.Overrides` (checked as a configuration file's values are)."""

from __future__ import annotations

import os

from .. import api, config


def split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--select A,N104 --select S`` → ``("A", "N104", "S")``."""
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())


def is_config_file(value: str) -> bool:
    """Whether a ``--config`` value names the configuration file (else it is a TOML fragment)."""
    return os.path.isfile(value) or "=" not in value


def overrides(
    values: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    per_file_ignores: tuple[str, ...],
    *,
    respect_gitignore: bool | None = None,
) -> tuple[str | None, api.Overrides]:
    """``--config`` values and the rule options, as ruff takes them: a ``--config`` value that is
    an existing file, or holds no '=', is the configuration file; any other is a TOML fragment
    (``--config "ignore = ['A102']"``). ``--[no-]respect-gitignore`` is the fragment
    ``respect-gitignore = …``, given last. Raises ConfigError for anything a file could not hold."""
    if respect_gitignore is not None:
        values += (f"respect-gitignore = {str(respect_gitignore).lower()}",)
    paths = [v for v in values if is_config_file(v)]
    if len(paths) > 1:
        raise config.ConfigError(f"--config names {len(paths)} files ({', '.join(paths)}); give one")
    fragments = []
    for value in values:
        if value in paths:
            continue
        toml = config._toml()  # (only then: a run without fragments imports no TOML reader)
        try:
            fragments.append(toml.loads(value))
        except toml.TOMLDecodeError as exc:
            raise config.ConfigError(f"--config {value!r}: not a TOML setting ('key = value'): {exc}") from None
    by_pattern: dict[str, tuple[str, ...]] = {}
    for entry in per_file_ignores:
        pattern, colon, codes = entry.rpartition(":")
        if not colon or not pattern or not split_codes((codes,)):
            raise config.ConfigError(f"--per-file-ignores {entry!r}: expected PATTERN:CODES, as '*.yaml:A102,S104'")
        by_pattern[pattern] = by_pattern.get(pattern, ()) + split_codes((codes,))
    overrides = api.Overrides(
        fragments=tuple(fragments),
        select=split_codes(select) if select else None,
        extend_select=split_codes(extend_select),
        ignore=split_codes(ignore),
        per_file_ignores=by_pattern,
    )
    return (paths[0] if paths else None), overrides
