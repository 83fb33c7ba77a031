"""The engine's fast paths give exactly what the general code gives."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pyovn.ovsdb import data
from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.types import UNLIMITED, AtomicType, BaseType, Type, parse_uuid_string

STR = BaseType(AtomicType.STRING)
INT = BaseType(AtomicType.INTEGER)
SHORT = BaseType(AtomicType.STRING, max_length=2)
TYPES = [
    Type(STR), Type(INT), Type(SHORT), Type(STR, None, 0, 1), Type(INT, None, 0, UNLIMITED),
    Type(STR, None, 1, 2), Type(STR, STR, 0, UNLIMITED), Type(INT, STR, 1, 2),
    Type(STR, INT, 0, UNLIMITED),
]

atoms = st.one_of(st.text(max_size=3), st.integers(-(2**64), 2**64), st.booleans(),
                  st.floats(allow_nan=False, allow_infinity=False), st.none())
scalars = st.one_of(st.text(max_size=3), st.integers(-5, 5))
values = st.one_of(
    atoms,
    st.lists(scalars, max_size=5).map(lambda xs: ["set", xs]),
    st.lists(st.tuples(scalars, scalars).map(list), max_size=4).map(lambda xs: ["map", xs]),
    st.tuples(st.sampled_from(["set", "map", "x"]),
              st.lists(st.one_of(atoms, st.lists(atoms, min_size=1, max_size=3)), max_size=4)
              ).map(list),
)


def _outcome(type_: Type, j: Any, fast: bool) -> Any:
    t = Type(type_.key, type_.value, type_.n_min, type_.n_max)
    if not fast:
        object.__setattr__(t, "fast_json", data._NO_FAST)
    try:
        d = Datum.from_json(t, j)
    except OvsdbError as e:
        return ("error", e.to_json())
    return (d, type(d), [type(k) for k in d.keys])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TYPES), values)
def test_fast_parser_agrees_with_general_parser(type_: Type, j: Any) -> None:
    assert _outcome(type_, j, True) == _outcome(type_, j, False)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TYPES), values)
def test_to_json_round_trips(type_: Type, j: Any) -> None:
    outcome = _outcome(type_, j, True)
    if outcome[0] == "error":
        return
    d = outcome[0]
    assert Datum.from_json(type_, d.to_json(type_)) == d


@given(st.uuids())
def test_uuid_strings_parse_to_equal_uuids(u: uuid.UUID) -> None:
    for s in (str(u), str(u).upper()):
        parsed = parse_uuid_string(s, s)
        assert parsed == u and hash(parsed) == hash(u) and str(parsed) == str(u)


# --- "insert" without MemberParser -------------------------------------------------

_tables = st.sampled_from(["A", "A", "A", "B", "Nope", "", None, 1, {}])
_rows = st.sampled_from([{}, {"i": 5}, {"i": 5}, {"i": 500}, {"name": "n", "i": 1},
                         {"zz": 1}, [], None])
_uuid_names = st.sampled_from(["u_1", "u_1", "u_2", "1bad", "", None, 3, []])
_uuids = st.sampled_from([str(uuid.UUID(int=7)), str(uuid.UUID(int=7)), "bad", None, 3])
insert_ops = st.fixed_dictionaries(
    {"op": st.just("insert")},
    optional={"table": _tables, "row": _rows, "uuid-name": _uuid_names, "uuid": _uuids,
              "where": st.just([])},
)


def _insert_outcome(ops: list[Any], fast: bool) -> Any:
    from test_engine_fixtures import TEST_SCHEMA

    from pyovn.ovsdb import transaction
    from pyovn.ovsdb.database import Database
    from pyovn.ovsdb.schema import DatabaseSchema

    counter = iter(range(1, 10_000))
    ctx = transaction.TxnContext(now=1.0, new_uuid=lambda: uuid.UUID(int=next(counter)))
    db = Database(DatabaseSchema.from_json(TEST_SCHEMA))
    saved = transaction._well_formed_insert
    if not fast:
        transaction._well_formed_insert = lambda txn, op: None  # type: ignore[assignment]
    try:
        outcome = transaction.execute(db, ops, ctx)
    finally:
        transaction._well_formed_insert = saved
    commit = outcome.commit
    changes = None if commit is None else {
        t: {u: (c.old, c.new) for u, c in rows.items()} for t, rows in commit.changes.items()}
    return outcome.results, changes


@settings(max_examples=300, deadline=None)
@given(st.lists(insert_ops, min_size=1, max_size=3))
def test_insert_fast_path_agrees_with_member_parser(ops: list[Any]) -> None:
    assert _insert_outcome(ops, fast=True) == _insert_outcome(ops, fast=False)
