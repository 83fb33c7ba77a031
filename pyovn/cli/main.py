"""The `pyovn` command: one entry point whose subcommands load lazily.

Each subcommand lives in its own module under ``pyovn.cli`` and exposes a
``click.Command`` named ``command``; importing only the one that runs keeps
start-up fast for scripts that call ``pyovn`` in a loop.
"""

from __future__ import annotations

import importlib

import click

from pyovn import __version__

# subcommand name -> module under pyovn.cli that defines `command`
SUBCOMMANDS: dict[str, str] = {
    "ovsdb-server": "ovsdb_server",
    "ovsdb-tool": "ovsdb_tool",
    "ovsdb-client": "ovsdb_client",
    "lflow": "lflow",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = SUBCOMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"pyovn.cli.{module_name}")
        command: click.Command = module.command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pyovn")
def cli() -> None:
    """pyovn: network virtualization in Python (OVN's control plane)."""


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
