"""Typed row classes as Python source, generated from a schema.

``generate_row_classes(schema)`` returns a module's text with one ``Row``
subclass per table: ``__slots__`` for the columns and an annotation giving
each column's Python type, so ``ls.name`` type-checks as ``str`` and
``ls.ports`` as ``frozenset[UUID]``.  Pass the classes to
``Idl(row_classes={...})``; the module's ``ROW_CLASSES`` maps table names to
them.
"""

from __future__ import annotations

import keyword

from pyovn.ovsdb.schema import DatabaseSchema, TableSchema
from pyovn.ovsdb.types import AtomicType, BaseType, Type

_ATOM_TYPES = {
    AtomicType.INTEGER: "int",
    AtomicType.REAL: "float",
    AtomicType.BOOLEAN: "bool",
    AtomicType.STRING: "str",
    AtomicType.UUID: "UUID",
}


def python_type(type_: Type) -> str:
    """The annotation for a column of this type, as rows hold its values."""
    key = _atom(type_.key)
    if type_.value is not None:
        return f"Mapping[{key}, {_atom(type_.value)}]"
    if type_.n_max > 1:
        return f"frozenset[{key}]"
    if type_.n_min == 0:
        return f"{key} | None"
    return key


def _atom(base: BaseType) -> str:
    return _ATOM_TYPES[base.type]


def class_name(table: str) -> str:
    """``Logical_Switch`` -> ``LogicalSwitch``."""
    return "".join(part[:1].upper() + part[1:] for part in table.split("_") if part) or "Row"


def generate_row_classes(schema: DatabaseSchema) -> str:
    lines = [
        f'"""Row classes for the {schema.name} database (generated; do not edit)."""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "from uuid import UUID",
        "",
        "from pyovn.ovsdb.client.rows import Row",
        "",
    ]
    for name in sorted(schema.tables):
        lines += ["", *_class_lines(schema.tables[name]), ""]
    mapping = ", ".join(f'"{n}": {class_name(n)}' for n in sorted(schema.tables))
    lines += ["", f"ROW_CLASSES: dict[str, type[Row]] = {{{mapping}}}", ""]
    return "\n".join(lines)


def _class_lines(table: TableSchema) -> list[str]:
    columns = table.user_columns
    out = [f"class {class_name(table.name)}(Row):",
           f'    """A row of {table.name}."""',
           "",
           "    __slots__ = ()",
           f"    _fields = ({''.join(repr(c) + ', ' for c in columns).rstrip()})",
           f'    _table = "{table.name}"']
    for column in columns:
        annotation = python_type(table.columns[column].type)
        if keyword.iskeyword(column):  # a slot, but no annotation can name it
            out.append(f"    # {column}: {annotation}  (read with row._get({column!r}))")
        else:
            out.append(f"    {column}: {annotation}")
    return out
