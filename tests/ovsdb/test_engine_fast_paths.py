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
