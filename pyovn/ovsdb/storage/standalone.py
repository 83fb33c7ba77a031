"""The standalone database file: open, replay, append, fsync, compact.

This is the I/O shell around ``records`` (framing) and ``compaction``
(when to compact); see ``pyovn.ovsdb.storage`` for the theory of operation.
"""

from __future__ import annotations

import bisect
import logging
import os
import random
import time
from collections.abc import Callable
from typing import Any

from pyovn.ovsdb.storage import lockfile
from pyovn.ovsdb.storage.compaction import (
    OVSDB_SERVER_POLICY,
    CompactionPolicy,
    LogGrowth,
    compaction_due,
    next_window,
)
from pyovn.ovsdb.storage.errors import StorageError, StorageFormatError, StorageIOError
from pyovn.ovsdb.storage.records import (
    CLUSTER_MAGIC,
    MAX_HEADER_LENGTH,
    LogRecord,
    TornTail,
    encode_record,
    read_record,
    scan_records,
)

log = logging.getLogger("pyovn.ovsdb.storage")


def monotonic_ms() -> int:
    return int(time.monotonic() * 1000)


def _io_error(path: str, what: str, err: OSError) -> StorageIOError:
    return StorageIOError(path, f"{what} failed ({err.strerror})")


def fsync_directory(path: str) -> None:
    """Make a new or renamed directory entry of ``path`` durable."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset``: one system call, not lseek + write."""
    n = os.pwrite(fd, data, offset)
    while n < len(data):  # short writes are rare (signals, a full disk)
        n += os.pwrite(fd, memoryview(data)[n:], offset + n)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 22):
        chunks.append(chunk)
    return b"".join(chunks)


class StandaloneStorage:
    """One database file in OVS's standalone format, open for reading or writing.

    Build with ``create`` or ``open``.  Not thread-safe: one thread appends,
    syncs, compacts and closes.  A record appended with ``durable=False`` is
    held in memory until the next ``sync`` (or ``compact``, ``close``), which
    writes every held record in one system call before the fsync: a server
    committing many transactions per fsync round pays one write, not one per
    transaction.  Held records are not acknowledged, so a crash losing them
    loses nothing a client was told.
    """

    def __init__(
        self,
        path: str,
        fd: int,
        lock: lockfile.LockFile | None,
        schema_json: dict[str, Any],
        replay: list[LogRecord],
        size: int,
        base_size: int,
        clock: Callable[[], int],
        policy: CompactionPolicy,
    ) -> None:
        self.path = path
        self.schema_json = schema_json
        self.policy = policy
        self._fd: int | None = fd
        self._lock = lock
        self._replay: list[LogRecord] | None = replay
        # (offset, sha1) of each replayed record, so discard_from can find
        # what remains without keeping the records' JSON alive.
        self._replayed = [(r.offset, r.sha1) for r in replay]
        self._size = size  # the file's size once every held record is written
        self._written = size  # bytes actually written to the file
        self._held: list[bytes] = []  # records appended but not yet written
        self._base_size = base_size
        self._records = len(replay)  # transaction records since the base
        self._n_records = len(replay) + 1  # every record in the file, schema included
        self._clock = clock
        self._window = next_window(clock(), random.random(), policy=policy)
        self.last_sha1: str | None = replay[-1].sha1 if replay else None

    # ---- construction -------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str,
        schema_json: dict[str, Any],
        *,
        clock: Callable[[], int] = monotonic_ms,
        policy: CompactionPolicy = OVSDB_SERVER_POLICY,
    ) -> StandaloneStorage:
        """Create a new database file holding only ``schema_json`` (fails if it exists)."""
        lock = lockfile.acquire(path)
        try:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            except OSError as err:
                raise _io_error(path, "create", err) from err
            try:
                data, _ = encode_record(schema_json)
                _write_all(fd, data)
                os.fsync(fd)
                fsync_directory(path)
            except OSError as err:
                os.close(fd)
                os.unlink(path)
                raise _io_error(path, "write", err) from err
        except BaseException:
            lock.release()
            raise
        size = len(data)
        return cls(path, fd, lock, schema_json, [], size, size, clock, policy)

    @classmethod
    def open(
        cls,
        path: str,
        *,
        read_only: bool = False,
        clock: Callable[[], int] = monotonic_ms,
        policy: CompactionPolicy = OVSDB_SERVER_POLICY,
    ) -> StandaloneStorage:
        """Open an existing file, dropping a torn or corrupt tail with a warning.

        Read-only opens take no lock and leave the file untouched; read-write
        opens lock it and truncate the bad tail so appends follow good data.
        """
        lock = None if read_only else lockfile.acquire(path)
        try:
            flags = (os.O_RDONLY if read_only else os.O_RDWR) | os.O_CLOEXEC
            try:
                fd = os.open(path, flags)
            except OSError as err:
                raise _io_error(path, "open", err) from err
            try:
                return cls._load(path, fd, lock, read_only, clock, policy)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    @classmethod
    def _load(
        cls,
        path: str,
        fd: int,
        lock: lockfile.LockFile | None,
        read_only: bool,
        clock: Callable[[], int],
        policy: CompactionPolicy,
    ) -> StandaloneStorage:
        try:
            data = _read_all(fd)
        except OSError as err:
            raise _io_error(path, "read", err) from err
        scan = scan_records(data)
        if not scan.records:
            raise _no_schema_error(path, data, scan.tail)
        if scan.tail is not None:
            _drop_tail(path, fd, scan.tail, len(data), read_only)
        schema, *transactions = scan.records
        # Like OVS, the base is the size after the first transaction record,
        # which is the snapshot when the file was last compacted.
        base = transactions[0].end if transactions else schema.end
        return cls(path, fd, lock, schema.json, transactions, scan.good_end, base, clock, policy)

    # ---- reading ------------------------------------------------------

    def take_replay(self) -> list[LogRecord]:
        """The transaction records read at open, oldest first (once; then empty)."""
        replay, self._replay = self._replay or [], None
        return replay

    def discard_from(self, record: LogRecord, reason: str) -> None:
        """Drop ``record`` and all after it, e.g. when it cannot be applied.

        Only valid before the first append.
        """
        log.warning(
            "db=%s offset=%d: %s; discarding %d bytes from here",
            self.path, record.offset, reason, self._size - record.offset,
        )
        if self._lock is not None:
            self._truncate(record.offset)
        self._size = self._written = record.offset
        kept = bisect.bisect_left(self._replayed, (record.offset, ""))
        dropped = len(self._replayed) - kept
        del self._replayed[kept:]
        self._records -= dropped
        self._n_records -= dropped
        self.last_sha1 = self._replayed[-1][1] if self._replayed else None

    def _truncate(self, offset: int) -> None:
        fd = self._require_fd()
        try:
            os.ftruncate(fd, offset)
            os.fsync(fd)
        except OSError as err:
            raise _io_error(self.path, "truncate", err) from err

    # ---- writing ------------------------------------------------------

    def append(self, record: dict[str, Any], *, durable: bool = True) -> LogRecord:
        """Write one transaction record; with ``durable``, fsync before returning."""
        self._require_writable()
        data, digest = encode_record(record)
        offset = self._size
        self._held.append(data)
        self._size = offset + len(data)
        self._records += 1
        self._n_records += 1
        written = LogRecord(offset, self._size, digest, record)
        self.last_sha1 = digest
        if durable:
            self.sync()
        return written

    def _write_held(self) -> None:
        """Write the held records at the end of the file, in one system call."""
        if not self._held:
            return
        fd = self._require_writable()
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held = []
        offset = self._written
        try:
            _pwrite_all(fd, data, offset)
        except OSError as err:
            # Never leave a partial record behind a good one.
            try:
                os.ftruncate(fd, offset)
            except OSError:
                pass
            self._size = offset
            raise _io_error(self.path, "write", err) from err
        self._written = offset + len(data)

    def sync(self) -> None:
        """Make everything appended so far durable (one write, one fsync)."""
        fd = self._require_fd()
        self._write_held()
        try:
            os.fdatasync(fd)
        except OSError as err:
            raise _io_error(self.path, "fsync", err) from err

    # ---- compaction ---------------------------------------------------

    def compaction_due(self, now_ms: int | None = None) -> bool:
        """Whether ovsdb-server's rule says to compact now."""
        now = self._clock() if now_ms is None else now_ms
        growth = LogGrowth(self._records, self._size, self._base_size)
        return compaction_due(growth, self._window, now, self.policy)

    def compact(
        self, snapshot: dict[str, Any] | None, schema_json: dict[str, Any] | None = None
    ) -> None:
        """Atomically replace the file by the schema and one snapshot record.

        ``schema_json`` replaces the schema too (database conversion).
        Written to ``NAME.tmp``, fsynced, renamed over the file, then the
        directory is fsynced: a crash leaves either the old or the new file.
        """
        self._write_held()  # the old file stays whole should compaction fail
        fd = self._require_writable()
        schema = self.schema_json if schema_json is None else schema_json
        try:
            new_fd, size, last = write_snapshot_file(self.path, schema, snapshot)
        except StorageError:
            now = self._clock()
            self._window = next_window(now, random.random(), retry=True, policy=self.policy)
            raise
        os.close(fd)
        self._fd = new_fd
        self.schema_json = schema
        self._size = self._written = self._base_size = size
        self._records = 0
        self._n_records = 2 if snapshot is not None else 1
        self._replayed = []
        self.last_sha1 = last.sha1 if last is not None else None
        self._window = next_window(self._clock(), random.random(), policy=self.policy)

    # ---- state --------------------------------------------------------

    @property
    def size(self) -> int:
        return self._size

    @property
    def n_records(self) -> int:
        """Records in the file, the schema record included."""
        return self._n_records

    @property
    def read_only(self) -> bool:
        return self._lock is None

    def close(self) -> None:
        """Close the file; held records are written first (but not fsynced)."""
        if self._fd is not None and self._lock is not None:
            try:
                self._write_held()
            finally:
                self._held = []
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> StandaloneStorage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_fd(self) -> int:
        if self._fd is None:
            raise StorageIOError(self.path, "storage is closed")
        return self._fd

    def _require_writable(self) -> int:
        fd = self._require_fd()
        if self._lock is None:
            raise StorageIOError(self.path, "database is open read-only")
        return fd


def read_schema_json(path: str) -> dict[str, Any]:
    """The schema record of a standalone file, reading nothing after it."""
    try:
        with open(path, "rb") as f:
            head = f.read(MAX_HEADER_LENGTH)
            if not head:
                raise StorageFormatError(path, "database file is empty (no schema record)", 0)
            newline = head.find(b"\n")
            length = _header_length(head[:newline]) if newline > 0 else 0
            data = head + f.read(max(0, newline + 1 + length - len(head)))
    except OSError as err:
        raise _io_error(path, "open", err) from err
    item = read_record(data, 0)
    if isinstance(item, TornTail):
        raise _no_schema_error(path, data, item)
    return item.json


def _no_schema_error(path: str, data: bytes, tail: TornTail | None) -> StorageFormatError:
    if not data:
        return StorageFormatError(path, "database file is empty (no schema record)", 0)
    if data.startswith(CLUSTER_MAGIC):
        return StorageFormatError(
            path, "cannot apply this operation to clustered database file", 0
        )
    reason = tail.reason if tail else "no schema record"
    return StorageFormatError(path, f"bad schema record at offset 0: {reason}", 0)


def _header_length(line: bytes) -> int:
    fields = line.split(b" ")
    return int(fields[2]) if len(fields) == 4 and fields[2].isdigit() else 0


def _drop_tail(path: str, fd: int, tail: TornTail, size: int, read_only: bool) -> None:
    log.warning(
        "db=%s offset=%d: %s; %s %d bytes of torn or corrupt tail",
        path, tail.offset, tail.reason,
        "ignoring" if read_only else "truncating", size - tail.offset,
    )
    if read_only:
        return
    try:
        os.ftruncate(fd, tail.offset)
        os.fsync(fd)
    except OSError as err:
        raise _io_error(path, "truncate", err) from err


def write_snapshot_file(
    path: str, schema_json: dict[str, Any], snapshot: dict[str, Any] | None
) -> tuple[int, int, LogRecord | None]:
    """Replace ``path`` atomically by schema + snapshot; return (fd, size, snapshot record).

    The returned descriptor is open read-write on the new file.
    """
    target = os.path.realpath(path)
    tmp = target + ".tmp"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise StorageIOError(path, f"failed to remove {tmp} ({err.strerror})") from err
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as err:
        raise _io_error(tmp, "create", err) from err
    try:
        schema_bytes, _ = encode_record(schema_json)
        data = schema_bytes
        last = None
        if snapshot is not None:
            snap_bytes, digest = encode_record(snapshot)
            end = len(schema_bytes) + len(snap_bytes)
            last = LogRecord(len(schema_bytes), end, digest, snapshot)
            data += snap_bytes
        _write_all(fd, data)
        os.fsync(fd)
        os.rename(tmp, target)
    except OSError as err:
        os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise _io_error(path, "compaction", err) from err
    try:
        fsync_directory(target)
    except OSError as err:
        # The rename happened: the new file is the database now, whatever the
        # directory's durability; carrying on with it is the only sane choice.
        log.warning("db=%s: fsync of directory after compaction failed: %s", path, err.strerror)
    return fd, len(data), last
