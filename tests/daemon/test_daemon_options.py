"""Daemon options on a click command, with getopt's optional-argument rules."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pyovn.daemon import DaemonOptions, daemon_options, normalize_argv


def test_normalize_argv() -> None:
    assert normalize_argv(["-v", "-vconsole:off", "--verbose", "--verbose=x", "db"]) == [
        "--verbose=", "--verbose=console:off", "--verbose=", "--verbose=x", "db",
    ]
    assert normalize_argv(["--pidfile", "--log-file", "--pidfile=p", "--detach"]) == [
        "--pidfile=", "--log-file=", "--pidfile=p", "--detach",
    ]
    assert normalize_argv(["--", "-v", "--pidfile"]) == ["--", "-v", "--pidfile"]


def test_defaults() -> None:
    options = DaemonOptions.parse("ovsdb-server", [])
    assert options == DaemonOptions(name="ovsdb-server", version="ovsdb-server (pyovn) 0.1.0")
    assert options.pidfile is None and options.log_file is None and options.unixctl is None


def test_all_options() -> None:
    options = DaemonOptions.parse("ovn-northd", [
        "--detach", "--no-chdir", "--monitor", "--pidfile", "--overwrite-pidfile",
        "--log-file=/tmp/x.log", "--unixctl=ctl",
        "-v", "-vconsole:off", "--verbose=jsonrpc:file:dbg",
        "--syslog-method=unix:/dev/log", "--syslog-target=1.2.3.4:514",
    ])
    assert options == DaemonOptions(
        name="ovn-northd",
        detach=True,
        no_chdir=True,
        monitor=True,
        pidfile="",
        overwrite_pidfile=True,
        log_file="/tmp/x.log",
        unixctl="ctl",
        verbose=("", "console:off", "jsonrpc:file:dbg"),
    )


def test_pidfile_with_value_and_log_file_default() -> None:
    options = DaemonOptions.parse("x", ["--pidfile=run/x.pid", "--log-file"])
    assert options.pidfile == "run/x.pid" and options.log_file == ""


@daemon_options("pyovn-testcmd")
@click.command()
@click.option("--remote", multiple=True)
@click.argument("databases", nargs=-1)
def sample(remote: tuple[str, ...], databases: tuple[str, ...], daemon: DaemonOptions) -> None:
    click.echo(f"remote={list(remote)} dbs={list(databases)} v={list(daemon.verbose)} "
               f"pidfile={daemon.pidfile!r} log={daemon.log_file!r}")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(sample, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_optional_values_never_take_the_next_word() -> None:
    code, out, _ = run("-v", "nb.db", "--pidfile", "sb.db", "--log-file", "--remote", "punix:x")
    assert code == 0
    assert out == "remote=['punix:x'] dbs=['nb.db', 'sb.db'] v=[''] pidfile='' log=''\n"


def test_attached_short_and_long_verbose() -> None:
    code, out, _ = run("-vconsole:off", "--verbose=file:info", "-vjsonrpc:file:dbg", "db")
    assert code == 0
    assert "dbs=['db'] v=['console:off', 'file:info', 'jsonrpc:file:dbg']" in out


def test_bad_verbose_spec_is_one_line_exit_1() -> None:
    code, out, err = run("-vconsole:file")
    assert code == 1 and out == ""
    assert err == 'pyovn-testcmd: processing "console:file": cannot specify multiple destinations\n'


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag: str) -> None:
    code, out, _ = run(flag)
    assert (code, out) == (0, "pyovn-testcmd (pyovn) 0.1.0\n")


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_lists_daemon_and_logging_options(flag: str) -> None:
    code, out, _ = run(flag)
    assert code == 0
    for option in ("--detach", "--pidfile", "--log-file", "--unixctl", "--no-chdir",
                   "--verbose", "--overwrite-pidfile", "--monitor", "--remote"):
        assert option in out


def test_custom_version_text() -> None:
    @daemon_options("ovn-northd", version="ovn-northd 23.03.1 (pyovn)")
    @click.command()
    def cmd(daemon: DaemonOptions) -> None:
        click.echo(daemon.version)

    assert CliRunner().invoke(cmd, []).stdout == "ovn-northd 23.03.1 (pyovn)\n"
    assert CliRunner().invoke(cmd, ["-V"]).stdout == "ovn-northd 23.03.1 (pyovn)\n"
