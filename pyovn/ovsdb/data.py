"""Column values: ``Datum``, parsed from and written to OVSDB JSON.

Theory of operation: every column value is a ``Datum`` -- a tuple of sorted,
unique keys plus, for maps, a parallel tuple of values.  A Datum is an
immutable tuple, so rows share them freely and equality/hashing are the
tuple's.  Sorting follows OVSDB order (numbers numerically, strings by code
point, which equals UTF-8 byte order, UUIDs by their 128-bit value, which
equals their string order, False < True).  Parsing validates element count,
constraints and duplicates with ovsdb-server's error tags and texts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from operator import is_
from typing import Any, NamedTuple

from pyovn.ovsdb.errors import OvsdbError, syntax_error
from pyovn.ovsdb.types import (
    DEFAULT_ATOMS,
    INT64_MAX,
    INT64_MIN,
    Atom,
    AtomicType,
    SymbolResolver,
    Type,
    atom_json_to_python,
)


class Datum(NamedTuple):
    """A column value: sorted unique ``keys``; ``values`` parallel for maps."""

    keys: tuple[Atom, ...]
    values: tuple[Atom, ...] | None = None

    # -- construction

    @staticmethod
    def default(type_: Type) -> Datum:
        if type_.n_min == 0:
            return Datum((), () if type_.value is not None else None)
        key = DEFAULT_ATOMS[type_.key.type]
        if type_.value is not None:
            return Datum((key,), (DEFAULT_ATOMS[type_.value.type],))
        return Datum((key,))

    @staticmethod
    def scalar(atom: Atom) -> Datum:
        return Datum((atom,))

    @staticmethod
    def from_set(atoms: Any) -> Datum:
        """A set datum from any iterable of atoms of one type (sorted, deduplicated)."""
        return Datum(tuple(sorted(set(atoms))))

    @staticmethod
    def from_map(mapping: dict[Any, Any]) -> Datum:
        keys = tuple(sorted(mapping))
        return Datum(keys, tuple(mapping[k] for k in keys))

    @staticmethod
    def from_json(type_: Type, j: Any, symtab: SymbolResolver | None = None) -> Datum:
        """Parse and validate a column value (RFC 7047 <value>)."""
        fast = type_.fast_json
        if fast is None:
            fast = _fast_parser(type_)
            object.__setattr__(type_, "fast_json", fast)
        if fast is not _NO_FAST:
            datum = fast(j)
            if datum is not None:
                return datum  # type: ignore[no-any-return]
        is_map = type_.value is not None
        if not is_map and not (type(j) is list and len(j) > 0 and j[0] == "set"):
            return Datum((type_.key.atom_from_json(j, symtab),))
        inner = _unwrap(j, "map" if is_map else "set")
        n = len(inner)
        if n < type_.n_min or n > type_.n_max:
            cls = "map" if is_map else "set"
            if type_.n_min == 1 and type_.n_max == 1:
                raise syntax_error(j, f"{cls} must have exactly one member but {n} are present")
            raise syntax_error(j, f"{cls} must have {type_.n_min} to {type_.n_max} members "
                                  f"but {n} are present")
        key_parse = type_.key.atom_from_json
        if not is_map:
            keys = [key_parse(e, symtab) for e in inner]
            return _sorted_set(keys)
        assert type_.value is not None
        value_parse = type_.value.atom_from_json
        pairs: dict[Atom, Atom] = {}
        for e in inner:
            if type(e) is not list or len(e) != 2:
                raise syntax_error(e, "expected 2-element array")
            k = key_parse(e[0], symtab)
            if k in pairs:
                raise OvsdbError("ovsdb error", "map contains duplicate key")
            pairs[k] = value_parse(e[1], symtab)
        return Datum.from_map(pairs)

    # -- output

    def to_json(self, type_: Type) -> Any:
        """The JSON ovsdb-server writes: bare atom for one-element sets."""
        keys = self.keys
        values = self.values
        if values is not None:
            if keys and type(keys[0]) in _JSON_NATIVE and type(values[0]) in _JSON_NATIVE:
                return ["map", [[k, v] for k, v in zip(keys, values, strict=True)]]
            return ["map", [[atom_json_to_python(k), atom_json_to_python(v)]
                            for k, v in zip(keys, values, strict=True)]]
        if len(keys) == 1:
            k = keys[0]
            return k if type(k) in _JSON_NATIVE else atom_json_to_python(k)
        if keys and type(keys[0]) in _JSON_NATIVE:
            return ["set", list(keys)]  # atoms of one column share one type
        return ["set", [atom_json_to_python(k) for k in keys]]

    def to_python(self, type_: Type) -> Any:
        """atom, atom-or-None, frozenset or dict according to the column's kind."""
        if type_.value is not None:
            assert self.values is not None
            return dict(zip(self.keys, self.values, strict=True))
        if type_.n_max == 1:
            if type_.n_min == 1:
                return self.keys[0]
            return self.keys[0] if self.keys else None
        return frozenset(self.keys)

    def as_dict(self) -> dict[Atom, Atom]:
        assert self.values is not None
        return dict(zip(self.keys, self.values, strict=True))

    def check_constraints(self, type_: Type) -> None:
        """Re-check every atom against the column's constraints."""
        if type_.key.has_constraints:
            for k in self.keys:
                type_.key.check(k)
        if type_.value is not None and type_.value.has_constraints and self.values:
            for v in self.values:
                type_.value.check(v)

    # -- set algebra used by mutations and diffs

    def union(self, other: Datum) -> Datum:
        """Elements of both; for maps, existing keys keep their value."""
        if not other.keys:
            return self
        if len(other.keys) * 8 < len(self.keys):
            return self._insert_few(other)
        if self.values is None:
            return _sorted_set(list(set(self.keys) | set(other.keys)))
        merged = other.as_dict()
        merged.update(self.as_dict())
        return Datum.from_map(merged)

    def _insert_few(self, other: Datum) -> Datum:
        # Adding a few elements to a big sorted datum: bisect for each one's
        # place instead of re-sorting (other's keys are sorted, so each search
        # starts where the last one ended), then one copy into a list, list
        # inserts (which only move pointers) and one copy back.
        keys, values = self.keys, self.values
        other_values = other.values
        places: list[tuple[int, int]] = []  # (position in keys, index in other)
        n = len(keys)
        prev = 0
        for i, k in enumerate(other.keys):
            pos = bisect_left(keys, k, prev)
            if pos < n and keys[pos] == k:
                continue
            places.append((pos, i))
            prev = pos
        if not places:
            return self
        other_keys = other.keys
        new_keys = _inserted(keys, places, other_keys)
        new_values = None
        if values is not None:
            assert other_values is not None
            new_values = _inserted(values, places, other_values)
        _remember(keys, new_keys, [other_keys[i] for _, i in places], [])
        return Datum(new_keys, new_values)

    def subtract_keys(self, keys: Any) -> Datum:
        keys = tuple(keys)
        if not keys:
            return self
        if len(keys) * 8 < len(self.keys):
            hits = set()
            for k in keys:
                pos = bisect_left(self.keys, k)
                if pos < len(self.keys) and self.keys[pos] == k:
                    hits.add(pos)
            if not hits:
                return self
            cuts = sorted(hits)
            kept_keys = _without(self.keys, cuts)
            _remember(self.keys, kept_keys, [], [self.keys[i] for i in cuts])
            if self.values is None:
                return Datum(kept_keys)
            return Datum(kept_keys, _without(self.values, cuts))
        drop = set(keys)
        if self.values is None:
            return Datum(tuple(k for k in self.keys if k not in drop))
        kept = [(k, v) for k, v in zip(self.keys, self.values, strict=True) if k not in drop]
        return Datum(tuple(k for k, _ in kept), tuple(v for _, v in kept))

    def subtract_pairs(self, other: Datum) -> Datum:
        """Map minus the (key, value) pairs of ``other`` that match exactly."""
        assert self.values is not None and other.values is not None
        drop = set(zip(other.keys, other.values, strict=True))
        kept = [(k, v) for k, v in zip(self.keys, self.values, strict=True)
                if (k, v) not in drop]
        return Datum(tuple(k for k, _ in kept), tuple(v for _, v in kept))

    def diff(self, new: Datum, type_: Type) -> Datum:
        """update2/file diff from self to ``new`` (OVS ovsdb_datum_diff)."""
        if not type_.is_composite:
            return new
        if self.values is None:
            added, removed = added_removed(self.keys, new.keys)
            return Datum(tuple(sorted(added + removed)))
        old_map, new_map = self.as_dict(), new.as_dict()
        out: dict[Atom, Atom] = {}
        for k, v in old_map.items():
            if k not in new_map:
                out[k] = v
        for k, v in new_map.items():
            if k not in old_map or old_map[k] != v:
                out[k] = v
        return Datum.from_map(out)

    def apply_diff(self, diff: Datum, type_: Type) -> Datum:
        """Inverse of :meth:`diff` (OVS ovsdb_datum_apply_diff)."""
        if not type_.is_composite:
            return diff
        if self.values is None:
            return _sorted_set(list(set(self.keys) ^ set(diff.keys)))
        out = self.as_dict()
        for k, v in zip(diff.keys, diff.values or (), strict=True):
            if k in out and out[k] == v:
                del out[k]
            else:
                out[k] = v
        return Datum.from_map(out)


def added_removed(old: tuple[Atom, ...],
                  new: tuple[Atom, ...]) -> tuple[list[Atom], list[Atom]]:
    """Elements of ``new`` not in ``old`` and of ``old`` not in ``new``.

    Both are tuples of unique atoms.  Datums built from one another share
    atom objects, so identity sorts out nearly everything with C-speed id()
    hashing; only the leftovers are compared by value (UUID hashing and
    comparison run in Python, which is what made large sets slow).
    """
    if old is new:
        return [], []
    if not old:
        return list(new), []
    if not new:
        return [], list(old)
    if len(old) > 16 and len(new) > 16:
        hit = _RECENT.get((id(old), id(new)))
        if hit is not None and hit[0] is old and hit[1] is new:
            return list(hit[2]), list(hit[3])
        added, removed = _added_removed_big(old, new)
        _remember(old, new, added, removed)
        return added, removed
    return _added_removed_small(old, new)


# The same big before/after pair is diffed by reference counting, apply(),
# the file record and every monitor: remember the last few answers.  A
# mutation of a big set knows its answer already and records it too.
_RECENT: dict[tuple[int, int], tuple[Any, Any, tuple[Atom, ...], tuple[Atom, ...]]] = {}


def _remember(old: tuple[Atom, ...], new: tuple[Atom, ...], added: list[Atom],
              removed: list[Atom]) -> None:
    if len(old) <= 16 or len(new) <= 16:
        return  # the small path never looks here
    if len(_RECENT) >= 64:
        del _RECENT[next(iter(_RECENT))]
    # Holding old and new keeps their ids from being reused while cached.
    _RECENT[(id(old), id(new))] = (old, new, tuple(added), tuple(removed))


def _added_removed_big(old: tuple[Atom, ...],
                       new: tuple[Atom, ...]) -> tuple[list[Atom], list[Atom]]:
    # A few insertions or deletions in a big set: trim the common ends first.
    head = _common_prefix(old, new)
    tail = _common_prefix(reversed(old[head:]), reversed(new[head:]))
    old = old[head:len(old) - tail]
    new = new[head:len(new) - tail]
    if not old or not new:
        return list(new), list(old)
    return _added_removed_small(old, new)


def _added_removed_small(old: tuple[Atom, ...],
                         new: tuple[Atom, ...]) -> tuple[list[Atom], list[Atom]]:
    old_ids = set(map(id, old))
    new_ids = set(map(id, new))
    added = [a for a in new if id(a) not in old_ids]
    removed = [a for a in old if id(a) not in new_ids]
    if added and removed:
        common = set(added) & set(removed)
        if common:
            added = [a for a in added if a not in common]
            removed = [a for a in removed if a not in common]
    return added, removed


def _common_prefix(a: Iterable[Atom], b: Iterable[Atom]) -> int:
    """Length of the run of identical objects both start with (C-speed scan)."""
    same = list(map(is_, a, b))
    try:
        return same.index(False)
    except ValueError:
        return len(same)


def contains_sorted(keys: tuple[Atom, ...], atom: Atom) -> bool:
    pos = bisect_left(keys, atom)
    return pos < len(keys) and keys[pos] == atom


_MISSING = object()
# Atom types whose JSON form is the atom itself (bool is a subclass of int,
# but type() checks are exact, so it is listed).
_JSON_NATIVE = frozenset((str, int, bool))


def _unwrap(j: Any, cls: str) -> list[Any]:
    if type(j) is not list or len(j) != 2 or j[0] != cls or type(j[1]) is not list:
        raise syntax_error(j, f'expected ["{cls}", <array>]')
    return j[1]


def _sorted_set(keys: list[Atom]) -> Datum:
    if len(keys) <= 1:
        return Datum(tuple(keys))
    unique = set(keys)
    if len(unique) != len(keys):
        raise OvsdbError("ovsdb error", "set contains duplicate")
    return Datum(tuple(sorted(unique)))


# ---------------------------------------------------------------- fast parsing

# Datum((keys, values)) without NamedTuple's Python-level __new__.
_tuple_new = tuple.__new__
_NO_FAST = object()  # Type.fast_json when no fast parser applies
FastParser = Callable[[Any], "Datum | None"]


def _native(base: Any) -> type | None:
    """The Python type JSON atoms of ``base`` arrive as, if taken as-is."""
    if base.has_constraints:
        return None
    return {AtomicType.STRING: str, AtomicType.INTEGER: int}.get(base.type)


def _fast_parser(type_: Type) -> Any:
    """A parser for the common valid values of ``type_`` (or _NO_FAST).

    It accepts only values that the full parser would take unchanged --
    unconstrained strings and in-range integers, no duplicates, counts in
    bounds -- and returns None for anything else, which the full parser
    then handles (and reports, with OVS's error texts).
    """
    native = _native(type_.key)
    if native is None:
        return _NO_FAST
    n_min, n_max = type_.n_min, type_.n_max
    is_int = native is int
    if type_.value is None:
        return _set_parser(native, is_int, n_min, n_max)
    vnative = _native(type_.value)
    if vnative is None:
        return _NO_FAST
    return _map_parser(native, vnative, n_min, n_max)


def _inserted(seq: tuple[Atom, ...], places: list[tuple[int, int]],
              source: tuple[Atom, ...]) -> tuple[Atom, ...]:
    """`seq` with `source[i]` inserted before position `pos` for each (pos, i).

    Big sets (a switch's thousands of ports) change by a few elements at a
    time: one copy into a list, pointer moves, one copy back is several
    times faster than building the result element by element.
    """
    out = list(seq)
    for pos, i in reversed(places):  # from the back: earlier positions stay valid
        out.insert(pos, source[i])
    return tuple(out)


def _without(seq: tuple[Atom, ...], cuts: list[int]) -> tuple[Atom, ...]:
    """`seq` without the elements at the sorted positions `cuts`."""
    out = list(seq)
    for i in reversed(cuts):
        del out[i]
    return tuple(out)


def _in_range(atoms: Iterable[Any]) -> bool:
    return all(INT64_MIN <= a <= INT64_MAX for a in atoms)


def _set_parser(native: Any, is_int: bool, n_min: int, n_max: int) -> FastParser:
    def parse(j: Any) -> Datum | None:
        if type(j) is native:
            if is_int and not INT64_MIN <= j <= INT64_MAX:
                return None
            return _tuple_new(Datum, ((j,), None))  # type: ignore[no-any-return]
        if type(j) is not list or len(j) != 2 or j[0] != "set":
            return None
        inner = j[1]
        if type(inner) is not list or not n_min <= len(inner) <= n_max:
            return None
        for a in inner:
            if type(a) is not native:
                return None
        if is_int and not _in_range(inner):
            return None
        if len(inner) <= 1:
            return _tuple_new(Datum, (tuple(inner), None))  # type: ignore[no-any-return]
        unique: set[Any] = set(inner)
        if len(unique) != len(inner):
            return None
        return _tuple_new(Datum, (tuple(sorted(unique)), None))  # type: ignore[no-any-return]
    return parse


def _map_parser(native: Any, vnative: Any, n_min: int, n_max: int) -> FastParser:
    check_keys = native is int
    check_values = vnative is int

    def parse(j: Any) -> Datum | None:
        if type(j) is not list or len(j) != 2 or j[0] != "map":
            return None
        inner = j[1]
        if type(inner) is not list or not n_min <= len(inner) <= n_max:
            return None
        pairs: dict[Any, Any] = {}
        for e in inner:
            if type(e) is not list or len(e) != 2:
                return None
            k, v = e
            if type(k) is not native or type(v) is not vnative or k in pairs:
                return None
            pairs[k] = v
        if check_keys and not _in_range(pairs):
            return None
        if check_values and not _in_range(pairs.values()):
            return None
        keys = tuple(sorted(pairs))
        return _tuple_new(Datum, (keys, tuple([pairs[k] for k in keys])))  # type: ignore
    return parse
