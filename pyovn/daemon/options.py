"""The OVS daemon and logging options, as a decorator for click commands.

OVS parses its options with getopt: ``-v``, ``--verbose``, ``--pidfile`` and
``--log-file`` take an *optional* argument that must be attached
(``-vconsole:off``, ``--verbose=dbg``, ``--pidfile=F``); a following word is
never their value. click cannot express that, so ``normalize_argv`` first
rewrites those forms to ``--name=VALUE`` (``""`` when absent) and click then
sees plain value options. ``daemon_options`` adds the options to a command,
installs that rewrite, and hands the callback one ``DaemonOptions``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from pyovn import __version__
from pyovn.daemon.errors import VlogSpecError
from pyovn.daemon.vlog_spec import parse_spec

_OPTIONAL_VALUE_OPTIONS = ("--verbose", "--pidfile", "--log-file")
_PREFIX = "pyovn_daemon_"


@dataclass(frozen=True)
class DaemonOptions:
    """Daemon options as given; see ``pyovn.daemon`` for the field meanings."""

    name: str
    version: str = ""
    detach: bool = False
    no_chdir: bool = False
    monitor: bool = False
    pidfile: str | None = None
    overwrite_pidfile: bool = False
    log_file: str | None = None
    unixctl: str | None = None
    verbose: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", default_version(self.name))

    @classmethod
    def parse(cls, name: str, argv: Sequence[str]) -> DaemonOptions:
        """Parse daemon options alone (no other arguments) without click's CLI."""
        holder: list[DaemonOptions] = []

        @daemon_options(name)
        @click.command()
        def collect(daemon: DaemonOptions) -> None:
            holder.append(daemon)

        collect.main(list(argv), prog_name=name, standalone_mode=False)
        return holder[0]


def default_version(name: str) -> str:
    return f"{name} (pyovn) {__version__}"


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Rewrite getopt optional-argument forms to ``--option=VALUE``."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg.startswith("-v") and not arg.startswith("--"):
            out.append("--verbose=" + arg[2:])
        elif arg in _OPTIONAL_VALUE_OPTIONS:
            out.append(arg + "=")
        else:
            out.append(arg)
    return out


def _options(version: str) -> list[click.Parameter]:
    def show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            click.echo(version)
            ctx.exit(0)

    def flag(decl: str, help_text: str) -> click.Option:
        return click.Option([decl, _PREFIX + decl[2:].replace("-", "_")], is_flag=True,
                            help=help_text)

    def value(decl: str, metavar: str, help_text: str, multiple: bool = False) -> click.Option:
        return click.Option([decl, _PREFIX + decl[2:].replace("-", "_")], metavar=metavar,
                            multiple=multiple, help=help_text)

    return [
        flag("--detach", "run in background as daemon"),
        flag("--no-chdir", "do not chdir to '/'"),
        flag("--monitor", "accepted for compatibility; runs without a monitor process"),
        value("--pidfile", "[=FILE]", "create pidfile (default: $OVS_RUNDIR/NAME.pid)"),
        flag("--overwrite-pidfile", "with --pidfile, start even if already running"),
        value("--log-file", "[=FILE]", "enable logging to FILE (default: $OVS_LOGDIR/NAME.log)"),
        value("--unixctl", "SOCKET", "override default control socket name"),
        value("--verbose", "[=SPEC]",
              "set logging levels (-vSPEC); -v alone sets maximum verbosity", multiple=True),
        value("--syslog-method", "METHOD", "accepted for compatibility (no syslog output)"),
        value("--syslog-target", "HOST:PORT", "accepted for compatibility (no syslog output)"),
        click.Option(["-V", "--version", _PREFIX + "version"], is_flag=True, expose_value=False,
                     is_eager=True, callback=show_version, help="display version information"),
    ]


def _build(name: str, version: str, kwargs: dict[str, Any]) -> DaemonOptions:
    mine = {k[len(_PREFIX):]: kwargs.pop(k) for k in list(kwargs) if k.startswith(_PREFIX)}
    return DaemonOptions(
        name=name,
        version=version,
        detach=mine["detach"],
        no_chdir=mine["no_chdir"],
        monitor=mine["monitor"],
        pidfile=mine["pidfile"],
        overwrite_pidfile=mine["overwrite_pidfile"],
        log_file=mine["log_file"],
        unixctl=mine["unixctl"],
        verbose=tuple(mine["verbose"]),
    )


def daemon_options(
    name: str, version: str | None = None
) -> Callable[[click.Command], click.Command]:
    """Decorate a click command (above ``@click.command``) with daemon options."""
    text = version or default_version(name)

    def decorate(command: click.Command) -> click.Command:
        command.params.extend(_options(text))
        command.context_settings.setdefault("help_option_names", ["-h", "--help"])
        original_parse = command.parse_args
        original_callback = command.callback

        def parse_args(ctx: click.Context, args: list[str]) -> list[str]:
            return original_parse(ctx, normalize_argv(args))

        def callback(**kwargs: Any) -> Any:
            options = _build(name, text, kwargs)
            for spec in options.verbose:
                try:
                    parse_spec(spec)
                except VlogSpecError as e:
                    print(f'{name}: processing "{spec}": {e}', file=sys.stderr)
                    raise SystemExit(1) from e
            assert original_callback is not None
            return original_callback(daemon=options, **kwargs)

        command.parse_args = parse_args  # type: ignore[method-assign]
        command.callback = callback
        return command

    return decorate
