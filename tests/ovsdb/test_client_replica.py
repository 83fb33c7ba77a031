"""The client's pure parts: replica updates, change tracking, rows, codegen, results."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from pyovn.ovsdb.client import Row, TempRef, generate_row_classes
from pyovn.ovsdb.client.errors import (
    ConstraintViolation,
    NotOwner,
    ReferentialIntegrityViolation,
    Timeout,
    TransactionError,
    TryAgain,
)
from pyovn.ovsdb.client.replica import Replica, ReplicaError, changed_columns
from pyovn.ovsdb.client.server_db import ServerDbWatch
from pyovn.ovsdb.client.transaction import Transaction, interpret_results
from pyovn.ovsdb.schema import DatabaseSchema

SCHEMA = DatabaseSchema.from_json({
    "name": "T",
    "tables": {
        "Sw": {"columns": {
            "name": {"type": "string"},
            "n": {"type": {"key": "integer", "min": 0, "max": 1}},
            "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
            "opts": {"type": {"key": "string", "value": "string",
                              "min": 0, "max": "unlimited"}},
            "peer": {"type": {"key": {"type": "uuid", "refTable": "Sw", "refType": "weak"},
                              "min": 0, "max": 1}},
        }, "isRoot": True},
    },
})
U1 = uuid.UUID(int=1)
U2 = uuid.UUID(int=2)


def replica(columns: tuple[str, ...] = ("name", "n", "tags", "opts", "peer")) -> Replica:
    return Replica(SCHEMA, {"Sw": columns})


def initial(r: Replica, rows: dict[uuid.UUID, dict[str, Any]], kind: str = "initial") -> None:
    r.apply_updates({"Sw": {str(u): {kind: row} for u, row in rows.items()}}, 2)


def test_initial_rows_take_defaults_for_omitted_columns() -> None:
    r = replica()
    initial(r, {U1: {"name": "a", "tags": ["set", ["x", "y"]],
                     "opts": ["map", [["k", "v"]]], "peer": ["uuid", str(U2)]}})
    row = r.tables["Sw"][U1]
    assert (row.uuid, row.name, row.n, row.tags) == (U1, "a", None, frozenset({"x", "y"}))
    assert dict(row.opts) == {"k": "v"} and row.peer == U2
    assert r.seqno == 1


def test_update2_modify_applies_set_and_map_diffs() -> None:
    r = replica()
    initial(r, {U1: {"name": "a", "tags": ["set", ["x", "y"]],
                     "opts": ["map", [["k", "v"], ["gone", "1"]]]}})
    r.apply_updates({"Sw": {str(U1): {"modify": {
        "name": "b", "n": 7, "tags": ["set", ["y", "z"]],
        "opts": ["map", [["k", "w"], ["gone", "1"], ["new", "2"]]]}}}}, 2)
    row = r.tables["Sw"][U1]
    assert (row.name, row.n, row.tags) == ("b", 7, frozenset({"x", "z"}))
    assert dict(row.opts) == {"k": "w", "new": "2"}
    r.apply_updates({"Sw": {str(U1): {"modify": {"n": ["set", []]}}}}, 3)
    assert r.tables["Sw"][U1].n is None


def test_update_version1_old_new() -> None:
    r = replica()
    r.apply_updates({"Sw": {str(U1): {"new": {"name": "a", "tags": "x"}}}}, 1)
    r.apply_updates({"Sw": {str(U1): {"old": {"name": "a"}, "new": {"name": "b"}}}}, 1)
    assert r.tables["Sw"][U1].name == "b" and r.tables["Sw"][U1].tags == {"x"}
    r.apply_updates({"Sw": {str(U1): {"old": {"name": "b"}}}}, 1)
    assert U1 not in r.tables["Sw"]


def test_tracking_merges_changes_since_last_clear() -> None:
    r = replica()
    initial(r, {U1: {"name": "a"}})
    r.clear_changes()
    t = r.tables["Sw"]
    first = t[U1]
    r.apply_updates({"Sw": {str(U1): {"modify": {"name": "b"}}}}, 2)
    r.apply_updates({"Sw": {str(U1): {"modify": {"name": "c"}}}}, 2)
    initial(r, {U2: {"name": "new"}}, "insert")
    ch = t.changes()
    assert list(ch.updated) == [U1]
    assert ch.updated[U1][0] is first and ch.updated[U1][1].name == "c"
    assert changed_columns(*ch.updated[U1]) == {"name"}
    assert list(ch.inserted) == [U2] and not ch.deleted
    r.apply_updates({"Sw": {str(U2): {"delete": None}}}, 2)
    r.apply_updates({"Sw": {str(U1): {"modify": {"name": "a"}}}}, 2)
    assert not t.changes()  # inserted+deleted and changed back: nothing happened
    r.apply_updates({"Sw": {str(U1): {"delete": None}}}, 2)
    assert dict(r.changes()["Sw"].deleted) == {U1: first}
    r.clear_changes()
    assert r.changes() == {}


def test_replace_all_tracks_only_differences() -> None:
    r = replica()
    initial(r, {U1: {"name": "same"}, U2: {"name": "old"}})
    r.clear_changes()
    u3 = uuid.UUID(int=3)
    r.replace_all({"Sw": {str(U1): {"initial": {"name": "same"}},
                          str(u3): {"initial": {"name": "fresh"}}}}, 3)
    ch = r.changes()["Sw"]
    assert list(ch.inserted) == [u3] and list(ch.deleted) == [U2] and not ch.updated
    assert sorted(row.name for row in r.tables["Sw"]) == ["fresh", "same"]


@pytest.mark.parametrize("updates", [
    {"Sw": {"not-a-uuid": {"initial": {"name": "a"}}}},
    {"Sw": {str(U1): {"initial": {"name": 5}}}},
    {"Sw": {str(U1): {"initial": {"tags": ["map", []]}}}},
    {"Sw": {str(U1): {"modify": {"name": "x"}}}},
    {"Sw": {str(U1): {"frobnicate": {}}}},
    {"Nope": {}},
    ["not", "an", "object"],
])
def test_malformed_updates_raise_replica_error(updates: Any) -> None:
    with pytest.raises(ReplicaError):
        replica().apply_updates(updates, 2)


def test_rows_are_immutable_and_compare_by_value() -> None:
    r = replica(("name",))
    initial(r, {U1: {"name": "a"}})
    row = r.tables["Sw"][U1]
    with pytest.raises(AttributeError, match="immutable"):
        row.name = "b"  # type: ignore[attr-defined]
    assert not hasattr(row, "__dict__")
    again = type(row)._make(U1, ["a"])
    assert again == row and hash(again) == hash(row) and row._asdict() == {"name": "a"}
    assert type(row)._make(U1, ["b"]) != row


def test_generated_row_classes_are_used_by_the_replica() -> None:
    nb = DatabaseSchema.from_json(json.load(open("/usr/share/ovn/ovn-nb.ovsschema")))
    source = generate_row_classes(nb)
    assert "    name: str\n" in source and "    ports: frozenset[UUID]\n" in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "nb_rows", "exec"), namespace)
    classes = namespace["ROW_CLASSES"]
    ls_cls = classes["Logical_Switch"]
    assert issubclass(ls_cls, Row) and ls_cls.__name__ == "LogicalSwitch"
    r = Replica(nb, {"Logical_Switch": ("name", "ports")}, classes)
    r.apply_updates({"Logical_Switch": {str(U1): {"initial": {"name": "sw"}}}}, 2)
    row = r.tables["Logical_Switch"][U1]
    assert type(row) is ls_cls and row.name == "sw" and row.other_config is None


# ------------------------------------------------------------ transactions (pure)

def make_row(name: str = "a", u: uuid.UUID = U1) -> Row:
    r = replica()
    initial(r, {u: {"name": name, "tags": ["set", ["x"]]}})
    return r.tables["Sw"][u]


def test_transaction_builds_ops() -> None:
    txn = Transaction(None, SCHEMA, "T", verify_reads=True, lock="L")
    row = make_row()
    ref = txn.insert("Sw", name="new", tags={"a"}, opts={"k": "v"}, peer=row)
    assert txn.get(row, "tags") == frozenset({"x"})
    txn.update(row, n=None, peer=ref)
    txn.add_to(row, "tags", "b")
    txn.remove_from(row, "opts", ["k"])
    txn.delete(row)
    ops = txn.ops
    assert ops[0] == {"op": "assert", "lock": "L"}
    assert ops[1]["row"] == {"name": "new", "tags": ["set", ["a"]],
                             "opts": ["map", [["k", "v"]]], "peer": ["uuid", str(U1)]}
    assert ops[1]["uuid-name"] == ref.name
    assert ops[2] == {"op": "wait", "table": "Sw", "timeout": 0,
                      "where": [["_uuid", "==", ["uuid", str(U1)]]], "columns": ["tags"],
                      "until": "==", "rows": [{"tags": ["set", ["x"]]}]}
    assert ops[3]["row"] == {"n": ["set", []], "peer": ["named-uuid", ref.name]}
    assert ops[4]["mutations"] == [["tags", "insert", ["set", ["b"]]]]
    assert ops[5]["mutations"] == [["opts", "delete", ["set", ["k"]]]]
    assert ops[6]["op"] == "delete"
    with pytest.raises(ValueError):
        txn.update(row, nope=1)


def results_for(txn: Transaction, **overrides: Any) -> list[Any]:
    out: list[Any] = []
    for op in txn.ops:
        out.append({"uuid": ["uuid", str(U2)]} if op["op"] == "insert"
                   else {"count": 1} if op["op"] in ("update", "delete", "mutate") else {})
    for index, value in overrides.items():
        i = int(index[1:])
        if i < len(out):
            out[i] = value
        else:
            out.append(value)
    return out


def test_interpret_results() -> None:
    txn = Transaction(None, SCHEMA, "T")
    row = make_row()
    ref = txn.insert("Sw", name="x")
    txn.verify(row, "name")
    txn.update(row, name="y")
    txn.wait("Sw", [], ["name"], [{"name": "q"}], timeout=0)
    assert interpret_results(txn, results_for(txn)).inserted == {ref: U2}
    timed_out = {"error": "timed out", "details": "no"}
    with pytest.raises(TryAgain):
        interpret_results(txn, results_for(txn, i1=timed_out))
    with pytest.raises(Timeout):
        interpret_results(txn, results_for(txn, i3=timed_out))
    with pytest.raises(TryAgain, match="matched no row"):
        interpret_results(txn, results_for(txn, i2={"count": 0}))
    with pytest.raises(ConstraintViolation) as info:
        interpret_results(txn, results_for(txn, i0={"error": "constraint violation",
                                                    "details": "bad"}))
    assert info.value.op_index == 0 and info.value.details == "bad"
    trailing = {"error": "referential integrity violation", "details": "dangling"}
    with pytest.raises(ReferentialIntegrityViolation) as ri:
        interpret_results(txn, results_for(txn, i4=trailing))
    assert ri.value.op_index is None
    with pytest.raises(NotOwner):
        interpret_results(txn, results_for(txn, i0={"error": "not owner"}))
    with pytest.raises(TransactionError, match="malformed"):
        interpret_results(txn, {"no": "list"})


def test_temp_ref_as_value_and_unknown_table() -> None:
    txn = Transaction(None, SCHEMA, "T")
    a = txn.insert("Sw", name="a")
    txn.insert("Sw", name="b", peer=a)
    assert txn.ops[1]["row"]["peer"] == ["named-uuid", a.name]
    assert isinstance(a, TempRef) and a.table == "Sw"
    with pytest.raises(ValueError):
        txn.insert("Nope", name="x")


# ------------------------------------------------------------ _Server check (pure)

def server_row(**cols: Any) -> dict[str, Any]:
    return {"Database": {str(U1): {"initial": {"name": "NB", **cols}}}}


@pytest.mark.parametrize(("cols", "leader_only", "usable"), [
    ({"model": "standalone", "connected": True, "leader": True}, True, True),
    ({"model": "clustered", "connected": True, "leader": False}, False, True),
    ({"model": "clustered", "connected": True, "leader": False}, True, False),
    ({"model": "clustered", "connected": False, "leader": False}, False, False),
])
def test_server_db_watch(cols: dict[str, Any], leader_only: bool, usable: bool) -> None:
    watch = ServerDbWatch("NB", leader_only)
    watch._apply_updates(server_row(**cols))
    assert watch.usable is usable


def test_server_db_watch_follows_changes() -> None:
    watch = ServerDbWatch("NB", leader_only=True)
    watch._apply_updates(server_row(model="clustered", connected=True, leader=True))
    assert watch.usable
    watch.apply("update2", [watch.monitor_id,
                            {"Database": {str(U1): {"modify": {"leader": False}}}}])
    assert watch.reason == "this server is not the leader for NB"
    watch.apply("update2", [watch.monitor_id, {"Database": {str(U1): {"delete": None}}}])
    assert watch.reason is not None and "not in _Server" in watch.reason


def test_tracking_can_be_off_and_churn_leaves_no_entries() -> None:
    off = Replica(SCHEMA, {"Sw": ("name",)}, track=False)
    initial(off, {U1: {"name": "a"}})
    assert off.changes() == {} and len(off.tables["Sw"]) == 1
    on = replica(("name",))
    for _ in range(3):
        initial(on, {U2: {"name": "b"}}, "insert")
        on.apply_updates({"Sw": {str(U2): {"delete": None}}}, 2)
    assert on.tables["Sw"]._tracked == {}


def test_indexes_follow_inserts_modifies_and_deletes() -> None:
    r = replica()
    initial(r, {U1: {"name": "a", "tags": ["set", ["x"]]}, U2: {"name": "b"}})
    table = r.tables["Sw"]
    by_name = table.index("name")
    assert table.index("name") is by_name
    assert by_name.first("a") is table[U1] and by_name.get("zzz") == []
    by_name_n = table.index("name", "n")
    r.apply_updates({"Sw": {str(U1): {"modify": {"name": "b", "n": 3}}}}, 2)
    assert {row.uuid for row in by_name.get("b")} == {U1, U2} and by_name.get("a") == []
    assert by_name_n.get("b", 3) == [table[U1]] and by_name_n.get("b", None) == [table[U2]]
    by_tags = table.index("tags")
    assert by_tags.get(frozenset({"x"})) == [table[U1]]
    r.apply_updates({"Sw": {str(U2): {"delete": None}}}, 2)
    assert by_name.get("b") == [table[U1]]
    with pytest.raises(ValueError, match="map"):
        table.index("opts")
