"""Transaction engine semantics that need no server (fast unit tests)."""

from __future__ import annotations

import math
import uuid
from typing import Any

from test_engine_fixtures import Engine

from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.transaction import TxnContext, execute

UC = "0c1c5a38-5a7b-4a2f-9f6a-1c1a2c3d4e50"


def A(name: str) -> list[Any]:
    return [["name", "==", name]]


def test_insert_select_and_commit_shape() -> None:
    e = Engine()
    out = e.run([{"op": "insert", "table": "A", "row": {"name": "a", "i": 3}},
                 {"op": "comment", "comment": "one"}, {"op": "comment", "comment": "two"}])
    assert out.commit is not None and not out.durable
    assert out.commit.comment == "one\ntwo"
    assert out.commit.date_ms == int(e.now * 1000)
    (change,) = out.commit.changes["A"].values()
    assert change.old is None and change.new is not None
    assert change.new["i"] == Datum((3,)) and change.new["name"] == Datum(("a",))
    assert change.new.version != change.new.uuid
    assert str(change.new.uuid) == out.results[0]["uuid"][1]


def test_failed_op_pads_with_null_and_commits_nothing() -> None:
    e = Engine()
    out = e.run([{"op": "insert", "table": "A", "row": {"name": "a"}},
                 {"op": "insert", "table": "A", "row": {"i": 999}},
                 {"op": "select", "table": "A", "where": []}])
    assert out.results[1]["error"] == "constraint violation" and out.results[2] is None
    assert out.commit is None and e.db.tables["A"] == {}


def test_commit_time_error_is_appended() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "A", "row": {"name": "a"}})
    results = e.transact({"op": "insert", "table": "A", "row": {"name": "a"}})
    assert len(results) == 2 and results[1]["error"] == "constraint violation"


def test_update_to_same_values_counts_but_commits_nothing() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "A", "row": {"name": "a", "i": 1}})
    out = e.run([{"op": "update", "table": "A", "where": A("a"), "row": {"i": 1}}])
    assert out.results == [{"count": 1}] and out.commit is None


def test_modified_row_gets_new_version_and_old_is_kept() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "A", "row": {"name": "a", "i": 1}})
    (before,) = e.db.tables["A"].values()
    out = e.run([{"op": "mutate", "table": "A", "where": A("a"),
                  "mutations": [["i", "+=", 1]]}])
    assert out.commit is not None
    change = out.commit.changes["A"][before.uuid]
    assert change.old is before
    assert change.new is not None and change.new.version != before.version
    assert change.new["i"] == Datum((2,))


def test_wait_blocks_until_deadline_then_times_out() -> None:
    e = Engine()
    op = {"op": "wait", "table": "C", "where": [], "columns": ["x"], "until": "==",
          "rows": [{"x": 1}], "timeout": 500}
    blocked = execute(e.db, [op], TxnContext(now=10.0, start=10.0))
    assert blocked.results == [] and blocked.blocked_until == 10.5 and blocked.commit is None
    late = execute(e.db, [op], TxnContext(now=10.6, start=10.0))
    assert late.results == [{"error": "timed out", "details": '"wait" timed out after 600 ms'}]
    forever = execute(e.db, [{**op, "timeout": None}], TxnContext(now=10.0))
    assert forever.results == [{"error": "syntax error",
                                "details": "Parsing ovsdb operation 1 of 1 failed: Type "
                                           "mismatch for member 'timeout'.",
                                "syntax": forever.results[0]["syntax"]}]
    no_timeout = {k: v for k, v in op.items() if k != "timeout"}
    assert execute(e.db, [no_timeout], TxnContext(now=10.0)).blocked_until == math.inf
    e.transact({"op": "insert", "table": "C", "row": {"x": 1}})
    assert execute(e.db, [op], TxnContext(now=10.6, start=10.0)).results == [{}]


def test_assert_and_durable() -> None:
    e = Engine()
    assert e.transact({"op": "assert", "lock": "l"}) == [
        {"error": "not owner", "details": "Asserted lock l not held."}]
    out = e.run([{"op": "assert", "lock": "l"}, {"op": "commit", "durable": True}], owns=("l",))
    assert out.results == [{}, {}] and out.durable


def test_garbage_collection_is_transitive() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "B", "row": {"x": 1}, "uuid-name": "b1"},
               {"op": "insert", "table": "B", "row": {"x": 2, "bref": ["named-uuid", "b1"]},
                "uuid-name": "b2"},
               {"op": "insert", "table": "A", "row": {"name": "r",
                                                       "sref": ["named-uuid", "b2"]}})
    assert len(e.db.tables["B"]) == 2 and len(e.db.strong_refs) == 2
    out = e.run([{"op": "delete", "table": "A", "where": A("r")}])
    assert out.commit is not None and len(out.commit.changes["B"]) == 2
    assert e.db.tables["B"] == {} and e.db.strong_refs == {}


def test_weak_reference_cleanup_in_maps_and_min_violation() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "C", "uuid": UC, "row": {"x": 1}},
               {"op": "insert", "table": "A",
                "row": {"name": "w", "wm": ["map", [["k", ["uuid", UC]]]]}},
               {"op": "insert", "table": "D", "row": {"need": ["uuid", UC]}})
    assert e.db.weak_referrers[uuid.UUID(UC)] == {
        ("A", next(iter(e.db.tables["A"]))), ("D", next(iter(e.db.tables["D"])))}
    results = e.transact({"op": "delete", "table": "C", "where": []})
    assert results[1]["error"] == "constraint violation"
    assert "Deletion of 1 weak reference(s)" in results[1]["details"]
    e.transact({"op": "delete", "table": "D", "where": []})
    out = e.run([{"op": "delete", "table": "C", "where": []}])
    assert out.commit is not None
    (a_row,) = e.db.tables["A"].values()
    assert a_row["wm"] == Datum((), ()) and uuid.UUID(UC) not in e.db.weak_referrers


def test_insert_then_delete_in_one_transaction_is_no_change() -> None:
    e = Engine()
    out = e.run([{"op": "insert", "table": "A", "row": {"name": "t"}},
                 {"op": "delete", "table": "A", "where": A("t")}])
    assert out.results == [out.results[0], {"count": 1}] and out.commit is None


def test_ops_must_be_objects_and_tables_exist() -> None:
    e = Engine()
    assert e.transact(5)[0]["error"] == "syntax error"
    res = e.transact({"op": "delete", "table": "Nope", "where": []})
    assert res[0]["details"] == "Parsing ovsdb operation 1 of 1 failed: No table named Nope."


def test_execute_never_mutates_database() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "A", "row": {"name": "a"}})
    snapshot = {t: dict(rows) for t, rows in e.db.tables.items()}
    out = execute(e.db, [{"op": "delete", "table": "A", "where": []},
                         {"op": "insert", "table": "C", "row": {"x": 1}}], TxnContext())
    assert out.commit is not None
    assert {t: dict(rows) for t, rows in e.db.tables.items()} == snapshot


def test_integer_arithmetic_edges() -> None:
    """C semantics (truncating division, remainder sign of the dividend), int64 range.

    ovsdb-server 3.1 itself dies of SIGFPE on "*= 0" of a negative value; we
    just compute 0.
    """
    e = Engine()
    e.transact({"op": "insert", "table": "A", "row": {"name": "n", "big": -7}})

    def mutate(*m: Any) -> Any:
        return e.transact({"op": "mutate", "table": "A", "where": A("n"), "mutations": list(m)},
                          {"op": "select", "table": "A", "where": A("n"), "columns": ["big"]})

    assert mutate(["big", "/=", 2])[1]["rows"] == [{"big": -3}]
    assert mutate(["big", "%=", 2])[1]["rows"] == [{"big": -1}]
    assert mutate(["big", "*=", 0])[1]["rows"] == [{"big": 0}]
    assert mutate(["big", "-=", 2**63 - 1], ["big", "-=", 1])[1]["rows"] == [{"big": -(2**63)}]
    assert mutate(["big", "/=", -1])[0]["error"] == "range error"
    assert mutate(["big", "*=", -1])[0]["error"] == "range error"
    assert mutate(["big", "%=", -1])[1]["rows"] == [{"big": 0}]
