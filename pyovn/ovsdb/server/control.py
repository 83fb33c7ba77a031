"""Start-up and unixctl commands of `pyovn ovsdb-server`.

Kept apart from the option parsing in `pyovn.cli.ovsdb_server` so that the
CLI module stays cheap to import.
"""

from __future__ import annotations

import gc
import logging

from pyovn.daemon import Daemon, DaemonError, UnixctlError
from pyovn.ovsdb.server import OvsdbServer, RemoteError
from pyovn.ovsdb.server.loader import LoadError, open_database, server_database
from pyovn.ovsdb.server.maintenance import compact, start_compaction_timer
from pyovn.ovsdb.server.served_db import ServedDatabase

log = logging.getLogger("pyovn.ovsdb_server")


async def start_server(files: list[str], remotes: tuple[str, ...], max_backlog: int,
                       history_commits: int) -> OvsdbServer:
    server = OvsdbServer(max_backlog=max_backlog)
    served = []
    for path in files:
        try:
            sdb = open_database(path, history_commits=history_commits)
        except LoadError as exc:
            raise DaemonError(str(exc)) from None
        if sdb.name in server.dbs:
            raise DaemonError(f"{path}: duplicate database name {sdb.name}")
        server.add_database(sdb)
        served.append(sdb)
    server.add_database(server_database(served))
    for remote in remotes:
        if remote.startswith("db:"):
            log.warning("%s: remotes read from the database are not supported; ignored",
                        remote)
            continue
        try:
            await server.add_remote(remote)
        except RemoteError as exc:
            raise DaemonError(str(exc)) from None
    start_compaction_timer(server)
    # The loaded rows live as long as the server: keep the cyclic collector
    # from rescanning them, and let it run less often on the commit path,
    # which allocates many short-lived acyclic objects.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    return server


def register_commands(d: Daemon, server: OvsdbServer) -> None:
    def storage_failed(sdb: ServedDatabase, exc: Exception) -> None:
        # Commits waiting for this fsync can never be acknowledged: stop, so
        # clients reconnect to a restarted server that replays the file.
        log.error("%s: storage failure, exiting: %s", sdb.name, exc)
        d.request_exit()

    for sdb in server.dbs.values():
        sdb.on_storage_error = storage_failed
    async def add_remote(args: list[str]) -> str:
        try:
            await server.add_remote(args[0])
        except RemoteError as exc:
            raise UnixctlError(str(exc)) from None
        return ""

    async def remove_remote(args: list[str]) -> str:
        try:
            await server.remove_remote(args[0])
        except RemoteError:
            raise UnixctlError("no such remote") from None
        return ""

    def list_remotes(args: list[str]) -> str:
        return "".join(f"{r}\n" for r in server.list_remotes())

    def list_dbs(args: list[str]) -> str:
        return "".join(f"{name}\n" for name in sorted(server.dbs))

    async def compact_cmd(args: list[str]) -> str:
        names = args or [n for n, sdb in server.dbs.items() if sdb.storage is not None]
        for name in names:
            sdb = server.dbs.get(name)
            if sdb is None:
                raise UnixctlError("no database by that name")
            if sdb.storage is None:
                continue
            log.info("compacting %s database by user request", name)
            try:
                await compact(sdb)
            except Exception as exc:  # noqa: BLE001 - reported to the operator
                raise UnixctlError(f"compaction of {name} failed: {exc}") from None
        return ""

    d.register_command("ovsdb-server/add-remote", add_remote, "REMOTE", 1, 1)
    d.register_command("ovsdb-server/remove-remote", remove_remote, "REMOTE", 1, 1)
    d.register_command("ovsdb-server/list-remotes", list_remotes)
    d.register_command("ovsdb-server/list-dbs", list_dbs)
    d.register_command("ovsdb-server/compact", compact_cmd, "[DB...]", 0, 100)
    d.add_memory_reporter(lambda: _memory(server))


def _memory(server: OvsdbServer) -> dict[str, int]:
    return {
        "sessions": len(server.sessions),
        "monitors": sum(len(sdb.hub) for sdb in server.dbs.values()),
        "cells": sum(
            len(t) for sdb in server.dbs.values() for t in sdb.db.tables.values()
        ),
    }
