"""Group commit: many appended records, one fsync, for an asyncio server.

Theory of operation
-------------------
A commit must be on disk before its reply goes out, and an fsync costs
milliseconds while writing a record costs microseconds.  ``GroupCommit``
writes each record at once (so later transactions see the file in commit
order) and then waits for a *sync round*: one ``fsync`` run in a worker
thread that covers every record written before it started.  Records written
while a round is in flight wait for the next round, which starts as soon as
the current one ends.  Under load, a round therefore covers everything that
arrived during the previous one, and the number of fsyncs per second stays
bounded by the disk while throughput grows with the number of clients.

Rounds never overlap, and ``compact`` and ``close`` wait for the round in
flight, because they swap or close the descriptor the worker syncs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pyovn.ovsdb.storage.records import LogRecord
from pyovn.ovsdb.storage.standalone import StandaloneStorage


class GroupCommit:
    """Durable appends for one storage, batched into shared fsync rounds."""

    def __init__(self, storage: StandaloneStorage) -> None:
        self.storage = storage
        self._written = 0  # records written so far
        self._synced = 0  # records known durable
        self._round: asyncio.Future[None] | None = None
        self.rounds = 0  # fsyncs issued, for tests and statistics

    def write(self, record: dict[str, Any]) -> tuple[LogRecord, int]:
        """Write ``record`` now; return it and the ticket to pass to ``wait_durable``."""
        written = self.storage.append(record, durable=False)
        self._written += 1
        return written, self._written

    async def append(self, record: dict[str, Any]) -> LogRecord:
        """Write ``record`` and return once it is durable."""
        written, ticket = self.write(record)
        await self.wait_durable(ticket)
        return written

    async def wait_durable(self, ticket: int) -> None:
        """Return once the record with ``ticket`` (and all before it) is durable."""
        while self._synced < ticket:
            if self._round is None:
                self._round = asyncio.ensure_future(self._sync_round())
            # Shield: one waiter being cancelled must not cancel everyone's fsync.
            await asyncio.shield(self._round)

    async def flush(self) -> None:
        """Make every record written so far durable."""
        await self.wait_durable(self._written)

    async def _sync_round(self) -> None:
        covered = self._written
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.storage.sync)
            self.rounds += 1
            self._synced = max(self._synced, covered)
        finally:
            self._round = None

    async def _quiesce(self) -> None:
        while self._round is not None:
            try:
                await asyncio.shield(self._round)
            except Exception:  # the round's waiters report its error
                pass

    async def compact(
        self, snapshot: dict[str, Any] | None, schema_json: dict[str, Any] | None = None
    ) -> None:
        """Compact once no fsync is in flight; everything written is then durable."""
        await self._quiesce()
        self.storage.compact(snapshot, schema_json)
        self._synced = self._written

    async def close(self) -> None:
        await self._quiesce()
        self.storage.close()
