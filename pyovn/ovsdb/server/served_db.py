"""One database as the server serves it: commits, durability, history, monitors.

Theory of operation: a transaction executes against the in-memory database
(`pyovn.ovsdb.transaction.execute`, pure) and its commit is applied at once,
so the next transaction sees it. Its record is appended to the file without
waiting; one fsync, queued behind the requests the event loop is handling,
then covers every record appended so far (group commit), so throughput does
not pay one fsync per transaction. When the fsync returns, the commits it
covered are published in order: first the monitor updates (composed once
per distinct request by the `MonitorHub`), then the callbacks waiting for
that commit, which send the replies. Nothing is announced before it is on
disk. The JSON the file record and the updates shared through the commit's
row changes is dropped once it is published (history keeps the commit). A
database without storage (`_Server`, tests) is durable at once.

Each commit gets a sequence number (`seq`, per process) and a transaction
id (`History`), the one clients see in update3 and monitor_cond_since.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pyovn.ovsdb.server.engine import release
from pyovn.ovsdb.server.fanout import MonitorHub
from pyovn.ovsdb.server.history import History, next_txn_id

log = logging.getLogger("pyovn.ovsdb_server")

Callback = Callable[[], None]


class ServedDatabase:
    """A database, its storage (or None) and everything that watches it."""

    def __init__(
        self,
        name: str,
        db: Any,
        storage: Any | None,
        history: History,
        compose: Callable[[Any, Any, int], Any],
        read_only: bool = False,
    ) -> None:
        self.name = name
        self.db = db
        self.schema = db.schema
        self.storage = storage
        self.history = history
        self.hub = MonitorHub(compose)
        self.read_only = read_only
        self.seq = 0
        self.durable_seq = 0
        self.triggers: list[Any] = []  # blocked "wait" transactions
        # Serialised initial contents by (request, version), valid at one seq.
        self.initial_cache: dict[tuple[Any, int], bytes] = {}
        self.initial_cache_seq = -1
        self._unannounced: deque[tuple[int, Any, uuid.UUID]] = deque()
        self._waiters: deque[tuple[int, Callback]] = deque()
        self._syncing = False
        self.on_commit: Callable[[ServedDatabase], None] | None = None
        self.batch: Callable[[], AbstractContextManager[None]] = nullcontext
        self.on_storage_error: Callable[[ServedDatabase, Exception], None] | None = None

    @property
    def syncing(self) -> bool:
        return self._syncing

    @property
    def last_txn_id(self) -> uuid.UUID:
        return self.history.last_txn_id

    # --- committing -------------------------------------------------------

    def commit(self, commit: Any, record: dict[str, Any] | None) -> int:
        """Apply `commit` now and queue its file `record`; its sequence number."""
        self.db.apply(commit)
        if self.storage is not None and record is not None:
            written = self.storage.append(record, durable=False)
            txn_id = next_txn_id(self.history.last_txn_id, written.sha1)
        else:
            txn_id = uuid.uuid4()
        self.history.add(txn_id, commit)
        self.seq += 1
        self._unannounced.append((self.seq, commit, txn_id))
        if self.storage is None:
            self._announce(self.seq)
        elif not self._syncing:
            self._syncing = True
            asyncio.get_running_loop().call_soon(self._sync_round)
        if self.on_commit is not None:
            self.on_commit(self)
        return self.seq

    def when_durable(self, seq: int, callback: Callback) -> None:
        """Call `callback` once commit `seq` (and all before it) is on disk."""
        if seq <= self.durable_seq:
            callback()
        else:
            self._waiters.append((seq, callback))

    def when_current_durable(self, callback: Callback) -> None:
        """Call `callback` once everything applied so far is on disk."""
        self.when_durable(self.seq, callback)

    def _sync_round(self) -> None:
        """One fsync covering every record appended so far, then announce.

        Runs as a loop callback queued by the first commit after the last
        round: by then the loop has handled every request that arrived in
        the same iteration, so one fsync covers them all (group commit). The
        fsync blocks the loop briefly; a worker thread would add more
        latency than it saves on these machines.
        """
        self._syncing = False
        target = self.seq
        if self.durable_seq >= target:
            return
        try:
            self.storage.sync()  # type: ignore[union-attr]
        except Exception as exc:  # noqa: BLE001 - reported, then fatal
            log.error("%s: cannot sync database file: %s", self.name, exc)
            if self.on_storage_error is not None:
                self.on_storage_error(self, exc)
            return
        self._announce(target)

    def _announce(self, upto: int) -> None:
        """Commits up to `upto` are durable: updates first, then replies."""
        with self.batch():
            self._announce_now(upto)

    def _announce_now(self, upto: int) -> None:
        waiters = self._waiters
        unannounced = self._unannounced
        while unannounced and unannounced[0][0] <= upto:
            seq, commit, txn_id = unannounced.popleft()
            self.durable_seq = seq
            if len(self.hub):
                self.hub.publish(commit, seq, str(txn_id))
            release(commit)
            while waiters and waiters[0][0] <= seq:
                waiters.popleft()[1]()
        self.durable_seq = max(self.durable_seq, upto)
        while waiters and waiters[0][0] <= self.durable_seq:
            waiters.popleft()[1]()

    # --- maintenance --------------------------------------------------------

    def flush_now(self) -> None:
        """Synchronously make everything durable (shutdown, compaction)."""
        if self.storage is not None and self.durable_seq < self.seq:
            self.storage.sync()
            self._announce(self.seq)

    def close(self) -> None:
        if self.storage is not None:
            try:
                self.flush_now()
            except Exception as exc:  # noqa: BLE001 - shutting down anyway
                log.error("%s: cannot sync database file at exit: %s", self.name, exc)
            finally:
                self.storage.close()
