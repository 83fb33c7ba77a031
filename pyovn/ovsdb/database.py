"""The in-memory database: rows, commits, and the indexes the engine needs.

Theory of operation: a ``Database`` holds, per table, a dict of immutable
``Row`` objects keyed by UUID.  Nothing changes it except ``apply(commit)``;
``transaction.execute`` only reads it and returns a ``Commit`` describing
each changed row as ``RowChange(old, new)``.  Alongside the rows, apply()
keeps three derived structures up to date so that transactions never scan a
whole table: strong reference counts per row (for referential integrity and
garbage collection), the set of rows holding weak references to each row
(so deleting a row finds them) and one dict per schema index.

Each ``RowChange`` of a commit carries a small cache of its values and
diffs as JSON (``new_values_json``, ``diff_json``, ``row_key``): the file
record and every monitor composing the commit convert each changed column
once between them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyovn.ovsdb.data import Datum, added_removed, contains_sorted
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.schema import DatabaseSchema, RefSpec, TableSchema
from pyovn.ovsdb.types import UNLIMITED, Type, atom_to_string, parse_uuid_string

UUID = uuid.UUID


@dataclass(frozen=True, slots=True)
class Row:
    """One row: its UUID, its version UUID and every user column's Datum."""

    uuid: UUID
    version: UUID
    columns: Mapping[str, Datum]

    def __getitem__(self, name: str) -> Datum:
        try:
            return self.columns[name]
        except KeyError:
            if name == "_uuid":
                return Datum((self.uuid,))
            if name == "_version":
                return Datum((self.version,))
            raise

    def to_json(self, table: TableSchema, columns: Any = None) -> dict[str, Any]:
        """Row as select returns it: every named column (default all + _uuid, _version)."""
        names = columns if columns is not None else ("_uuid", "_version", *table.user_columns)
        tcols = table.columns
        return {n: self[n].to_json(tcols[n].type) for n in names}


@dataclass(frozen=True, slots=True)
class RowChange:
    """``old`` is None for an insert, ``new`` is None for a delete.

    ``changed`` names the columns OVS counts as changed when that differs
    from comparing old and new: a transaction's edit undone by weak-reference
    cleanup still counts (OVS then writes an empty diff for it).  None means
    "the columns whose values differ".
    """

    old: Row | None
    new: Row | None
    changed: frozenset[str] | None = None
    # JSON of this change's column values and diffs, computed once and shared
    # by the file record and every monitor composing it (see new_values_json).
    # Entries are never mutated once stored; the server drops them once the
    # commit is published.
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


_DEFAULT = object()  # cache entry: the value is the column's default


def new_values_json(change: RowChange,
                    columns: Iterable[tuple[str, Type, Datum]]) -> dict[str, Any]:
    """``change.new``'s non-default values of (name, type, default) columns, as JSON."""
    cache = change.cache
    new = change.new
    assert new is not None
    values = new.columns
    out: dict[str, Any] = {}
    for name, ctype, default in columns:
        j = cache.get(name, _DEFAULT)
        if j is _DEFAULT:
            if name in cache:
                continue
            value = values[name] if name in values else new[name]
            if value == default:
                cache[name] = _DEFAULT
                continue
            j = cache[name] = value.to_json(ctype)
        out[name] = j
    return out


def diff_json(change: RowChange, name: str, ctype: Type) -> Any:
    """The update2/file diff of column ``name`` from old to new, as JSON."""
    key = ("diff", name)
    cache = change.cache
    j = cache.get(key, _DEFAULT)
    if j is _DEFAULT:
        old, new = change.old, change.new
        assert old is not None and new is not None
        j = cache[key] = old[name].diff(new[name], ctype).to_json(ctype)
    return j


def row_key(change: RowChange, row_uuid: UUID) -> str:
    """``str(row_uuid)``, computed once per change."""
    s = change.cache.get(None)
    if s is None:
        s = change.cache[None] = str(row_uuid)
    return s  # type: ignore[no-any-return]


def drop_json(commit: Commit) -> None:
    """Forget the JSON cached on ``commit``'s changes (kept in history without it)."""
    for rows in commit.changes.values():
        for change in rows.values():
            if change.cache:
                change.cache.clear()


@dataclass(frozen=True, slots=True)
class Commit:
    txn_id: UUID
    changes: dict[str, dict[UUID, RowChange]]
    comment: str | None
    date_ms: int

    def iter_changes(self) -> Iterator[tuple[str, UUID, RowChange]]:
        for table, rows in self.changes.items():
            for row_uuid, change in rows.items():
                yield table, row_uuid, change


IndexKey = tuple[Datum, ...]


class Database:
    """Current contents of one database plus reference and index bookkeeping."""

    __slots__ = ("schema", "tables", "strong_refs", "weak_referrers", "indexes")

    def __init__(self, schema: DatabaseSchema) -> None:
        self.schema = schema
        self.tables: dict[str, dict[UUID, Row]] = {t: {} for t in schema.tables}
        # target row -> number of strong reference atoms pointing at it
        self.strong_refs: dict[UUID, int] = {}
        # target row -> rows (table, uuid) whose weak-ref columns mention it
        self.weak_referrers: dict[UUID, set[tuple[str, UUID]]] = {}
        # table -> one dict per schema index: key values -> row
        self.indexes: dict[str, list[dict[IndexKey, UUID]]] = {
            t: [{} for _ in ts.indexes] for t, ts in schema.tables.items()}

    def row(self, table: str, row_uuid: UUID) -> Row | None:
        return self.tables[table].get(row_uuid)

    def apply(self, commit: Commit) -> None:
        """Make ``commit`` current (it must have been computed against this state)."""
        for tname, rows in commit.changes.items():
            tschema = self.schema.tables[tname]
            table = self.tables[tname]
            for row_uuid, change in rows.items():
                old, new = change.old, change.new
                if new is None:
                    table.pop(row_uuid, None)
                else:
                    table[row_uuid] = new
                self._update_refs(tschema, row_uuid, old, new)
                if tschema.indexes:
                    self._update_indexes(tschema, row_uuid, old, new)

    def _update_refs(self, ts: TableSchema, row_uuid: UUID, old: Row | None,
                     new: Row | None) -> None:
        refs = self.strong_refs
        own = (ts.name, row_uuid)
        for spec in ts.strong_refs:
            for _, added, removed in ref_changes(spec, old, new, own):
                for u in removed:
                    n = refs[u] - 1  # type: ignore[index]
                    if n:
                        refs[u] = n  # type: ignore[index]
                    else:
                        del refs[u]  # type: ignore[arg-type]
                for u in added:
                    refs[u] = refs.get(u, 0) + 1  # type: ignore[call-overload]
        if not ts.weak_refs:
            return
        me = (ts.name, row_uuid)
        holders_of = self.weak_referrers
        for spec in ts.weak_refs:
            for _, added, removed in ref_changes(spec, old, new):
                for u in removed:
                    holders = holders_of.get(u)  # type: ignore[call-overload]
                    if holders is not None and not _still_weakly_refers(ts, new, u):
                        holders.discard(me)
                        if not holders:
                            del holders_of[u]  # type: ignore[arg-type]
                for u in added:
                    holders_of.setdefault(u, set()).add(me)  # type: ignore[arg-type]

    def _update_indexes(self, ts: TableSchema, row_uuid: UUID, old: Row | None,
                        new: Row | None) -> None:
        for i, index in enumerate(ts.indexes):
            idx = self.indexes[ts.name][i]
            if old is not None:
                key = index_key(old, index)
                if idx.get(key) == row_uuid:
                    del idx[key]
            if new is not None:
                idx[index_key(new, index)] = row_uuid


def index_key(row: Row, index: tuple[str, ...]) -> IndexKey:
    return tuple(row[c] for c in index)


def ref_changes(spec: RefSpec, old: Row | None, new: Row | None,
                own: tuple[str, UUID] | None = None) -> list[tuple[str, list[Any], list[Any]]]:
    """Per referenced table: atoms added and removed between two versions of a row.

    ``own`` (table, uuid) is the row itself: OVS does not count a row's
    references to itself, so a self-referencing orphan is still collected.
    """
    b = old.columns[spec.column] if old is not None else None
    a = new.columns[spec.column] if new is not None else None
    if b is a:
        return []
    out = []
    if spec.key_table is not None:
        added, removed = added_removed(b.keys if b is not None else (),
                                       a.keys if a is not None else ())
        if added or removed:
            out.append((spec.key_table, added, removed))
    if spec.value_table is not None:
        before = Counter(b.values or ()) if b is not None else Counter()
        after = Counter(a.values or ()) if a is not None else Counter()
        added = list((after - before).elements())
        removed = list((before - after).elements())
        if added or removed:
            out.append((spec.value_table, added, removed))
    if own is not None and out:
        table, me = own
        out = [(t, [u for u in added if u != me], [u for u in removed if u != me])
               if t == table else (t, added, removed) for t, added, removed in out]
    return out


def _still_weakly_refers(ts: TableSchema, row: Row | None, target: Any) -> bool:
    if row is None:
        return False
    for spec in ts.weak_refs:
        datum = row.columns[spec.column]
        if spec.key_table is not None and contains_sorted(datum.keys, target):
            return True
        if spec.value_table is not None and target in (datum.values or ()):
            return True
    return False


# ---------------------------------------------------------------- commit-time checks

class Change:
    """A row's state in a transaction's overlay; mutable while it runs."""

    __slots__ = ("old", "new", "changed", "key")

    def __init__(self, old: Row | None, new: Row | None) -> None:
        self.old = old
        self.new = new
        self.changed: frozenset[str] | None = None
        self.key: str | None = None  # str(uuid), when an operation already made it


Changes = dict[str, dict[UUID, Change]]


class _View:
    """The database as the transaction would leave it."""

    __slots__ = ("db", "changes", "delta", "released")

    def __init__(self, db: Database, changes: Changes) -> None:
        self.db = db
        self.changes = changes
        self.delta: dict[UUID, int] = {}
        # (table, row) whose strong reference count went down: GC candidates
        self.released: list[tuple[str, UUID]] = []

    def get(self, table: str, row_uuid: UUID) -> Row | None:
        tchanges = self.changes.get(table)
        if tchanges is not None:
            c = tchanges.get(row_uuid)
            if c is not None:
                return c.new
        return self.db.tables[table].get(row_uuid)

    def touched(self, table: str, row_uuid: UUID) -> bool:
        tchanges = self.changes.get(table)
        return tchanges is not None and row_uuid in tchanges

    def set(self, table: str, row_uuid: UUID, new: Row | None) -> None:
        tchanges = self.changes.setdefault(table, {})
        c = tchanges.get(row_uuid)
        if c is None:
            tchanges[row_uuid] = Change(self.db.tables[table].get(row_uuid), new)
        else:
            c.new = new

    def refcount(self, row_uuid: UUID) -> int:
        return self.db.strong_refs.get(row_uuid, 0) + self.delta.get(row_uuid, 0)

    def account(self, ts: TableSchema, row_uuid: UUID, before: Row | None,
                after: Row | None, check: bool = False) -> None:
        """Adjust strong reference deltas for one row going from before to after.

        With ``check``, each newly added reference must name an existing row.
        """
        delta = self.delta
        own = (ts.name, row_uuid)
        for spec in ts.strong_refs:
            for table, added, removed in ref_changes(spec, before, after, own):
                for u in removed:
                    delta[u] = delta.get(u, 0) - 1
                    self.released.append((table, u))
                for u in added:
                    delta[u] = delta.get(u, 0) + 1
                    if check and self.get(table, u) is None and not self.touched(table, u):
                        raise OvsdbError(
                            "referential integrity violation",
                            f"Table {ts.name} column {spec.column} row {row_uuid} references "
                            f"nonexistent row {u} in table {table}.")


def precommit(db: Database, changes: Changes,
              new_uuid: Any) -> dict[str, dict[UUID, RowChange]]:
    """OVS's ovsdb_txn_precommit on an overlay; returns the final row changes."""
    _drop_noops(changes)
    view = _View(db, changes)
    schema = db.schema
    if schema.strongly_referenced:
        _check_strong_refs(view)
        _collect_garbage(view)
    _check_max_rows(view)
    if schema.weakly_referenced:
        _remove_dangling_weak_refs(view)
    _check_indexes(view)
    out: dict[str, dict[UUID, RowChange]] = {}
    for tname, rows in changes.items():
        trows: dict[UUID, RowChange] = {}
        for u, c in rows.items():
            new = c.new
            if new is not None:
                new = Row(u, new_uuid(), new.columns)
            elif c.old is None:
                continue  # inserted, then garbage-collected
            key = c.key
            trows[u] = RowChange(c.old, new, c.changed, {} if key is None else {None: key})
        if trows:
            out[tname] = trows
    return out


def _drop_noops(changes: Changes) -> None:
    for rows in changes.values():
        dead = None
        for u, c in rows.items():
            old, new = c.old, c.new
            if old is new or (old is not None and new is not None
                              and old.columns == new.columns):
                if dead is None:
                    dead = [u]
                else:
                    dead.append(u)
        if dead is not None:
            for u in dead:
                del rows[u]


def _check_strong_refs(view: _View) -> None:
    schema = view.db.schema
    for tname, rows in view.changes.items():
        ts = schema.tables[tname]
        if not ts.strong_refs:
            continue
        for row_uuid, c in rows.items():
            view.account(ts, row_uuid, c.old, c.new, check=True)
    for tname, rows in view.changes.items():
        if tname not in schema.strongly_referenced:
            continue
        for row_uuid, c in rows.items():
            if c.new is None:
                n = view.refcount(row_uuid)
                if n > 0:
                    raise OvsdbError("referential integrity violation",
                                     f"cannot delete {tname} row {row_uuid} because of "
                                     f"{n} remaining reference(s)")


def _collect_garbage(view: _View) -> None:
    schema = view.db.schema
    work = view.released
    for tname, rows in view.changes.items():
        if not schema.tables[tname].is_root:
            work.extend((tname, u) for u, c in rows.items() if c.new is not None)
    while work:
        tname, u = work.pop()
        ts = schema.tables[tname]
        if ts.is_root:
            continue
        row = view.get(tname, u)
        if row is None or view.refcount(u) > 0:
            continue
        view.set(tname, u, None)
        view.account(ts, u, row, None)  # queues what it referenced


def _check_max_rows(view: _View) -> None:
    for tname, rows in view.changes.items():
        limit = view.db.schema.tables[tname].max_rows
        if limit == UNLIMITED:
            continue
        n = len(view.db.tables[tname])
        for c in rows.values():
            n += (c.new is not None) - (c.old is not None)
        if n > limit:
            raise OvsdbError("constraint violation",
                             f'transaction causes "{tname}" table to contain {n} rows, '
                             f"greater than the schema-defined limit of {limit} row(s)")


def _remove_dangling_weak_refs(view: _View) -> None:
    schema = view.db.schema
    candidates: set[tuple[str, UUID]] = set()
    for tname, rows in view.changes.items():
        if schema.tables[tname].weak_refs:
            candidates.update((tname, u) for u, c in rows.items() if c.new is not None)
        if tname in schema.weakly_referenced:
            for u, c in rows.items():
                if c.new is None:
                    candidates.update(view.db.weak_referrers.get(u, ()))
    for tname, u in candidates:
        row = view.get(tname, u)
        if row is not None:
            _fix_weak_row(view, schema.tables[tname], row)


def _fix_weak_row(view: _View, ts: TableSchema, row: Row) -> None:
    columns: dict[str, Datum] | None = None
    get = view.get
    for spec in ts.weak_refs:
        datum = row.columns[spec.column]
        if not datum.keys:
            continue
        kt, vt = spec.key_table, spec.value_table
        if datum.values is None:
            assert kt is not None
            keep = [k for k in datum.keys if get(kt, k) is not None]  # type: ignore[arg-type]
            if len(keep) == len(datum.keys):
                continue
            fixed = Datum(tuple(keep))
        else:
            pairs = [(k, v) for k, v in zip(datum.keys, datum.values, strict=True)
                     if (kt is None or get(kt, k) is not None)  # type: ignore[arg-type]
                     and (vt is None or get(vt, v) is not None)]  # type: ignore[arg-type]
            if len(pairs) == len(datum.keys):
                continue
            fixed = Datum(tuple(k for k, _ in pairs), tuple(v for _, v in pairs))
        if len(fixed.keys) < spec.type.n_min:
            _weak_min_error(view, ts, row, spec.column, datum, fixed)
        if columns is None:
            columns = dict(row.columns)
        columns[spec.column] = fixed
    if columns is not None:
        # OVS keeps the columns the operations changed plus those cleaned here
        # as "changed", even if cleaning restored the old value.
        c = view.changes.get(ts.name, {}).get(row.uuid)
        old = c.old if c is not None else view.db.tables[ts.name].get(row.uuid)
        before = c.changed if c is not None and c.changed is not None else None
        if before is None and old is not None:
            before = frozenset(n for n in ts.user_columns
                               if old.columns[n] is not row.columns[n]
                               and old.columns[n] != row.columns[n])
        cleaned = frozenset(n for n in columns if columns[n] is not row.columns[n])
        view.set(ts.name, row.uuid, Row(row.uuid, row.version, columns))
        if old is not None:
            view.changes[ts.name][row.uuid].changed = (before or frozenset()) | cleaned


def _weak_min_error(view: _View, ts: TableSchema, row: Row, cname: str,
                    datum: Datum, fixed: Datum) -> None:
    c = view.changes.get(ts.name, {}).get(row.uuid)
    inserted = c is not None and c.old is None
    zero = uuid.UUID(int=0)
    if inserted and zero in datum.keys:
        raise OvsdbError(
            "constraint violation",
            f'Weak reference column "{cname}" in "{ts.name}" row {row.uuid} (inserted within '
            "this transaction) contained all-zeros UUID (probably as the default value for "
            "this column) but deleting this value caused a constraint volation because this "
            "column is not allowed to be empty.")
    n = len(datum.keys) - len(fixed.keys)
    where = "(inserted within this transaction) " if inserted else ""
    raise OvsdbError(
        "constraint violation",
        f'Deletion of {n} weak reference(s) to deleted (or never-existing) rows from column '
        f'"{cname}" in "{ts.name}" row {row.uuid} {where}caused this column to become empty, '
        "but constraints on this column disallow an empty column.")


def _check_indexes(view: _View) -> None:
    schema = view.db.schema
    for tname, rows in view.changes.items():
        ts = schema.tables[tname]
        for i, index in enumerate(ts.indexes):
            seen: dict[IndexKey, UUID] = {}
            db_index = view.db.indexes[tname][i]
            for u, c in rows.items():
                if c.new is None:
                    continue
                key = index_key(c.new, index)
                other = seen.get(key)
                if other is None:
                    existing = db_index.get(key)
                    if existing is not None and existing != u and not view.touched(tname,
                                                                                    existing):
                        other = existing
                if other is not None:
                    raise _index_error(view, ts, index, key, u, other)
                seen[key] = u


def _index_error(view: _View, ts: TableSchema, index: tuple[str, ...], key: IndexKey,
                 a: UUID, b: UUID) -> OvsdbError:
    # OVS orders the pair by all columns, _uuid first: the larger comes first.
    first, second = (a, b) if a.int > b.int else (b, a)

    def describe(u: UUID) -> str:
        c = view.changes.get(ts.name, {}).get(u)
        if c is None:
            return ("existed in the database before this transaction and was not modified "
                    "by the transaction.")
        if c.old is None:
            return "was inserted by this transaction."
        assert c.new is not None
        old_key = index_key(c.old, index)
        if old_key == index_key(c.new, index):
            return ("existed in the database before this transaction, which modified some "
                    "of the row's columns but not any columns in this index.")
        return ("had the following index values before the transaction: "
                + ", ".join(_datum_to_string(d) for d in old_key) + ".")

    values = ", ".join(_datum_to_string(d) for d in key)
    return OvsdbError(
        "constraint violation",
        f'Transaction causes multiple rows in "{ts.name}" table to have identical values '
        f"({values}) for index on {_columns_english(index)}.  First row, with UUID "
        f"{first}, {describe(first)}  Second row, with UUID {second}, {describe(second)}")


def _columns_english(names: tuple[str, ...]) -> str:
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"column {quoted[0]}"
    if len(quoted) == 2:
        return f"columns {quoted[0]} and {quoted[1]}"
    return "columns " + ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _datum_to_string(d: Datum) -> str:
    if d.values is not None:
        return "{" + ", ".join(f"{atom_to_string(k)}={atom_to_string(v)}"
                               for k, v in zip(d.keys, d.values, strict=True)) + "}"
    if len(d.keys) == 1:
        return str(atom_to_string(d.keys[0]))
    return "[" + ", ".join(atom_to_string(k) for k in d.keys) + "]"


# ---------------------------------------------------------------- ovsdb(5) file records

def commit_to_file_record(schema: DatabaseSchema, commit: Commit) -> dict[str, Any] | None:
    """The transaction record OVS 3.1 appends to a standalone file, or None.

    Inserts list non-default persistent columns, modifies list the diff of
    each changed persistent column, deletes are null; ephemeral columns are
    never written.  None when nothing persistent changed.
    """
    record: dict[str, Any] = {}
    for tname, rows in commit.changes.items():
        ts = schema.tables[tname]
        trecord: dict[str, Any] = {}
        for row_uuid, change in rows.items():
            row_json = _row_record(ts, change)
            if row_json is not _SKIP:
                trecord[row_key(change, row_uuid)] = row_json
        if trecord:
            record[tname] = trecord
    if not record:
        return None
    record["_date"] = commit.date_ms
    if commit.comment is not None:
        record["_comment"] = commit.comment
    record["_is_diff"] = True
    return record


_SKIP = object()


def _row_record(ts: TableSchema, change: RowChange) -> Any:
    old, new = change.old, change.new
    if new is None:
        return None
    if old is None:
        return new_values_json(change, _persistent(ts))
    changed = change.changed
    out: dict[str, Any] = {}
    old_values, new_values = old.columns, new.columns
    for name, ctype, _ in _persistent(ts):
        before, after = old_values[name], new_values[name]
        if (name in changed) if changed is not None else (before is not after
                                                          and before != after):
            out[name] = diff_json(change, name, ctype)
    return out if out else _SKIP


_PERSISTENT: dict[int, tuple[TableSchema, tuple[tuple[str, Type, Datum], ...]]] = {}


def _persistent(ts: TableSchema) -> tuple[tuple[str, Type, Datum], ...]:
    """(name, type, default) of the persistent columns, built once per table schema."""
    hit = _PERSISTENT.get(id(ts))
    if hit is None or hit[0] is not ts:
        cols = tuple((n, ts.columns[n].type, ts.defaults[n]) for n in ts.persistent_columns)
        if len(_PERSISTENT) >= 256:
            _PERSISTENT.clear()  # schemas come and go in tests; servers have a few
        hit = _PERSISTENT[id(ts)] = (ts, cols)  # holding ts keeps its id unique
    return hit[1]


def snapshot_record(db: Database, date_ms: int | None = None,
                    comment: str | None = None) -> dict[str, Any]:
    """Every row as one full (non-diff) record, as OVS writes when compacting."""
    record: dict[str, Any] = {}
    for tname, rows in db.tables.items():
        if not rows:
            continue
        ts = db.schema.tables[tname]
        insert = _row_record
        record[tname] = {str(u): insert(ts, RowChange(None, r)) for u, r in rows.items()}
    if date_ms is not None:
        record["_date"] = date_ms
    if comment is not None:
        record["_comment"] = comment
    return record


def apply_file_record(db: Database, record: dict[str, Any],
                      new_uuid: Any = None) -> Commit | None:
    """Replay one ovsdb(5) transaction record (full rows or ``_is_diff``) into ``db``.

    Returns the Commit applied (None if it changed nothing).  Commit-time
    integrity rules run as on any transaction, as OVS does on replay.
    """
    from pyovn.ovsdb.transaction import random_uuid  # transaction imports this module

    new_uuid = new_uuid or random_uuid
    if not isinstance(record, dict):
        raise OvsdbError("syntax error", "transaction record must be a JSON object")
    is_diff = record.get("_is_diff") is True
    changes: Changes = {}
    for tname, trecord in record.items():
        if tname.startswith("_"):
            continue
        ts = db.schema.tables.get(tname)
        if ts is None:
            raise OvsdbError("syntax error", f"No table named {tname}.")
        if not isinstance(trecord, dict):
            raise OvsdbError("syntax error", f"table {tname} in record is not an object")
        tchanges = changes.setdefault(tname, {})
        for uuid_str, row_json in trecord.items():
            row_uuid = _record_uuid(uuid_str)
            old = db.tables[tname].get(row_uuid)
            tchanges[row_uuid] = Change(old, _replay_row(ts, row_uuid, old, row_json, is_diff))
    final = precommit(db, changes, new_uuid)
    if not final:
        return None
    commit = Commit(new_uuid(), final, record.get("_comment"), record.get("_date", 0))
    db.apply(commit)
    return commit


def _record_uuid(s: str) -> UUID:
    return parse_uuid_string(s, s)


def _replay_row(ts: TableSchema, row_uuid: UUID, old: Row | None, row_json: Any,
                is_diff: bool) -> Row | None:
    if row_json is None:
        if old is None:
            raise OvsdbError("syntax error",
                             f"transaction deletes row {row_uuid} that does not exist")
        return None
    if not isinstance(row_json, dict):
        raise OvsdbError("syntax error", "row must be JSON object")
    columns = dict(old.columns) if old is not None else dict(ts.defaults)
    for name, value in row_json.items():
        column = ts.columns.get(name)
        if column is None or name.startswith("_"):
            raise OvsdbError("syntax error", f"No column {name} in table {ts.name}.")
        ctype = column.type
        if is_diff and old is not None and ctype.is_composite:
            diff = Datum.from_json(ctype.with_count(0, UNLIMITED), value)
            columns[name] = old.columns[name].apply_diff(diff, ctype)
        else:
            columns[name] = Datum.from_json(ctype, value)
    return Row(row_uuid, old.version if old is not None else row_uuid, columns)
