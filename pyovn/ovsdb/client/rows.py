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
from uuid import UUID, SafeUUID

from pyovn.ovsdb.schema import TableSchema
from pyovn.ovsdb.types import AtomicType, BaseType, Type

try:  # namedtuple's C attribute getter; a property is the portable fallback
    from collections import _tuplegetter  # type: ignore[attr-defined]

    def _getter(index: int, name: str) -> Any:
        return _tuplegetter(index, f"column {name}")
except ImportError:  # pragma: no cover
    from operator import itemgetter

    def _getter(index: int, name: str) -> Any:
        return property(itemgetter(index), doc=f"column {name}")
Converter = Callable[[Any], Any]
DiffApplier = Callable[[Any, Any], Any]


class Row(tuple):  # type: ignore[type-arg]
    """One row of a replica: ``uuid`` plus one attribute per column.

    A row is a tuple ``(uuid, column values...)`` with named read-only
    attributes (as namedtuple does): building one is a single C call and it
    cannot be modified.  Subclasses list their columns in ``_fields``.
    """

    __slots__ = ()
    _table: ClassVar[str] = ""
    _fields: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[dict[str, int]] = {}
    uuid: UUID

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = tuple(cls.__dict__.get("_fields", ()))
        if "uuid" in fields:
            raise TypeError(f"{cls.__name__}: a column named 'uuid' clashes with Row.uuid")
        cls._fields = fields
        cls._index = {name: i + 1 for i, name in enumerate(fields)}
        for name, i in cls._index.items():
            setattr(cls, name, _getter(i, name))

    @classmethod
    def _make(cls, row_uuid: UUID, values: Iterable[Any]) -> Row:
        """A row from values in ``_fields`` order."""
        return tuple.__new__(cls, (row_uuid, *values))

    def _replace(self, changes: Mapping[str, Any]) -> Row:
        """A copy with some columns changed."""
        values = list(self)
        index = self._index
        for name, value in changes.items():
            values[index[name]] = value
        return tuple.__new__(type(self), values)

    def _get(self, column: str) -> Any:
        """A column's value by name (for generic code; typed code uses attributes)."""
        return self[self._index[column]]

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self[1:], strict=True))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} rows are immutable; "
                             f"write with txn.update(row, {name}=...)")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple.__eq__(self, other)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[0])

    def __repr__(self) -> str:
        fields = ", ".join(f"{c}={v!r}" for c, v in zip(self._fields, self[1:], strict=True))
        return f"{type(self).__name__}(uuid={self[0]}, {fields})"


Row.uuid = _getter(0, "uuid")  # type: ignore[assignment]


def row_class(table: TableSchema, columns: Iterable[str] | None = None) -> type[Row]:
    """A Row subclass for ``table`` with the given (default: all user) columns."""
    names = tuple(columns) if columns is not None else table.user_columns
    return type(table.name, (Row,), {"__slots__": (), "_fields": names, "_table": table.name})


class BadValue(ValueError):
    """A value from the server does not fit its column's type."""


# ------------------------------------------------------------ JSON -> Python

_new = object.__new__
_set = object.__setattr__
_SAFE_UNKNOWN = SafeUUID.unknown


def parse_uuid(text: Any) -> UUID:
    """A UUID from its 36-character text form, without uuid.UUID's slow checks."""
    if (type(text) is not str or len(text) != 36 or text[8] != "-" or text[13] != "-"
            or text[18] != "-" or text[23] != "-"):
        raise BadValue(f"bad UUID {text!r}")
    hex_digits = text.replace("-", "")
    if not (hex_digits.isascii() and hex_digits.isalnum()):
        raise BadValue(f"bad UUID {text!r}")
    u = _new(UUID)
    _set(u, "int", int(hex_digits, 16))
    _set(u, "is_safe", _SAFE_UNKNOWN)
    return u


def _uuid_atom(j: Any, symtab: Any) -> UUID:
    if type(j) is not list or len(j) != 2 or j[0] != "uuid":
        raise BadValue(f'expected ["uuid", <string>], got {j!r}')
    return parse_uuid(j[1])


def _atom_parser(base: BaseType) -> Callable[[Any, Any], Any]:
    return _uuid_atom if base.type is AtomicType.UUID else base.parse_atom


def converter(type_: Type) -> Converter:
    """A function turning a column's JSON value into its Python value."""
    kp = _atom_parser(type_.key)
    if type_.value is not None:
        vp = _atom_parser(type_.value)

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
