"""``ovsdb-tool show-log`` text for standalone database records (pure).

Theory of operation
-------------------
OVS prints one paragraph per record: ``record N:`` then, for the schema,
its name, version and checksum; for a transaction, its date (UTC, with
milliseconds) and comment.  With ``-m`` each row change follows, named by
its ``name`` column when it has one (remembered across records, so later
changes to the row say which row it is) or else by its UUID's first eight
digits; with ``-mm`` every column value too, in the ovs-vsctl-like syntax of
``ovsdb_datum_to_string`` (falling back to JSON when the value does not
parse as the column's type, as a diff of a one-element column may not).

OVS walks tables, rows and columns in the iteration order of its hash
tables; ``ovs_order.shash_order`` reproduces that order, so the output is
byte-identical to OVS's.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

from pyovn.ovsdb.data import Datum
from pyovn.ovsdb.errors import OvsdbError, json_to_string
from pyovn.ovsdb.schema import DatabaseSchema, TableSchema
from pyovn.ovsdb.storage.ovs_order import shash_order
from pyovn.ovsdb.types import Atom, Type

_BARE_STRING = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
INT32_MAX = 2**31 - 1


def atom_text(atom: Atom) -> str:
    """One atom as OVS 3.1's ovsdb_atom_to_string writes it."""
    if isinstance(atom, bool):
        return "true" if atom else "false"
    if isinstance(atom, float):
        return f"{atom:.15g}"
    if isinstance(atom, str):
        bare = (
            _BARE_STRING.fullmatch(atom) is not None
            and atom not in ("true", "false")
            and _UUID_TEXT.fullmatch(atom) is None
        )
        return atom if bare else json_to_string(atom)
    return str(atom)


def datum_text(datum: Datum, type_: Type) -> str:
    """A column value as OVS's ovsdb_datum_to_string writes it."""
    if datum.values is not None:
        pairs = zip(datum.keys, datum.values, strict=True)
        items = [f"{atom_text(k)}={atom_text(v)}" for k, v in pairs]
    else:
        items = [atom_text(k) for k in datum.keys]
    inner = ", ".join(items)
    if type_.n_max > 1 or not datum.keys:
        return ("{%s}" if type_.is_map else "[%s]") % inner
    return inner


def date_text(date_ms: int) -> str:
    if date_ms < INT32_MAX:  # old files wrote seconds
        date_ms *= 1000
    seconds, millis = divmod(date_ms, 1000)
    when = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return f"{when:%Y-%m-%d %H:%M:%S}.{millis:03d}"


def _value_text(table: TableSchema | None, column: str, value: Any) -> str:
    column_schema = table.columns.get(column) if table else None
    if column_schema is not None:
        try:
            return datum_text(Datum.from_json(column_schema.type, value), column_schema.type)
        except (OvsdbError, ValueError, TypeError):
            pass
    return json_to_string(value)


def _row_lines(
    table_name: str,
    row_uuid: str,
    columns: Any,
    table: TableSchema | None,
    names: dict[str, str],
    is_diff: bool,
    verbosity: int,
) -> Iterator[str]:
    old_name = names.get(row_uuid)
    new_name = None
    if isinstance(columns, dict) and "name" in columns:
        new_name = json_to_string(columns["name"])
    short = row_uuid[:8]
    if old_name is None:
        label = f"insert row {new_name} ({short})" if new_name else f"insert row {short}"
    else:
        label = f"row {old_name} ({short}){' diff' if is_diff else ''}"
    yield f"  table {table_name} {label}:"
    if isinstance(columns, dict):
        if verbosity > 1:
            for column in shash_order(columns):
                value = columns[column]
                yield f"    {column}={_value_text(table, column, value)}"
        if new_name and new_name != old_name:
            names[row_uuid] = new_name
        elif old_name is None:
            names[row_uuid] = short
    elif columns is None:
        yield "    delete row"
        names.pop(row_uuid, None)


def change_lines(
    record: dict[str, Any],
    schema: DatabaseSchema | None,
    names: dict[str, str],
    verbosity: int,
) -> tuple[str, list[str]]:
    """One transaction record: the rest of its ``record N:`` line, and row lines."""
    head = ""
    date = record.get("_date")
    if type(date) is int:
        head += " " + date_text(date)
    comment = record.get("_comment")
    if isinstance(comment, str):
        head += f' "{comment}"'
    lines: list[str] = []
    if verbosity > 0:
        is_diff = record.get("_is_diff") is True
        for table_name in shash_order(record):
            rows = record[table_name]
            if table_name.startswith("_") or not isinstance(rows, dict):
                continue
            table = schema.tables.get(table_name) if schema else None
            for row_uuid in shash_order(rows):
                columns = rows[row_uuid]
                lines.extend(
                    _row_lines(table_name, row_uuid, columns, table, names, is_diff, verbosity)
                )
    return head, lines


def schema_line(schema: DatabaseSchema) -> str:
    return (
        f' "{schema.name}" schema, version="{schema.version or ""}", '
        f'cksum="{schema.cksum or ""}"'
    )


def show_log(records: Iterator[dict[str, Any]], verbosity: int) -> Iterator[str]:
    """Yield show-log output, one chunk (ending in a new-line) per record.

    The first record must be the schema; raises OvsdbError when it is not.
    """
    names: dict[str, str] = {}
    schema: DatabaseSchema | None = None
    for index, record in enumerate(records):
        if index == 0:
            schema = DatabaseSchema.from_json(record)
            yield f"record 0:{schema_line(schema)}\n\n"
            continue
        head, rows = change_lines(record, schema, names, verbosity)
        # OVS ends the header line before the first row, and every record
        # with a blank line.
        body = "\n" + "".join(line + "\n" for line in rows) if rows else ""
        yield f"record {index}:{head}{body}\n"


__all__ = ["atom_text", "change_lines", "datum_text", "date_text", "show_log"]
