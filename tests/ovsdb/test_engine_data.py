"""Datum parsing, validation, canonical order and JSON output."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyovn.ovsdb.data import Datum, added_removed
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.types import UNLIMITED, Type

U1 = "8f1c5a38-5a7b-4a2f-9f6a-1c1a2c3d4e50"


def T(j: object) -> Type:
    return Type.from_json(j)


INT_RANGE = T({"key": {"type": "integer", "minInteger": -5, "maxInteger": 100}})
STR_OPT = T({"key": {"type": "string", "minLength": 1, "maxLength": 3}, "min": 0, "max": 1})
ENUM_SET = T({"key": {"type": "string", "enum": ["set", ["x", "y"]]}, "min": 0,
              "max": "unlimited"})
INT_SET = T({"key": "integer", "min": 0, "max": "unlimited"})
STR_INT_MAP = T({"key": "string", "value": "integer", "min": 0, "max": "unlimited"})
UUID_SET = T({"key": "uuid", "min": 0, "max": "unlimited"})


# (type, json, error tag, details) observed from ovsdb-server 3.1 inserts.
BAD_VALUES = [
    (INT_RANGE, 300, "constraint violation", "300 is not in the valid range -5 to 100 (inclusive)"),
    (INT_SET, ["set", [1, 1]], "ovsdb error", "set contains duplicate"),
    (STR_INT_MAP, ["map", [["a", 1], ["a", 2]]], "ovsdb error", "map contains duplicate key"),
    (T("integer"), ["set", []], "syntax error",
     "set must have exactly one member but 0 are present"),
    (STR_OPT, ["set", ["a", "b"]], "syntax error",
     "set must have 0 to 1 members but 2 are present"),
    (STR_OPT, "", "constraint violation", '"" length 0 is less than minimum allowed length 1'),
    (STR_OPT, "abcd", "constraint violation",
     '"abcd" length 4 is greater than maximum allowed length 3'),
    (ENUM_SET, "z", "constraint violation", "z is not one of the allowed values ([x, y])"),
    (T("integer"), True, "syntax error", "expected integer"),
    (T("real"), True, "syntax error", "expected real"),
    (T("integer"), 9223372036854775808, "syntax error", "expected integer"),
    (UUID_SET, ["uuid", "x"], "syntax error", '"x" is not a valid UUID'),
    (UUID_SET, ["foo", "x"], "syntax error", 'expected ["uuid", <string>]'),
    (STR_INT_MAP, ["set", []], "syntax error", 'expected ["map", <array>]'),
    (STR_INT_MAP, ["map", [["a"]]], "syntax error", "expected 2-element array"),
]


@pytest.mark.parametrize(("type_", "value", "tag", "details"), BAD_VALUES)
def test_bad_values(type_: Type, value: object, tag: str, details: str) -> None:
    with pytest.raises(OvsdbError) as info:
        Datum.from_json(type_, value)
    assert (info.value.tag, info.value.details) == (tag, details)


def test_syntax_field_is_sorted_compact_json() -> None:
    with pytest.raises(OvsdbError) as info:
        Datum.from_json(STR_OPT, ["set", ["a", "b"]])
    assert info.value.to_json() == {
        "error": "syntax error", "details": "set must have 0 to 1 members but 2 are present",
        "syntax": '["set",["a","b"]]'}


def test_output_forms() -> None:
    assert Datum.from_json(INT_SET, ["set", [3, 1, 2]]).to_json(INT_SET) == ["set", [1, 2, 3]]
    assert Datum.from_json(INT_SET, 4).to_json(INT_SET) == 4
    assert Datum.from_json(INT_SET, ["set", [4]]).to_json(INT_SET) == 4
    assert Datum.default(INT_SET).to_json(INT_SET) == ["set", []]
    m = Datum.from_json(STR_INT_MAP, ["map", [["b", 2], ["a", 1]]])
    assert m.to_json(STR_INT_MAP) == ["map", [["a", 1], ["b", 2]]]
    assert Datum.default(STR_INT_MAP).to_json(STR_INT_MAP) == ["map", []]
    u = Datum.from_json(UUID_SET, ["uuid", U1])
    assert u.to_json(UUID_SET) == ["uuid", U1]
    real = T("real")
    assert Datum.from_json(real, 0).to_json(real) == 0
    assert Datum.from_json(real, 0.1 + 0.2).to_json(real) == 0.3
    assert Datum.from_json(T("integer"), 1.0) == Datum((1,))


def test_defaults_and_python_view() -> None:
    assert Datum.default(T("string")) == Datum(("",))
    assert Datum.default(T("uuid")).keys[0] == uuid.UUID(int=0)
    assert Datum.default(T("boolean")).to_python(T("boolean")) is False
    assert Datum.default(STR_OPT).to_python(STR_OPT) is None
    assert Datum.from_json(STR_OPT, "ab").to_python(STR_OPT) == "ab"
    assert Datum.from_json(INT_SET, ["set", [2, 1]]).to_python(INT_SET) == frozenset({1, 2})
    assert Datum.from_json(STR_INT_MAP, ["map", [["a", 1]]]).to_python(STR_INT_MAP) == {"a": 1}


def test_ordering_is_ovsdb_order() -> None:
    strs = T({"key": "string", "min": 0, "max": "unlimited"})
    d = Datum.from_json(strs, ["set", ["é", "z", "A", "a"]])
    assert d.keys == ("A", "a", "z", "é")
    bools = T({"key": "boolean", "min": 0, "max": 2})
    assert Datum.from_json(bools, ["set", [True, False]]).keys == (False, True)


def test_named_uuid_resolves_through_symtab() -> None:
    class Symtab:
        def resolve(self, name: str) -> uuid.UUID:
            assert name == "row1"
            return uuid.UUID(U1)

    d = Datum.from_json(UUID_SET, ["set", [["named-uuid", "row1"]]], Symtab())
    assert d.keys == (uuid.UUID(U1),)
    with pytest.raises(OvsdbError):
        Datum.from_json(UUID_SET, ["named-uuid", "row1"])


def test_diff_as_ovs_writes_it() -> None:
    old = Datum.from_json(INT_SET, ["set", [2, 4, 6]])
    new = Datum.from_json(INT_SET, ["set", [2, 6]])
    assert old.diff(new, INT_SET).to_json(INT_SET) == 4
    mold = Datum.from_json(STR_INT_MAP, ["map", [["a", 1], ["b", 2], ["c", 3]]])
    mnew = Datum.from_json(STR_INT_MAP, ["map", [["b", 2]]])
    assert mold.diff(mnew, STR_INT_MAP).to_json(STR_INT_MAP) == ["map", [["a", 1], ["c", 3]]]
    changed = Datum.from_json(STR_INT_MAP, ["map", [["a", 7], ["b", 2], ["c", 3], ["d", 1]]])
    assert mold.diff(changed, STR_INT_MAP).to_json(STR_INT_MAP) == ["map", [["a", 7], ["d", 1]]]
    assert STR_OPT.n_max == 1 and UNLIMITED > 1
    assert Datum(("a",)).diff(Datum(()), STR_OPT) == Datum(())


atoms_int = st.integers(min_value=-(2**63), max_value=2**63 - 1)
atoms_str = st.text(max_size=5)
atoms_uuid = st.uuids()


@settings(deadline=None, max_examples=60)
@given(st.sets(atoms_int, max_size=6), st.sets(atoms_int, max_size=6))
def test_set_diff_round_trip(a: set[int], b: set[int]) -> None:
    old, new = Datum.from_set(a), Datum.from_set(b)
    diff = old.diff(new, INT_SET)
    assert old.apply_diff(diff, INT_SET) == new
    assert Datum.from_json(INT_SET, diff.to_json(INT_SET)) == diff


@settings(deadline=None, max_examples=60)
@given(st.dictionaries(atoms_str, atoms_int, max_size=5),
       st.dictionaries(atoms_str, atoms_int, max_size=5))
def test_map_diff_round_trip(a: dict[str, int], b: dict[str, int]) -> None:
    old, new = Datum.from_map(a), Datum.from_map(b)
    assert old.apply_diff(old.diff(new, STR_INT_MAP), STR_INT_MAP) == new


@settings(deadline=None, max_examples=60)
@given(st.sets(atoms_uuid, max_size=5))
def test_uuid_json_round_trip(a: set[uuid.UUID]) -> None:
    d = Datum.from_set(a)
    assert Datum.from_json(UUID_SET, d.to_json(UUID_SET)) == d
    assert [str(k) for k in d.keys] == sorted(str(k) for k in d.keys)


@settings(deadline=None, max_examples=60)
@given(st.dictionaries(atoms_str, atoms_int, max_size=5))
def test_map_json_round_trip(a: dict[str, int]) -> None:
    d = Datum.from_map(a)
    assert Datum.from_json(STR_INT_MAP, d.to_json(STR_INT_MAP)) == d


@settings(deadline=None, max_examples=60)
@given(st.lists(atoms_uuid, min_size=0, max_size=60, unique=True), st.data())
def test_added_removed_and_big_set_fast_paths(base: list[uuid.UUID], data: st.DataObject) -> None:
    old = Datum.from_set(base)
    keep = data.draw(st.sets(st.sampled_from(base)) if base else st.just(set()))
    extra = data.draw(st.sets(atoms_uuid, max_size=3))
    # equal-but-not-identical atoms must cancel out like identical ones
    twins = {uuid.UUID(str(u)) for u in list(keep)[:2]}
    new = Datum.from_set((keep - {uuid.UUID(str(t)) for t in twins}) | twins | extra)
    added, removed = added_removed(old.keys, new.keys)
    assert set(added) == set(new.keys) - set(old.keys)
    assert set(removed) == set(old.keys) - set(new.keys)
    assert old.union(Datum.from_set(extra)) == Datum.from_set(set(base) | extra)
    gone = list(keep)[:3]
    assert old.subtract_keys(gone) == Datum.from_set(set(base) - set(gone))


@settings(deadline=None, max_examples=60)
@given(st.dictionaries(st.integers(0, 500), st.text(max_size=3), min_size=0, max_size=60),
       st.dictionaries(st.integers(0, 500), st.text(max_size=3), max_size=3), st.data())
def test_big_map_few_changes_fast_paths(base: dict[int, str], extra: dict[int, str],
                                        data: st.DataObject) -> None:
    old = Datum.from_map(base)
    # union: keys already present keep their value
    assert old.union(Datum.from_map(extra)) == Datum.from_map({**extra, **base})
    gone = data.draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True)
                     if base else st.just([]))
    kept = {k: v for k, v in base.items() if k not in gone}
    assert old.subtract_keys(gone) == Datum.from_map(kept)


@settings(deadline=None, max_examples=100)
@given(st.lists(st.integers(0, 10_000), min_size=40, max_size=120, unique=True),
       st.lists(st.integers(-5, 10_005), min_size=1, max_size=4, unique=True), st.data())
def test_few_changes_to_a_big_set_keep_order(base: list[int], extra: list[int],
                                             data: st.DataObject) -> None:
    # Several additions may fall in one gap, or in different ones; the result
    # must equal sorting from scratch, for sets and for maps.
    old = Datum.from_set(base)
    assert old.union(Datum.from_set(extra)) == Datum.from_set(set(base) | set(extra))
    old_map = Datum.from_map({k: -k for k in base})
    got = old_map.union(Datum.from_map({k: k for k in extra}))
    assert got == Datum.from_map({**{k: k for k in extra}, **{k: -k for k in base}})
    gone = data.draw(st.lists(st.sampled_from(base), max_size=4, unique=True))
    assert old.subtract_keys(gone) == Datum.from_set(set(base) - set(gone))
    assert old_map.subtract_keys(gone) == Datum.from_map(
        {k: -k for k in base if k not in gone})
