"""The OVSDB JSON-RPC methods (RFC 7047 section 4.1 and OVS's extensions).

Each handler takes the server, the session, the request's params and id,
and answers through the session (now, or later for transactions waiting
for the disk or for a "wait" to be satisfied). Error replies reproduce
ovsdb-server 3.1's, which tests compare against the real server.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyovn.ovsdb.errors import OvsdbError, is_id, syntax_error
from pyovn.ovsdb.server import engine, server_db
from pyovn.ovsdb.server.fanout import Subscription
from pyovn.ovsdb.server.locks import LockError
from pyovn.ovsdb.server.session import Session, encode_reply
from pyovn.ovsdb.server.triggers import Trigger

if TYPE_CHECKING:
    from pyovn.ovsdb.server.served_db import ServedDatabase
    from pyovn.ovsdb.server.server import OvsdbServer

_HEX = "[0-9a-fA-F]"
_UUID_TEXT = re.compile(f"^{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}$")

Handler = Callable[["OvsdbServer", Session, list[Any], Any], None]


class MethodError(Exception):
    """A request the server answers with an error object."""

    def __init__(self, error: Any) -> None:
        super().__init__(str(error))
        self.error = error


def _database(server: OvsdbServer, params: list[Any], method: str) -> ServedDatabase:
    if not params or not isinstance(params[0], str):
        raise MethodError(
            syntax_error(params, f"{method} request params must begin with <db-name>").to_json()
        )
    sdb = server.dbs.get(params[0])
    if sdb is None:
        raise MethodError(
            OvsdbError(
                "unknown database",
                f"{method} request specifies unknown database {params[0]}",
                params,
                has_syntax=True,
            ).to_json()
        )
    return sdb


# --- simple methods ------------------------------------------------------------


def list_dbs(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    session.reply(sorted(server.dbs), id)


def get_schema(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    sdb = _database(server, params, "get_schema")
    session.reply(sdb.schema.to_json(), id)


def echo(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    session.reply(params, id)


def set_db_change_aware(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    if len(params) != 1 or not isinstance(params[0], bool):
        raise MethodError(
            syntax_error(params, "set_db_change_aware: true or false parameter expected").to_json()
        )
    session.db_change_aware = params[0]
    session.reply({}, id)


# --- locks -------------------------------------------------------------------


def _lock_name(params: list[Any], method: str) -> str:
    if len(params) != 1 or not isinstance(params[0], str) or not is_id(params[0]):
        raise MethodError(syntax_error(params, f"{method} request params must be <id>").to_json())
    name: str = params[0]
    return name


def lock(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    name = _lock_name(params, "lock")
    if server.locks.waiting(session, name):
        raise MethodError(syntax_error(params, 'must issue "unlock" before new "lock"').to_json())
    session.reply({"locked": server.locks.lock(session, name)}, id)


def steal(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    name = _lock_name(params, "steal")
    if server.locks.waiting(session, name):
        raise MethodError(syntax_error(params, 'must issue "unlock" before new "steal"').to_json())
    events = server.locks.steal(session, name)
    session.reply({"locked": True}, id)
    server.send_lock_events(events)


def unlock(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    name = _lock_name(params, "unlock")
    try:
        events = server.locks.unlock(session, name)
    except LockError as exc:
        raise MethodError(syntax_error(params, f"unlock: {exc}").to_json()) from None
    session.reply({}, id)
    server.send_lock_events(events)


# --- transactions --------------------------------------------------------------


def transact(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    sdb = _database(server, params, "transact")
    ops = params[1:]
    if sdb.read_only:
        index = server_db.first_write(ops)
        if index is not None:
            outcome = engine.execute(sdb.db, ops[:index], time.time(), session, server)
            results = list(outcome.results)[:index] + [server_db.not_allowed(ops[index])]
            session.reply(results, id)
            return
    now = time.time()
    _execute(server, session, id, sdb, ops, now, now, None)


def run_trigger(server: OvsdbServer, trigger: Trigger, now: float | None = None) -> bool:
    """Execute a blocked transaction again; False if a "wait" still blocks it."""
    return _execute(server, trigger.session, trigger.id, trigger.sdb, trigger.ops,
                    time.time() if now is None else now, trigger.started, trigger)


def _execute(server: OvsdbServer, session: Session, id: Any, sdb: ServedDatabase,
             ops: list[Any], now: float, started: float, trigger: Trigger | None) -> bool:
    """Execute a transaction; False if a "wait" keeps it blocked.

    A blocked transaction becomes a `Trigger` (only then: most never
    block). It holds no place in its session's reply order (other requests
    are answered meanwhile, as by ovsdb-server); it takes one when it
    completes.
    """
    outcome = engine.execute(sdb.db, ops, now, session, server, started)
    if outcome.blocked_until is not None:
        if trigger is None:
            trigger = Trigger(session, id, sdb, ops, started)
        trigger.deadline = outcome.blocked_until
        server.block(trigger)
        return False
    data = encode_reply(outcome.results, id)
    slot = session.reserve()
    if outcome.commit is not None:
        record = None if sdb.storage is None else engine.file_record(sdb.schema, outcome.commit)
        seq = sdb.commit(outcome.commit, record)
        sdb.when_durable(seq, lambda: session.fill(slot, data))
    else:
        # Even a read must not report what a crash could still take back.
        sdb.when_current_durable(lambda: session.fill(slot, data))
    return True


# --- monitors ------------------------------------------------------------------


def _monitor(server: OvsdbServer, session: Session, params: list[Any], id: Any,
             version: int, method: str) -> None:
    n_params = 4 if version == 3 else 3
    if len(params) != n_params:
        raise MethodError(
            syntax_error(params, f"{method} request params must be {n_params} elements").to_json()
        )
    sdb = _database(server, params, method)
    last_id = _last_txn_id(params[3]) if version == 3 else None
    monitor_id = params[1]
    key = engine.json_key(monitor_id)
    if key in session.monitors:
        raise MethodError(syntax_error(monitor_id, "duplicate monitor ID").to_json())
    try:
        request = engine.parse_monitor(sdb.schema, params[2], version)
    except OvsdbError as exc:
        raise MethodError(exc.to_json()) from None
    sub = Subscription(session, monitor_id, request, version, since_seq=sdb.seq)
    if last_id is not None:
        result = _since_result(sdb, request, last_id)
    else:
        result = _initial_bytes(sdb, request, version)
    session.monitors[key] = (sdb, sub)
    sdb.hub.add(sub)
    data = b'{"id":%s,"result":%s,"error":null}' % (engine.dumps(id), result)
    slot = session.reserve()
    sdb.when_current_durable(lambda: session.fill(slot, data))


def _last_txn_id(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise MethodError(syntax_error(value, "last-txn-id must be string").to_json())
    if not _UUID_TEXT.match(value):
        raise MethodError(syntax_error(value, "last-txn-id must be UUID format.").to_json())
    return uuid.UUID(value)


def _initial_bytes(sdb: ServedDatabase, request: Any, version: int) -> bytes:
    """A request's initial contents, serialised once per database state.

    A hundred clients reconnecting at once with the same request (after a
    restart with no usable history, say) cost one composition.
    """
    cache = sdb.initial_cache
    if sdb.initial_cache_seq != sdb.seq:
        cache.clear()
        sdb.initial_cache_seq = sdb.seq
    data = cache.get((request, version))
    if data is None:
        data = engine.dumps(engine.initial(sdb.db, request, version) or {})
        cache[(request, version)] = data
    return data


def _since_result(sdb: ServedDatabase, request: Any, last_id: uuid.UUID) -> bytes:
    """The monitor_cond_since result: [found, last-txn-id, updates], as bytes."""
    commits = sdb.history.since(last_id)
    last = str(sdb.last_txn_id).encode()
    if commits is None:
        return b'[false,"%s",%s]' % (last, _initial_bytes(sdb, request, 3))
    if not commits:
        return b'[true,"%s",{}]' % last
    update = engine.compose(engine.fold(commits), request, 3) or {}
    return b'[true,"%s",%s]' % (last, engine.dumps(update))


def monitor(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    _monitor(server, session, params, id, 1, "monitor")


def monitor_cond(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    _monitor(server, session, params, id, 2, "monitor_cond")


def monitor_cond_since(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    _monitor(server, session, params, id, 3, "monitor_cond_since")


def monitor_cancel(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    if len(params) != 1:
        raise MethodError(
            syntax_error(params, "monitor_cancel request params must be <monitor-id>").to_json()
        )
    entry = session.monitors.pop(engine.json_key(params[0]), None)
    if entry is None:
        raise MethodError("unknown monitor")
    sdb, sub = entry
    sdb.hub.remove(sub)
    session.reply({}, id)


def monitor_cond_change(server: OvsdbServer, session: Session, params: list[Any], id: Any) -> None:
    if len(params) != 3:
        raise MethodError(syntax_error(params, "Invalid parameters").to_json())
    old_key = engine.json_key(params[0])
    entry = session.monitors.get(old_key)
    if entry is None:
        raise MethodError(syntax_error(params[0], "unknown monitor session").to_json())
    new_key = engine.json_key(params[1])
    if new_key != old_key and new_key in session.monitors:
        raise MethodError(syntax_error(params[1], "duplicate monitor ID").to_json())
    sdb, sub = entry
    try:
        request = engine.change_conditions(sdb.schema, sub.request, params[2])
    except OvsdbError as exc:
        raise MethodError(exc.to_json()) from None
    # The client holds the old view as of the last durable commit; the
    # database in memory may be ahead. The old subscription keeps serving
    # commits up to now, the new one everything after, and the difference
    # between the two views as of now goes out once "now" is durable.
    now_seq = sdb.seq
    update = engine.condition_change(sdb.db, sub.request, request, sub.version)
    sub.until_seq = now_seq
    new_sub = Subscription(session, params[1], request, sub.version, since_seq=now_seq)
    del session.monitors[old_key]
    session.monitors[new_key] = (sdb, new_sub)
    sdb.hub.add(new_sub)
    parts: list[bytes] = []
    if update:
        head = new_sub.head
        if sub.version == 3:
            head += b'"%s",' % str(sdb.last_txn_id).encode()
        parts.append(head + engine.dumps(update) + b"]}")
    parts.append(encode_reply({}, id))
    slot = session.reserve()

    def done() -> None:
        sdb.hub.remove(sub)
        session.fill(slot, b"".join(parts))

    sdb.when_durable(now_seq, done)


REQUESTS: dict[str, Handler] = {
    "list_dbs": list_dbs,
    "get_schema": get_schema,
    "echo": echo,
    "transact": transact,
    "monitor": monitor,
    "monitor_cond": monitor_cond,
    "monitor_cond_since": monitor_cond_since,
    "monitor_cancel": monitor_cancel,
    "monitor_cond_change": monitor_cond_change,
    "lock": lock,
    "steal": steal,
    "unlock": unlock,
    "set_db_change_aware": set_db_change_aware,
}
