"""``pyovn ovsdb-tool``: OVS's ovsdb-tool for standalone databases.

Options are parsed as OVS's getopt does (anywhere on the line, ``-mm``
bundles, ``--opt=value``), because scripts call ``ovsdb-tool show-log -mm
DB`` as often as ``ovsdb-tool -mm show-log DB``.  Every failure prints one
line ``ovsdb-tool: MESSAGE`` on stderr and exits 1; ``db-is-*`` and
``compare-versions`` answer "no" with exit status 2, as OVS's do.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import click

from pyovn import __version__
from pyovn.daemon.errors import VlogSpecError
from pyovn.daemon.paths import logdir
from pyovn.daemon.vlog import Vlog
from pyovn.ovsdb.tool import COMMANDS, PROGRAM, ToolError, ToolOptions, run

USAGE = """\
{prog}: Open vSwitch database management utility (pyovn)
usage: {prog} [OPTIONS] COMMAND [ARG...]
{commands}
The default DB is {db}.
The default SCHEMA is {schema}.

Options:
  -m, --more                  increase show-log verbosity
  --rbac-role=ROLE            RBAC role for transact and query commands
  -vSPEC, --verbose=SPEC      set logging levels
  --log-file[=FILE]           enable logging to specified FILE
  -h, --help                  display this help message
  -V, --version               display version information
"""


class UsageError(Exception):
    pass


@dataclass
class ParsedArgs:
    words: list[str] = field(default_factory=list)
    verbosity: int = 0
    rbac_role: str | None = None
    vlog_specs: list[str] = field(default_factory=list)
    log_file: str | None = None
    help: bool = False
    version: bool = False


_VALUE_OPTIONS = ("--rbac-role", "--cid", "--election-timer")


def _long_option(arg: str, rest: list[str], parsed: ParsedArgs) -> None:
    name, has_value, value = arg.partition("=")
    if name in _VALUE_OPTIONS:
        if not has_value:
            if not rest:
                raise UsageError(f"option '{name}' requires an argument")
            value = rest.pop(0)
        if name == "--rbac-role":
            parsed.rbac_role = value
    elif name == "--more" and not has_value:
        parsed.verbosity += 1
    elif name == "--verbose":
        parsed.vlog_specs.append(value)
    elif name == "--log-file":
        parsed.log_file = value
    elif name == "--help" and not has_value:
        parsed.help = True
    elif name == "--version" and not has_value:
        parsed.version = True
    else:
        raise UsageError(f"unrecognized option '{arg}'")


def _short_options(arg: str, parsed: ParsedArgs) -> None:
    letters = arg[1:]
    while letters:
        letter, letters = letters[0], letters[1:]
        if letter == "m":
            parsed.verbosity += 1
        elif letter == "v":
            parsed.vlog_specs.append(letters)  # the rest of the word is the spec
            return
        elif letter == "h":
            parsed.help = True
        elif letter == "V":
            parsed.version = True
        else:
            raise UsageError(f"invalid option -- '{letter}'")


def parse_args(argv: list[str]) -> ParsedArgs:
    """Split ``argv`` into options and words (command and its arguments)."""
    parsed = ParsedArgs()
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            parsed.words.extend(rest)
            break
        if arg.startswith("--"):
            _long_option(arg, rest, parsed)
        elif arg.startswith("-") and len(arg) > 1:
            _short_options(arg, parsed)
        else:
            parsed.words.append(arg)
    return parsed


def _usage_text(options: ToolOptions) -> str:
    commands = "\n".join(f"  {c.usage}" for c in COMMANDS.values())
    return USAGE.format(
        prog=PROGRAM, commands=commands, db=options.default_db(), schema=options.default_schema()
    )


def _setup_logging(parsed: ParsedArgs) -> Vlog:
    vlog = Vlog(PROGRAM, console=sys.stderr)
    for spec in parsed.vlog_specs:
        vlog.set(spec or "dbg")
    if parsed.log_file is not None:
        vlog.open_log_file(parsed.log_file or os.path.join(logdir(), f"{PROGRAM}.log"))
    vlog.install()
    return vlog


def main(argv: list[str]) -> int:
    vlog: Vlog | None = None
    try:
        parsed = parse_args(argv)
        options = ToolOptions(verbosity=parsed.verbosity, rbac_role=parsed.rbac_role)
        if parsed.help:
            sys.stdout.write(_usage_text(options))
            return 0
        if parsed.version:
            sys.stdout.write(f"{PROGRAM} (pyovn) {__version__}\n")
            return 0
        vlog = _setup_logging(parsed)
        if not parsed.words:
            raise ToolError("missing command name; use --help for help")
        return run(parsed.words[0], parsed.words[1:], options, sys.stdout)
    except (ToolError, UsageError, VlogSpecError) as err:
        sys.stdout.flush()
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 1
    except OSError as err:  # e.g. a log file that cannot be opened
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 1
    except Exception as err:  # noqa: BLE001 - a bug still gets one line, not a traceback
        sys.stderr.write(f"{PROGRAM}: internal error: {type(err).__name__}: {err}\n")
        return 1
    finally:
        if vlog is not None:
            vlog.uninstall()


@click.command(
    name="ovsdb-tool",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
    add_help_option=False,
)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def command(argv: tuple[str, ...]) -> None:
    """Open vSwitch database management utility (standalone databases)."""
    sys.exit(main(list(argv)))
