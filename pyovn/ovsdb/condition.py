"""Where-clauses (RFC 7047 5.1) and monitor_cond conditions, evaluated on rows.

Theory of operation: a clause ``[column, function, value]`` is parsed once
against the table schema into a ``Clause`` whose argument is a ``Datum``;
``true``/``false`` literals are clauses too.  A transaction's ``where`` is
the AND of its clauses; a monitor_cond condition is the OR of its clauses
(an empty one matches everything).  Error tags and texts follow OVS's
condition.c.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.errors import OvsdbError, syntax_error
from pyovn.ovsdb.schema import TableSchema
from pyovn.ovsdb.types import UNLIMITED, AtomicType, SymbolResolver


class RowLike(Protocol):
    def __getitem__(self, column: str) -> Datum: ...


_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_FUNCTIONS = frozenset({"==", "!=", "includes", "excludes", *_ORDERING})


@dataclass(frozen=True, slots=True)
class Clause:
    """One where-clause; ``column`` is None for the literals true and false."""

    column: str | None
    function: str
    arg: Datum

    def evaluate(self, row: RowLike) -> bool:
        f = self.function
        if self.column is None:
            return f == "true"
        value = row[self.column]
        if f == "==":
            return value == self.arg
        if f == "!=":
            return value != self.arg
        if f == "includes":
            return _includes(value, self.arg)
        if f == "excludes":
            return _excludes(value, self.arg)
        if not value.keys:
            return False  # an empty optional value is never ordered
        return _ORDERING[f](value.keys[0], self.arg.keys[0])

    def to_json(self, table: TableSchema) -> Any:
        if self.column is None:
            return self.function == "true"
        return [self.column, self.function,
                self.arg.to_json(table.columns[self.column].type)]


TRUE = Clause(None, "true", Datum(()))
FALSE = Clause(None, "false", Datum(()))


def _includes(value: Datum, arg: Datum) -> bool:
    if value.values is None:
        have = set(value.keys)
        return all(k in have for k in arg.keys)
    pairs = set(zip(value.keys, value.values, strict=True))
    return all(p in pairs for p in zip(arg.keys, arg.values or (), strict=True))


def _excludes(value: Datum, arg: Datum) -> bool:
    if value.values is None:
        have = set(value.keys)
        return not any(k in have for k in arg.keys)
    pairs = set(zip(value.keys, value.values, strict=True))
    return not any(p in pairs for p in zip(arg.keys, arg.values or (), strict=True))


def parse_clause(table: TableSchema, j: Any,
                 symtab: SymbolResolver | None = None) -> Clause:
    if j is True:
        return TRUE
    if j is False:
        return FALSE
    if (type(j) is not list or len(j) != 3 or type(j[0]) is not str
            or type(j[1]) is not str):
        raise syntax_error(j, "Parse error in condition.")
    name, function, arg_json = j
    column = table.columns.get(name)
    if column is None:
        raise syntax_error(j, f"No column {name} in table {table.name}.", tag="unknown column")
    if function not in _FUNCTIONS:
        raise OvsdbError("unknown function", f"No function named {function}.")
    ctype = column.type
    if function in _ORDERING:
        if not (ctype.n_max == 1 and ctype.value is None
                and ctype.key.type in (AtomicType.INTEGER, AtomicType.REAL)):
            raise syntax_error(j, f'Type mismatch: "{function}" operator may not be applied '
                                  f"to column {name} of type {ctype.to_english()}.")
        arg_type = ctype.with_count(1, 1)
    elif function in ("includes", "excludes") and not ctype.is_scalar:
        arg_type = ctype.with_count(0, UNLIMITED)
    else:
        arg_type = ctype
    return Clause(name, function, Datum.from_json(arg_type, arg_json, symtab))


def parse_where(table: TableSchema, j: Any,
                symtab: SymbolResolver | None = None) -> tuple[Clause, ...]:
    """Parse a transaction's "where" (ANDed clauses)."""
    if type(j) is not list:
        raise syntax_error(j, "Parse error in condition.")
    return tuple(parse_clause(table, c, symtab) for c in j)


def matches_all(clauses: tuple[Clause, ...], row: RowLike) -> bool:
    """AND of the clauses (transaction "where")."""
    return all(c.evaluate(row) for c in clauses)


@dataclass(frozen=True, slots=True)
class MonitorCondition:
    """A monitor_cond "where": the OR of its clauses; empty matches all."""

    clauses: tuple[Clause, ...] = ()
    always_true: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "always_true", not self.clauses or TRUE in self.clauses)

    def evaluate(self, row: RowLike) -> bool:
        if self.always_true:
            return True
        for c in self.clauses:
            if c.evaluate(row):
                return True
        return False

    @classmethod
    def from_json(cls, table: TableSchema, j: Any) -> MonitorCondition:
        return cls(parse_where(table, j))
