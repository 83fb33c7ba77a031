"""A tiny daemon for pyovn.daemon's tests: ``python -m pyovn.daemon._testd``.

It serves nothing but its unixctl socket, plus test commands: ``test/echo
ARGS...`` (replies the arguments), ``test/fail MESSAGE`` (replies an error),
``test/log MODULE LEVEL MESSAGE`` (logs through ``pyovn.MODULE``).
``--fail-startup=MESSAGE`` makes start-up fail after forking, and
``--crash-startup`` makes the serving process die without a word, and
``--read-at-startup=FILE`` opens FILE (relative to the start directory)
before declaring itself ready.
"""

from __future__ import annotations

import logging
import os

import click

from pyovn.daemon import (
    Daemon,
    DaemonError,
    DaemonOptions,
    UnixctlError,
    daemon_options,
    get_logger,
    run_daemon,
)

NAME = "pyovn-testd"
log = get_logger("testd")


def _echo(args: list[str]) -> str:
    return " ".join(args)


def _fail(args: list[str]) -> str:
    raise UnixctlError(args[0])


def _log(args: list[str]) -> str:
    module, level, message = args
    get_logger(module).log(logging.getLevelName(level.upper()), "%s", message)
    return ""


@daemon_options(NAME)
@click.command()
@click.option("--fail-startup", default=None, help="fail start-up with this message")
@click.option("--crash-startup", is_flag=True, help="die silently during start-up")
@click.option("--read-at-startup", default=None, help="open this file during start-up")
def command(
    fail_startup: str | None, crash_startup: bool, read_at_startup: str | None,
    daemon: DaemonOptions,
) -> None:
    """A test daemon with only a control socket."""

    async def serve(d: Daemon) -> None:
        if fail_startup:
            raise DaemonError(fail_startup)
        if crash_startup:
            os._exit(3)
        if read_at_startup:
            try:
                with open(read_at_startup, encoding="utf-8") as f:
                    f.read()
            except OSError as e:
                raise DaemonError(f"{read_at_startup}: {e.strerror}") from e
        d.register_command("test/echo", _echo, "[ARG...]", 0, 100)
        d.register_command("test/fail", _fail, "MESSAGE", 1, 1)
        d.register_command("test/log", _log, "MODULE LEVEL MESSAGE", 3, 3)
        log.info("%s started", NAME)
        d.ready()
        await d.wait_exit()
        log.info("%s exiting", NAME)

    raise SystemExit(run_daemon(daemon, serve))


if __name__ == "__main__":
    command()
