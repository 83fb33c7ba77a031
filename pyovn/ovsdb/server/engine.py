"""The server's one place that calls the pure OVSDB engine.

Everything the server needs from `pyovn.ovsdb` (executing transactions,
parsing and composing monitors, file records) goes through these few
functions, so the protocol code does not depend on the engine's internals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from pyovn.ovsdb import database, monitor, transaction

if TYPE_CHECKING:
    from pyovn.ovsdb.server.server import OvsdbServer
    from pyovn.ovsdb.server.session import Session


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)


def json_key(value: Any) -> Any:
    """A hashable key for a JSON value (monitor ids may be any JSON)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return (type(value).__name__, value)
    return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def execute(db: Any, ops: list[Any], now: float, session: Session, server: OvsdbServer,
            started: float | None = None) -> Any:
    ctx = session.txn_context
    if ctx is None:
        # One per session, made at its first transaction: only the times change.
        ctx = session.txn_context = transaction.TxnContext(
            owns_lock=lambda name: server.locks.owns(session, name),
            session_id=session.name,
        )
    ctx.now = now
    ctx.start = now if started is None else started
    return transaction.execute(db, ops, ctx)


def execute_plain(db: Any, ops: list[Any], now: float) -> Any:
    """Execute with no session (the server's own transactions)."""
    return transaction.execute(db, ops, transaction.TxnContext(now=now))


def replay(db: Any, record: dict[str, Any]) -> Any:
    """Apply one file record to `db`; the Commit it made (or None)."""
    return database.apply_file_record(db, record)


def snapshot(db: Any) -> dict[str, Any]:
    return database.snapshot_record(db)


def file_record(schema: Any, commit: Any) -> dict[str, Any] | None:
    return database.commit_to_file_record(schema, commit)


def release(commit: Any) -> None:
    """Drop what composing `commit` cached (it stays in history without it)."""
    database.drop_json(commit)


def parse_monitor(schema: Any, requests: Any, version: int) -> Any:
    return monitor.MonitorRequest.from_json(schema, requests, version)


def change_conditions(schema: Any, request: Any, changes: Any) -> Any:
    return request.with_conditions(schema, changes)


def initial(db: Any, request: Any, version: int) -> Any:
    return monitor.initial_update(db, request, version)


def compose(commit: Any, request: Any, version: int) -> Any:
    return monitor.commit_update(commit, request, version)


def condition_change(db: Any, old: Any, new: Any, version: int) -> Any:
    return monitor.condition_change_update(db, old, new, version)


def fold(commits: list[Any]) -> Any:
    """One commit equivalent to `commits` applied in order."""
    first: dict[str, dict[Any, Any]] = {}
    last: dict[str, dict[Any, Any]] = {}
    for commit in commits:
        for table, rows in commit.changes.items():
            t_first = first.setdefault(table, {})
            t_last = last.setdefault(table, {})
            for row_uuid, change in rows.items():
                if row_uuid not in t_first:
                    t_first[row_uuid] = change.old
                t_last[row_uuid] = change.new
    changes: dict[str, dict[Any, Any]] = {}
    for table, olds in first.items():
        news = last[table]
        out = {}
        for row_uuid, old in olds.items():
            new = news[row_uuid]
            if old is None and new is None:
                continue
            out[row_uuid] = database.RowChange(old=old, new=new)
        if out:
            changes[table] = out
    final = commits[-1]
    return database.Commit(
        txn_id=final.txn_id, changes=changes, comment=None, date_ms=final.date_ms
    )
