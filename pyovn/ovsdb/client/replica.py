"""The local replica: monitored tables as immutable rows, plus change tracking.

Theory of operation: a pure state machine fed with the ``table-updates``
objects of OVSDB monitor replies and notifications (RFC 7047 "update",
OVS's "update2"/"update3"); no I/O.  Each ``TableReplica`` keeps a dict of
uuid -> Row and, for incremental consumers, a tracking log that holds per
row the value before the first change since the last ``clear_changes()``
and the value after the last one.  Reading the log classifies each entry as
inserted (no old), deleted (no new) or updated (both, and different), so a
row inserted then deleted in between leaves no trace and a row modified
twice shows once, with its first old and last new value.

A full resend (first connection, or a resync the server could not answer
with a difference) goes through ``replace_all``, which compares with what the
replica held, so consumers see exactly what changed while disconnected.

Anything that does not parse raises ``ReplicaError``; the I/O shell then
drops the connection and resyncs from scratch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from pyovn.ovsdb.client.rows import (
    Converter,
    DiffApplier,
    Row,
    converter,
    diff_applier,
    parse_uuid,
    row_class,
)
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.schema import DatabaseSchema, TableSchema


class ReplicaError(ValueError):
    """A monitor update from the server could not be applied."""


R = TypeVar("R", bound=Row)

# what a converter raises on input that does not fit (BadValue is a ValueError)
_PARSE_ERRORS = (ValueError, TypeError, AttributeError, IndexError, KeyError, OvsdbError)


@dataclass(frozen=True, slots=True)
class TableChanges:
    """What changed in one table since the last clear."""

    inserted: Mapping[uuid.UUID, Row]
    updated: Mapping[uuid.UUID, tuple[Row, Row]]  # uuid -> (old, new)
    deleted: Mapping[uuid.UUID, Row]

    def __bool__(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


def changed_columns(old: Row, new: Row) -> frozenset[str]:
    """Names of the columns whose values differ between two versions of a row."""
    fields = old._fields
    return frozenset(fields[i - 1] for i in range(1, len(old)) if old[i] != new[i])


_NO_CHANGES = TableChanges(MappingProxyType({}), MappingProxyType({}), MappingProxyType({}))


class Index(Generic[R]):
    """Rows of one table by the values of some columns, kept current by the replica."""

    def __init__(self, columns: tuple[str, ...], positions: tuple[int, ...]) -> None:
        self.columns = columns
        self._positions = positions
        self._rows: dict[Any, dict[uuid.UUID, R]] = {}

    def key(self, row: R) -> Any:
        positions = self._positions
        if len(positions) == 1:
            return row[positions[0]]
        return tuple(row[p] for p in positions)

    def add(self, row: R) -> None:
        self._rows.setdefault(self.key(row), {})[row[0]] = row

    def remove(self, row: R) -> None:
        key = self.key(row)
        bucket = self._rows.get(key)
        if bucket is not None:
            bucket.pop(row[0], None)
            if not bucket:
                del self._rows[key]

    def get(self, *values: Any) -> list[R]:
        """Rows whose indexed columns equal ``values`` (in the index's column order)."""
        key = values[0] if len(values) == 1 else values
        return list(self._rows.get(key, {}).values())

    def first(self, *values: Any) -> R | None:
        """One matching row, or None (for columns that are unique in practice)."""
        key = values[0] if len(values) == 1 else values
        bucket = self._rows.get(key)
        return next(iter(bucket.values())) if bucket else None


class TableReplica(Generic[R]):
    """The rows of one monitored table."""

    def __init__(self, schema: TableSchema, columns: tuple[str, ...],
                 cls: type[R] | None = None, track: bool = True) -> None:
        self.name = schema.name
        self.track = track
        self.schema = schema
        self.columns = columns
        self.row_cls: type[R] = cls or row_class(schema, columns)  # type: ignore[assignment]
        if cls is not None and not set(columns) <= set(cls._fields):
            missing = sorted(set(columns) - set(cls._fields))
            raise ValueError(f"{cls.__name__} lacks monitored columns {missing}")
        index = self.row_cls._index
        types = {c: schema.columns[c].type for c in columns}
        convs = {c: converter(t) for c, t in types.items()}
        # column name -> (position in the row tuple, converter, diff applier)
        self._columns: dict[str, tuple[int, Converter, DiffApplier]] = {
            c: (index[c], convs[c], diff_applier(t, convs[c])) for c, t in types.items()}
        # a new row starts as the defaults; columns of the row class that are
        # not monitored stay None
        template: list[Any] = [None] * (len(self.row_cls._fields) + 1)
        for c, t in types.items():
            value = schema.defaults[c].to_python(t)
            template[index[c]] = MappingProxyType(value) if isinstance(value, dict) else value
        self._template = template
        self.rows: dict[uuid.UUID, R] = {}
        self._indexes: dict[tuple[str, ...], Index[R]] = {}
        self._tracked: dict[uuid.UUID, list[R | None]] = {}

    # -- reading

    def __getitem__(self, row_uuid: uuid.UUID) -> R:
        return self.rows[row_uuid]

    def get(self, row_uuid: uuid.UUID) -> R | None:
        return self.rows.get(row_uuid)

    def __iter__(self) -> Iterator[R]:
        return iter(self.rows.values())

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, row_uuid: object) -> bool:
        return row_uuid in self.rows

    def index(self, *columns: str) -> Index[R]:
        """An index on ``columns`` (made on first use, then kept current)."""
        existing = self._indexes.get(columns)
        if existing is not None:
            return existing
        for c in columns:
            if c not in self._columns:
                raise ValueError(f"{self.name}: column {c!r} is not monitored")
            if self.schema.columns[c].type.value is not None:
                raise ValueError(f"{self.name}: map column {c!r} cannot be indexed")
        index: Index[R] = Index(columns, tuple(self._columns[c][0] for c in columns))
        for row in self.rows.values():
            index.add(row)
        self._indexes[columns] = index
        return index

    # -- building rows

    def _full_row(self, row_uuid: uuid.UUID, j: Any) -> R:
        if type(j) is not dict:
            raise ReplicaError(f"{self.name}: row {row_uuid} is not an object: {j!r}")
        values = self._template.copy()
        values[0] = row_uuid
        columns = self._columns
        for column, value in j.items():
            entry = columns.get(column)
            if entry is not None:  # columns we did not ask for are ignored
                values[entry[0]] = entry[1](value)
        return tuple.__new__(self.row_cls, values)

    def _modified_row(self, old: R, j: Any, diff: bool) -> R:
        if type(j) is not dict:
            raise ReplicaError(f"{self.name}: modify of {old.uuid} is not an object")
        values = list(old)
        columns = self._columns
        for column, value in j.items():
            entry = columns.get(column)
            if entry is None:
                continue
            at = entry[0]
            values[at] = entry[2](values[at], value) if diff else entry[1](value)
        return tuple.__new__(self.row_cls, values)

    # -- applying

    def _set(self, row_uuid: uuid.UUID, new: R | None) -> None:
        old = self.rows.get(row_uuid)
        if new is None:
            if old is None:
                return
            del self.rows[row_uuid]
        else:
            self.rows[row_uuid] = new
        for index in self._indexes.values():
            if old is not None:
                index.remove(old)
            if new is not None:
                index.add(new)
        if not self.track:
            return
        entry = self._tracked.get(row_uuid)
        if entry is None:
            self._tracked[row_uuid] = [old, new]
        elif entry[0] is None and new is None:
            del self._tracked[row_uuid]  # inserted and deleted since the last clear
        else:
            entry[1] = new

    def apply_row_update(self, row_uuid: uuid.UUID, j: Any, version: int) -> None:
        """One row's entry of a table-updates object (update v1, or update2/3)."""
        if type(j) is not dict or len(j) == 0:
            raise ReplicaError(f"{self.name}: bad row update for {row_uuid}: {j!r}")
        if version == 1:
            new_j = j.get("new")
            old = self.rows.get(row_uuid)
            if new_j is None:
                self._set(row_uuid, None)
            elif old is None:
                self._set(row_uuid, self._full_row(row_uuid, new_j))
            else:
                self._set(row_uuid, self._modified_row(old, new_j, diff=False))
            return
        if len(j) != 1:
            raise ReplicaError(f"{self.name}: row update2 for {row_uuid} has {len(j)} members")
        (kind, body), = j.items()
        if kind in ("initial", "insert"):
            self._set(row_uuid, self._full_row(row_uuid, body))
        elif kind == "modify":
            old = self.rows.get(row_uuid)
            if old is None:
                raise ReplicaError(f"{self.name}: modify of unknown row {row_uuid}")
            self._set(row_uuid, self._modified_row(old, body, diff=True))
        elif kind == "delete":
            self._set(row_uuid, None)
        else:
            raise ReplicaError(f"{self.name}: unknown row update kind {kind!r}")

    def replace_all(self, rows: dict[uuid.UUID, R]) -> None:
        """Make ``rows`` the table's content, tracking only real differences."""
        for row_uuid in [u for u in self.rows if u not in rows]:
            self._set(row_uuid, None)
        for row_uuid, row in rows.items():
            if self.rows.get(row_uuid) != row:
                self._set(row_uuid, row)

    # -- change tracking

    def changes(self) -> TableChanges:
        if not self._tracked:
            return _NO_CHANGES
        inserted: dict[uuid.UUID, Row] = {}
        updated: dict[uuid.UUID, tuple[Row, Row]] = {}
        deleted: dict[uuid.UUID, Row] = {}
        for row_uuid, (old, new) in self._tracked.items():
            if old is None:
                if new is not None:
                    inserted[row_uuid] = new
            elif new is None:
                deleted[row_uuid] = old
            elif old != new:
                updated[row_uuid] = (old, new)
        return TableChanges(MappingProxyType(inserted), MappingProxyType(updated),
                            MappingProxyType(deleted))

    def clear_changes(self) -> None:
        self._tracked.clear()


class Replica:
    """All monitored tables of one database, and a sequence number of batches."""

    def __init__(self, schema: DatabaseSchema, tables: Mapping[str, tuple[str, ...]],
                 row_classes: Mapping[str, type[Row]] | None = None,
                 track: bool = True) -> None:
        self.schema = schema
        classes = row_classes or {}
        self.tables: dict[str, TableReplica[Row]] = {
            name: TableReplica(schema.tables[name], cols, classes.get(name), track)
            for name, cols in tables.items()}
        self.seqno = 0

    def apply_updates(self, updates: Any, version: int) -> None:
        """Apply one table-updates object (a monitor notification) as one batch."""
        try:
            for table, row_uuid, j in self._entries(updates):
                table.apply_row_update(row_uuid, j, version)
        except _PARSE_ERRORS as exc:
            raise ReplicaError(str(exc)) from exc
        finally:
            self.seqno += 1

    def replace_all(self, updates: Any, version: int) -> None:
        """Apply a full resend: rows absent from ``updates`` are gone."""
        fresh: dict[str, TableReplica[Row]] = {
            name: TableReplica(t.schema, t.columns, t.row_cls, track=False)
            for name, t in self.tables.items()}
        try:
            for table, row_uuid, j in self._entries(updates):
                fresh[table.name].apply_row_update(row_uuid, j, version)
        except _PARSE_ERRORS as exc:
            raise ReplicaError(str(exc)) from exc
        for name, table in self.tables.items():
            table.replace_all(fresh[name].rows)
        self.seqno += 1

    def _entries(self, updates: Any) -> Iterator[tuple[TableReplica[Row], uuid.UUID, Any]]:
        if type(updates) is not dict:
            raise ReplicaError(f"table-updates is not an object: {updates!r}")
        for name, rows in updates.items():
            table = self.tables.get(name)
            if table is None or type(rows) is not dict:
                raise ReplicaError(f"update for unmonitored or bad table {name!r}")
            for uuid_text, j in rows.items():
                yield table, parse_uuid(uuid_text), j

    def changes(self) -> dict[str, TableChanges]:
        """Every table's changes since the last clear (tables without any omitted)."""
        out = {}
        for name, table in self.tables.items():
            ch = table.changes()
            if ch:
                out[name] = ch
        return out

    def clear_changes(self) -> None:
        for table in self.tables.values():
            table.clear_changes()
