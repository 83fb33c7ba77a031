"""OVSDB storage: the standalone file format of ovsdb(5), replay and compaction.

Theory of operation
-------------------
A database lives in memory (``pyovn.ovsdb.database``); storage only makes
its committed transactions survive a restart.  The interface is a log:

* ``open`` reads the schema record and the transaction records after it
  (``take_replay()``), which the caller applies in order to an empty
  database.  A record that cannot be applied is dropped with everything
  after it (``discard_from``), as ovsdb-server does.
* ``append(record, durable=True)`` adds one transaction record (the JSON
  object ``database.commit_to_file_record`` builds) and, when durable,
  fsyncs before returning, so a reply sent afterwards never announces a
  commit a crash could lose.  ``append(..., durable=False)`` holds the
  record in memory; ``sync()`` then writes every held record in one system
  call and fsyncs once, so a server batches many commits into one write and
  one fsync (the OVSDB server does so once per event-loop iteration, see
  ``server/served_db.py``).
* ``compact(snapshot)`` replaces the whole log by the schema and one record
  holding every row (``replay.online_snapshot(db, now_ms)`` builds it as
  ovsdb-server does), and ``compaction_due()`` applies ovsdb-server's rule
  for when to do it (``compaction``).
* ``last_sha1`` is the SHA-1 of the last record written or replayed (and
  kept); it names the database state that record produced.

Anything with that shape can replace the standalone file, a Raft log or an
etcd key range, without touching transactions, monitors or the protocol:
``Storage`` below is the seam.  ``replay`` holds what needs the engine
(``load``, ``replay``, ``online_snapshot``, ``convert``); ``show_log`` and
``ovs_order`` format records exactly as ``ovsdb-tool show-log`` does.

The file format (``records``) is OVS's, byte for byte in framing: a header
``OVSDB JSON <length> <sha1>`` and a JSON object per record, the first one
being the schema.  OVS's ``ovsdb-tool`` and ``ovsdb-server`` read what pyovn
writes, and pyovn reads what they write (both reading full-row records and
the ``_is_diff`` records of OVS 2.15+).

Crashes: records are only ever appended, each write covering whole records,
so a crash leaves the file's good records followed by at most one partial
record.  Opening verifies every record's length, SHA-1 and JSON; at the
first bad one it logs a warning naming the offset and drops the rest of the
file (truncating it when open for writing), so a torn tail never stops a
server.  A bad *schema* record is different: nothing can be recovered
without it, and opening fails with ``StorageFormatError``.  Compaction
writes ``NAME.tmp``, fsyncs it, renames it over the file and fsyncs the
directory, so a crash leaves either the old file or the new one.

Two processes never write one file: writers hold OVS's lock file
``.NAME.~lock~`` (an fcntl lock), the same one ovsdb-server and ovsdb-tool
take, so pyovn and OVS also exclude each other.
"""

from __future__ import annotations

from typing import Any, Protocol

from pyovn.ovsdb.storage.compaction import (
    CompactionPolicy,
    CompactionWindow,
    LogGrowth,
    compaction_due,
    next_window,
)
from pyovn.ovsdb.storage.errors import (
    StorageError,
    StorageFormatError,
    StorageIOError,
    StorageLockedError,
)
from pyovn.ovsdb.storage.records import (
    LogRecord,
    TornTail,
    encode_record,
    scan_records,
)
from pyovn.ovsdb.storage.standalone import StandaloneStorage


class Storage(Protocol):
    """What the server needs from any storage (standalone file, Raft, etcd)."""

    path: str
    schema_json: dict[str, Any]
    last_sha1: str | None

    def take_replay(self) -> list[LogRecord]: ...

    def discard_from(self, record: LogRecord, reason: str) -> None: ...

    def append(self, record: dict[str, Any], *, durable: bool = True) -> LogRecord: ...

    def sync(self) -> None: ...

    def compaction_due(self, now_ms: int | None = None) -> bool: ...

    def compact(
        self, snapshot: dict[str, Any] | None, schema_json: dict[str, Any] | None = None
    ) -> None: ...

    @property
    def read_only(self) -> bool: ...

    def close(self) -> None: ...


def _standalone_is_a_storage(storage: StandaloneStorage) -> Storage:
    return storage  # mypy checks that StandaloneStorage implements the seam


__all__ = [
    "CompactionPolicy",
    "CompactionWindow",
    "LogGrowth",
    "LogRecord",
    "StandaloneStorage",
    "Storage",
    "StorageError",
    "StorageFormatError",
    "StorageIOError",
    "StorageLockedError",
    "TornTail",
    "compaction_due",
    "encode_record",
    "next_window",
    "scan_records",
]
