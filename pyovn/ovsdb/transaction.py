"""execute(): RFC 7047 "transact" operations -> results and a Commit (pure).

Theory of operation: ``execute(db, ops, ctx)`` runs the operations in order
against a private overlay of the database (``_Txn.changes``: per table,
UUID -> [old row, new row]).  Each operation sees the effects of the ones
before it.  The first failing operation puts its error object in its slot
and the rest are not run (their slots are null, as ovsdb-server pads them).
If all succeed, the commit-time checks of OVS's ovsdb_txn_precommit run on
the overlay -- drop no-op changes, strong references, garbage collection of
unreferenced non-root rows, maxRows, weak-reference cleanup, index
uniqueness -- and a failure there is appended as one extra result.  The
database itself is never mutated: the caller applies the returned Commit.

A ``wait`` that is not yet satisfied and has time left makes the outcome
"blocked": no results, ``blocked_until`` set; the server re-runs the whole
transaction after the next commit or at that deadline, passing the original
arrival time as ``ctx.start``.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyovn.ovsdb.condition import Clause, matches_all, parse_where
from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.database import Change, Commit, Database, Row, precommit
from pyovn.ovsdb.errors import MemberParser, OvsdbError, is_id, syntax_error
from pyovn.ovsdb.schema import TableSchema
from pyovn.ovsdb.types import UNLIMITED, AtomicType, SymbolResolver, Type, parse_uuid_string

UUID = uuid.UUID
# Seeded from the OS once, like OVS's uuid_generate(); far cheaper than uuid4().
_rand = random.Random(random.SystemRandom().getrandbits(256))
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


_new_object = object.__new__
_set_slot = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def random_uuid() -> UUID:
    """A random version-4 UUID."""
    # UUID(int=...) re-validates the range and runs its __init__ in Python;
    # filling the two slots directly (as unpickling does) is 2.5x cheaper.
    u = _new_object(UUID)
    _set_slot(u, "int", (_rand.getrandbits(128) & _V4_CLEAR) | _V4_SET)
    _set_slot(u, "is_safe", _SAFE_UNKNOWN)
    return u  # type: ignore[no-any-return]


def _never_owner(name: str) -> bool:
    return False


@dataclass
class TxnContext:
    """What a transaction may know about the world: time, locks, session."""

    now: float = 0.0                       # seconds (wall clock) when run
    start: float | None = None             # when first received; for wait timeouts
    owns_lock: Callable[[str], bool] = _never_owner
    session_id: str | None = None
    new_uuid: Callable[[], UUID] = random_uuid


@dataclass
class TxnOutcome:
    results: list[Any]
    commit: Commit | None = None
    blocked_until: float | None = None
    durable: bool = False


class _Blocked(Exception):
    def __init__(self, until: float) -> None:
        self.until = until


class Symtab:
    """uuid-name -> UUID; a name used before its insert gets its UUID early."""

    __slots__ = ("names", "created", "new_uuid")

    def __init__(self, new_uuid: Callable[[], UUID]) -> None:
        self.names: dict[str, UUID] = {}
        self.created: set[str] = set()
        self.new_uuid = new_uuid

    def resolve(self, name: str) -> UUID:
        u = self.names.get(name)
        if u is None:
            u = self.names[name] = self.new_uuid()
        return u


@dataclass
class _Txn:
    db: Database
    ctx: TxnContext
    symtab: Symtab
    changes: dict[str, dict[UUID, Change]] = field(default_factory=dict)
    comment: str = ""  # OVS appends each comment, newline-separated once non-empty
    durable: bool = False

    # -- overlay access

    def get(self, table: str, row_uuid: UUID) -> Row | None:
        tchanges = self.changes.get(table)
        if tchanges is not None:
            c = tchanges.get(row_uuid)
            if c is not None:
                return c.new
        return self.db.tables[table].get(row_uuid)

    def set(self, table: str, row_uuid: UUID, new: Row | None) -> None:
        tchanges = self.changes.setdefault(table, {})
        c = tchanges.get(row_uuid)
        if c is None:
            tchanges[row_uuid] = Change(self.db.tables[table].get(row_uuid), new)
        else:
            c.new = new

    def rows(self, table: str) -> list[Row]:
        base = self.db.tables[table]
        tchanges = self.changes.get(table)
        if not tchanges:
            return list(base.values())
        out = [r for u, r in base.items() if u not in tchanges]
        out.extend(c.new for c in tchanges.values() if c.new is not None)
        return out

    def query(self, table: str, where: tuple[Clause, ...]) -> list[Row]:
        if where:
            first = where[0]
            if first.column == "_uuid" and first.function == "==" and len(first.arg.keys) == 1:
                row = self.get(table, first.arg.keys[0])  # type: ignore[arg-type]
                if row is None:
                    return []
                return [row] if matches_all(where[1:], row) else []
            candidates = self._by_index(table, where)
            if candidates is None:
                candidates = self.rows(table)
            return [r for r in candidates if matches_all(where, r)]
        return self.rows(table)

    def _by_index(self, table: str, where: tuple[Clause, ...]) -> list[Row] | None:
        """Rows that may match, found through a schema index the clauses pin down."""
        indexes = self.db.schema.tables[table].indexes
        if not indexes:
            return None
        equal = {c.column: c.arg for c in where if c.function == "==" and c.column}
        for i, index in enumerate(indexes):
            if all(name in equal for name in index):
                found = self.db.indexes[table][i].get(tuple(equal[n] for n in index))
                tchanges = self.changes.get(table, {})
                out = [c.new for c in tchanges.values() if c.new is not None]
                if found is not None and found not in tchanges:
                    out.append(self.db.tables[table][found])
                return out
        return None


# ---------------------------------------------------------------- entry point

def execute(db: Database, ops: Any, ctx: TxnContext | None = None) -> TxnOutcome:
    """Run the operations of one "transact" (the params after the db name)."""
    ctx = ctx or TxnContext()
    txn = _Txn(db, ctx, Symtab(ctx.new_uuid))
    if not isinstance(ops, list):
        raise syntax_error(ops, "array expected")
    results: list[Any] = []
    n = len(ops)
    try:
        for i, op in enumerate(ops):
            try:
                results.append(_run_op(txn, op, i, n))
            except OvsdbError as e:
                results.append(e.to_json())
                results.extend([None] * (n - len(results)))
                return TxnOutcome(results)
    except _Blocked as b:
        return TxnOutcome([], blocked_until=b.until)
    try:
        changes = precommit(txn.db, txn.changes, ctx.new_uuid)
    except OvsdbError as e:
        results.append(e.to_json())
        return TxnOutcome(results)
    commit = None
    if changes:
        commit = Commit(ctx.new_uuid(), changes,
                        txn.comment or None,
                        int(ctx.now * 1000))
    return TxnOutcome(results, commit, durable=txn.durable)


def _run_op(txn: _Txn, op: Any, i: int, n: int) -> Any:
    if type(op) is dict and op.get("op") == "insert":
        table = _well_formed_insert(txn, op)
        if table is not None:
            return _insert(txn, table, op.get("uuid-name"), op.get("uuid"), op["row"])
    parser = MemberParser(op, f"ovsdb operation {i + 1} of {n}")
    name = parser.get("op", ("id",))
    handler = _OPS.get(name)
    if handler is None:
        raise parser.error(f'No operation "{name}"')
    try:
        result = handler(txn, parser)
    except OvsdbError as e:
        if not e.from_parser:
            parser.finish()  # an unknown member is reported instead, as OVS does
        raise
    parser.finish()
    return result


def _table(txn: _Txn, parser: MemberParser) -> TableSchema:
    name = parser.get("table", ("id",))
    table = txn.db.schema.tables.get(name)
    if table is None:
        raise parser.error(f"No table named {name}.")
    return table


# ---------------------------------------------------------------- operations

def _well_formed_insert(txn: _Txn, op: dict[str, Any]) -> TableSchema | None:
    """The table of an "insert" whose members all check out, else None.

    The common case skips `MemberParser`; anything unusual (a missing,
    unknown or mistyped member, an unknown table) returns None and takes
    the general path, which reports it exactly as ovsdb-server does.
    """
    name = op.get("table")
    table = txn.db.schema.tables.get(name) if type(name) is str else None
    if table is None or type(op.get("row")) is not dict:
        return None
    members = 3
    uuid_name = op.get("uuid-name")
    if uuid_name is not None:
        if type(uuid_name) is not str or not is_id(uuid_name):
            return None
        members += 1
    uuid_json = op.get("uuid")
    if uuid_json is not None:
        if type(uuid_json) is not str:
            return None
        members += 1
    return table if len(op) == members else None


def _op_insert(txn: _Txn, parser: MemberParser) -> Any:
    table = _table(txn, parser)
    uuid_name = parser.get("uuid-name", ("id",), optional=True)
    uuid_json = parser.get("uuid", ("string",), optional=True)
    row_json = parser.get("row", ("object",))
    return _insert(txn, table, uuid_name, uuid_json, row_json)


def _insert(txn: _Txn, table: TableSchema, uuid_name: str | None, uuid_json: str | None,
            row_json: dict[str, Any]) -> Any:
    if uuid_json is not None:
        try:
            row_uuid = parse_uuid_string(uuid_json, uuid_json)
        except OvsdbError:
            raise syntax_error(uuid_json, "bad uuid") from None
        if txn.get(table.name, row_uuid) is not None or _deleted_here(txn, table.name, row_uuid):
            raise syntax_error(uuid_json, "This UUID would duplicate a UUID already present "
                                          "within the table or deleted within the same "
                                          "transaction.", tag="duplicate uuid")
    else:
        row_uuid = None
    if uuid_name is not None:
        symtab = txn.symtab
        if uuid_name in symtab.created:
            raise syntax_error(uuid_name, 'This "uuid-name" appeared on an earlier "insert" '
                                          "operation.", tag="duplicate uuid-name")
        if row_uuid is not None:
            symtab.names[uuid_name] = row_uuid
        row_uuid = symtab.resolve(uuid_name)
        symtab.created.add(uuid_name)
    if row_uuid is None:
        row_uuid = txn.ctx.new_uuid()
    columns = dict(table.defaults)
    columns.update(_parse_row(txn, table, row_json))
    for name in table.unsatisfied_defaults:
        if name not in row_json:
            columns[name].check_constraints(table.columns[name].type)
    txn.set(table.name, row_uuid, Row(row_uuid, row_uuid, columns))
    key = str(row_uuid)
    txn.changes[table.name][row_uuid].key = key  # the file record and monitors reuse it
    return {"uuid": ["uuid", key]}


def _deleted_here(txn: _Txn, table: str, row_uuid: UUID) -> bool:
    c = txn.changes.get(table, {}).get(row_uuid)
    return c is not None and c.old is not None and c.new is None


def _parse_row(txn: _Txn, table: TableSchema, row_json: dict[str, Any]) -> dict[str, Datum]:
    """Parse a <row>; _uuid and _version are parsed but never stored."""
    try:
        return _parse_row_in_order(txn, table, row_json, row_json)
    except OvsdbError:
        if len(row_json) < 2:
            raise
    # Several columns may be wrong; report the one OVS meets first: it walks
    # the object in its hash table's order.  Only failures pay for this.
    from pyovn.ovsdb.storage.ovs_order import shash_order

    _parse_row_in_order(txn, table, row_json, shash_order(row_json))
    raise AssertionError("row parsed in one order but not in another")


def _parse_row_in_order(txn: _Txn, table: TableSchema, row_json: dict[str, Any],
                        names: Any) -> dict[str, Datum]:
    out: dict[str, Datum] = {}
    columns = table.columns
    symtab = txn.symtab
    for name in names:
        column = columns.get(name)
        if column is None:
            raise syntax_error(row_json, f"No column {name} in table {table.name}.",
                               tag="unknown column")
        datum = Datum.from_json(column.type, row_json[name], symtab)
        if name[0] != "_":
            out[name] = datum
    return out


def _parse_columns(table: TableSchema, j: Any) -> tuple[str, ...]:
    if j is None:
        return ("_uuid", "_version", *table.user_columns)
    names: list[str] = []
    for c in j:
        if not isinstance(c, str):
            raise syntax_error(j, "array of column names expected")
        if c not in table.columns:
            raise syntax_error(j, f"{c} is not a valid column name")
        if c in names:
            raise syntax_error(j, "array of distinct column names expected")
        names.append(c)
    return tuple(names)


def _op_select(txn: _Txn, parser: MemberParser) -> Any:
    table = _table(txn, parser)
    where_json = parser.get("where", ("array",))
    columns_json = parser.get("columns", ("array",), optional=True)
    sort_json = parser.get("sort", ("array",), optional=True)
    where = parse_where(table, where_json, txn.symtab)
    columns = _parse_columns(table, columns_json)
    sort = _parse_columns(table, sort_json) if sort_json is not None else ()
    rows = txn.query(table.name, where)
    if "_uuid" not in columns:
        # Without _uuid rows may coincide; select returns each distinct one once.
        seen: set[tuple[Datum, ...]] = set()
        distinct = []
        for r in rows:
            key = tuple(r[c] for c in columns)
            if key not in seen:
                seen.add(key)
                distinct.append(r)
        rows = distinct
    if sort:
        rows.sort(key=lambda r: tuple(_datum_order(r[c]) for c in sort))
    return {"rows": [r.to_json(table, columns) for r in rows]}


def _datum_order(d: Datum) -> tuple[Any, ...]:
    """OVS's ovsdb_datum_compare_3way: by size, then keys, then values."""
    return (len(d.keys), d.keys, d.values or ())


def _op_update(txn: _Txn, parser: MemberParser) -> Any:
    table = _table(txn, parser)
    where_json = parser.get("where", ("array",))
    row_json = parser.get("row", ("object",))
    updates = _parse_row(txn, table, row_json)
    for name in row_json:
        if not table.columns[name].mutable:
            raise syntax_error(parser.obj, f"Cannot update immutable column {name} in table "
                                           f"{table.name}.", tag="constraint violation")
    where = parse_where(table, where_json, txn.symtab)
    rows = txn.query(table.name, where)
    for row in rows:
        columns = dict(row.columns)
        columns.update(updates)
        txn.set(table.name, row.uuid, Row(row.uuid, row.version, columns))
    return {"count": len(rows)}


def _op_mutate(txn: _Txn, parser: MemberParser) -> Any:
    table = _table(txn, parser)
    where_json = parser.get("where", ("array",))
    mutations_json = parser.get("mutations", ("array",))
    mutations = [parse_mutation(table, m, txn.symtab) for m in mutations_json]
    where = parse_where(table, where_json, txn.symtab)
    rows = txn.query(table.name, where)
    for row in rows:
        columns = dict(row.columns)
        for m in mutations:
            columns[m.column] = m.apply(columns[m.column])
        txn.set(table.name, row.uuid, Row(row.uuid, row.version, columns))
    return {"count": len(rows)}


def _op_delete(txn: _Txn, parser: MemberParser) -> Any:
    where_json = parser.get("where", ("array",))
    table = _table(txn, parser)
    where = parse_where(table, where_json, txn.symtab)
    rows = txn.query(table.name, where)
    for row in rows:
        txn.set(table.name, row.uuid, None)
    return {"count": len(rows)}


def _op_wait(txn: _Txn, parser: MemberParser) -> Any:
    timeout = parser.get("timeout", ("integer",), optional=True)
    where_json = parser.get("where", ("array",))
    columns_json = parser.get("columns", ("array",), optional=True)
    until = parser.get("until", ("string",))
    rows_json = parser.get("rows", ("array",))
    table = _table(txn, parser)
    where = parse_where(table, where_json, txn.symtab)
    columns = _parse_columns(table, columns_json)
    if timeout is not None and timeout < 0:
        raise syntax_error(timeout, "timeout must be nonnegative")
    if until not in ("==", "!="):
        raise syntax_error(until, '"until" must be "==" or "!="')
    expected = {_project_json(txn, table, rj, columns) for rj in rows_json}
    actual = {tuple(r[c] for c in columns) for r in txn.query(table.name, where)}
    if (until == "==") == (expected == actual):
        return {}
    ctx = txn.ctx
    start = ctx.start if ctx.start is not None else ctx.now
    elapsed_ms = max(0, int(round((ctx.now - start) * 1000)))
    if timeout is not None and elapsed_ms >= timeout:
        if elapsed_ms:
            raise OvsdbError("timed out", f'"wait" timed out after {elapsed_ms} ms')
        raise OvsdbError("timed out", '"where" clause test failed')
    raise _Blocked(math.inf if timeout is None else start + timeout / 1000.0)


def _project_json(txn: _Txn, table: TableSchema, row_json: Any,
                  columns: tuple[str, ...]) -> tuple[Datum, ...]:
    if not isinstance(row_json, dict):
        raise syntax_error(row_json, "row must be JSON object")
    values: dict[str, Datum] = {"_uuid": Datum.default(table.columns["_uuid"].type),
                                "_version": Datum.default(table.columns["_version"].type)}
    values.update(table.defaults)
    for name, value in row_json.items():
        column = table.columns.get(name)
        if column is None:
            raise syntax_error(row_json, f"No column {name} in table {table.name}.",
                               tag="unknown column")
        values[name] = Datum.from_json(column.type, value, txn.symtab)
    return tuple(values[c] for c in columns)


def _op_commit(txn: _Txn, parser: MemberParser) -> Any:
    if parser.get("durable", ("boolean",)):
        txn.durable = True
    return {}


def _op_abort(txn: _Txn, parser: MemberParser) -> Any:
    raise OvsdbError("aborted", "aborted by request")


def _op_comment(txn: _Txn, parser: MemberParser) -> Any:
    text = parser.get("comment", ("string",))
    txn.comment = f"{txn.comment}\n{text}" if txn.comment else text
    return {}


def _op_assert(txn: _Txn, parser: MemberParser) -> Any:
    lock = parser.get("lock", ("id",))
    if not txn.ctx.owns_lock(lock):
        raise OvsdbError("not owner", f"Asserted lock {lock} not held.")
    return {}


_OPS: dict[str, Callable[[_Txn, MemberParser], Any]] = {
    "insert": _op_insert, "select": _op_select, "update": _op_update,
    "mutate": _op_mutate, "delete": _op_delete, "wait": _op_wait,
    "commit": _op_commit, "abort": _op_abort, "comment": _op_comment,
    "assert": _op_assert,
}


# ---------------------------------------------------------------- mutations

_ARITHMETIC = ("+=", "-=", "*=", "/=", "%=")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class Mutation:
    column: str
    mutator: str
    arg: Datum
    type: Type          # the column's type
    by_keys: bool = False  # map "delete" given a set of keys

    def apply(self, value: Datum) -> Datum:
        m = self.mutator
        if m in _ARITHMETIC:
            return _arithmetic(value, m, self.arg.keys[0], self.type)
        if m == "insert":
            result = value.union(self.arg)
        elif self.by_keys or self.type.value is None:
            result = value.subtract_keys(self.arg.keys)
        else:
            result = value.subtract_pairs(self.arg)
        n = len(result.keys)
        if n < self.type.n_min or n > self.type.n_max:
            raise OvsdbError("constraint violation", f"Attempted to store {n} elements in "
                                                     f"{self.type.to_english()}.")
        return result


def parse_mutation(table: TableSchema, j: Any, symtab: SymbolResolver) -> Mutation:
    if (type(j) is not list or len(j) != 3 or type(j[0]) is not str
            or type(j[1]) is not str):
        raise syntax_error(j, "Parse error in mutation.")
    name, mutator, arg_json = j
    column = table.columns.get(name)
    if column is None:
        raise syntax_error(j, f"No column {name} in table {table.name}.", tag="unknown column")
    if not column.mutable:
        raise syntax_error(j, f"Cannot mutate immutable column {name} in table {table.name}.",
                           tag="constraint violation")
    ctype = column.type
    if mutator in _ARITHMETIC:
        numeric = (AtomicType.INTEGER,) if mutator == "%=" else (AtomicType.INTEGER,
                                                                 AtomicType.REAL)
        if ctype.value is not None or ctype.key.type not in numeric:
            raise _type_mismatch(j, mutator, name, ctype)
        # The operand is unconstrained; only the results are checked.
        arg_type = Type(ctype.key.without_constraints())
        return Mutation(name, mutator, Datum.from_json(arg_type, arg_json, symtab), ctype)
    if mutator not in ("insert", "delete"):
        raise OvsdbError("unknown mutator", f"No mutator named {mutator}.")
    if ctype.is_scalar:
        raise _type_mismatch(j, mutator, name, ctype)
    arg_type = ctype.with_count(0, ctype.n_max if mutator == "insert" else UNLIMITED)
    try:
        return Mutation(name, mutator, Datum.from_json(arg_type, arg_json, symtab), ctype)
    except OvsdbError:
        if mutator != "delete" or ctype.value is None:
            raise
    keys_type = Type(ctype.key, None, 0, UNLIMITED)
    return Mutation(name, mutator, Datum.from_json(keys_type, arg_json, symtab), ctype,
                    by_keys=True)


def _type_mismatch(j: Any, mutator: str, name: str, ctype: Type) -> OvsdbError:
    return syntax_error(j, f'Type mismatch: "{mutator}" operator may not be applied to '
                           f"column {name} of type {ctype.to_english()}.")


def _arithmetic(value: Datum, op: str, y: Any, ctype: Type) -> Datum:
    op_fn: Callable[[Any, str, Any], Any] = (
        _int_op if ctype.key.type is AtomicType.INTEGER else _real_op)
    out = [op_fn(x, op, y) for x in value.keys]
    if ctype.key.has_constraints:
        for x in out:
            ctype.key.check(x)
    if len(set(out)) != len(out):
        raise OvsdbError("constraint violation",
                         f'Result of "{op}" operation contains duplicates.')
    return Datum(tuple(sorted(out)))


def _int_op(x: int, op: str, y: int) -> int:
    if op == "+=":
        r = x + y
    elif op == "-=":
        r = x - y
    elif op == "*=":
        r = x * y
    else:
        if y == 0:
            raise OvsdbError("domain error", "Division by zero.")
        q = abs(x) // abs(y)
        if (x < 0) != (y < 0):
            q = -q  # C division truncates toward zero
        r = q if op == "/=" else x - y * q
    if not _INT_MIN <= r <= _INT_MAX:
        raise OvsdbError("range error", f'Result of "{op}" operation is out of range.')
    return r


def _real_op(x: float, op: str, y: float) -> float:
    if op == "+=":
        r = x + y
    elif op == "-=":
        r = x - y
    elif op == "*=":
        r = x * y
    else:
        if y == 0:
            raise OvsdbError("domain error", "Division by zero.")
        r = x / y
    if not math.isfinite(r):
        raise OvsdbError("range error", f'Result of "{op}" operation is out of range.')
    return r
