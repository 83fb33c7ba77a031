"""Client transactions: explicit writes built as RFC 7047 operations.

Theory of operation: a ``Transaction`` collects operations as the caller
writes (``insert``, ``update``, ``delete``, ``add_to``/``remove_from``,
``mutate``, ``wait``) and remembers why each one is there.  ``verify(row,
column)`` adds a ``wait`` that the column still has the value the caller's
Row object shows; with ``verify_reads=True``, ``txn.get(row, column)`` reads
the value and verifies it in one call.  ``interpret_results`` (pure) turns
the server's reply into inserted UUIDs or a typed exception: a failed verify
wait, or an update/delete that matched no row (someone deleted it), is
``TryAgain``; other server errors map by their tag (``errors.py``).

``commit()`` hands the operations to the IDL, which sends them and returns
only once its replica reflects the transaction.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyovn.ovsdb.client.errors import TransactionError, TryAgain, transaction_error
from pyovn.ovsdb.client.rows import Row, TempRef, atom_to_json, set_to_json, value_to_json
from pyovn.ovsdb.schema import DatabaseSchema, TableSchema

if TYPE_CHECKING:
    from pyovn.ovsdb.client.idl import Idl

# why an operation is in the transaction: decides how its result is read
USER = "user"          # the caller's own op: errors map by tag
VERIFY = "verify"      # our wait for a verified column: "timed out" means TryAgain
ONE_ROW = "one-row"    # update/mutate/delete of one row: count 0 means TryAgain
INSERT = "insert"      # result carries the new row's uuid

_names = itertools.count(1)


@dataclass(frozen=True)
class CommitResult:
    """A committed transaction: the UUIDs the server gave inserted rows."""

    inserted: Mapping[TempRef, uuid.UUID]

    def __getitem__(self, ref: TempRef) -> uuid.UUID:
        return self.inserted[ref]


class Transaction:
    """Writes to one database, sent atomically by ``await txn.commit()``."""

    def __init__(self, idl: Idl | None, schema: DatabaseSchema, db: str, *,
                 verify_reads: bool = False, lock: str | None = None) -> None:
        self.idl = idl
        self.schema = schema
        self.db = db
        self.verify_reads = verify_reads
        self.ops: list[dict[str, Any]] = []
        self.kinds: list[str] = []
        self.refs: dict[int, TempRef] = {}  # op index -> TempRef of an insert
        self._verified: set[tuple[uuid.UUID, str]] = set()
        if lock is not None:
            self._add({"op": "assert", "lock": lock}, USER)

    # -- building

    def _add(self, op: dict[str, Any], kind: str) -> int:
        self.ops.append(op)
        self.kinds.append(kind)
        return len(self.ops) - 1

    def _table(self, name: str) -> TableSchema:
        table = self.schema.tables.get(name)
        if table is None:
            raise ValueError(f"no table {name!r} in database {self.db}")
        return table

    def _row_json(self, table: TableSchema, cols: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for name, value in cols.items():
            column = table.columns.get(name)
            if column is None or name.startswith("_"):
                raise ValueError(f"no column {name!r} in table {table.name}")
            out[name] = value_to_json(column.type, value)
        return out

    def insert(self, table: str, **columns: Any) -> TempRef:
        """Insert a row; the TempRef stands for its UUID in this transaction."""
        ref = TempRef(f"row{next(_names)}", table)
        op = {"op": "insert", "table": table, "uuid-name": ref.name,
              "row": self._row_json(self._table(table), columns)}
        self.refs[self._add(op, INSERT)] = ref
        return ref

    def update(self, row: Row | TempRef, **columns: Any) -> None:
        """Set columns of an existing row to the given values."""
        name = _table_of(row)
        self._add({"op": "update", "table": name, "where": _where(row),
                   "row": self._row_json(self._table(name), columns)}, _one(row))

    def delete(self, row: Row | TempRef) -> None:
        self._add({"op": "delete", "table": _table_of(row), "where": _where(row)}, _one(row))

    def mutate(self, row: Row | TempRef, column: str, mutator: str, value: Any) -> None:
        """One raw mutation (``+=``, ``insert``, ``delete``, ...); value as Python."""
        name = _table_of(row)
        col = self._table(name).columns.get(column)
        if col is None:
            raise ValueError(f"no column {column!r} in table {name}")
        if mutator in ("insert", "delete"):
            arg = set_to_json(col.type, value)
        else:
            arg = atom_to_json(value)
        self._add({"op": "mutate", "table": name, "where": _where(row),
                   "mutations": [[column, mutator, arg]]}, _one(row))

    def add_to(self, row: Row | TempRef, column: str, value: Any) -> None:
        """Add elements to a set, or key/value pairs to a map (existing keys stay)."""
        self.mutate(row, column, "insert", value)

    def remove_from(self, row: Row | TempRef, column: str, value: Any) -> None:
        """Remove set elements, map keys (atoms/iterable) or exact map pairs (mapping)."""
        self.mutate(row, column, "delete", value)

    def verify(self, row: Row, *columns: str) -> None:
        """Fail with TryAgain unless each column still has the value ``row`` shows."""
        table = self._table(row._table)
        todo = [c for c in columns if (row.uuid, c) not in self._verified]
        if not todo:
            return
        values = {c: value_to_json(table.columns[c].type, getattr(row, c)) for c in todo}
        self._verified.update((row.uuid, c) for c in todo)
        self._add({"op": "wait", "table": row._table, "timeout": 0, "where": _where(row),
                   "columns": todo, "until": "==", "rows": [values]}, VERIFY)

    def get(self, row: Row, column: str) -> Any:
        """Read a column; with ``verify_reads`` the commit verifies it is unchanged."""
        if self.verify_reads:
            self.verify(row, column)
        return getattr(row, column)

    def wait(self, table: str, where: list[Any], columns: list[str], rows: list[Any],
             until: str = "==", timeout: int | None = None) -> None:
        """A raw ``wait`` op (JSON where/rows); failing it raises Timeout."""
        op: dict[str, Any] = {"op": "wait", "table": table, "where": where,
                              "columns": columns, "until": until, "rows": rows}
        if timeout is not None:
            op["timeout"] = timeout
        self._add(op, USER)

    def comment(self, text: str) -> None:
        self._add({"op": "comment", "comment": text}, USER)

    @property
    def has_writes(self) -> bool:
        return any(op["op"] not in ("comment", "assert") for op in self.ops)

    async def commit(self) -> CommitResult:
        """Send it; returns once the replica shows it, or raises a typed error."""
        if self.idl is None:
            raise RuntimeError("this transaction is not bound to an IDL")
        return await self.idl.commit(self)


def _table_of(row: Row | TempRef) -> str:
    return row.table if isinstance(row, TempRef) else row._table


def _where(row: Row | TempRef) -> list[Any]:
    ref = ["named-uuid", row.name] if isinstance(row, TempRef) else ["uuid", str(row.uuid)]
    return [["_uuid", "==", ref]]


def _one(row: Row | TempRef) -> str:
    return USER if isinstance(row, TempRef) else ONE_ROW


def interpret_results(txn: Transaction, results: Any) -> CommitResult:
    """The server's transact reply -> CommitResult, or the matching exception."""
    if not isinstance(results, list) or len(results) < len(txn.ops):
        raise TransactionError("malformed reply", f"transact result {results!r}")
    for index, result in enumerate(results):
        if isinstance(result, dict) and result.get("error") is not None:
            op = txn.ops[index] if index < len(txn.ops) else None
            kind = txn.kinds[index] if index < len(txn.ops) else USER
            if kind == VERIFY and result.get("error") == "timed out":
                raise TryAgain("verify failed", f"{op and op['table']} changed meanwhile",
                               op_index=index, op=op)
            raise transaction_error(result, index if op else None, op)
    inserted: dict[TempRef, uuid.UUID] = {}
    for index, kind in enumerate(txn.kinds):
        result = results[index]
        if kind == ONE_ROW and (not isinstance(result, dict) or result.get("count") != 1):
            op = txn.ops[index]
            raise TryAgain("row not found", f"{op['op']} on {op['table']} matched no row "
                           "(deleted meanwhile)", op_index=index, op=op)
        if kind == INSERT:
            inserted[txn.refs[index]] = _result_uuid(result)
    return CommitResult(inserted)


def _result_uuid(result: Any) -> uuid.UUID:
    try:
        tag, text = result["uuid"]
        if tag != "uuid":
            raise ValueError(tag)
        return uuid.UUID(text)
    except (KeyError, TypeError, ValueError) as exc:
        raise TransactionError("malformed reply", f"insert result {result!r}") from exc
