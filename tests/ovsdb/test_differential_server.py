"""pyovn ovsdb-server against OVS's ovsdb-server: same input, same answers.

Seeded random transactions go to both servers (each on its own file with the
same schema) over one connection each, which also holds monitors (monitor,
monitor_cond, a monitor_cond_change midway). Replies and the updates that
arrive before each reply are compared after normalising: UUIDs become the
label of the insert that created the row, `_version` is dropped, set and map
elements and selected rows are sorted.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import server_procs
from server_harness import RawClient
from server_procs import ServerProc

pytestmark = [pytest.mark.integration, pytest.mark.differential]

SCHEMA = {
    "name": "Diff",
    "version": "1.0.0",
    "tables": {
        "A": {
            "columns": {
                "name": {"type": "string"},
                "n": {"type": {"key": {"type": "integer", "minInteger": -10,
                                       "maxInteger": 100}}},
                "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
                "m": {"type": {"key": "string", "value": "integer", "min": 0,
                               "max": "unlimited"}},
            },
            "isRoot": True,
            "indexes": [["name"]],
        },
        "B": {
            "columns": {
                "label": {"type": "string"},
                "a": {"type": {"key": {"type": "uuid", "refTable": "A"}, "min": 0, "max": 1}},
            },
            "isRoot": False,
        },
        "R": {
            "columns": {
                "name": {"type": "string"},
                "bs": {"type": {"key": {"type": "uuid", "refTable": "B"}, "min": 0,
                                "max": "unlimited"}},
                "weak": {"type": {"key": {"type": "uuid", "refTable": "A",
                                          "refType": "weak"}, "min": 0, "max": "unlimited"}},
            },
            "isRoot": True,
        },
    },
}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID_IN_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _start_pair(tmp_path: Path) -> Iterator[tuple[ServerProc, ServerProc]]:
    schema = tmp_path / "diff.ovsschema"
    schema.write_text(json.dumps(SCHEMA))
    servers = []
    try:
        for kind in ("pyovn", "ovs"):
            db = tmp_path / f"{kind}.db"
            server_procs.create_db(db, schema)
            servers.append(server_procs.start(kind, tmp_path, db, name=kind))
        yield servers[0], servers[1]
    finally:
        for s in servers:
            s.stop()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[ServerProc, ServerProc]]:
    yield from _start_pair(tmp_path)


@pytest.fixture(scope="module")
def shared_pair(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProc, ServerProc]]:
    """One pair for all bad-input cases: each must leave both servers serving."""
    yield from _start_pair(tmp_path_factory.mktemp("bad-input"))


class Normaliser:
    """Maps each server's UUIDs to labels of the inserts that made them."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def learn(self, ops: list[Any], reply: Any, txn: int) -> None:
        results = reply.get("result") or []
        for i, (op, res) in enumerate(zip(ops, results, strict=False)):
            if op.get("op") == "insert" and isinstance(res, dict) and "uuid" in res:
                self.labels.setdefault(res["uuid"][1], f"row{txn}.{i}")

    def norm(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {self._key(k): self.norm(v) for k, v in value.items() if k != "_version"}
        if isinstance(value, list):
            if len(value) == 2 and value[0] == "uuid" and isinstance(value[1], str):
                return ["uuid", self._uuid(value[1])]
            if len(value) == 2 and value[0] in ("set", "map") and isinstance(value[1], list):
                items = [self.norm(v) for v in value[1]]
                return [value[0], sorted(items, key=lambda x: json.dumps(x, sort_keys=True))]
            return [self.norm(v) for v in value]
        if isinstance(value, str):
            return UUID_IN_TEXT.sub(lambda m: self._uuid(m.group()), value)
        return value

    def _key(self, key: str) -> str:
        return self._uuid(key) if UUID_RE.match(key) else key

    def _uuid(self, text: str) -> str:
        return self.labels.get(text, "<uuid>")


class Driver:
    """One connection to one server: send a request, collect what comes before its reply."""

    def __init__(self, server: ServerProc) -> None:
        self.client = RawClient(server.sock)
        self.norm = Normaliser()
        self.next_id = 0

    def call(self, method: str, params: list[Any]) -> tuple[Any, list[Any]]:
        self.next_id += 1
        self.client.send({"method": method, "params": params, "id": self.next_id})
        notes = []
        while True:
            msg = self.client.recv()
            assert msg is not None, "server closed the connection"
            if msg.get("method") is not None:
                notes.append(msg)
            elif msg.get("id") == self.next_id:
                return msg, notes


def _select_rows_sorted(reply: Any) -> Any:
    for res in reply.get("result") or []:
        if isinstance(res, dict) and "rows" in res:
            res["rows"].sort(key=lambda r: json.dumps(r, sort_keys=True))
        if isinstance(res, dict) and "error" in res:
            # Operation-level error texts are the engine's; its own differential
            # test compares them. Here: the same operation fails, the same way.
            res.pop("details", None)
    return reply


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names: list[str] = []
        self.counter = 0

    def _name(self) -> str:
        if self.names and self.rng.random() < 0.6:
            return self.rng.choice(self.names)
        return f"n{self.rng.randrange(30)}"

    def _tags(self) -> list[Any]:
        return ["set", self.rng.sample(["x", "y", "z", "w"], self.rng.randrange(4))]

    def txn(self) -> list[dict[str, Any]]:
        ops = []
        for _ in range(self.rng.randrange(1, 4)):
            ops.append(self.op())
        if self.rng.random() < 0.1:
            ops.append({"op": "comment", "comment": "random"})
        return ops

    def op(self) -> dict[str, Any]:
        r = self.rng.random()
        where = [["name", "==", self._name()]]
        if r < 0.3:
            self.counter += 1
            name = f"n{self.rng.randrange(30)}"
            self.names.append(name)
            return {"op": "insert", "table": "A",
                    "row": {"name": name, "n": self.rng.randrange(-12, 103),
                            "tags": self._tags(),
                            "m": ["map", [["k", self.rng.randrange(5)]]]}}
        if r < 0.45:
            return {"op": "update", "table": "A", "where": where,
                    "row": {"n": self.rng.randrange(-3, 20), "tags": self._tags()}}
        if r < 0.6:
            mutator = self.rng.choice(["+=", "-=", "*=", "/=", "%="])
            muts = [["n", mutator, self.rng.randrange(-2, 4)],
                    ["tags", self.rng.choice(["insert", "delete"]), self._tags()],
                    ["m", "insert", ["map", [["j", self.rng.randrange(3)]]]]]
            return {"op": "mutate", "table": "A", "where": where,
                    "mutations": self.rng.sample(muts, self.rng.randrange(1, 4))}
        if r < 0.68:
            return {"op": "delete", "table": "A",
                    "where": [["n", ">", self.rng.randrange(0, 100)]]}
        if r < 0.8:
            return {"op": "select", "table": "A",
                    "where": [["n", self.rng.choice(["<", ">=", "!="]), self.rng.randrange(10)]],
                    "columns": ["name", "n", "tags"]}
        if r < 0.9:
            return {"op": "insert", "table": "R",
                    "row": {"name": self._name(),
                            "bs": ["set", [["named-uuid", "b1"]]] if self.rng.random() < 0.5
                            else ["set", []]},
                    "uuid-name": "r1"} if self.rng.random() < 0.5 else {
                "op": "insert", "table": "B", "row": {"label": "orphan"}}
        return {"op": "wait", "table": "A", "where": where, "columns": ["name"],
                "until": self.rng.choice(["==", "!="]), "rows": [{"name": self._name()}],
                "timeout": 0}

    def fix_named(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Give every "named-uuid" b1 an insert that defines it."""
        if "b1" in json.dumps(ops):
            ops = [{"op": "insert", "table": "B", "uuid-name": "b1",
                    "row": {"label": "child"}}, *ops]
        return ops


MONITORS: list[tuple[str, list[Any]]] = [
    ("monitor", ["Diff", "all", {"A": {}, "B": {}, "R": {}}]),
    ("monitor_cond", ["Diff", "cond", {"A": [{"where": [["n", ">=", 5]],
                                               "columns": ["name", "n", "tags"]}],
                                        "R": [{}]}]),
]


def _run(drivers: list[Driver], method: str, params: list[Any]) -> list[tuple[Any, Any]]:
    outs = []
    for d in drivers:
        reply, notes = d.call(method, params)
        if method == "transact":
            d.norm.learn(params[1:], reply, d.next_id)
            _select_rows_sorted(reply)
        outs.append((d.norm.norm(reply), [d.norm.norm(n) for n in notes]))
    return outs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_transactions_and_monitors_match_ovsdb_server(
    pair: tuple[ServerProc, ServerProc], seed: int
) -> None:
    drivers = [Driver(pair[0]), Driver(pair[1])]
    for method, params in MONITORS:
        py, ovs = _run(drivers, method, params)
        assert py == ovs, f"{method} initial differs"
    gen = Generator(seed)
    for step in range(60):
        ops = gen.fix_named(gen.txn())
        if step == 30:
            change = ["cond", "cond2", {"A": [{"where": [["n", "<", 5]]}]}]
            py, ovs = _run(drivers, "monitor_cond_change", change)
            assert py == ovs, "monitor_cond_change differs"
        py, ovs = _run(drivers, "transact", ["Diff", *ops])
        assert py == ovs, f"step {step}: {json.dumps(ops)}\npyovn: {py}\novs:   {ovs}"


BAD_INPUTS = [
    b'{"method":"frob","params":[],"id":1}',
    b'{"method":"get_schema","params":["X"],"id":1}',
    b'{"method":"get_schema","params":[],"id":1}',
    b'{"method":"transact","params":[1],"id":1}',
    b'{"method":"transact","params":["X"],"id":1}',
    b'{"method":"transact","params":["Diff",{"op":"select","table":"Z","where":[]}],"id":1}',
    b'{"method":"transact","params":["Diff",{"op":"bogus","table":"A"}],"id":1}',
    b'{"method":"transact","params":["Diff",5],"id":1}',
    b'{"method":"transact","params":["Diff",{"op":"insert","table":"A","row":{"n":"x"}}],"id":1}',
    b'{"method":"transact","params":["Diff",{"op":"insert","table":"A","row":{"zz":1}}],"id":1}',
    b'{"method":"monitor","params":["X",null,{"A":{}}],"id":1}',
    b'{"method":"monitor","params":["Diff",null,{"Z":{}}],"id":1}',
    b'{"method":"monitor","params":["Diff",null,{"A":{"columns":["n","n"]}}],"id":1}',
    b'{"method":"monitor_cond","params":["Diff",null,{"A":[{"where":[["zz","==",1]]}]}],"id":1}',
    b'{"method":"monitor_cond_since","params":["Diff",null,{"A":[{}]},"junk"],"id":1}',
    b'{"method":"monitor_cond_since","params":["Diff",null,{"A":[{}]},5],"id":1}',
    b'{"method":"monitor","params":["Diff",null,5],"id":1}',
    b'{"method":"monitor","params":["Diff",null,{"A":{"select":{"insert":5}}}],"id":1}',
    b'{"method":"transact","params":["Diff",{"op":"wait","table":"A","where":[],'
    b'"until":"==","rows":[],"timeout":"x"}],"id":1}',
    b'{"method":"echo","params":[],"id":[1,{"a":2}]}',
    b'{"method":"steal","params":["a","b"],"id":1}',
    b'{"method":"monitor","params":["Diff",null,{"A":{"columns":["zz"]}}],"id":1}',
    b'{"method":"monitor_cancel","params":[5],"id":1}',
    b'{"method":"monitor_cond_change","params":[5,6,{}],"id":1}',
    b'{"method":"lock","params":[1],"id":1}',
    b'{"method":"unlock","params":["a"],"id":1}',
    b'{"method":"set_db_change_aware","params":[],"id":1}',
    b'{"method":"transact","params":["_Server",{"op":"insert","table":"Database",'
    b'"row":{"name":"x","model":"standalone"}}],"id":1}',
    b'{"method":"list_dbs","params":{},"id":1}',
    b'{"method":"list_dbs","id":1}',
    b'{"params":[],"id":1}',
    b'{"result":[],"id":1}',
    b"[1,2]",
    b'"str"',
    b'{"method":1,"params":[],"id":1}',
    b'{"method":"echo","params":[],"id":1,"extra":2}',
    b"[" * 5000,
    b'{"method":"transact","params":["Diff",' + b"[" * 3000 + b"]" * 3000 + b"],\"id\":1}",
]


def _outcome(server: ServerProc, data: bytes) -> Any:
    c = RawClient(server.sock, timeout=5)
    c.send_bytes(data)
    msg = c.recv()
    c.close()
    return "closed" if msg is None else msg


@pytest.mark.parametrize("data", BAD_INPUTS, ids=lambda d: d[:40].decode(errors="replace"))
def test_bad_input_answered_like_ovsdb_server(
    shared_pair: tuple[ServerProc, ServerProc], data: bytes
) -> None:
    py, ovs = (_outcome(s, data) for s in shared_pair)
    assert py == ovs
    for server in shared_pair:  # both carry on
        assert RawClient(server.sock).request("echo", ["ok"])["result"] == ["ok"]
