"""Fan-out: one composition per distinct monitor request per commit, shared bytes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from server_harness import RawClient, ServerThread

from pyovn.ovsdb.database import Database
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.server import OvsdbServer, engine
from pyovn.ovsdb.server.fanout import MonitorHub, Subscription
from pyovn.ovsdb.server.history import History
from pyovn.ovsdb.server.served_db import ServedDatabase

SCHEMA = {"name": "F", "version": "1.0.0",
          "tables": {"T": {"columns": {"n": {"type": "integer"}}, "isRoot": True}}}


class Sink:
    def __init__(self) -> None:
        self.closed = False
        self.parts: list[list[bytes]] = []

    def writelines(self, parts: list[bytes]) -> None:
        self.parts.append(parts)


def test_hub_composes_once_per_request_and_shares_bytes() -> None:
    calls: list[Any] = []

    def compose(commit: Any, request: Any, version: int) -> Any:
        calls.append((request, version))
        return {"T": {"x": {"insert": {"n": commit}}}}

    hub = MonitorHub(compose)
    sinks = [Sink() for _ in range(5)]
    for k, sink in enumerate(sinks[:4]):
        hub.add(Subscription(sink, f"mon{k}", "same-request", 2))
    hub.add(Subscription(sinks[4], "other", "other-request", 3))
    hub.publish(7, seq=1, txn_id="t1")
    assert sorted(calls) == [("other-request", 3), ("same-request", 2)]
    bodies = [s.parts[0][1] for s in sinks[:4]]
    assert all(b is bodies[0] for b in bodies)  # the very same bytes object
    assert b"".join(sinks[0].parts[0]) == \
        b'{"id":null,"method":"update2","params":["mon0",{"T":{"x":{"insert":{"n":7}}}}]}'
    assert b"".join(sinks[4].parts[0]) == \
        b'{"id":null,"method":"update3","params":["other","t1",{"T":{"x":{"insert":{"n":7}}}}]}'


def test_subscription_skips_commits_already_in_its_initial_contents() -> None:
    hub = MonitorHub(lambda c, r, v: {"T": {}})
    sink = Sink()
    hub.add(Subscription(sink, 1, "r", 2, since_seq=5))
    hub.publish(None, seq=5, txn_id="a")
    assert sink.parts == []
    hub.publish(None, seq=6, txn_id="b")
    assert len(sink.parts) == 1


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    schema = DatabaseSchema.from_json(SCHEMA)

    async def setup(server: OvsdbServer) -> None:
        server.add_database(ServedDatabase("F", Database(schema), None, History(),
                                           engine.compose))

    st = ServerThread(setup)
    path = tmp_path / "f.sock"
    st.start([f"punix:{path}"])
    yield st, path
    st.stop()


def test_many_sessions_one_composition_per_commit(served: tuple[ServerThread, Path]) -> None:
    st, path = served
    watchers = [RawClient(path) for _ in range(10)]
    for k, w in enumerate(watchers):
        reply = w.request("monitor_cond", ["F", ["id", k], {"T": [{"where": [["n", ">", 0]]}]}])
        assert reply["result"] == {}
    hub = st.server.dbs["F"].hub
    assert (len(hub), hub.n_groups) == (10, 1)
    writer = RawClient(path)
    for n in (1, 2, 0):
        writer.request("transact", ["F", {"op": "insert", "table": "T", "row": {"n": n}}])
    for k, w in enumerate(watchers):
        for n in (1, 2):
            note = w.recv()
            assert note["method"] == "update2" and note["params"][0] == ["id", k]
            rows = list(note["params"][1]["T"].values())
            assert [r["insert"]["n"] for r in rows] == [n]  # "_version" comes too, as in OVS
    assert hub.compositions == 3  # one per commit, not one per session
    watchers[0].close()
    writer.request("transact", ["F", {"op": "delete", "table": "T", "where": []}])
    assert watchers[1].recv()["method"] == "update2"


def test_monitor_update_precedes_the_transact_reply(served: tuple[ServerThread, Path]) -> None:
    _, path = served
    c = RawClient(path)
    c.request("monitor", ["F", "m", {"T": {}}])
    c.send({"method": "transact", "params": ["F", {"op": "insert", "table": "T",
                                                  "row": {"n": 5}}], "id": 99})
    first, second = c.recv(), c.recv()
    assert first["method"] == "update" and second["id"] == 99


def test_monitor_cancel_and_duplicate_ids(served: tuple[ServerThread, Path]) -> None:
    _, path = served
    c = RawClient(path)
    assert c.request("monitor", ["F", "m", {"T": {}}])["result"] == {}
    dup = c.request("monitor", ["F", "m", {"T": {}}])
    assert dup["error"]["error"] == "syntax error"
    assert c.request("monitor_cancel", ["m"])["result"] == {}
    assert c.request("monitor_cancel", ["m"]) == {"id": 1, "error": "unknown monitor"}


def test_blocked_wait_completes_after_a_commit_and_cancel_drops_it(
    served: tuple[ServerThread, Path],
) -> None:
    _, path = served
    waiter = RawClient(path)
    wait = {"op": "wait", "table": "T", "where": [["n", "==", 42]], "columns": ["n"],
            "until": "!=", "rows": []}
    waiter.send({"method": "transact", "params": ["F", wait], "id": "w"})
    waiter.send({"method": "transact", "params": ["F", wait], "id": "gone"})
    waiter.send({"method": "cancel", "params": ["gone"], "id": None})
    # Other requests are answered while the wait is blocked.
    assert waiter.request("echo", ["meanwhile"], id="e")["result"] == ["meanwhile"]
    RawClient(path).request("transact", ["F", {"op": "insert", "table": "T", "row": {"n": 42}}])
    done = waiter.recv()
    assert done == {"id": "w", "result": [{}], "error": None}
    assert waiter.request("echo", [], id="last")["id"] == "last"  # nothing for "gone"


def test_initial_contents_composed_once_per_request_and_state(
    served: tuple[ServerThread, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path = served
    calls = []
    real = engine.initial

    def counting(db: Any, request: Any, version: int) -> Any:
        calls.append(version)
        return real(db, request, version)

    monkeypatch.setattr(engine, "initial", counting)
    writer = RawClient(path)
    writer.request("transact", ["F", {"op": "insert", "table": "T", "row": {"n": 3}}])
    replies = [RawClient(path).request("monitor_cond", ["F", k, {"T": [{}]}], id=k)
               for k in range(5)]
    assert len(calls) == 1
    assert all(r["id"] == k and len(r["result"]["T"]) == 1 for k, r in enumerate(replies))
    writer.request("transact", ["F", {"op": "insert", "table": "T", "row": {"n": 4}}])
    again = RawClient(path).request("monitor_cond", ["F", "x", {"T": [{}]}])
    assert len(again["result"]["T"]) == 2 and len(calls) == 2


def test_client_gone_before_its_reply(served: tuple[ServerThread, Path]) -> None:
    st, path = served
    for k in range(10):
        c = RawClient(path)
        c.send({"method": "transact", "params": ["F", {"op": "insert", "table": "T",
                                                       "row": {"n": 100 + k}}], "id": 1})
        c.send({"method": "monitor", "params": ["F", "m", {"T": {}}], "id": 2})
        c.close()
    check = RawClient(path)
    rows = check.request("transact", ["F", {"op": "select", "table": "T",
                                            "where": [["n", ">=", 100]]}])["result"][0]["rows"]
    assert sorted(r["n"] for r in rows) == list(range(100, 110))
    deadline = time.time() + 10  # closes are handled as the loop gets to them
    while st.run(lambda: len(st.server.dbs["F"].hub)) and time.time() < deadline:
        time.sleep(0.01)
    assert st.run(lambda: len(st.server.dbs["F"].hub)) == 0
