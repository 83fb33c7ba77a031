"""`pyovn ovsdb-server [options] DB...`: serve OVSDB files like ovsdb-server.

Takes ovsdb-server's options: `--remote` (punix:PATH, ptcp:PORT[:IP], any
number; `db:` remotes and SSL options are accepted and ignored with a
warning), the OVS daemon options (`--detach`, `--pidfile`, `--log-file`,
`--unixctl`, `-v`...), and unixctl commands `ovsdb-server/add-remote`,
`remove-remote`, `list-remotes`, `list-dbs`, `compact`, plus `exit` and
`version` from the daemon framework.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from pyovn.daemon import (
    Daemon,
    DaemonError,
    DaemonOptions,
    UnixctlError,
    daemon_options,
    run_daemon,
)

NAME = "ovsdb-server"
log = logging.getLogger("pyovn.ovsdb_server")


def _default_db() -> str:
    """ovsdb-server's default database: $OVS_DBDIR/conf.db."""
    dbdir = os.environ.get("OVS_DBDIR") or os.path.join(
        os.environ.get("OVS_SYSCONFDIR", "/etc"), "openvswitch"
    )
    return os.path.join(dbdir, "conf.db")


def _ignored(option: str, values: tuple[str, ...] | str | None) -> None:
    if values:
        log.warning("%s is not supported by pyovn ovsdb-server; ignored", option)


@daemon_options(NAME)
@click.command()
@click.option("--remote", "remotes", multiple=True, metavar="REMOTE",
              help="listen on REMOTE: punix:PATH or ptcp:PORT[:IP] (repeatable)")
@click.option("--max-backlog", type=int, default=64 * 1024 * 1024, show_default=True,
              help="drop a client once this many bytes wait for it")
@click.option("--history", "history_commits", type=int, default=10_000, show_default=True,
              help="transactions kept per database for monitor_cond_since")
@click.option("--private-key", default=None, hidden=True)
@click.option("--certificate", default=None, hidden=True)
@click.option("--ca-cert", default=None, hidden=True)
@click.option("--bootstrap-ca-cert", default=None, hidden=True)
@click.option("--ssl-protocols", default=None, hidden=True)
@click.option("--ssl-ciphers", default=None, hidden=True)
@click.option("--disable-file-column-diff", is_flag=True, hidden=True)
@click.option("--run", default=None, hidden=True)
@click.argument("databases", nargs=-1)
def command(
    remotes: tuple[str, ...],
    max_backlog: int,
    history_commits: int,
    private_key: str | None,
    certificate: str | None,
    ca_cert: str | None,
    bootstrap_ca_cert: str | None,
    ssl_protocols: str | None,
    ssl_ciphers: str | None,
    disable_file_column_diff: bool,
    run: str | None,
    databases: tuple[str, ...],
    daemon: DaemonOptions,
) -> None:
    """Serve OVSDB database files over JSON-RPC (RFC 7047), as ovsdb-server."""
    files = list(databases) or [_default_db()]
    for path in files:
        if not os.path.exists(path):
            click.echo(f"{NAME}: {path}: database file does not exist", err=True)
            raise SystemExit(1)

    async def serve(d: Daemon) -> None:
        from pyovn.ovsdb.server.control import register_commands, start_server

        for option, value in (("--private-key", private_key), ("--certificate", certificate),
                              ("--ca-cert", ca_cert), ("--bootstrap-ca-cert", bootstrap_ca_cert),
                              ("--ssl-protocols", ssl_protocols), ("--ssl-ciphers", ssl_ciphers),
                              ("--run", run)):
            _ignored(option, value)
        server = await start_server(files, remotes, max_backlog, history_commits)
        register_commands(d, server)
        log.info("%s", d.options.version)
        d.ready()
        try:
            await d.wait_exit()
        finally:
            await server.close()

    try:
        status = run_daemon(daemon, serve)
    except DaemonError as exc:
        click.echo(f"{NAME}: {exc}", err=True)
        status = 1
    sys.exit(status)


__all__ = ["command", "UnixctlError"]
