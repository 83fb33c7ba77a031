"""Fast resync: transaction history, monitor_cond_since across reconnects and restarts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import server_procs
from server_harness import RawClient
from server_procs import ServerProc

from pyovn.ovsdb.server.history import ZERO_TXN_ID, History, next_txn_id

ZERO = str(ZERO_TXN_ID)
SCHEMA = {
    "name": "R",
    "version": "1.0.0",
    "tables": {"T": {"columns": {"name": {"type": "string"}, "n": {"type": "integer"}},
                     "isRoot": True}},
}


class FakeCommit:
    def __init__(self, n_rows: int) -> None:
        self.changes = {"T": {uuid.uuid4(): None for _ in range(n_rows)}}


def test_history_since_and_eviction() -> None:
    h = History(max_commits=3, max_rows=100)
    ids = []
    commits = []
    txn_id = ZERO_TXN_ID
    for k in range(5):
        txn_id = next_txn_id(txn_id, f"{k:040x}")
        commit = FakeCommit(1)
        h.add(txn_id, commit)
        ids.append(txn_id)
        commits.append(commit)
    assert h.last_txn_id == ids[-1]
    assert h.since(ids[-1]) == []
    assert h.since(ids[3]) == commits[4:]
    # Three commits kept: a client at ids[1] (just before the oldest kept) is served.
    assert h.since(ids[1]) == commits[2:]
    assert h.since(ids[0]) is None
    assert h.since(ZERO_TXN_ID) is None
    assert h.since(uuid.uuid4()) is None


def test_history_row_budget() -> None:
    h = History(max_commits=100, max_rows=10)
    first = uuid.uuid4()
    h.reset(first)
    assert h.since(first) == []
    a, b = uuid.uuid4(), uuid.uuid4()
    h.add(a, FakeCommit(6))
    assert h.since(first) is not None
    h.add(b, FakeCommit(6))  # 12 rows > 10: the first commit goes
    assert h.since(first) is None
    assert len(h.since(a) or []) == 1


def test_txn_ids_are_chained_and_stable() -> None:
    a = next_txn_id(ZERO_TXN_ID, "ab" * 20)
    assert a == next_txn_id(ZERO_TXN_ID, "ab" * 20)
    assert next_txn_id(a, "ab" * 20) != a


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProc]:
    schema = tmp_path / "r.ovsschema"
    schema.write_text(json.dumps(SCHEMA))
    db = tmp_path / "r.db"
    server_procs.create_db(db, schema)
    s = server_procs.start("pyovn", tmp_path, db)
    yield s
    s.stop()


def _insert(sock: Path, name: str, n: int) -> None:
    c = RawClient(sock)
    reply = c.request("transact", ["R", {"op": "insert", "table": "T",
                                         "row": {"name": name, "n": n}}])
    assert reply["error"] is None and "error" not in reply["result"][0]
    c.close()


def _since(sock: Path, last: str) -> tuple[RawClient, list[Any]]:
    c = RawClient(sock)
    reply = c.request("monitor_cond_since", ["R", "m", {"T": [{"columns": ["name"]}]}, last])
    assert reply["error"] is None
    return c, reply["result"]


@pytest.mark.integration
def test_monitor_cond_since_after_reconnect_and_restart(server: ServerProc,
                                                       tmp_path: Path) -> None:
    for k in range(20):
        _insert(server.sock, f"old{k}", k)
    watcher, (found, last, initial) = _since(server.sock, ZERO)
    assert found is False and last != ZERO
    assert sorted(r["initial"]["name"] for r in initial["T"].values()) == \
        sorted(f"old{k}" for k in range(20))
    _insert(server.sock, "live", 1)
    note = watcher.recv()
    assert note["method"] == "update3"
    assert note["params"][0] == "m"
    last = note["params"][1]
    assert [r["insert"]["name"] for r in note["params"][2]["T"].values()] == ["live"]
    watcher.close()

    _insert(server.sock, "missed", 2)
    again, (found, newest, diff) = _since(server.sock, last)
    assert found is True and newest != last
    assert [r["insert"]["name"] for r in diff["T"].values()] == ["missed"]
    again.close()

    # Restart: the history comes back from the file, with the same ids.
    server.stop()
    restarted = server_procs.start("pyovn", tmp_path, server.db, name="again")
    try:
        _insert(restarted.sock, "after", 3)
        c, (found, _, diff) = _since(restarted.sock, last)
        assert found is True
        assert sorted(r["insert"]["name"] for r in diff["T"].values()) == ["after", "missed"]
        c.close()
        c, (found, _, diff) = _since(restarted.sock, str(uuid.uuid4()))
        assert found is False and len(diff["T"]) == 23
    finally:
        restarted.stop()
