"""ovsdb-tool query, transact, compact and convert (in process, and against OVS)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from storage_peer import TEST_SCHEMA, WORKLOAD, ovs_tool, pyovn_tool

from pyovn.ovsdb.storage import StandaloneStorage, scan_records

DB_NAME = "StorageTest"


def request(*ops: dict[str, Any]) -> str:
    return json.dumps([DB_NAME, *ops])


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A pyovn-written database holding the shared workload."""
    path = tmp_path / "t.db"
    assert pyovn_tool(capsys, "create", str(path), str(TEST_SCHEMA))[0] == 0
    for ops in WORKLOAD:
        assert pyovn_tool(capsys, "transact", str(path), request(*ops))[0] == 0
    return path


def names(db: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    select = request({"op": "select", "table": "Item", "where": [], "columns": ["name"]})
    status, out, _ = pyovn_tool(capsys, "query", str(db), select)
    assert status == 0
    return sorted(row["name"] for row in json.loads(out)[0]["rows"])


def test_query_never_writes(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = db.read_bytes()
    status, out, err = pyovn_tool(
        capsys, "query", str(db), request({"op": "insert", "table": "Item", "row": {"name": "q"}})
    )
    assert (status, err) == (0, "")
    assert re.fullmatch(r'\[\{"uuid":\["uuid","[0-9a-f-]{36}"\]\}\]\n', out)
    assert db.read_bytes() == before


def test_transact_appends_one_durable_record(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n = len(scan_records(db.read_bytes()).records)
    insert = request({"op": "insert", "table": "Item", "row": {"name": "new"}},
                     {"op": "comment", "comment": "added"})
    status, out, _ = pyovn_tool(capsys, "transact", str(db), insert)
    assert status == 0 and '"uuid"' in out
    records = scan_records(db.read_bytes()).records
    assert len(records) == n + 1
    assert records[-1].json["_comment"] == "added"
    assert records[-1].json["_is_diff"] is True
    assert "new" in names(db, capsys)


def test_transact_without_changes_writes_nothing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = db.read_bytes()
    for ops in (
        [{"op": "comment", "comment": "nothing"}],
        [{"op": "select", "table": "Item", "where": []}],
        [{"op": "insert", "table": "Item", "row": {"name": "a"}}],  # index violation
        [{"op": "insert", "table": "Item", "row": {"name": "z"}}, {"op": "abort"}],
    ):
        assert pyovn_tool(capsys, "transact", str(db), request(*ops))[0] == 0
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", {"details": "array expected", "error": "syntax error", "syntax": "{}"}),
        ('["Other"]', {"details": "database name expected as first parameter",
                       "error": "syntax error", "syntax": '["Other"]'}),
        ("[]", {"details": "database name expected as first parameter",
                "error": "syntax error", "syntax": "[]"}),
    ],
)
def test_request_errors_match_ovs_shape(
    db: Path, capsys: pytest.CaptureFixture[str], text: str, expected: dict[str, str]
) -> None:
    status, out, _ = pyovn_tool(capsys, "query", str(db), text)
    assert status == 0
    assert json.loads(out) == expected


def test_unparsable_transaction_is_one_line_error(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = pyovn_tool(capsys, "query", str(db), "bad")
    assert status == 1 and out == ""
    assert err.startswith('ovsdb-tool: "bad": ') and err.count("\n") == 1


def test_blocking_wait_is_not_supported(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    select = {"op": "select", "table": "Item", "where": [["name", "==", "a"]],
              "columns": ["name"]}
    wait = {"op": "wait", "table": "Item", "where": [], "columns": ["name"],
            "until": "==", "rows": []}
    _, out, _ = pyovn_tool(capsys, "query", str(db), request(select, wait, select))
    assert json.loads(out) == [
        {"rows": [{"name": "a"}]},
        {"details": "triggers not supported", "error": "not supported"},
        None,
    ]
    _, out, _ = pyovn_tool(capsys, "query", str(db), request(select, {**wait, "timeout": 0}))
    assert json.loads(out)[1]["error"] == "timed out"


def test_compact_in_place_and_to_destination(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = names(db, capsys)
    size = db.stat().st_size
    dst = tmp_path / "dst.db"
    assert pyovn_tool(capsys, "compact", str(db), str(dst)) == (0, "", "")
    assert db.stat().st_size == size  # the source is untouched
    assert pyovn_tool(capsys, "compact", str(db)) == (0, "", "")
    for path in (db, dst):
        records = scan_records(path.read_bytes()).records
        assert len(records) == 2
        assert records[1].json["_comment"].startswith("compacted by pyovn ovsdb-tool")
        assert "_is_diff" not in records[1].json
        assert names(path, capsys) == content
    assert db.stat().st_size < size


def test_compact_refuses_while_a_writer_holds_the_lock(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with StandaloneStorage.open(str(db)):
        status, _, err = pyovn_tool(capsys, "compact", str(db))
    assert status == 1 and "failed to lock lockfile" in err


def _changed_schema(tmp_path: Path) -> Path:
    schema = json.loads(TEST_SCHEMA.read_text())
    schema["version"] = "1.3.0"
    del schema["tables"]["Item"]["columns"]["weight"]
    schema["tables"]["Item"]["columns"]["extra"] = {
        "type": {"key": "string", "min": 0, "max": 1}}
    schema["tables"]["New"] = {"columns": {"x": {"type": "integer"}}}
    path = tmp_path / "new.ovsschema"
    path.write_text(json.dumps(schema))
    return path


def test_convert(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = _changed_schema(tmp_path)
    assert pyovn_tool(capsys, "needs-conversion", str(db), str(schema))[1] == "yes\n"
    dst = tmp_path / "dst.db"
    assert pyovn_tool(capsys, "convert", str(db), str(schema), str(dst)) == (0, "", "")
    assert pyovn_tool(capsys, "db-version", str(db))[1] == "1.2.3\n"
    assert pyovn_tool(capsys, "convert", str(db), str(schema)) == (0, "", "")
    for path in (db, dst):
        assert pyovn_tool(capsys, "db-version", str(path))[1] == "1.3.0\n"
        assert pyovn_tool(capsys, "needs-conversion", str(path), str(schema))[1] == "no\n"
        records = scan_records(path.read_bytes()).records
        assert all("weight" not in row for row in records[1].json["Item"].values())
        assert records[1].json["_comment"].startswith("converted by pyovn ovsdb-tool")


def test_convert_failure_is_one_line(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads(TEST_SCHEMA.read_text())
    schema["tables"]["Item"]["columns"]["name"] = {
        "type": {"key": {"type": "string", "maxLength": 1}}}
    bad = tmp_path / "bad.ovsschema"
    bad.write_text(json.dumps(schema))
    before = db.read_bytes()
    status, _, err = pyovn_tool(capsys, "convert", str(db), str(bad))
    assert status == 1 and err.startswith("ovsdb-tool: ") and err.count("\n") == 1
    assert "constraint violation" in err
    assert db.read_bytes() == before


# ---- against OVS's ovsdb-tool ----------------------------------------------

# Requests that change nothing: OVS's ovsdb-tool query fails with an I/O
# error when a transaction would change the (read-only) file, where pyovn
# reports the results without writing.
READ_ONLY_REQUESTS = [
    [{"op": "select", "table": "Item", "where": []}],
    [{"op": "select", "table": "Item", "where": [["value", "<", 0]], "columns": ["name"]}],
    [{"op": "select", "table": "Item", "where": [["tags", "includes", "z"]]}],
    [{"op": "select", "table": "Child", "where": []}],
    [{"op": "select", "table": "Nope", "where": []}],
    [{"op": "delete", "table": "Item", "where": [["name", "==", "none"]]}],
    [{"op": "mutate", "table": "Item", "where": [], "mutations": [["value", "/=", 0]]}],
    [{"op": "update", "table": "Item", "where": [["name", "==", "a"]], "row": {"name": "a"}}],
    [{"op": "wait", "table": "Item", "where": [], "columns": ["name"], "until": "!=",
      "rows": []}],
    [{"op": "select", "table": "Item", "where": [], "columns": ["name"]},
     {"op": "wait", "table": "Item", "where": [], "columns": ["name"], "until": "==",
      "rows": []}],
    [{"op": "assert", "lock": "x"}],
]


@pytest.mark.integration
@pytest.mark.differential
@pytest.mark.parametrize("ops", READ_ONLY_REQUESTS, ids=lambda ops: ops[-1]["op"])
def test_query_results_match_ovs(
    db: Path, capsys: pytest.CaptureFixture[str], ops: list[dict[str, Any]]
) -> None:
    expected = json.loads(ovs_tool("query", str(db), request(*ops)).stdout)
    _, out, _ = pyovn_tool(capsys, "query", str(db), request(*ops))
    assert _without_versions(json.loads(out)) == _without_versions(expected)


def _without_versions(value: Any) -> Any:
    """Results without _version, rows sorted (OVS returns them in hash order)."""
    if isinstance(value, dict):
        out = {k: _without_versions(v) for k, v in value.items() if k != "_version"}
        if isinstance(out.get("rows"), list):
            out["rows"].sort(key=lambda row: json.dumps(row, sort_keys=True))
        return out
    if isinstance(value, list):
        return [_without_versions(v) for v in value]
    return value


@pytest.mark.integration
@pytest.mark.differential
def test_convert_matches_ovs(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = _changed_schema(tmp_path)
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(db, ours)
    shutil.copy(db, theirs)
    ovs_tool("convert", str(theirs), str(schema))
    assert pyovn_tool(capsys, "convert", str(ours), str(schema))[0] == 0
    dump = request(*({"op": "select", "table": t, "where": []} for t in ("Item", "Child", "New")))
    assert _without_versions(json.loads(ovs_tool("query", str(ours), dump).stdout)) == (
        _without_versions(json.loads(ovs_tool("query", str(theirs), dump).stdout)))
    ours_schema = scan_records(ours.read_bytes()).records[0].json
    theirs_schema = scan_records(theirs.read_bytes()).records[0].json
    assert ours_schema == theirs_schema
