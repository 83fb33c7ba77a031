"""The standalone file: create, reopen, torn tails, locks, compaction, group commit."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pyovn.ovsdb.storage import (
    CompactionPolicy,
    StandaloneStorage,
    StorageFormatError,
    StorageIOError,
    StorageLockedError,
    encode_record,
    replay,
    scan_records,
)

DATA = Path(__file__).parent / "data" / "storage"
SCHEMA: dict[str, Any] = {"name": "S", "version": "1.0.0", "tables": {"T": {"columns": {}}}}


def txn(i: int) -> dict[str, Any]:
    return {"_date": 1000 + i, "_is_diff": True, "T": {f"{i:08d}-0000-4000-8000-000000000000": {}}}


def make_db(path: Path, n: int) -> list[int]:
    """A closed database with ``n`` transactions; returns each record's offset."""
    with StandaloneStorage.create(str(path), SCHEMA) as storage:
        return [storage.append(txn(i)).offset for i in range(n)]


def test_create_then_reopen(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 3)
    with StandaloneStorage.open(str(db)) as storage:
        assert storage.schema_json == SCHEMA
        replay = storage.take_replay()
        assert [r.json for r in replay] == [txn(i) for i in range(3)]
        assert storage.take_replay() == []
        assert storage.n_records == 4
        assert storage.last_sha1 == replay[-1].sha1
        assert storage.size == db.stat().st_size


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 0)
    with pytest.raises(StorageIOError, match="create failed"):
        StandaloneStorage.create(str(db), SCHEMA)


def test_open_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StorageIOError, match="open failed"):
        StandaloneStorage.open(str(tmp_path / "nope.db"))


def test_open_ovs_written_file(tmp_path: Path) -> None:
    db = tmp_path / "ovs.db"
    shutil.copy(DATA / "ovs-written.db", db)
    with StandaloneStorage.open(str(db)) as storage:
        assert storage.schema_json["name"] == "StorageTest"
        assert len(storage.take_replay()) == 7


@pytest.mark.parametrize("read_only", [False, True])
def test_torn_tail_at_every_offset(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, read_only: bool
) -> None:
    whole = tmp_path / "whole.db"
    offsets = make_db(whole, 2)
    data = whole.read_bytes()
    last = offsets[-1]
    db = tmp_path / "torn.db"
    for cut in range(last + 1, len(data)):
        db.write_bytes(data[:cut])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="pyovn.ovsdb.storage"):
            storage = StandaloneStorage.open(str(db), read_only=read_only)
        with storage:
            assert [r.json for r in storage.take_replay()] == [txn(0)]
            assert storage.size == last
        assert f"offset={last}" in caplog.text
        # Read-write opens truncate; read-only opens leave the file alone.
        assert db.stat().st_size == (cut if read_only else last)


def test_appends_after_torn_tail_follow_good_data(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 2)
    with db.open("ab") as f:
        f.write(b"OVSDB JSON 99 ")
    with StandaloneStorage.open(str(db)) as storage:
        storage.append(txn(7))
    scan = scan_records(db.read_bytes())
    assert scan.tail is None
    assert [r.json for r in scan.records[1:]] == [txn(0), txn(1), txn(7)]


def test_bad_sha1_in_middle_drops_rest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "a.db"
    offsets = make_db(db, 3)
    data = bytearray(db.read_bytes())
    body_start = data.index(b"\n", offsets[1]) + 1
    data[body_start + 3] ^= 0x01  # flip one bit inside record 2's body
    db.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        with StandaloneStorage.open(str(db)) as storage:
            assert [r.json for r in storage.take_replay()] == [txn(0)]
    assert "SHA-1" in caplog.text
    assert db.stat().st_size == offsets[1]


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    with pytest.raises(StorageFormatError, match="empty"):
        StandaloneStorage.open(str(db))


@pytest.mark.parametrize("damage", ["torn", "sha1", "garbage"])
def test_corrupt_schema_record_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "a.db"
    make_db(db, 1)
    data = bytearray(db.read_bytes())
    if damage == "torn":
        data = data[:30]
    elif damage == "sha1":
        data[data.index(b"\n") + 5] ^= 0x01
    else:
        data = bytearray(b"not a database\n")
    db.write_bytes(bytes(data))
    with pytest.raises(StorageFormatError, match="schema record at offset 0"):
        StandaloneStorage.open(str(db))
    # The file is left alone for the operator to inspect.
    assert db.read_bytes() == bytes(data)


def test_schema_only_file(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 0)
    with StandaloneStorage.open(str(db)) as storage:
        assert storage.take_replay() == []
        assert storage.last_sha1 is None
        assert storage.n_records == 1


def test_writer_lock_excludes_second_writer_not_readers(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 1)
    with StandaloneStorage.open(str(db)):
        with pytest.raises(StorageLockedError, match="failed to lock lockfile"):
            StandaloneStorage.open(str(db))
        with StandaloneStorage.open(str(db), read_only=True) as reader:
            assert len(reader.take_replay()) == 1
            with pytest.raises(StorageIOError, match="read-only"):
                reader.append(txn(1))
    assert (tmp_path / ".a.db.~lock~").exists()
    # Released on close.
    StandaloneStorage.open(str(db)).close()


def test_discard_from_truncates_unapplicable_records(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    offsets = make_db(db, 3)
    with StandaloneStorage.open(str(db)) as storage:
        replay = storage.take_replay()
        storage.discard_from(replay[1], "record does not apply")
        assert storage.last_sha1 == replay[0].sha1
        assert storage.n_records == 2
        assert storage.size == offsets[1]
        storage.append(txn(9))
    assert [r.json for r in scan_records(db.read_bytes()).records[1:]] == [txn(0), txn(9)]
    assert offsets[1] < db.stat().st_size


def test_compact_replaces_file_atomically(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 50)
    snapshot = {"_date": 5, "_comment": "compacting database online", "T": {}}
    with StandaloneStorage.open(str(db)) as storage:
        storage.take_replay()
        storage.compact(snapshot)
        assert storage.size == db.stat().st_size
        assert storage.n_records == 2
        storage.append(txn(51))
    records = scan_records(db.read_bytes()).records
    assert [r.json for r in records] == [SCHEMA, snapshot, txn(51)]
    assert not (tmp_path / "a.db.tmp").exists()


def test_unsynced_appends_reach_the_file_together_at_sync(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 1)
    with StandaloneStorage.open(str(db)) as storage:
        storage.take_replay()
        before = db.stat().st_size
        offsets = [storage.append(txn(i), durable=False).offset for i in range(1, 4)]
        assert db.stat().st_size == before  # held: nothing acknowledged yet
        assert offsets[0] == before
        storage.sync()
        assert db.stat().st_size == storage.size
        storage.append(txn(4), durable=False)
    # Closing writes what is still held, after the synced records.
    records = scan_records(db.read_bytes()).records
    assert [r.json for r in records] == [SCHEMA, *(txn(i) for i in range(5))]
    assert [r.offset for r in records[2:5]] == offsets


def test_compact_after_unsynced_appends(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 2)
    snapshot = {"_date": 5, "T": {}}
    with StandaloneStorage.open(str(db)) as storage:
        storage.take_replay()
        storage.append(txn(2), durable=False)
        storage.compact(snapshot)
        storage.append(txn(3))
        assert storage.size == db.stat().st_size
    records = scan_records(db.read_bytes()).records
    assert [r.json for r in records] == [SCHEMA, snapshot, txn(3)]


def test_compact_follows_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    make_db(real, 2)
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with StandaloneStorage.open(str(link)) as storage:
        storage.compact({"T": {}})
    assert link.is_symlink()
    assert len(scan_records(real.read_bytes()).records) == 2


def test_compact_failure_keeps_old_file(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 2)
    before = db.read_bytes()
    with StandaloneStorage.open(str(db)) as storage:
        # A directory where the temporary file goes makes its creation fail.
        (tmp_path / "a.db.tmp").mkdir()
        with pytest.raises(StorageIOError):
            storage.compact({"T": {}})
        storage.append(txn(3))
    assert db.read_bytes().startswith(before)


def test_compaction_due_follows_policy(tmp_path: Path) -> None:
    now = [0]
    policy = CompactionPolicy(min_records=3, min_size=1000, min_delay_ms=10, jitter_ms=0)
    db = tmp_path / "a.db"
    make_db(db, 0)
    storage = StandaloneStorage.open(str(db), clock=lambda: now[0], policy=policy)
    with storage:
        assert not storage.compaction_due()
        big = {"T": {}, "pad": "x" * 600}
        storage.append(big)
        storage.append(big)
        now[0] = 20
        assert not storage.compaction_due()  # only 2 records
        storage.append(big)
        assert storage.compaction_due()
        assert not storage.compaction_due(now_ms=5)  # before the window opens
        storage.compact({"T": {}})
        assert not storage.compaction_due(now_ms=100)


def test_unencodable_record_leaves_no_partial_record(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 1)
    size = db.stat().st_size
    with StandaloneStorage.open(str(db)) as storage:
        with pytest.raises(TypeError):
            storage.append({"bad": object()})
        assert storage.size == size
        storage.append(txn(2))
    assert len(scan_records(db.read_bytes()).records) == 3


def test_closed_storage_refuses_work(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 0)
    storage = StandaloneStorage.open(str(db))
    storage.close()
    storage.close()
    with pytest.raises(StorageIOError, match="closed"):
        storage.append(txn(0))


def test_file_permissions_follow_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        make_db(tmp_path / "a.db", 0)
    finally:
        os.umask(old)
    assert (tmp_path / "a.db").stat().st_mode & 0o777 == 0o640


def test_record_bytes_match_encode_record(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    make_db(db, 1)
    schema_bytes, _ = encode_record(SCHEMA)
    txn_bytes, _ = encode_record(txn(0))
    assert db.read_bytes() == schema_bytes + txn_bytes


def _rows(db: Any) -> dict[str, Any]:
    """Row contents by table and UUID (row versions are new on every load)."""
    return {
        name: {u: dict(row.columns) for u, row in rows.items()}
        for name, rows in db.tables.items()
    }


def test_every_torn_tail_of_ovs_file_loses_only_the_torn_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = (DATA / "ovs-written.db").read_bytes()
    last = scan_records(data).records[-1].offset
    db = tmp_path / "t.db"
    db.write_bytes(data[:last])
    with StandaloneStorage.open(str(db), read_only=True) as storage:
        expected = _rows(replay.load(storage))
    with StandaloneStorage.open(str(DATA / "ovs-written.db"), read_only=True) as storage:
        assert _rows(replay.load(storage)) != expected  # the last record matters
    for cut in range(last + 1, len(data)):
        db.write_bytes(data[:cut])
        with caplog.at_level(logging.WARNING, logger="pyovn.ovsdb.storage"):
            with StandaloneStorage.open(str(db)) as storage:
                assert _rows(replay.load(storage)) == expected
        assert db.stat().st_size == last


def test_unappliable_record_is_dropped_with_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "t.db"
    shutil.copy(DATA / "ovs-written.db", db)
    records = scan_records(db.read_bytes()).records
    with StandaloneStorage.open(str(db)) as storage:
        storage.append({"_date": 1, "NoSuchTable": {}})
        storage.append({"_date": 2, "Item": {}})
    with caplog.at_level(logging.WARNING, logger="pyovn.ovsdb.storage"):
        with StandaloneStorage.open(str(db)) as storage:
            database = replay.load(storage)
    assert "No table named NoSuchTable" in caplog.text
    assert db.stat().st_size == records[-1].end
    assert {r["name"].keys[0] for r in database.tables["Item"].values()} == {"a", 'é ünï "q"'}


CRASH_WRITER = """
import sys
from pyovn.ovsdb.storage import StandaloneStorage
storage = StandaloneStorage.open(sys.argv[1])
i = 0
while True:
    storage.append({"_date": i, "T": {"pad": "x" * 2000}}, durable=True)
    print(i, flush=True)
    i += 1
"""


def test_kill_9_during_appends_keeps_every_acknowledged_record(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    make_db(db, 0)
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_WRITER, str(db)],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        acknowledged = -1
        for line in proc.stdout:
            acknowledged = int(line)
            if acknowledged >= 200:
                break
        os.killpg(proc.pid, signal.SIGKILL)
        acknowledged = max([acknowledged, *(int(x) for x in proc.stdout.read().split())])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with StandaloneStorage.open(str(db)) as storage:
        dates = [r.json["_date"] for r in storage.take_replay()]
    assert dates == list(range(len(dates)))
    assert len(dates) >= acknowledged + 1


def test_online_snapshot_looks_like_ovsdb_server_s(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    shutil.copy(DATA / "ovs-written.db", db)
    with StandaloneStorage.open(str(db)) as storage:
        database = replay.load(storage)
        snapshot = replay.online_snapshot(database, 1_796_231_819_664)
        storage.compact(snapshot)
    record = scan_records(db.read_bytes()).records[1].json
    assert record["_comment"] == "compacting database online"
    assert record["_date"] == 1_796_231_819_664
    assert record["_is_diff"] is True
    with StandaloneStorage.open(str(db)) as storage:
        assert _rows(replay.load(storage)) == _rows(database)
