"""The command line: parse options, call the library (:mod:`civitai_schema.api`), print with the
chosen formatter. Nothing else of the package is used here: the configuration's errors and TOML
reader, the formatters and what each declares it needs (:func:`formatters.traits`).

``check`` (:mod:`.check`) is the command almost every run is; the others (:mod:`.commands`) are
imported only when named."""

from __future__ import annotations

from typing import NoReturn

import click

from .check import check, version_option
from .terminal import printable_output


class _Commands(click.Group):
    """``check`` is always there; the other commands (:mod:`.commands`) are imported when named."""

    others = frozenset({"clean", "coverage", "rule", "rules", "schema", "server"})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.others})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.others:
            from . import commands

            found: click.Command = getattr(commands, f"{name}_command")
            return found
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@version_option
def main() -> None:
    """Validate and lint Civitai Orchestration workflow documents (JSON and YAML)."""
    printable_output()


def entry_point() -> NoReturn:
    """The console script and ``python -m`` (see :func:`terminal.entry_point`)."""
    from . import terminal

    terminal.entry_point(main)


main.add_command(check)
