"""Rebuilding a database from its storage, and converting it to a new schema.

The storage layer only knows records; ``replay`` applies them in order to
an empty ``Database`` with the engine's ``apply_file_record`` and, like
ovsdb-server, drops a record that cannot be applied together with everything
after it (a warning names the offset) rather than refusing to start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyovn.ovsdb.database import Commit, Database, apply_file_record, snapshot_record
from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.storage.errors import StorageFormatError
from pyovn.ovsdb.storage.records import LogRecord
from pyovn.ovsdb.storage.standalone import StandaloneStorage


def storage_schema(storage: StandaloneStorage) -> DatabaseSchema:
    """The storage's schema, validated (StorageFormatError if invalid)."""
    try:
        return DatabaseSchema.from_json(storage.schema_json)
    except OvsdbError as err:
        raise StorageFormatError(storage.path, f"bad schema: {err}", 0) from err


def replay(storage: StandaloneStorage, db: Database) -> Iterator[tuple[LogRecord, Commit | None]]:
    """Apply the storage's records to ``db``; yield each with the commit it made."""
    for record in storage.take_replay():
        try:
            commit = apply_file_record(db, record.json)
        except OvsdbError as err:
            storage.discard_from(record, f"cannot apply transaction record: {err}")
            return
        yield record, commit


def load(storage: StandaloneStorage) -> Database:
    """A fresh database holding everything the storage records."""
    db = Database(storage_schema(storage))
    for _ in replay(storage, db):
        pass
    return db


ONLINE_COMPACTION_COMMENT = "compacting database online"


def online_snapshot(db: Database, date_ms: int) -> dict[str, Any]:
    """The snapshot record a server compacts to, as ovsdb-server 3.1 writes it."""
    record = snapshot_record(db, date_ms, ONLINE_COMPACTION_COMMENT)
    record["_is_diff"] = True
    return record


def convert(db: Database, schema: DatabaseSchema) -> Database:
    """``db``'s data under ``schema``, as ``ovsdb-tool convert`` does.

    Tables and columns the new schema lacks are dropped, new columns take
    their defaults, and every value must be valid for its new type and the
    new integrity rules (OvsdbError otherwise).
    """
    converted = Database(schema)
    data = snapshot_record(db)
    kept: dict[str, Any] = {}
    for table_name, rows in data.items():
        table = schema.tables.get(table_name)
        if table is None or not isinstance(rows, dict):
            continue
        kept[table_name] = {
            row_uuid: {c: v for c, v in columns.items() if c in table.columns}
            for row_uuid, columns in rows.items()
        }
    apply_file_record(converted, kept)
    return converted
