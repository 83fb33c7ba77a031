"""Differential: monitor, monitor_cond and monitor_cond_since updates from
ovsdb-server 3.1 and from our composer, for the same transactions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_engine_fixtures import Engine, RealServer, real_server

from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.monitor import (
    MonitorRequest,
    commit_update,
    condition_change_update,
    initial_update,
)

pytestmark = [pytest.mark.integration, pytest.mark.differential]


def U(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def ins(table: str, n: int, row: dict[str, Any]) -> dict[str, Any]:
    return {"op": "insert", "table": table, "uuid": U(n), "row": row}


def upd(n: int, row: dict[str, Any], table: str = "A") -> dict[str, Any]:
    return {"op": "update", "table": table, "where": [["_uuid", "==", ["uuid", U(n)]]],
            "row": row}


def mut(n: int, *mutations: Any) -> dict[str, Any]:
    return {"op": "mutate", "table": "A", "where": [["_uuid", "==", ["uuid", U(n)]]],
            "mutations": list(mutations)}


SETUP = [[ins("A", 1, {"name": "pre", "i": 50, "ns": ["set", [1]]}),
          ins("C", 2, {"x": 2})]]

MONITORS: list[tuple[str, int, Any]] = [
    ("v1all", 1, {"A": {}, "C": {}}),
    ("v1cols", 1, {"A": [{"columns": ["name", "i", "ns", "m", "_version"]}],
                   "C": [{"columns": ["x", "_uuid"], "select": {"initial": False}}]}),
    ("v1sel", 1, {"A": {"columns": ["name", "i"],
                        "select": {"insert": False, "modify": True, "delete": False}}}),
    ("v2cond", 2, {"A": [{"columns": ["name", "i", "ns", "m"], "where": [["i", ">", 10]]}],
                   "C": {"columns": ["x"]}}),
    ("v2all", 2, {"A": {}, "B": {}, "C": [{"where": [True, ["x", "==", 2]]}]}),
    ("v2or", 2, {"A": [{"columns": ["name", "s", "w1", "wm"],
                        "where": [["name", "==", "pre"], ["s", "==", "ab"]]}]}),
    ("v3cond", 3, {"A": [{"columns": ["name", "ns", "i"], "where": [["i", ">", 10]]}]}),
    ("v3false", 3, {"A": [{"columns": ["name"], "where": [False]}]}),
    ("v2none", 2, {"A": [{"columns": []}], "C": [{"columns": []}]}),
    ("v1none", 1, {"A": [{"columns": []}], "C": [{"columns": [], "select": {"modify": False}}]}),
]
# Conditions on columns the monitor does not report.  Kept apart: ovsdb-server
# 3.1 aborts (SIGABRT) on the first insert when this monitor is added next to
# all of the above.
WATCH_MONITORS: list[tuple[str, int, Any]] = [
    ("v2watch", 2, {"A": [{"columns": ["name"],
                           "where": [["i", ">", 10], ["m", "==", ["map", []]]]}]}),
]
METHOD = {1: "monitor", 2: "monitor_cond", 3: "monitor_cond_since"}
ZERO = "00000000-0000-0000-0000-000000000000"

SCENARIO: list[Any] = [
    [ins("A", 3, {"name": "mon1", "i": 5, "ns": ["set", [1, 2]], "m": ["map", [["k", 1]]]})],
    [upd(3, {"i": 20})],
    [mut(3, ["ns", "insert", ["set", [3]]], ["ns", "delete", ["set", [1]]],
         ["m", "insert", ["map", [["z", 2]]]])],
    [upd(3, {"m": ["map", [["k", 7], ["z", 2]]]})],
    [upd(3, {"eph": 4})],
    ("change", "v2cond", {"A": [{"where": [["i", "<", 30]]}]}),
    ("change", "v3cond", {"A": [{"where": [["name", "==", "mon1"]]}]}),
    [upd(3, {"i": 1}), upd(1, {"s": "ab"})],
    [ins("C", 4, {"x": 7}), upd(3, {"w1": ["uuid", U(4)], "wm": ["map", [["a", ["uuid", U(4)]]]]}),
     ins("B", 5, {"x": 1})],
    [{"op": "delete", "table": "C", "where": [["x", "==", 7]]}],
    [upd(3, {"r": 1.5, "b": True, "name": "mon1b"})],
    [{"op": "delete", "table": "A", "where": [["_uuid", "==", ["uuid", U(3)]]]}],
    [{"op": "delete", "table": "A", "where": []}],
]


def _mask_versions(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("V" if k == "_version" else _mask_versions(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mask_versions(x) for x in obj]
    return obj


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RealServer]:
    yield from real_server(tmp_path)


def _drain(conn: Any) -> list[Any]:
    """Notifications queued before the reply to an echo sent now."""
    conn.call("echo", [])
    out, conn.pending = conn.pending, []
    return out


def _real_updates(note: Any) -> tuple[str, Any]:
    params = note["params"]
    if note["method"] == "update3":
        assert params[1] == ZERO
        return params[0], params[2]
    return params[0], params[1]


@pytest.mark.parametrize("monitors", [MONITORS, WATCH_MONITORS], ids=["main", "watch"])
def test_monitors_match_ovsdb_server(server: RealServer, monitors: Any) -> None:
    engine = Engine()
    conn = server.connect()
    try:
        for ops in SETUP:
            conn.call("transact", ["T", *ops])
            engine.transact(*ops)
        seen: list[int] = []
        requests: dict[str, MonitorRequest] = {}
        versions: dict[str, int] = {}
        for name, version, reqs in monitors:
            params: list[Any] = ["T", name, reqs]
            if version == 3:
                params.append(ZERO)
            reply = conn.call(METHOD[version], params)
            assert "error" not in reply or reply["error"] is None, reply
            real = reply["result"][2] if version == 3 else reply["result"]
            req = MonitorRequest.from_json(engine.schema, reqs, version)
            requests[name], versions[name] = req, version
            assert _mask_versions(initial_update(engine.db, req, version)) == \
                _mask_versions(real), name
        for step in SCENARIO:
            if isinstance(step, tuple):
                _, name, change = step
                if name not in requests:
                    continue
                reply = conn.call("monitor_cond_change", [name, name, change])
                assert reply["result"] == {}
                new_req = requests[name].with_conditions(engine.schema, change)
                expected = condition_change_update(engine.db, requests[name], new_req,
                                                   versions[name])
                requests[name] = new_req
                got = {n: u for n, u in map(_real_updates, _drain(conn))}
                assert got.get(name) == expected, step
                continue
            reply = conn.call("transact", ["T", *step])
            n_before = len(engine.commits)
            ours_results = engine.transact(*step)
            assert len(ours_results) == len(reply["result"])
            commit = engine.commits[-1] if len(engine.commits) > n_before else None
            real_by_monitor = {n: _mask_versions(u)
                               for n, u in map(_real_updates, _drain(conn))}
            ours_by_monitor = {}
            for name, req in requests.items():
                update = commit_update(commit, req, versions[name]) if commit else None
                if update is not None:
                    ours_by_monitor[name] = _mask_versions(update)
            seen.append(len(real_by_monitor))
            assert ours_by_monitor == real_by_monitor, step
        # every transaction reached some monitor; the sharing cases were exercised
        assert sum(seen) >= 2 * len(monitors), seen
    finally:
        conn.close()


def test_monitor_request_errors_match(server: RealServer) -> None:
    engine = Engine()
    conn = server.connect()
    bad: list[Any] = [
        {"C": [{"columns": ["x"], "foo": 1}]},
        {"C": [{"select": {"initial": 1}}]},
        {"C": [{"select": {"bogus": True}}]},
        {"C": 5},
        5,
        {"Z": {}},
        {"C": [5]},
        {"C": {"columns": [5]}},
        {"C": {"where": [["x", "<", "a"]]}},
        {"C": [{"columns": ["x", "x"]}]},
        {"C": [{"columns": ["y"]}]},
        {"C": [{"where": [["y", "==", 1]]}]},
        {"C": [{"columns": ["x"]}, {"columns": ["x"]}]},
        {"C": [{"where": [["x", "<", "a"]]}]},
    ]
    try:
        for i, reqs in enumerate(bad):
            reply = conn.call("monitor_cond", ["T", f"bad{i}", reqs])
            with pytest.raises(Exception) as info:
                MonitorRequest.from_json(engine.schema, reqs, 2)
            assert info.value.to_json() == reply["error"], reqs  # type: ignore[attr-defined]
    finally:
        conn.close()


def test_monitor_cond_change_errors_match(server: RealServer) -> None:
    engine = Engine()
    conn = server.connect()
    reqs = {"C": [{"columns": ["x"]}]}
    bad: list[Any] = [
        {"C": [{"columns": ["x"], "where": []}]},
        {"Z": [{"where": []}]},
        {"A": [{"where": []}]},
        {"C": [{"where": [["q", "==", 1]]}]},
        {"C": {"where": []}},
        {"C": [{"where": [], "foo": 1}]},
    ]
    try:
        assert conn.call("monitor_cond", ["T", "m", reqs])["error"] is None
        req = MonitorRequest.from_json(engine.schema, reqs, 2)
        for change in bad:
            reply = conn.call("monitor_cond_change", ["m", "m", change])
            with pytest.raises(OvsdbError) as info:
                req.with_conditions(engine.schema, change)
            assert info.value.to_json() == reply["error"], change
    finally:
        conn.close()
