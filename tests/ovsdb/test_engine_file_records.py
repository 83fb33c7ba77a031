"""ovsdb(5) transaction records: what we write vs what ovsdb-server 3.1 writes,
and replaying real files."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_engine_fixtures import (
    Engine,
    RealServer,
    UuidNormaliser,
    real_server,
)

from pyovn.ovsdb.database import (
    Database,
    apply_file_record,
    commit_to_file_record,
    snapshot_record,
)

UA = "8f1c5a38-5a7b-4a2f-9f6a-1c1a2c3d4e50"
UC = "0c1c5a38-5a7b-4a2f-9f6a-1c1a2c3d4e50"

RECORD_SCENARIO: list[list[Any]] = [
    [{"op": "insert", "table": "A", "uuid": UA,
      "row": {"name": "a", "i": 3, "eph": 9, "ns": ["set", [1, 2, 3]],
              "m": ["map", [["k", 1], ["z", 2]]]}}],
    [{"op": "update", "table": "A", "where": [["name", "==", "a"]], "row": {"eph": 10}}],
    [{"op": "mutate", "table": "A", "where": [["name", "==", "a"]],
      "mutations": [["ns", "delete", 2], ["ns", "insert", ["set", [7, 8]]],
                    ["m", "delete", ["set", ["k"]]], ["m", "insert", ["map", [["n", 5]]]]]},
     {"op": "comment", "comment": "mutating"}],
    [{"op": "update", "table": "A", "where": [["name", "==", "a"]],
      "row": {"m": ["map", [["n", 6], ["z", 2]]], "s": "ab", "r": 2.5}}],
    [{"op": "insert", "table": "C", "uuid": UC, "row": {"x": 1}},
     {"op": "update", "table": "A", "where": [["name", "==", "a"]],
      "row": {"w1": ["uuid", UC], "wm": ["map", [["q", ["uuid", UC]]]]}}],
    [{"op": "delete", "table": "C", "where": []}],
    [{"op": "insert", "table": "B", "row": {"x": 4}, "uuid-name": "b"},
     {"op": "insert", "table": "A", "row": {"name": "r", "sref": ["named-uuid", "b"]}}],
    [{"op": "delete", "table": "A", "where": [["name", "==", "r"]]}],
    [{"op": "insert", "table": "A", "row": {"name": "defaults"}}],
    [{"op": "insert", "table": "A", "row": {"name": "c1"}}, {"op": "comment", "comment": ""},
     {"op": "comment", "comment": "b"}],
    [{"op": "insert", "table": "A", "row": {"name": "c2"}}, {"op": "comment", "comment": "a"},
     {"op": "comment", "comment": ""}],
    [{"op": "insert", "table": "A", "row": {"name": "c3"}}, {"op": "comment", "comment": ""}],
]


def read_ovsdb_file(path: Path) -> list[Any]:
    """Every JSON record of a standalone ovsdb file (schema first)."""
    lines = path.read_text().splitlines()
    return [json.loads(lines[i + 1]) for i in range(0, len(lines), 2)
            if lines[i].startswith("OVSDB JSON")]


def _strip_date(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "_date"}


def test_record_forms_without_server() -> None:
    engine = Engine()
    engine.transact(*RECORD_SCENARIO[0])
    insert = commit_to_file_record(engine.schema, engine.commits[-1])
    assert insert == {"A": {UA: {"name": "a", "i": 3, "ns": ["set", [1, 2, 3]],
                                 "m": ["map", [["k", 1], ["z", 2]]]}},
                      "_date": engine.commits[-1].date_ms, "_is_diff": True}
    engine.transact(*RECORD_SCENARIO[1])      # only an ephemeral column changed
    assert commit_to_file_record(engine.schema, engine.commits[-1]) is None
    engine.transact(*RECORD_SCENARIO[2])
    diff = commit_to_file_record(engine.schema, engine.commits[-1])
    assert diff is not None and diff["_comment"] == "mutating"
    assert diff["A"][UA] == {"ns": ["set", [2, 7, 8]], "m": ["map", [["k", 1], ["n", 5]]]}


def test_replay_of_our_records_rebuilds_database() -> None:
    engine = Engine()
    for ops in RECORD_SCENARIO:
        engine.transact(*ops)
    replica = Database(engine.schema)
    for commit in engine.commits:
        record = commit_to_file_record(engine.schema, commit)
        if record is not None:
            apply_file_record(replica, json.loads(json.dumps(record)))
    assert _contents(replica, persistent_only=True) == _contents(engine.db, persistent_only=True)
    snap = Database(engine.schema)
    apply_file_record(snap, json.loads(json.dumps(snapshot_record(engine.db))))
    assert _contents(snap, persistent_only=True) == _contents(engine.db, persistent_only=True)
    assert snap.strong_refs == engine.db.strong_refs


def _contents(db: Database, persistent_only: bool = False) -> dict[str, Any]:
    out = {}
    for tname, rows in db.tables.items():
        ts = db.schema.tables[tname]
        names = ts.persistent_columns if persistent_only else ts.user_columns
        out[tname] = {u: {n: r.columns[n] for n in names} for u, r in rows.items()}
    return out


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RealServer]:
    yield from real_server(tmp_path)


@pytest.mark.integration
@pytest.mark.differential
def test_records_match_ovsdb_server(server: RealServer) -> None:
    engine = Engine()
    conn = server.connect()
    norm_real, norm_ours = UuidNormaliser(), UuidNormaliser()
    ours: list[Any] = []
    try:
        for ops in RECORD_SCENARIO:
            real_result = conn.call("transact", ["T", *ops])["result"]
            n_before = len(engine.commits)
            our_result = engine.transact(*ops)
            assert norm_ours(our_result) == norm_real(real_result)
            for commit in engine.commits[n_before:]:
                record = commit_to_file_record(engine.schema, commit)
                if record is not None:
                    ours.append(norm_ours(_strip_date(record)))
    finally:
        conn.close()
    real_records = [norm_real(_strip_date(r)) for r in read_ovsdb_file(server.db_path)[1:]]
    assert ours == real_records


@pytest.mark.integration
def test_replay_real_file(server: RealServer) -> None:
    conn = server.connect()
    try:
        for ops in RECORD_SCENARIO:
            conn.call("transact", ["T", *ops])
        selects = [{"op": "select", "table": t, "where": []} for t in ("A", "B", "C", "D")]
        real_rows = conn.call("transact", ["T", *selects])["result"]
    finally:
        conn.close()
    engine = Engine()
    for record in read_ovsdb_file(server.db_path)[1:]:
        apply_file_record(engine.db, record)
    for table, result in zip(("A", "B", "C", "D"), real_rows, strict=True):
        ts = engine.schema.tables[table]
        expected = {row["_uuid"][1]: {k: v for k, v in row.items()
                                      if k in ts.persistent_columns}
                    for row in result["rows"]}
        got = {str(u): {n: r.columns[n].to_json(ts.columns[n].type)
                        for n in ts.persistent_columns}
               for u, r in engine.db.tables[table].items()}
        assert got == expected


@pytest.mark.integration
def test_replay_compacted_real_file(server: RealServer, tmp_path: Path) -> None:
    """ovsdb-tool compact writes one full-row (non-diff) record; replay it."""
    conn = server.connect()
    try:
        for ops in RECORD_SCENARIO:
            conn.call("transact", ["T", *ops])
    finally:
        conn.close()
    copy = tmp_path / "copy.db"
    shutil.copy(server.db_path, copy)
    subprocess.run(["ovsdb-tool", "compact", str(copy)], check=True, timeout=30)
    compacted = read_ovsdb_file(copy)[1:]
    assert len(compacted) == 1 and "_is_diff" not in compacted[0]
    from_diffs, from_snapshot = Engine(), Engine()
    for record in read_ovsdb_file(server.db_path)[1:]:
        apply_file_record(from_diffs.db, record)
    apply_file_record(from_snapshot.db, compacted[0])
    assert _contents(from_snapshot.db, True) == _contents(from_diffs.db, True)
    ours = snapshot_record(from_diffs.db)
    assert {k: v for k, v in compacted[0].items() if not k.startswith("_")} == ours


def test_edit_undone_by_weak_cleanup_still_counts() -> None:
    """Setting a weak reference to a missing row changes nothing, yet OVS writes
    the column (empty diff) and gives the row a new version."""
    engine = Engine()
    engine.transact({"op": "insert", "table": "A", "uuid": UA, "row": {"name": "a"}})
    (before,) = engine.db.tables["A"].values()
    out = engine.run([{"op": "update", "table": "A", "where": [],
                       "row": {"wm": ["map", [["p", ["uuid", UC]]]]}}])
    assert out.commit is not None
    change = out.commit.changes["A"][before.uuid]
    assert change.new is not None and change.new.columns == before.columns
    assert change.new.version != before.version and change.changed == frozenset({"wm"})
    record = commit_to_file_record(engine.schema, out.commit)
    assert record is not None and record["A"] == {UA: {"wm": ["map", []]}}
