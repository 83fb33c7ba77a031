"""Compaction of served databases: on request and by ovsdb-server's rule.

Compaction replaces a file by a snapshot of the database. It runs between
fsync rounds (never while one is in flight, since it swaps the descriptor
the round syncs); the history of recent transactions stays in memory, so
clients resyncing keep getting differences.
"""

from __future__ import annotations

import asyncio
import logging
import time

from pyovn.ovsdb.server.served_db import ServedDatabase
from pyovn.ovsdb.server.server import OvsdbServer
from pyovn.ovsdb.storage.replay import online_snapshot

log = logging.getLogger("pyovn.ovsdb_server")

CHECK_INTERVAL = 10.0  # seconds between checks of the compaction rule


async def compact(sdb: ServedDatabase) -> None:
    """Compact now, between fsync rounds (pending commits are flushed first)."""
    assert sdb.storage is not None
    while sdb.syncing:
        await asyncio.sleep(0.001)
    sdb.flush_now()
    # The snapshot carries _date and _comment as ovsdb-server's online compaction writes them.
    sdb.storage.compact(online_snapshot(sdb.db, int(time.time() * 1000)))


def start_compaction_timer(server: OvsdbServer) -> asyncio.Task[None]:
    async def loop() -> None:
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            for sdb in list(server.dbs.values()):
                storage = sdb.storage
                if storage is None or not storage.compaction_due():
                    continue
                log.info("%s: compacting database online", sdb.name)
                try:
                    await compact(sdb)
                except Exception as exc:  # noqa: BLE001 - keep serving on failure
                    log.warning("%s: compaction failed: %s", sdb.name, exc)

    return asyncio.get_running_loop().create_task(loop())
