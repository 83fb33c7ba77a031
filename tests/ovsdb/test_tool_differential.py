"""pyovn ovsdb-tool against OVS's ovsdb-tool on the same files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from storage_peer import (
    REAL_SCHEMAS,
    TEST_SCHEMA,
    WORKLOAD,
    normalise_show_log,
    ovs_tool,
    pyovn_tool,
)

from pyovn.ovsdb.storage import scan_records

pytestmark = [pytest.mark.integration, pytest.mark.differential]


@pytest.fixture(scope="module")
def ovs_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database OVS's own ovsdb-tool created and wrote the workload into."""
    db = tmp_path_factory.mktemp("ovs") / "ovs.db"
    ovs_tool("create", str(db), str(TEST_SCHEMA))
    for ops in WORKLOAD:
        ovs_tool("transact", str(db), json.dumps(["StorageTest", *ops]))
    return db


@pytest.mark.parametrize("more", ["", "-m", "-mm"])
def test_show_log_is_byte_identical_to_ovs(
    ovs_db: Path, capsys: pytest.CaptureFixture[str], more: str
) -> None:
    args = [more] if more else []
    expected = ovs_tool(*args, "show-log", str(ovs_db)).stdout
    assert pyovn_tool(capsys, *args, "show-log", str(ovs_db)) == (0, expected, "")


def test_show_log_order_of_big_records_is_ovs_hash_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hundreds of rows and many tables in one record: OVS's hash-table order, resizes included."""
    db = tmp_path / "nb.db"
    ovs_tool("create", str(db), "/usr/share/ovn/ovn-nb.ovsschema")
    ops: list[dict[str, object]] = [
        {"op": "insert", "table": "Logical_Switch",
         "row": {"name": f"ls{i}", "other_config": ["map", [["k", str(i)], [f"x{i}", "y"]]],
                 "external_ids": ["map", [[f"e{j}", "v"] for j in range(i % 7)]]}}
        for i in range(300)
    ]
    ops += [{"op": "insert", "table": t, "row": {"name": f"{t}-1"}}
            for t in ("Logical_Router", "Load_Balancer", "Address_Set", "Port_Group")]
    ops.append({"op": "insert", "table": "DNS",
                "row": {"records": ["map", [[f"h{i}", f"10.0.0.{i}"] for i in range(40)]]}})
    ovs_tool("transact", str(db), json.dumps(["OVN_Northbound", *ops]))
    expected = ovs_tool("show-log", "-mm", str(db)).stdout
    assert expected.count("insert row") == 305
    assert pyovn_tool(capsys, "show-log", "-mm", str(db)) == (0, expected, "")


@pytest.mark.parametrize("schema", REAL_SCHEMAS + [TEST_SCHEMA], ids=lambda p: p.name)
@pytest.mark.parametrize("command", ["schema-name", "schema-version", "schema-cksum"])
def test_schema_commands_match_ovs(
    capsys: pytest.CaptureFixture[str], schema: Path, command: str
) -> None:
    expected = ovs_tool(command, str(schema)).stdout
    assert pyovn_tool(capsys, command, str(schema)) == (0, expected, "")


@pytest.mark.parametrize("schema", REAL_SCHEMAS, ids=lambda p: p.name)
def test_create_matches_ovs_and_ovs_reads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: Path
) -> None:
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    assert pyovn_tool(capsys, "create", str(ours), str(schema))[0] == 0
    ovs_tool("create", str(theirs), str(schema))
    [our_record] = scan_records(ours.read_bytes()).records
    [their_record] = scan_records(theirs.read_bytes()).records
    assert our_record.json == their_record.json
    for command in ("db-name", "db-version", "db-cksum"):
        expected = ovs_tool(command, str(theirs)).stdout
        assert ovs_tool(command, str(ours)).stdout == expected
        assert pyovn_tool(capsys, command, str(theirs)) == (0, expected, "")
    assert ovs_tool("show-log", str(ours)).stdout == ovs_tool("show-log", str(theirs)).stdout
    assert ovs_tool("needs-conversion", str(ours), str(schema)).stdout == "no\n"
    assert pyovn_tool(capsys, "needs-conversion", str(theirs), str(schema))[1] == "no\n"


def test_needs_conversion_matches_ovs(ovs_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for schema in [TEST_SCHEMA, *REAL_SCHEMAS]:
        expected = ovs_tool("needs-conversion", str(ovs_db), str(schema)).stdout
        assert pyovn_tool(capsys, "needs-conversion", str(ovs_db), str(schema))[1] == expected


@pytest.mark.parametrize(
    ("a", "op", "b"),
    [("1.2.3", "<", "1.10.0"), ("2.0.0", "==", "2.0.0"), ("3.1.0", ">=", "3.2.0"),
     ("1.0.0", "!=", "1.0.0"), ("5.0.10", ">", "5.0.9"), ("1.1.1", "<=", "1.1.1")],
)
def test_compare_versions_matches_ovs(
    capsys: pytest.CaptureFixture[str], a: str, op: str, b: str
) -> None:
    expected = ovs_tool("compare-versions", a, op, b, check=False).returncode
    assert pyovn_tool(capsys, "compare-versions", a, op, b)[0] == expected


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


SHORT_ID = re.compile(r"\b[0-9a-f]{8}\b")


def _anonymous(text: str) -> str:
    """Text with UUIDs (and show-log's 8-digit row ids) replaced: each side invents its own."""
    return SHORT_ID.sub("<id>", UUID_TEXT.sub("<uuid>", text))


def test_transact_outputs_and_final_content_match_ovs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    assert pyovn_tool(capsys, "create", str(ours), str(TEST_SCHEMA))[0] == 0
    ovs_tool("create", str(theirs), str(TEST_SCHEMA))
    for ops in WORKLOAD:
        txn = json.dumps(["StorageTest", *ops])
        expected = ovs_tool("transact", str(theirs), txn).stdout
        assert _anonymous(pyovn_tool(capsys, "transact", str(ours), txn)[1]) == _anonymous(
            expected)
    dump = json.dumps(["StorageTest", {"op": "select", "table": "Item", "where": [],
                                       "columns": ["name", "value", "tags", "options",
                                                   "weight", "enabled"]}])
    for db in (ours, theirs):
        rows = json.loads(ovs_tool("query", str(db), dump).stdout)[0]["rows"]
        assert sorted(rows, key=lambda r: r["name"]) == sorted(
            json.loads(ovs_tool("query", str(theirs), dump).stdout)[0]["rows"],
            key=lambda r: r["name"])
    # Same number of records, and the same changes in each, up to UUIDs and order.
    ours_log = ovs_tool("show-log", "-mm", str(ours)).stdout
    theirs_log = ovs_tool("show-log", "-mm", str(theirs)).stdout
    date = re.compile(r"record (\d+): \S+ \S+")
    assert normalise_show_log(_anonymous(date.sub(r"record \1:", ours_log))) == (
        normalise_show_log(_anonymous(date.sub(r"record \1:", theirs_log))))


def test_error_lines_match_ovs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "t.db"
    ovs_tool("create", str(db), str(TEST_SCHEMA))
    insert = json.dumps(["StorageTest", {"op": "insert", "table": "Item", "row": {"name": "x"}}])
    cases = [
        ["db-name", str(tmp_path / "missing.db")],
        ["create", str(db), str(TEST_SCHEMA)],
        ["schema-name", str(tmp_path / "missing.ovsschema")],
        ["bogus"],
        ["db-name", "a", "b"],
    ]
    for args in cases:
        theirs = ovs_tool(*args, check=False)
        status, out, err = pyovn_tool(capsys, *args)
        assert (status, out, err) == (theirs.returncode, theirs.stdout, theirs.stderr), args
    # A writer's lock (another process) stops both tools with the same line.
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db)],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        theirs = ovs_tool("transact", str(db), insert, check=False)
        status, _, err = pyovn_tool(capsys, "transact", str(db), insert)
    finally:
        holder.kill()
        holder.wait()
    assert status == theirs.returncode == 1
    assert err == theirs.stderr


LOCK_HOLDER = """
import sys, time
from pyovn.ovsdb.storage import StandaloneStorage
storage = StandaloneStorage.open(sys.argv[1])
print("locked", flush=True)
time.sleep(60)
"""
