"""Monitors: parsing monitor requests and composing table-updates (pure).

Theory of operation: a ``MonitorRequest`` is the parsed, hashable form of the
<monitor-requests> of ``monitor`` (update, version 1), ``monitor_cond``
(update2, version 2) and ``monitor_cond_since`` (update3, version 3): per
table, the monitored columns each with its select flags (initial, insert,
delete, modify) and, for versions 2 and 3, a condition.  Composition is a
function of (rows, request, version), so a server builds each update once
per distinct request and sends the same bytes to every session sharing it.

Each changed row is classified by its visibility before and after the commit
(the condition applied to the old and new row): entering the condition is an
insert, leaving it a delete, staying in it a modify.  Output follows
ovsdb-server 3.1: version 1 sends "new" with every monitored column and, for
a modify, "old" with just the changed ones; versions 2/3 send "initial" and
"insert" with the non-default columns, "delete": null, and "modify" with the
changed columns, sets and maps as element-wise differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pyovn.ovsdb.condition import MonitorCondition
from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.database import (
    Commit,
    Database,
    Row,
    RowChange,
    diff_json,
    new_values_json,
    row_key,
)
from pyovn.ovsdb.errors import MemberParser, OvsdbError, syntax_error
from pyovn.ovsdb.schema import DatabaseSchema, TableSchema
from pyovn.ovsdb.types import Type

INITIAL, INSERT, DELETE, MODIFY = 1, 2, 4, 8
ALL_SELECT = INITIAL | INSERT | DELETE | MODIFY
_SELECT_BITS = (("initial", INITIAL), ("insert", INSERT), ("delete", DELETE),
                ("modify", MODIFY))


@dataclass(frozen=True, slots=True)
class MonitoredColumn:
    name: str
    type: Type
    select: int
    default: Datum = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "default", Datum.default(self.type))


@dataclass(frozen=True, slots=True)
class TableMonitor:
    table: str
    columns: tuple[MonitoredColumn, ...]
    condition: MonitorCondition
    select: int  # union of the requests' select flags (a request may name no column)
    # Columns only conditions use.  OVS tracks them like monitored columns, so a
    # change to one alone still reports the row (as an empty "modify"); once
    # added they stay, across monitor_cond_change.
    watched: tuple[str, ...] = ()
    # Derived: columns_for() of each select bit, and for update2 insert/initial
    # the (name, type, default) triples new_values_json takes.
    _by_kind: dict[int, tuple[MonitoredColumn, ...]] = field(
        init=False, compare=False, repr=False)
    _insert_triples: tuple[tuple[str, Type, Datum], ...] = field(
        init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_kind = {kind: tuple(c for c in self.columns if c.select & kind)
                   for _, kind in _SELECT_BITS}
        object.__setattr__(self, "_by_kind", by_kind)
        object.__setattr__(self, "_insert_triples",
                           tuple((c.name, c.type, c.default) for c in by_kind[INSERT]))

    def columns_for(self, kind: int) -> tuple[MonitoredColumn, ...]:
        cols = self._by_kind.get(kind)
        if cols is None:
            cols = tuple(c for c in self.columns if c.select & kind)
        return cols

    def with_condition(self, condition: MonitorCondition) -> TableMonitor:
        monitored = {c.name for c in self.columns}
        extra = [n for n in _condition_columns(condition)
                 if n not in monitored and n not in self.watched]
        return replace(self, condition=condition, watched=self.watched + tuple(extra))


def _condition_columns(condition: MonitorCondition) -> list[str]:
    names: list[str] = []
    for clause in condition.clauses:
        if clause.column is not None and clause.column not in names:
            names.append(clause.column)
    return names


@dataclass(frozen=True, slots=True)
class MonitorRequest:
    """Parsed <monitor-requests>; hashable, so equal requests share updates."""

    tables: tuple[TableMonitor, ...]
    by_table: dict[str, TableMonitor] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_table", {t.table: t for t in self.tables})

    def __hash__(self) -> int:
        return hash(self.tables)

    @classmethod
    def from_json(cls, schema: DatabaseSchema, requests: Any, version: int) -> MonitorRequest:
        if not isinstance(requests, dict):
            raise syntax_error(requests, "monitor-requests must be object")
        tables = []
        for tname in sorted(requests):
            ts = schema.tables.get(tname)
            if ts is None:
                raise OvsdbError("syntax error", f"no table named {tname}")
            value = requests[tname]
            items = value if isinstance(value, list) else [value]
            tables.append(_table_monitor(ts, items, version))
        return cls(tuple(tables))

    def with_conditions(self, schema: DatabaseSchema, changes: Any) -> MonitorRequest:
        """The request after monitor_cond_change's <monitor-cond-update-requests>."""
        if not isinstance(changes, dict):
            raise syntax_error(changes, "monitor-cond-change-requests must be object")
        by_name = {t.table: t for t in self.tables}
        for tname, value in changes.items():
            if tname not in schema.tables:
                raise OvsdbError("syntax error", f"no table named {tname}")
            tm = by_name.get(tname)
            if tm is None:
                raise OvsdbError("syntax error", f"no table named {tname} in monitor session")
            if not isinstance(value, list):
                raise OvsdbError("syntax error",
                                 f"table {tname} no monitor-cond-change JSON array")
            condition = tm.condition
            for item in value:
                parser = MemberParser(item, f"table {tname}")
                if parser.get("columns", ("array",), optional=True) is not None:
                    raise syntax_error(item, "changing columns is unsupported")
                where = parser.get("where", ("array",), optional=True)
                parser.finish()
                if where is not None:
                    condition = MonitorCondition.from_json(schema.tables[tname], where)
            by_name[tname] = tm.with_condition(condition)
        return MonitorRequest(tuple(by_name[t.table] for t in self.tables))


def _table_monitor(ts: TableSchema, items: list[Any], version: int) -> TableMonitor:
    columns: dict[str, MonitoredColumn] = {}
    clauses: list[Any] = []
    has_where = False
    union = 0
    for item in items:
        parser = MemberParser(item, f"table {ts.name}")
        columns_json = parser.get("columns", ("array",), optional=True)
        select_json = parser.get("select", ("object",), optional=True)
        where_json = (parser.get("where", ("array",), optional=True) if version > 1 else None)
        parser.finish()
        select = _parse_select(select_json, ts.name)
        union |= select
        if columns_json is None:
            names = [n for n in ts.columns if n != "_uuid"]
        else:
            names = []
            for name in columns_json:
                if not isinstance(name, str):
                    raise syntax_error(columns_json, "array of column names expected")
                if name not in ts.columns:
                    raise syntax_error(columns_json, f"{name} is not a valid column name")
                names.append(name)
        for name in names:
            if name in columns:
                raise syntax_error(columns_json, f"column {name} mentioned more than once")
            columns[name] = MonitoredColumn(name, ts.columns[name].type, select)
        if where_json is not None:
            has_where = True
            clauses.extend(MonitorCondition.from_json(ts, where_json).clauses)
    condition = MonitorCondition(tuple(clauses)) if has_where else MonitorCondition()
    return TableMonitor(ts.name, tuple(columns.values()), MonitorCondition(),
                        union).with_condition(condition)


def _parse_select(j: Any, table: str) -> int:
    if j is None:
        return ALL_SELECT
    parser = MemberParser(j, f"table {table} select")
    bits = 0
    for name, bit in _SELECT_BITS:
        value = parser.get(name, ("boolean",), optional=True)
        if value is None or value:
            bits |= bit
    parser.finish()
    return bits


# ---------------------------------------------------------------- composing updates

def _full(row: Row, columns: tuple[MonitoredColumn, ...]) -> dict[str, Any]:
    return {c.name: row[c.name].to_json(c.type) for c in columns}


def _non_default(row: Row, columns: tuple[MonitoredColumn, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in columns:
        value = row[c.name]
        if value != c.default:
            out[c.name] = value.to_json(c.type)
    return out


def initial_update(db: Database, req: MonitorRequest, version: int) -> dict[str, Any]:
    """The reply's table-updates: every visible row, as "new" (v1) or "initial"."""
    out: dict[str, Any] = {}
    for tm in req.tables:
        if not tm.select & INITIAL:
            continue
        cols = tm.columns_for(INITIAL)
        cond = tm.condition
        rows: dict[str, Any] = {}
        for row in db.tables[tm.table].values():
            if not cond.evaluate(row):
                continue
            if version == 1:
                rows[str(row.uuid)] = {"new": _full(row, cols)}
            else:
                rows[str(row.uuid)] = {"initial": _non_default(row, cols)}
        if rows:
            out[tm.table] = rows
    return out


def commit_update(commit: Commit, req: MonitorRequest, version: int) -> dict[str, Any] | None:
    """table-updates for one commit, or None when it touches nothing monitored."""
    out: dict[str, Any] = {}
    by_table = req.by_table
    for tname, changes in commit.changes.items():
        tm = by_table.get(tname)
        if tm is None:
            continue
        rows: dict[str, Any] = {}
        for row_uuid, change in changes.items():
            entry = _row_update(tm, change, version)
            if entry is not None:
                rows[row_key(change, row_uuid)] = entry
        if rows:
            out[tm.table] = rows
    return out or None


def _any_change(tm: TableMonitor, old: Row, new: Row) -> bool:
    for c in tm.columns:
        if old[c.name] != new[c.name]:
            return True
    return any(old[n] != new[n] for n in tm.watched)


def _row_update(tm: TableMonitor, change: RowChange, version: int) -> dict[str, Any] | None:
    old, new = change.old, change.new
    cond = tm.condition
    was = old is not None and cond.evaluate(old)
    now = new is not None and cond.evaluate(new)
    if was and now:
        assert old is not None and new is not None
        if not tm.select & MODIFY or not _any_change(tm, old, new):
            return None
        cols = tm.columns_for(MODIFY)
        changed = [c for c in cols if old[c.name] != new[c.name]]
        if version == 1:
            return {"new": _full(new, cols),
                    "old": {c.name: old[c.name].to_json(c.type) for c in changed}}
        return {"modify": {c.name: diff_json(change, c.name, c.type) for c in changed}}
    if now:
        assert new is not None
        if not tm.select & INSERT:
            return None
        if version == 1:
            return {"new": _full(new, tm.columns_for(INSERT))}
        return {"insert": new_values_json(change, tm._insert_triples)}
    if was:
        assert old is not None
        if not tm.select & DELETE:
            return None
        if version == 1:
            return {"old": _full(old, tm.columns_for(DELETE))}
        return {"delete": None}
    return None


def condition_change_update(db: Database, old_req: MonitorRequest, new_req: MonitorRequest,
                            version: int = 2) -> dict[str, Any] | None:
    """update2/update3 body for monitor_cond_change: rows entering or leaving view."""
    out: dict[str, Any] = {}
    old_by_table = {t.table: t for t in old_req.tables}
    for tm in new_req.tables:
        before = old_by_table.get(tm.table)
        if before is None or before.condition == tm.condition:
            continue
        rows: dict[str, Any] = {}
        for row in db.tables[tm.table].values():
            was, now = before.condition.evaluate(row), tm.condition.evaluate(row)
            if now and not was and tm.select & INSERT:
                rows[str(row.uuid)] = {"insert": _non_default(row, tm.columns_for(INSERT))}
            elif was and not now and tm.select & DELETE:
                rows[str(row.uuid)] = {"delete": None}
        if rows:
            out[tm.table] = rows
    return out or None
