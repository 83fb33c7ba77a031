"""Bounded transaction history for fast resync (monitor_cond_since).

Theory of operation: every commit a database makes gets a transaction id
and is kept here, oldest first, until the history holds more than
`max_commits` commits or `max_rows` row changes. A client that reconnects
with the id of the last transaction it saw gets only what changed since:
`since(txn_id)` folds the later commits into one commit (each row keeps its
first old and last new image) which the monitor code turns into one update.
Unknown or evicted ids return None and the client gets everything.

Transaction ids are derived from the records' SHA-1 digests, chained, so a
server restarted on the same file rebuilds the same ids from its last
records and a client reconnecting across a restart still gets a difference.
ovsdb-server 3.1 keeps such a history only for clustered databases.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import deque
from typing import Any

ZERO_TXN_ID = uuid.UUID(int=0)


def next_txn_id(previous: uuid.UUID, record_sha1: str) -> uuid.UUID:
    """The id of the transaction whose file record has digest `record_sha1`."""
    digest = hashlib.sha1(previous.bytes + record_sha1.encode()).digest()
    # As uuid.UUID(bytes=digest[:16], version=4), without its Python __init__.
    value = (int.from_bytes(digest[:16], "big") & _V4_CLEAR) | _V4_SET
    u = object.__new__(uuid.UUID)
    object.__setattr__(u, "int", value)
    object.__setattr__(u, "is_safe", uuid.SafeUUID.unknown)
    return u


_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


def _size(commit: Any) -> int:
    return sum(len(rows) for rows in commit.changes.values())


class History:
    """The last commits of one database, by transaction id."""

    def __init__(self, max_commits: int = 10_000, max_rows: int = 1_000_000) -> None:
        self.max_commits = max_commits
        self.max_rows = max_rows
        self._entries: deque[tuple[uuid.UUID, Any, int]] = deque()
        self._position: dict[uuid.UUID, int] = {}  # txn id -> absolute position
        self._first = 0  # absolute position of _entries[0]
        self._rows = 0
        # The state just before the oldest kept commit: a client there needs
        # exactly the kept commits. None while that state has no id.
        self._boundary: uuid.UUID | None = None
        self.last_txn_id = ZERO_TXN_ID

    def __len__(self) -> int:
        return len(self._entries)

    def reset(self, last_txn_id: uuid.UUID) -> None:
        """Forget every commit; the current state is `last_txn_id`."""
        self._entries.clear()
        self._position.clear()
        self._rows = 0
        self._boundary = last_txn_id
        self.last_txn_id = last_txn_id

    def add(self, txn_id: uuid.UUID, commit: Any) -> None:
        """Remember `commit`, made as transaction `txn_id`, after the others."""
        size = _size(commit)
        self._position[txn_id] = self._first + len(self._entries)
        self._entries.append((txn_id, commit, size))
        self._rows += size
        self.last_txn_id = txn_id
        while len(self._entries) > 1 and (
            len(self._entries) > self.max_commits or self._rows > self.max_rows
        ):
            old_id, _, old_size = self._entries.popleft()
            self._rows -= old_size
            self._first += 1
            del self._position[old_id]
            self._boundary = old_id

    def since(self, txn_id: uuid.UUID) -> list[Any] | None:
        """Commits after `txn_id`, oldest first; None if it is unknown."""
        if txn_id == ZERO_TXN_ID:
            return None  # the client has nothing: send everything
        if txn_id == self.last_txn_id:
            return []
        if txn_id == self._boundary:
            start = 0
        else:
            position = self._position.get(txn_id)
            if position is None:
                return None
            start = position + 1 - self._first
        entries = self._entries
        return [entries[i][1] for i in range(start, len(entries))]
