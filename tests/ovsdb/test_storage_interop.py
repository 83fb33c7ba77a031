"""Files cross between pyovn and OVS in both directions with identical content."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from storage_peer import (
    TEST_SCHEMA,
    WORKLOAD,
    client_transact,
    ovs_tool,
    pyovn_tool,
    real_ovsdb_server,
)

from pyovn.ovsdb.database import Database, snapshot_record
from pyovn.ovsdb.storage import (
    StandaloneStorage,
    StorageFormatError,
    StorageLockedError,
    encode_record,
    replay,
    scan_records,
)

pytestmark = pytest.mark.integration

TABLES = ("Item", "Child")


def dump_with_ovs(db: Path) -> dict[str, Any]:
    """Every row of every table as OVS's ovsdb-tool reads the file."""
    ops = [{"op": "select", "table": t, "where": []} for t in TABLES]
    out = ovs_tool("query", str(db), json.dumps(["StorageTest", *ops])).stdout
    return _normalise(json.loads(out))


def dump_with_pyovn(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    ops = [{"op": "select", "table": t, "where": []} for t in TABLES]
    status, out, err = pyovn_tool(capsys, "query", str(db), json.dumps(["StorageTest", *ops]))
    assert (status, err) == (0, "")
    return _normalise(json.loads(out))


def _normalise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows by table and UUID, without _version (each server invents its own)."""
    dump: dict[str, Any] = {}
    for table, result in zip(TABLES, results, strict=True):
        rows = {}
        for row in result["rows"]:
            row.pop("_version")
            rows[row["_uuid"][1]] = row
        dump[table] = rows
    return dump


def write_workload_with_ovs_server(db: Path, tmp: Path) -> None:
    """Real ovsdb-server writes the workload, compacting online halfway."""
    ovs_tool("create", str(db), str(TEST_SCHEMA))
    with real_ovsdb_server(db, tmp) as remote:
        for i, ops in enumerate(WORKLOAD):
            client_transact(remote, "StorageTest", *ops)
            if i == 3:
                ctl = tmp / f"{db.name}.ctl"
                subprocess.run(["ovs-appctl", "-t", str(ctl), "ovsdb-server/compact"],
                               check=True, capture_output=True, timeout=30)


def test_file_written_by_ovsdb_server_opens_with_identical_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ovs.db"
    write_workload_with_ovs_server(db, tmp_path)
    records = scan_records(db.read_bytes()).records
    # Online compaction left a diff-format snapshot, then diff records.
    assert records[1].json.get("_comment") == "compacting database online"
    assert len(records) > 3
    expected = dump_with_ovs(db)
    assert expected["Item"] and expected["Child"] == {}
    assert dump_with_pyovn(db, capsys) == expected
    with StandaloneStorage.open(str(db), read_only=True) as storage:
        applied = list(replay.replay(storage, Database(replay.storage_schema(storage))))
    assert len(applied) == len(records) - 1


def pyovn_workload(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pyovn_tool(capsys, "create", str(db), str(TEST_SCHEMA))[0] == 0
    for ops in WORKLOAD:
        request = json.dumps(["StorageTest", *ops])
        status, out, err = pyovn_tool(capsys, "transact", str(db), request)
        assert (status, err) == (0, ""), out
        assert "error" not in out, out


def test_file_written_by_pyovn_reads_identically_in_ovs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "pyovn.db"
    pyovn_workload(db, capsys)
    ours = dump_with_pyovn(db, capsys)
    assert ours["Item"]
    assert dump_with_ovs(db) == ours
    show = ovs_tool("show-log", "-mm", str(db))
    assert show.stdout.count("record ") == len(WORKLOAD) + 1
    # OVS's own compaction of our file keeps the content.
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    ovs_tool("compact", str(copy))
    assert dump_with_ovs(copy) == ours
    assert dump_with_pyovn(copy, capsys) == ours


def test_real_ovsdb_server_serves_and_extends_pyovn_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "pyovn.db"
    pyovn_workload(db, capsys)
    before = dump_with_pyovn(db, capsys)
    with real_ovsdb_server(db, tmp_path) as remote:
        reply = client_transact(remote, "StorageTest",
                                {"op": "select", "table": "Item", "where": [],
                                 "columns": ["name"]})
        assert sorted(r["name"] for r in reply[0]["rows"]) == sorted(
            r["name"] for r in before["Item"].values())
        client_transact(remote, "StorageTest",
                        {"op": "insert", "table": "Item", "row": {"name": "from-ovs"}})
    after = dump_with_pyovn(db, capsys)
    assert after == dump_with_ovs(db)
    assert len(after["Item"]) == len(before["Item"]) + 1


def test_pyovn_compaction_is_readable_by_ovs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "pyovn.db"
    pyovn_workload(db, capsys)
    content = dump_with_ovs(db)
    # Online compaction through the storage API, as the server does it.
    with StandaloneStorage.open(str(db)) as storage:
        database = replay.load(storage)
        storage.compact(snapshot_record(database, 1_796_000_000_000, "compacting database online"))
    assert len(scan_records(db.read_bytes()).records) == 2
    assert dump_with_ovs(db) == content
    assert dump_with_pyovn(db, capsys) == content
    # And through the tool, in place and to another file.
    assert pyovn_tool(capsys, "compact", str(db))[0] == 0
    assert pyovn_tool(capsys, "compact", str(db), str(tmp_path / "dst.db"))[0] == 0
    assert dump_with_ovs(db) == content
    assert dump_with_ovs(tmp_path / "dst.db") == content
    log = ovs_tool("show-log", str(tmp_path / "dst.db")).stdout
    assert '"compacted by pyovn ovsdb-tool' in log


def test_ovs_and_pyovn_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    ovs_tool("create", str(db), str(TEST_SCHEMA))
    insert = json.dumps(["StorageTest", {"op": "insert", "table": "Item", "row": {"name": "x"}}])
    with StandaloneStorage.open(str(db)):
        theirs = ovs_tool("transact", str(db), insert, check=False)
        assert theirs.returncode != 0
        assert "failed to lock lockfile" in theirs.stderr
    with real_ovsdb_server(db, tmp_path):
        with pytest.raises(StorageLockedError):
            StandaloneStorage.open(str(db))
        status, _, err = pyovn_tool(capsys, "transact", str(db), insert)
        assert status == 1 and "failed to lock lockfile" in err
        # Reading beside a running server is fine for both.
        assert pyovn_tool(capsys, "db-name", str(db))[1] == "StorageTest\n"


def test_torn_ovs_file_opens_without_the_torn_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ovs.db"
    write_workload_with_ovs_server(db, tmp_path)
    records = scan_records(db.read_bytes()).records
    whole = db.read_bytes()
    # Without the last record, as OVS sees it.
    db.write_bytes(whole[: records[-1].offset])
    expected = dump_with_ovs(db)
    db.write_bytes(whole[:-7])
    status, out, err = pyovn_tool(
        capsys, "query", str(db),
        json.dumps(["StorageTest", *({"op": "select", "table": t, "where": []}
                                     for t in TABLES)]),
    )
    assert status == 0
    assert _normalise(json.loads(out)) == expected
    assert f"offset={records[-1].offset}" in err  # the warning names the offset
    assert db.stat().st_size == len(whole) - 7  # query never writes
    # transact repairs the file: OVS reads it cleanly afterwards.
    noop = json.dumps(["StorageTest", {"op": "comment", "comment": "x"}])
    assert pyovn_tool(capsys, "transact", str(db), noop)[0] == 0
    assert db.stat().st_size == records[-1].offset
    assert dump_with_ovs(db) == expected


def test_clustered_files_are_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cluster.db"
    ovs_tool("create-cluster", str(db), str(TEST_SCHEMA), f"unix:{tmp_path}/raft.sock")
    assert pyovn_tool(capsys, "db-is-clustered", str(db))[0] == 0
    assert pyovn_tool(capsys, "db-is-standalone", str(db))[0] == 2
    for command in ("db-name", "show-log", "compact"):
        status, _, err = pyovn_tool(capsys, command, str(db))
        assert status == 1 and "clustered database file" in err, (command, err)
    before = db.read_bytes()
    with pytest.raises(StorageFormatError, match="clustered"):
        StandaloneStorage.open(str(db))
    assert db.read_bytes() == before


def test_old_full_row_records_read_the_same_as_ovs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records without ``_is_diff`` (OVS before 2.15) carry whole new values."""
    db = tmp_path / "old.db"
    ovs_tool("create", str(db), str(TEST_SCHEMA))
    item = "11111111-2222-4333-8444-555555555555"
    child = "66666666-2222-4333-8444-555555555555"
    records = [
        {"_date": 1_500_000_000, "Item": {item: {
            "name": "old", "tags": ["set", ["a", "b"]], "options": ["map", [["k", "v"]]],
            "children": ["uuid", child]}},
         "Child": {child: {"name": "kid"}}},
        {"_date": 1_500_000_001, "_comment": "full values",
         "Item": {item: {"tags": ["set", ["b", "c"]], "options": ["map", [["k2", "v2"]]],
                         "children": ["set", []]}},
         "Child": {child: None}},
        {"_date": 1_500_000_002, "Item": {item: {"value": 42}}},
    ]
    with db.open("ab") as f:
        for record in records:
            f.write(encode_record(record)[0])
    expected = dump_with_ovs(db)
    assert expected["Item"][item]["tags"] == ["set", ["b", "c"]]
    assert expected["Item"][item]["value"] == 42
    assert dump_with_pyovn(db, capsys) == expected
    shown = ovs_tool("show-log", "-m", str(db)).stdout
    status, ours, _ = pyovn_tool(capsys, "show-log", "-m", str(db))
    assert status == 0 and sorted(ours.splitlines()) == sorted(shown.splitlines())
