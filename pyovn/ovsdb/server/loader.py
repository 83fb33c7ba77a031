"""Opening databases for the server: files (with history rebuilt) and `_Server`.

Theory of operation: a database file is opened with the standalone storage,
its transaction records are applied in order to an empty database, and the
commits they produce also refill the transaction history with the same
chained ids the server gave them when it wrote them, so a client that comes
back after a restart with monitor_cond_since gets only the difference. A
record that cannot be applied is dropped with everything after it, with a
warning, as ovsdb-server does.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pyovn.ovsdb.errors import OvsdbError, json_to_string
from pyovn.ovsdb.server import engine, server_db
from pyovn.ovsdb.server.history import History, next_txn_id
from pyovn.ovsdb.server.served_db import ServedDatabase

log = logging.getLogger("pyovn.ovsdb_server")


class LoadError(Exception):
    """A database file that cannot be served."""


def open_database(path: str, history_commits: int = 10_000,
                  history_rows: int = 1_000_000) -> ServedDatabase:
    from pyovn.ovsdb.database import Database
    from pyovn.ovsdb.schema import DatabaseSchema
    from pyovn.ovsdb.storage import StandaloneStorage, StorageError

    try:
        storage = StandaloneStorage.open(path)
    except StorageError as exc:
        raise LoadError(str(exc)) from None
    try:
        schema = DatabaseSchema.from_json(storage.schema_json)
    except OvsdbError as exc:
        storage.close()
        raise LoadError(f"{path}: bad schema: {exc}") from None
    db = Database(schema)
    history = History(history_commits, history_rows)
    txn_id = history.last_txn_id
    for record in storage.take_replay():
        try:
            commit = engine.replay(db, record.json)
        except OvsdbError as exc:
            storage.discard_from(record, f"cannot apply transaction record: {exc}")
            break
        txn_id = next_txn_id(txn_id, record.sha1)
        if commit is None:
            history.reset(txn_id)
        else:
            history.add(txn_id, commit)
    return ServedDatabase(schema.name, db, storage, history, engine.compose)


def server_database(served: list[ServedDatabase]) -> ServedDatabase:
    """The read-only `_Server` database describing `served` and itself."""
    from pyovn.ovsdb.database import Database
    from pyovn.ovsdb.schema import DatabaseSchema

    schema = DatabaseSchema.from_json(server_db.SERVER_SCHEMA_JSON)
    db = Database(schema)
    entries = [(sdb.name, json_to_string(sdb.schema.to_json())) for sdb in served]
    entries.append((server_db.SERVER_DB_NAME, json_to_string(schema.to_json())))
    outcome = engine.execute_plain(db, server_db.insert_ops(entries), time.time())
    if outcome.commit is None:
        raise LoadError(f"cannot build _Server: {outcome.results}")
    db.apply(outcome.commit)
    return ServedDatabase(
        server_db.SERVER_DB_NAME, db, None, History(), engine.compose, read_only=True
    )


def describe(sdb: ServedDatabase) -> dict[str, Any]:
    return {"name": sdb.name, "rows": sum(len(t) for t in sdb.db.tables.values())}
