"""Database schemas (RFC 7047 section 3.2) as ovsdb-server reads and writes them.

Theory of operation: ``DatabaseSchema.from_json`` validates a schema exactly
where ovsdb-server does (ids, reserved names, types, refTable targets,
indexes, maxRows) and raises ``OvsdbError("syntax error")`` with OVS's
texts.  Each table gets the implicit ``_uuid`` and ``_version`` columns.
Derived facts the engine needs on every transaction (defaults, reference
columns, who references whom) are computed once here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.errors import MemberParser, OvsdbError, is_id, syntax_error
from pyovn.ovsdb.types import UNLIMITED, AtomicType, BaseType, Type

UUID_TYPE = Type(BaseType(AtomicType.UUID))


class RefSpec(NamedTuple):
    """A column holding references of one strength: the tables its keys/values name."""

    column: str
    type: Type
    key_table: str | None
    value_table: str | None


def _ref_specs(columns: dict[str, ColumnSchema], names: tuple[str, ...],
               strength: str) -> tuple[RefSpec, ...]:
    out = []
    for n in names:
        t = columns[n].type
        kt = t.key.ref_table if t.key.ref_type == strength else None
        vt = (t.value.ref_table if t.value is not None and t.value.ref_type == strength
              else None)
        if kt is not None or vt is not None:
            out.append(RefSpec(n, t, kt, vt))
    return tuple(out)
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    name: str
    type: Type
    mutable: bool = True
    ephemeral: bool = False

    @classmethod
    def from_json(cls, name: str, j: Any) -> ColumnSchema:
        parser = MemberParser(j, f"schema for column {name}")
        type_ = Type.from_json(parser.get("type", ("string", "object")))
        ephemeral = parser.get("ephemeral", ("boolean",), optional=True)
        mutable = parser.get("mutable", ("boolean",), optional=True)
        parser.finish()
        mutable = True if mutable is None else mutable
        if not mutable and (type_.key.is_weak_ref
                            or (type_.value is not None and type_.value.is_weak_ref)):
            # A weak reference changes when its target goes away.
            mutable = True
        return cls(name, type_, mutable, bool(ephemeral))

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"type": self.type.to_json()}
        if self.ephemeral:
            obj["ephemeral"] = True
        if not self.mutable:
            obj["mutable"] = False
        return obj

    def ref_bases(self) -> list[BaseType]:
        out = [self.type.key] if self.type.key.ref_table else []
        if self.type.value is not None and self.type.value.ref_table:
            out.append(self.type.value)
        return out


@dataclass(frozen=True, slots=True)
class TableSchema:
    """A table: user columns plus ``_uuid``/``_version`` in ``columns``."""

    name: str
    columns: dict[str, ColumnSchema]
    is_root: bool = True
    max_rows: int = UNLIMITED
    indexes: tuple[tuple[str, ...], ...] = ()
    # Derived, for the engine's hot paths.
    user_columns: tuple[str, ...] = field(init=False, compare=False, repr=False)
    defaults: dict[str, Datum] = field(init=False, compare=False, repr=False)
    strong_ref_columns: tuple[str, ...] = field(init=False, compare=False, repr=False)
    weak_ref_columns: tuple[str, ...] = field(init=False, compare=False, repr=False)
    persistent_columns: tuple[str, ...] = field(init=False, compare=False, repr=False)
    strong_refs: tuple[RefSpec, ...] = field(init=False, compare=False, repr=False)
    weak_refs: tuple[RefSpec, ...] = field(init=False, compare=False, repr=False)
    # Columns whose one-element default breaks their own constraints (an
    # insert must then set them).
    unsatisfied_defaults: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        user = tuple(n for n in self.columns if not n.startswith("_"))
        setattr_ = object.__setattr__
        setattr_(self, "user_columns", user)
        setattr_(self, "defaults", {n: Datum.default(self.columns[n].type) for n in user})
        setattr_(self, "strong_ref_columns", tuple(
            n for n in user if any(b.ref_type == "strong"
                                   for b in self.columns[n].ref_bases())))
        setattr_(self, "weak_ref_columns", tuple(
            n for n in user if any(b.ref_type == "weak" for b in self.columns[n].ref_bases())))
        setattr_(self, "persistent_columns",
                 tuple(n for n in user if not self.columns[n].ephemeral))
        setattr_(self, "strong_refs", _ref_specs(self.columns, user, "strong"))
        setattr_(self, "weak_refs", _ref_specs(self.columns, user, "weak"))
        setattr_(self, "unsatisfied_defaults", tuple(
            n for n in user if _default_violates(self.columns[n].type)))

    @classmethod
    def from_json(cls, name: str, j: Any) -> TableSchema:
        parser = MemberParser(j, f"table schema for table {name}")
        columns_json = parser.get("columns", ("object",))
        max_rows = parser.get("maxRows", ("integer",), optional=True)
        is_root = parser.get("isRoot", ("boolean",), optional=True)
        indexes_json = parser.get("indexes", ("array",), optional=True)
        parser.finish()
        if max_rows is not None and max_rows <= 0:
            raise syntax_error(j, "maxRows must be at least 1")
        if not columns_json:
            raise syntax_error(j, "table must have at least one column")
        columns = {"_uuid": ColumnSchema("_uuid", UUID_TYPE, mutable=False),
                   "_version": ColumnSchema("_version", UUID_TYPE, mutable=False)}
        for cname, cjson in columns_json.items():
            _check_name(cname, j)
            columns[cname] = ColumnSchema.from_json(cname, cjson)
        indexes = tuple(_index_from_json(ij, columns) for ij in indexes_json or ())
        return cls(name, columns, bool(is_root),
                   UNLIMITED if max_rows is None else max_rows, indexes)

    def to_json(self, default_is_root: bool) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        if self.is_root != default_is_root:
            obj["isRoot"] = self.is_root
        obj["columns"] = {n: self.columns[n].to_json() for n in self.user_columns}
        if self.max_rows != UNLIMITED:
            obj["maxRows"] = self.max_rows
        if self.indexes:
            obj["indexes"] = [list(i) for i in self.indexes]
        return obj


def _default_violates(type_: Type) -> bool:
    default = Datum.default(type_)
    if len(default.keys) != 1:
        return False
    try:
        default.check_constraints(type_)
    except OvsdbError:
        return True
    return False


def _check_name(name: str, j: Any) -> None:
    if name.startswith("_"):
        raise syntax_error(j, 'names beginning with "_" are reserved')
    if not is_id(name):
        raise syntax_error(j, "name must be a valid id")


def _index_from_json(ij: Any, columns: dict[str, ColumnSchema]) -> tuple[str, ...]:
    if not isinstance(ij, list):
        raise syntax_error(ij, "index must be an array of column names")
    if not ij:
        raise syntax_error(ij, "index must have at least one column")
    names: list[str] = []
    for cj in ij:
        if not isinstance(cj, str):
            raise syntax_error(cj, "indexes must be arrays of strings")
        col = columns.get(cj)
        if col is None:
            raise syntax_error(ij, f"{cj} is not a valid column name")
        if col.ephemeral:
            raise syntax_error(ij, f"ephemeral columns (such as {cj}) may not be indexed")
        if cj not in names:
            names.append(cj)
    return tuple(names)


@dataclass(frozen=True, slots=True)
class DatabaseSchema:
    name: str
    version: str | None
    cksum: str | None
    tables: dict[str, TableSchema]
    # table name -> [(referring table, column, "strong"|"weak")]
    referrers: dict[str, tuple[tuple[str, str, str], ...]] = field(
        init=False, compare=False, repr=False)
    strongly_referenced: frozenset[str] = field(init=False, compare=False, repr=False)
    weakly_referenced: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        refs: dict[str, list[tuple[str, str, str]]] = {t: [] for t in self.tables}
        for tname, table in self.tables.items():
            for cname in table.user_columns:
                for base in table.columns[cname].ref_bases():
                    assert base.ref_table is not None
                    entry = (tname, cname, base.ref_type)
                    if entry not in refs[base.ref_table]:
                        refs[base.ref_table].append(entry)
        object.__setattr__(self, "referrers", {t: tuple(v) for t, v in refs.items()})
        object.__setattr__(self, "strongly_referenced", frozenset(
            t for t, v in refs.items() if any(r[2] == "strong" for r in v)))
        object.__setattr__(self, "weakly_referenced", frozenset(
            t for t, v in refs.items() if any(r[2] == "weak" for r in v)))

    @classmethod
    def from_json(cls, j: Any) -> DatabaseSchema:
        parser = MemberParser(j, "database schema")
        name = parser.get("name", ("id",))
        version = parser.get("version", ("string",), optional=True)
        cksum = parser.get("cksum", ("string",), optional=True)
        tables_json = parser.get("tables", ("object",))
        parser.finish()
        if version is not None and not _VERSION_RE.match(version):
            raise syntax_error(j, f'schema version "{version}" not in format x.y.z')
        tables: dict[str, TableSchema] = {}
        for tname, tjson in tables_json.items():
            _check_name(tname, j)
            tables[tname] = TableSchema.from_json(tname, tjson)
        if not any(t.is_root for t in tables.values()):
            # Schemas older than "isRoot": every table is a root.
            tables = {n: _replace_root(t, True) for n, t in tables.items()}
        tables = {n: _check_refs(t, tables) for n, t in tables.items()}
        return cls(name, version, cksum, tables)

    def to_json(self) -> dict[str, Any]:
        default_is_root = all(t.is_root for t in self.tables.values())
        obj: dict[str, Any] = {"name": self.name}
        if self.version is not None:
            obj["version"] = self.version
        if self.cksum is not None:
            obj["cksum"] = self.cksum
        obj["tables"] = {n: t.to_json(default_is_root) for n, t in self.tables.items()}
        return obj


def _replace_root(t: TableSchema, is_root: bool) -> TableSchema:
    return TableSchema(t.name, t.columns, is_root, t.max_rows, t.indexes)


def _check_refs(t: TableSchema, tables: dict[str, TableSchema]) -> TableSchema:
    """Check refTable targets; a strong ref to a non-root table cannot be ephemeral."""
    changed = False
    columns = dict(t.columns)
    for cname, col in t.columns.items():
        for which, base in (("key", col.type.key), ("value", col.type.value)):
            if base is None or base.ref_table is None:
                continue
            target = tables.get(base.ref_table)
            if target is None:
                raise syntax_error(None, f"column {cname} {which} refers to undefined "
                                         f"table {base.ref_table}")
            if col.ephemeral and base.ref_type == "strong" and not target.is_root:
                # Rows it keeps alive would be garbage-collected on restart.
                columns[cname] = ColumnSchema(cname, col.type, col.mutable, False)
                changed = True
    if not changed:
        return t
    return TableSchema(t.name, columns, t.is_root, t.max_rows, t.indexes)
