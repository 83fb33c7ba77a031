"""Immutable typed rows and the conversions between OVSDB JSON and Python values.

Theory of operation: each monitored table gets a ``Row`` subclass whose
``__slots__`` are its columns, so ``row.name`` is a plain slot read (no
``__getattr__`` and no dict lookup).  Rows are frozen: the only way to change
the database is a transaction (``txn.update(row, name=...)``).  Column values
are Python values chosen by the column's type once, when the table is set up:

  scalar            the atom (int, float, bool, str, uuid.UUID)
  optional (0..1)   the atom or None
  set               frozenset of atoms
  map               read-only mapping (``types.MappingProxyType``)

A row class is made at run time from the schema (``row_class``) or supplied
by the caller, e.g. one written by ``codegen.generate_row_classes`` so that
type checkers know each attribute's type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar
from uuid import UUID

from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.schema import TableSchema
from pyovn.ovsdb.types import Type

_MISSING = object()
Converter = Callable[[Any], Any]
DiffApplier = Callable[[Any, Any], Any]


class Row:
    """One row of a replica: ``uuid`` plus one slot per monitored column."""

    __slots__ = ("uuid",)
    _table: ClassVar[str] = ""
    _columns: ClassVar[tuple[str, ...]] = ()
    _setters: ClassVar[tuple[Callable[[Any, Any], None], ...]] = ()
    uuid: UUID

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        slots = cls.__dict__.get("__slots__", ())
        columns = (slots,) if isinstance(slots, str) else tuple(slots)
        if "uuid" in columns:
            raise TypeError(f"{cls.__name__}: a column named 'uuid' clashes with Row.uuid")
        cls._columns = columns
        cls._setters = tuple(cls.__dict__[c].__set__ for c in columns)

    @classmethod
    def _make(cls, row_uuid: UUID, values: Iterable[Any]) -> Row:
        """A row from values in ``_columns`` order (the replica's fast path)."""
        row = object.__new__(cls)
        object.__setattr__(row, "uuid", row_uuid)
        for setter, value in zip(cls._setters, values, strict=True):
            setter(row, value)
        return row

    def _replace(self, changes: Mapping[str, Any]) -> Row:
        """A copy with some columns changed (the replica applies modifies with it)."""
        cls = type(self)
        return cls._make(self.uuid, (changes[c] if c in changes else getattr(self, c, None)
                                     for c in cls._columns))

    def _get(self, column: str) -> Any:
        """A column's value by name (for generic code; typed code uses attributes)."""
        return getattr(self, column)

    def _asdict(self) -> dict[str, Any]:
        return {c: getattr(self, c, None) for c in self._columns}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} rows are immutable; "
                             f"write with txn.update(row, {name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} rows are immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Row)
        return self.uuid == other.uuid and all(
            getattr(self, c, _MISSING) == getattr(other, c, _MISSING) for c in self._columns)

    def __hash__(self) -> int:
        return hash(self.uuid)

    def __repr__(self) -> str:
        fields = ", ".join(f"{c}={getattr(self, c, '?')!r}" for c in self._columns)
        return f"{type(self).__name__}(uuid={self.uuid}, {fields})"


def row_class(table: TableSchema, columns: Iterable[str] | None = None) -> type[Row]:
    """A Row subclass for ``table`` with the given (default: all user) columns."""
    names = tuple(columns) if columns is not None else table.user_columns
    name = table.name if table.name.isidentifier() else "Row"
    return type(name, (Row,), {"__slots__": names, "_table": table.name})


class BadValue(ValueError):
    """A value from the server does not fit its column's type."""


# ------------------------------------------------------------ JSON -> Python

def converter(type_: Type) -> Converter:
    """A function turning a column's JSON value into its Python value."""
    kp = type_.key.parse_atom
    if type_.value is not None:
        vp = type_.value.parse_atom

        def conv_map(j: Any) -> Any:
            pairs = _members(j, "map")
            return MappingProxyType({kp(p[0], None): vp(p[1], None) for p in pairs})
        return conv_map
    if type_.n_max > 1:
        def conv_set(j: Any) -> Any:
            if type(j) is list and j and j[0] == "set":
                return frozenset(kp(a, None) for a in _members(j, "set"))
            return frozenset((kp(j, None),))
        return conv_set
    optional = type_.n_min == 0

    def conv_atom(j: Any) -> Any:
        if type(j) is list and j and j[0] == "set":
            atoms = _members(j, "set")
            if not atoms and optional:
                return None
            if len(atoms) != 1:
                raise BadValue(f"expected one atom, got {j!r}")
            return kp(atoms[0], None)
        return kp(j, None)
    return conv_atom


def diff_applier(type_: Type, conv: Converter) -> DiffApplier:
    """``(old_value, diff_json) -> new_value`` for update2 "modify" (RFC-ext diff)."""
    if type_.value is not None:
        def apply_map(old: Any, j: Any) -> Any:
            out = dict(old)
            for k, v in conv(j).items():
                if k in out and out[k] == v:
                    del out[k]
                else:
                    out[k] = v
            return MappingProxyType(out)
        return apply_map
    if type_.n_max > 1:
        def apply_set(old: Any, j: Any) -> Any:
            return old ^ conv(j)
        return apply_set
    return lambda old, j: conv(j)


def _members(j: Any, kind: str) -> list[Any]:
    if type(j) is not list or len(j) != 2 or j[0] != kind or type(j[1]) is not list:
        raise BadValue(f'expected ["{kind}", [...]], got {j!r}')
    return j[1]


def safe(conv: Converter) -> Converter:
    """Wrap a converter so any parse failure is a BadValue."""
    def wrapped(j: Any) -> Any:
        try:
            return conv(j)
        except (OvsdbError, TypeError, IndexError, ValueError) as exc:
            raise BadValue(str(exc)) from None
    return wrapped


# ------------------------------------------------------------ Python -> JSON

class TempRef:
    """A row inserted by a pending transaction; usable wherever a UUID is."""

    __slots__ = ("name", "table")

    def __init__(self, name: str, table: str) -> None:
        self.name = name
        self.table = table

    def __repr__(self) -> str:
        return f"TempRef({self.table}:{self.name})"


def atom_to_json(atom: Any) -> Any:
    if isinstance(atom, uuid.UUID):
        return ["uuid", str(atom)]
    if isinstance(atom, TempRef):
        return ["named-uuid", atom.name]
    if isinstance(atom, Row):
        return ["uuid", str(atom.uuid)]
    return atom


def value_to_json(type_: Type, value: Any) -> Any:
    """A Python value (as rows hold them, or lists/sets/dicts/Rows) as OVSDB JSON."""
    if type_.value is not None:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a mapping for a map column, got {value!r}")
        return ["map", [[atom_to_json(k), atom_to_json(v)] for k, v in value.items()]]
    if type_.n_max > 1:
        atoms = (value,) if _is_atom(value) else value
        return ["set", [atom_to_json(a) for a in atoms]]
    if value is None:
        return ["set", []]
    return atom_to_json(value)


def set_to_json(type_: Type, value: Any) -> Any:
    """Elements for a set/map mutation: atoms, an iterable of atoms, or a mapping."""
    if type_.value is not None and isinstance(value, Mapping):
        return ["map", [[atom_to_json(k), atom_to_json(v)] for k, v in value.items()]]
    atoms = (value,) if _is_atom(value) else value
    return ["set", [atom_to_json(a) for a in atoms]]


def _is_atom(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | uuid.UUID | TempRef | Row)
