"""Monitor parsing and update composition (unit and property tests)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_fixtures import Engine

from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.database import Commit, Row, RowChange
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.monitor import (
    MonitorRequest,
    commit_update,
    condition_change_update,
    initial_update,
)

ENGINE = Engine()
SCHEMA = ENGINE.schema
TA = SCHEMA.tables["A"]
RU = uuid.UUID(int=7)


def make_row(version: int, **values: Datum) -> Row:
    cols = dict(TA.defaults)
    cols.update(values)
    return Row(RU, uuid.UUID(int=version), cols)


def commit_of(old: Row | None, new: Row | None) -> Commit:
    return Commit(uuid.UUID(int=1), {"A": {RU: RowChange(old, new)}}, None, 0)


def test_requests_are_hashable_and_shared() -> None:
    reqs = {"A": [{"columns": ["name"], "where": [["i", ">", 1]]}]}
    a = MonitorRequest.from_json(SCHEMA, reqs, 2)
    b = MonitorRequest.from_json(SCHEMA, reqs, 2)
    assert a == b and hash(a) == hash(b)
    assert a != MonitorRequest.from_json(SCHEMA, {"A": [{"columns": ["name"]}]}, 2)


def test_v1_rejects_where_and_unknown_table() -> None:
    with pytest.raises(OvsdbError) as info:
        MonitorRequest.from_json(SCHEMA, {"A": {"where": []}}, 1)
    assert "Member 'where' is present but not allowed here." in (info.value.details or "")
    with pytest.raises(OvsdbError):
        MonitorRequest.from_json(SCHEMA, {"Nope": {}}, 2)


def test_default_columns_include_version_but_not_uuid() -> None:
    req = MonitorRequest.from_json(SCHEMA, {"C": {}}, 1)
    names = [c.name for c in req.tables[0].columns]
    assert "_version" in names and "_uuid" not in names and "x" in names


def test_modify_v1_and_v2_forms() -> None:
    old = make_row(1, name=Datum(("a",)), ns=Datum((1, 2)), m=Datum(("k",), (1,)))
    new = make_row(2, name=Datum(("a",)), ns=Datum((2, 3)), m=Datum(("k",), (5,)))
    v1 = MonitorRequest.from_json(SCHEMA, {"A": {"columns": ["name", "ns", "m"]}}, 1)
    assert commit_update(commit_of(old, new), v1, 1) == {"A": {str(RU): {
        "new": {"name": "a", "ns": ["set", [2, 3]], "m": ["map", [["k", 5]]]},
        "old": {"ns": ["set", [1, 2]], "m": ["map", [["k", 1]]]}}}}
    v2 = MonitorRequest.from_json(SCHEMA, {"A": {"columns": ["name", "ns", "m"]}}, 2)
    assert commit_update(commit_of(old, new), v2, 2) == {"A": {str(RU): {
        "modify": {"ns": ["set", [1, 3]], "m": ["map", [["k", 5]]]}}}}
    only_name = MonitorRequest.from_json(SCHEMA, {"A": {"columns": ["name"]}}, 2)
    assert commit_update(commit_of(old, new), only_name, 2) is None


def test_condition_turns_modify_into_insert_or_delete() -> None:
    req = MonitorRequest.from_json(SCHEMA, {"A": {"columns": ["name", "i"],
                                                  "where": [["i", ">", 10]]}}, 2)
    low, high = make_row(1, i=Datum((5,))), make_row(2, i=Datum((20,)))
    assert commit_update(commit_of(low, high), req, 2) == {
        "A": {str(RU): {"insert": {"i": 20}}}}
    assert commit_update(commit_of(high, low), req, 2) == {"A": {str(RU): {"delete": None}}}
    assert commit_update(commit_of(low, low), req, 2) is None


def test_select_flags_filter_change_kinds() -> None:
    req = MonitorRequest.from_json(
        SCHEMA, {"A": {"columns": ["i"], "select": {"insert": False, "initial": False}}}, 2)
    row = make_row(1, i=Datum((5,)))
    assert commit_update(commit_of(None, row), req, 2) is None
    assert commit_update(commit_of(row, None), req, 2) == {"A": {str(RU): {"delete": None}}}


def test_initial_and_condition_change() -> None:
    e = Engine()
    e.transact({"op": "insert", "table": "C", "row": {"x": 1}},
               {"op": "insert", "table": "C", "row": {"x": 2}})
    by_x = {r["x"].keys[0]: str(u) for u, r in e.db.tables["C"].items()}
    req = MonitorRequest.from_json(e.schema, {"C": {"columns": ["x"],
                                                    "where": [["x", "==", 1]]}}, 2)
    assert initial_update(e.db, req, 2) == {"C": {by_x[1]: {"initial": {"x": 1}}}}
    v1 = MonitorRequest.from_json(e.schema, {"C": {"columns": ["x"]}}, 1)
    assert initial_update(e.db, v1, 1)["C"][by_x[2]] == {"new": {"x": 2}}
    new_req = req.with_conditions(e.schema, {"C": [{"where": [["x", "==", 2]]}]})
    assert condition_change_update(e.db, req, new_req, 2) == {
        "C": {by_x[1]: {"delete": None}, by_x[2]: {"insert": {"x": 2}}}}
    assert condition_change_update(e.db, req, req, 2) is None


ints = st.integers(min_value=-5, max_value=100)
small_sets = st.frozensets(st.integers(min_value=-3, max_value=6), max_size=5)
small_maps = st.dictionaries(st.sampled_from("abcd"), st.integers(-2, 2), max_size=4)
opt_str = st.one_of(st.just(()), st.tuples(st.sampled_from(["a", "ab", "abc"])))


@st.composite
def rows(draw: Any, version: int) -> Row:
    return make_row(version, i=Datum((draw(ints),)), ns=Datum.from_set(draw(small_sets)),
                    m=Datum.from_map(draw(small_maps)), s=Datum(draw(opt_str)))


@settings(deadline=None, max_examples=80)
@given(rows(1), rows(2))
def test_update2_modify_applied_to_old_gives_new(old: Row, new: Row) -> None:
    req = MonitorRequest.from_json(SCHEMA, {"A": {"columns": ["i", "ns", "m", "s"]}}, 2)
    update = commit_update(commit_of(old, new), req, 2)
    rebuilt = {c: old[c] for c in ("i", "ns", "m", "s")}
    if update is not None:
        for name, diff_json in update["A"][str(RU)]["modify"].items():
            ctype = TA.columns[name].type
            diff = Datum.from_json(ctype.with_count(0, 2**32 - 1), diff_json)
            rebuilt[name] = old[name].apply_diff(diff, ctype)
    assert rebuilt == {c: new[c] for c in ("i", "ns", "m", "s")}


def test_condition_only_column_change_reports_empty_modify() -> None:
    """As ovsdb-server 3.1: a column used only by the condition still counts."""
    req = MonitorRequest.from_json(SCHEMA, {"A": {"columns": ["name"],
                                                  "where": [["i", ">", 10]]}}, 2)
    assert req.tables[0].watched == ("i",)
    a, b = make_row(1, i=Datum((20,))), make_row(2, i=Datum((30,)))
    assert commit_update(commit_of(a, b), req, 2) == {"A": {str(RU): {"modify": {}}}}
    changed = req.with_conditions(SCHEMA, {"A": [{"where": [["b", "==", True]]}]})
    assert changed.tables[0].watched == ("i", "b")  # OVS never forgets them
