"""The IDL: a reconnecting, monitored, transactional view of one database.

Theory of operation: ``Idl`` is the asyncio shell around the pure
``Replica``.  A run task connects (rotating over the remotes, with
exponential backoff), then per connection: checks ``_Server.Database`` (the
database must exist and, when clustered, be connected -- and leader if
``leader_only``), fetches the schema the first time, sends the monitor
request, re-requests its lock, and then waits for the connection to end.

The monitor is ``monitor_cond_since`` when the server knows it, else
``monitor_cond``, else ``monitor``.  A reconnect sends the last transaction
id so a server with history sends only the difference (``found=true``);
otherwise the full resend is compared with the replica (``replace_all``) so
tracked changes still show only what changed.  When conditions changed while
disconnected the last id is not used: rows that newly match would be missing
from a difference.

Notifications that arrive while a monitor request is outstanding are queued
and applied after its reply, so the replica sees updates in server order.
After every applied batch the sequence number grows and waiters wake.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pyovn.ovsdb.client.errors import ClientError, ConnectionLost, NotOwner, ServerError
from pyovn.ovsdb.client.locks import LockMixin
from pyovn.ovsdb.client.replica import Replica, ReplicaError, TableChanges, TableReplica
from pyovn.ovsdb.client.rows import Row
from pyovn.ovsdb.client.rpc import Client
from pyovn.ovsdb.client.server_db import ServerDbWatch
from pyovn.ovsdb.client.transaction import CommitResult, Transaction, interpret_results
from pyovn.ovsdb.jsonrpc import parse_remote
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.types import ZERO_UUID

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R", bound=Row)

MONITOR_METHODS = ("monitor_cond_since", "monitor_cond", "monitor")
_UPDATE_VERSION = {"monitor_cond_since": 3, "monitor_cond": 2, "monitor": 1}


class Idl(LockMixin):
    """A local replica of chosen tables of ``database``, kept in sync with a server."""

    def __init__(self, remote: str, database: str, *,
                 tables: Mapping[str, Iterable[str] | None] | None = None,
                 conditions: Mapping[str, list[Any]] | None = None,
                 row_classes: Mapping[str, type[Row]] | None = None,
                 probe_interval: float | None = 5.0,
                 min_backoff: float = 0.25, max_backoff: float = 8.0,
                 leader_only: bool = False, track_changes: bool = True) -> None:
        self.remotes = [r.strip() for r in remote.split(",") if r.strip()]
        if not self.remotes:
            raise ValueError("no remote given")
        for r in self.remotes:  # ValueError now rather than in the background
            parsed = parse_remote(r)
            if parsed.passive or parsed.kind not in ("unix", "tcp"):
                raise ValueError(f"{r}: the client connects to unix: and tcp: remotes only")
        self.database = database
        self._table_request = dict(tables) if tables is not None else None
        self.conditions: dict[str, list[Any]] = dict(conditions or {})
        self._row_classes = dict(row_classes or {})
        self.probe_interval = probe_interval
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.leader_only = leader_only
        self.track_changes = track_changes  # off: nothing accumulates for tracked_changes()
        self.schema: DatabaseSchema | None = None
        self._replica: Replica | None = None
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._fatal: BaseException | None = None
        self._ready = asyncio.Event()
        self._changed = asyncio.Event()
        self.monitor_method: str | None = None
        self.last_txn_id: uuid.UUID = ZERO_UUID
        self._acked_conditions: dict[str, list[Any]] | None = None
        self._queue: list[tuple[str, list[Any]]] | None = None  # notifications held back
        self._server_watch: ServerDbWatch | None = None
        self._init_locks()
        # observability for tests and logs
        self.connections = 0
        self.last_monitor_request: list[Any] | None = None
        self.last_monitor_found: bool | None = None

    # ------------------------------------------------------------ life cycle

    async def __aenter__(self) -> Idl:
        self.start()
        try:
            await self.wait_ready()
        except BaseException:
            await self.close()  # no background task outlives a failed "async with"
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Wait for the first complete replica (raises the reason if the IDL gave up)."""
        self.start()
        async with asyncio.timeout(timeout):
            while not self._ready.is_set():
                self._raise_fatal()
                assert self._task is not None
                if self._task.done():
                    raise ClientError(f"the IDL for {self.database} is closed")
                waiter = asyncio.ensure_future(self._ready.wait())
                await asyncio.wait([waiter, self._task], return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
        self._raise_fatal()

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            raise self._fatal

    async def close(self) -> None:
        self._closing = True
        if self._client is not None:
            await self._client.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._fatal is None:  # whoever still waits learns why nothing comes
            self._fatal = ClientError(f"the IDL for {self.database} is closed")
        self._notify_changed()
        self._lock_changed.set()

    def force_reconnect(self) -> None:
        """Drop the current connection; the IDL reconnects and resyncs at once."""
        if self._client is not None:
            self._client.conn.close()

    @property
    def connected(self) -> bool:
        """True while a connection is up and the replica is in sync with it."""
        return self._client is not None and not self._client.closed and self._synced

    _synced = False

    # ------------------------------------------------------------ reading

    @property
    def replica(self) -> Replica:
        if self._replica is None:
            raise ClientError("the IDL has not received the schema yet (await wait_ready())")
        return self._replica

    @property
    def tables(self) -> dict[str, TableReplica[Row]]:
        return self.replica.tables

    def table(self, name: str) -> TableReplica[Row]:
        return self.replica.tables[name]

    def rows(self, cls: type[R]) -> TableReplica[R]:
        """The table whose row class is ``cls``, typed (for generated row classes)."""
        table = self.replica.tables[cls._table]
        if table.row_cls is not cls:
            raise TypeError(f"{cls.__name__} is not the row class of table {cls._table}")
        return table  # type: ignore[return-value]

    @property
    def seqno(self) -> int:
        return self._replica.seqno if self._replica is not None else 0

    def tracked_changes(self) -> dict[str, TableChanges]:
        """Per table, rows inserted/updated(old, new)/deleted since the last clear."""
        return self.replica.changes()

    def table_changes(self, name: str) -> TableChanges:
        return self.replica.tables[name].changes()

    def clear_tracked_changes(self) -> None:
        self.replica.clear_changes()

    def take_changes(self) -> dict[str, TableChanges]:
        """tracked_changes() and clear, in one step."""
        changes = self.replica.changes()
        self.replica.clear_changes()
        return changes

    async def wait_for_change(self, seqno: int | None = None,
                              timeout: float | None = None) -> int:
        """Wait until the sequence number differs from ``seqno`` (default: now)."""
        start = self.seqno if seqno is None else seqno
        async with asyncio.timeout(timeout):
            while self.seqno == start:
                self._raise_fatal()
                await self._changed.wait()
        return self.seqno

    async def wait_for(self, predicate: Callable[[], T], timeout: float | None = None) -> T:
        """Wait until ``predicate()`` is truthy (checked after each change); return it."""
        async with asyncio.timeout(timeout):
            while True:
                if self._replica is not None:
                    value = predicate()
                    if value:
                        return value
                self._raise_fatal()
                await self._changed.wait()

    def _notify_changed(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------ transactions

    def transaction(self, *, verify_reads: bool = False) -> Transaction:
        """A new transaction; with a lock configured it asserts the lock."""
        if self.schema is None:
            raise ClientError("the IDL has not received the schema yet (await wait_ready())")
        return Transaction(self, self.schema, self.database, verify_reads=verify_reads,
                           lock=self.lock_name)

    async def commit(self, txn: Transaction) -> CommitResult:
        if not txn.has_writes:
            return CommitResult({})
        if txn.ops and txn.ops[0]["op"] == "assert" and not self.has_lock:
            raise NotOwner("not owner", f"this client does not hold lock {self.lock_name}")
        client = self._require_client()
        results = await client.transact(self.database, txn.ops)
        result = interpret_results(txn, results)
        await self._sync_point(client)
        return result

    async def transact(self, ops: list[Any]) -> list[Any]:
        """A raw transact on this IDL's database (result array as the server sent it)."""
        return await self._require_client().transact(self.database, ops)

    def _require_client(self) -> Client:
        client = self._client
        if client is None or client.closed or not self._synced:
            raise ConnectionLost(f"{self.database}: not connected")
        return client

    async def _sync_point(self, client: Client) -> None:
        """Return once updates the server sent before now have been applied.

        The server answers requests in order and flushes monitor updates for a
        commit before handling the next request, so the echo's reply comes
        after them.
        """
        try:
            await client.echo("sync")
        except ConnectionLost:
            # committed, but the connection went before we saw the updates: the
            # resync after reconnecting brings them
            await self.wait_for(lambda: self.connected)

    # ------------------------------------------------------------ conditions

    async def set_conditions(self, table: str, where: list[Any]) -> None:
        """Change which rows of ``table`` are replicated (monitor_cond_change)."""
        if self._replica is not None and table not in self._replica.tables:
            raise ValueError(f"table {table} is not monitored")
        self.conditions[table] = where
        client = self._client
        if client is None or not self._synced or self.monitor_method == "monitor":
            return  # applied on the next (re)connection
        await client.call("monitor_cond_change",
                          [self._monitor_id, self._monitor_id, {table: [{"where": where}]}])
        if self._acked_conditions is not None:
            self._acked_conditions[table] = where
        await self._sync_point(client)

    # ------------------------------------------------------------ the run loop

    async def _run(self) -> None:
        try:
            await self._reconnect_loop()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never die silently: waiters get the reason
            log.exception("IDL for %s stopped", self.database)
            self._fatal = exc
            self._notify_changed()

    async def _reconnect_loop(self) -> None:
        backoff = self.min_backoff
        attempt = 0
        while not self._closing:
            remote = self.remotes[attempt % len(self.remotes)]
            attempt += 1
            was_synced = await self._one_connection(remote)
            if self._closing or self._fatal is not None:
                return
            if was_synced:
                backoff = self.min_backoff
                continue  # a working connection dropped: try again at once
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _one_connection(self, remote: str) -> bool:
        """Run one connection to its end; True if it reached sync."""
        probe = self.probe_interval if not remote.startswith("unix:") else None
        closed = asyncio.Event()
        try:
            client = await Client.connect(remote, probe_interval=probe,
                                          on_notify=self._on_notify,
                                          on_close=lambda reason: closed.set())
        except OSError as exc:
            log.info("connect failed remote=%s error=%s", remote, exc)
            return False
        self._client = client
        self.connections += 1
        synced = False
        try:
            await self._handshake(client)
            synced = True
            self._synced = True
            self._ready.set()
            self._notify_changed()
            await closed.wait()
            if not self._closing:
                log.info("connection lost remote=%s reason=%s", remote, client.close_reason)
        except (ConnectionLost, ServerError, ReplicaError, _RetryElsewhere) as exc:
            log.warning("connection dropped remote=%s error=%s", remote, exc)
        except ClientError as exc:  # a configuration error: retrying cannot help
            self._fatal = exc
            self._notify_changed()
        finally:
            self._synced = False
            self._queue = None
            await client.close()
            self._client = None
            self._set_has_lock(False)
        return synced

    async def _handshake(self, client: Client) -> None:
        if self.database != "_Server":
            self._server_watch = ServerDbWatch(self.database, self.leader_only)
            if not await self._server_watch.check(client):
                raise _RetryElsewhere(self._server_watch.reason)
        elif self.database not in await client.list_dbs():
            raise ClientError(f"{client.name}: server has no database {self.database}")
        schema = await client.get_schema(self.database)
        if schema != self.schema:
            self._use_schema(schema)
        await self._monitor(client)
        if self.lock_name is not None:
            reply = await client.call("lock", [self.lock_name])
            if isinstance(reply, dict) and reply.get("locked") is True:
                self._set_has_lock(True)
        await self._send_changed_conditions(client)

    async def _send_changed_conditions(self, client: Client) -> None:
        """Conditions set while the monitor request was on its way go out now."""
        acked = self._acked_conditions
        if acked is None or self.monitor_method == "monitor":
            return
        while True:
            changed = {t: c for t, c in self.conditions.items() if acked.get(t) != c}
            if not changed:
                return
            await client.call("monitor_cond_change", [
                self._monitor_id, self._monitor_id,
                {t: [{"where": c}] for t, c in changed.items()}])
            acked.update({t: list(c) for t, c in changed.items()})

    def _use_schema(self, schema: DatabaseSchema) -> None:
        """Start a replica for ``schema`` (first connection, or the database was converted).

        After a conversion every table is a new TableReplica whose rows all
        show as inserted: consumers recompute, as after a first connection.
        """
        if self.schema is not None:
            log.info("schema changed db=%s version=%s", self.database, schema.version)
        old = self._replica
        replica = Replica(schema, self._monitored_columns(schema), self._row_classes,
                          self.track_changes)
        replica.seqno = old.seqno if old is not None else 0
        self.schema, self._replica = schema, replica
        self.last_txn_id = ZERO_UUID
        self._acked_conditions = None

    def _monitored_columns(self, schema: DatabaseSchema) -> dict[str, tuple[str, ...]]:
        request = self._table_request
        if request is None:
            request = {name: None for name in schema.tables}
        out = {}
        for name, cols in request.items():
            table = schema.tables.get(name)
            if table is None:
                raise ClientError(f"database {schema.name} has no table {name!r}")
            names = table.user_columns if cols is None else tuple(cols)
            bad = [c for c in names if c not in table.columns or c.startswith("_")]
            if bad:
                raise ClientError(f"table {name} has no column(s) {bad}")
            out[name] = names
        return out

    @property
    def _monitor_id(self) -> str:
        return f"pyovn-{self.database}"

    def _monitor_requests(self, conditional: bool) -> dict[str, Any]:
        requests = {}
        for name, table in self.replica.tables.items():
            req: dict[str, Any] = {"columns": list(table.columns)}
            if conditional and name in self.conditions:
                req["where"] = self.conditions[name]
            requests[name] = [req]
        return requests

    async def _monitor(self, client: Client) -> None:
        methods: tuple[str, ...] = MONITOR_METHODS
        if self.monitor_method is not None:
            methods = MONITOR_METHODS[MONITOR_METHODS.index(self.monitor_method):]
        for method in methods:
            params: list[Any] = [self.database, self._monitor_id,
                                 self._monitor_requests(method != "monitor")]
            conditions = {t: list(c) for t, c in self.conditions.items()}
            if method == "monitor_cond_since":
                usable = self._acked_conditions == conditions
                params.append(str(self.last_txn_id if usable else ZERO_UUID))
            self._queue = []
            self.last_monitor_request = [method, params]
            try:
                result = await client.call(method, params)
            except ServerError as exc:
                self._queue = None
                if exc.tag == "unknown method":
                    continue
                raise
            self.monitor_method = method
            self._acked_conditions = conditions
            self._apply_monitor_reply(method, result)
            queued, self._queue = self._queue, None
            for name, notification in queued:
                self._apply_notification(name, notification)
            return
        raise ClientError(f"{client.name}: server supports none of {MONITOR_METHODS}")

    def _apply_monitor_reply(self, method: str, result: Any) -> None:
        replica = self.replica
        if method == "monitor_cond_since":
            if not (isinstance(result, list) and len(result) == 3
                    and isinstance(result[0], bool) and isinstance(result[1], str)):
                raise ReplicaError(f"malformed monitor_cond_since reply {result!r}")
            found, last_id, updates = result
            self.last_monitor_found = found
            new_id = _txn_id(last_id)
            try:
                if found:
                    replica.apply_updates(updates, 3)
                else:
                    replica.replace_all(updates, 3)
            except ReplicaError:
                self.last_txn_id = ZERO_UUID
                raise
            self.last_txn_id = new_id
        else:
            self.last_monitor_found = None
            replica.replace_all(result, _UPDATE_VERSION[method])

    # ------------------------------------------------------------ notifications

    def _on_notify(self, method: str, params: list[Any]) -> None:
        if method in ("update", "update2", "update3"):
            if params and params[0] == self._monitor_id and self._queue is not None:
                self._queue.append((method, params))
                return
            self._apply_notification(method, params)
        elif method == "locked" and params == [self.lock_name]:
            self._set_has_lock(True)
        elif method == "stolen" and params == [self.lock_name]:
            self._set_has_lock(False)

    def _apply_notification(self, method: str, params: list[Any]) -> None:
        if not params:
            raise ReplicaError(f"{method} without parameters")
        if params[0] != self._monitor_id:
            watch = self._server_watch
            if watch is not None and params[0] == watch.monitor_id:
                try:
                    watch.apply(method, params)
                except ValueError as exc:
                    raise ReplicaError(f"_Server: {exc}") from exc
                if not watch.usable:
                    raise ReplicaError(f"_Server: {watch.reason}")  # drop and reconnect
            return
        try:
            if method == "update3":
                if len(params) != 3:
                    raise ReplicaError("update3 needs 3 parameters")
                self.replica.apply_updates(params[2], 3)
                self.last_txn_id = _txn_id(params[1])
            else:
                if len(params) != 2:
                    raise ReplicaError(f"{method} needs 2 parameters")
                self.replica.apply_updates(params[1], 2 if method == "update2" else 1)
        except ReplicaError:
            self.last_txn_id = ZERO_UUID  # whatever we hold now, resync it all
            raise
        finally:
            self._notify_changed()


def _txn_id(text: Any) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ReplicaError(f"bad last-txn-id {text!r}") from exc


class _RetryElsewhere(ClientError):
    """This server cannot serve the database right now (e.g. not the leader)."""
