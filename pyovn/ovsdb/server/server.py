"""The OVSDB server: listeners, sessions, databases, locks.

Theory of operation: `OvsdbServer` owns the served databases (including
`_Server`), the lock table and the passive remotes (`punix:PATH`,
`ptcp:PORT[:IP]`), each an asyncio server whose connections become
`Session`s. Sessions hand every request to `handle_request`, which looks the
method up in `methods.REQUESTS`; a `MethodError` becomes the error reply.
An exception anywhere in a handler is a bug: it is logged and only that
connection is dropped, the server carries on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyovn.jsonstream import DEFAULT_MAX_DEPTH
from pyovn.ovsdb.jsonrpc import Remote, parse_remote
from pyovn.ovsdb.server import methods
from pyovn.ovsdb.server.locks import LockEvent, LockTable
from pyovn.ovsdb.server.served_db import ServedDatabase
from pyovn.ovsdb.server.session import Session, encode_error
from pyovn.ovsdb.server.triggers import Trigger

log = logging.getLogger("pyovn.ovsdb_server")
log_socket = logging.getLogger("pyovn.socket_util")

DEFAULT_MAX_BACKLOG = 64 * 1024 * 1024  # bytes queued for one client
DEFAULT_MAX_MESSAGE = 128 * 1024 * 1024
# ovsdb-server probes idle TCP clients every 5 s and drops them after another
# 5 s of silence; unix sockets are never probed.
DEFAULT_PROBE_INTERVAL = 5.0


class RemoteError(Exception):
    """A remote that cannot be opened or is unknown."""


class OvsdbServer:
    """Serves databases over any number of passive remotes."""

    def __init__(
        self,
        *,
        max_backlog: int = DEFAULT_MAX_BACKLOG,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE,
        max_depth: int = DEFAULT_MAX_DEPTH,
        probe_interval: float = DEFAULT_PROBE_INTERVAL,
    ) -> None:
        self.probe_interval = probe_interval
        self.max_backlog = max_backlog
        self.max_message_bytes = max_message_bytes
        self.max_depth = max_depth
        self.dbs: dict[str, ServedDatabase] = {}
        self.locks = LockTable()
        self.sessions: set[Session] = set()
        self._listeners: dict[str, asyncio.Server] = {}
        self._unix_counter = 0
        self._rerunning = False
        self._batch_depth = 0
        self.corked: list[Session] = []  # sessions holding output in this batch

    # --- databases -----------------------------------------------------------

    def add_database(self, sdb: ServedDatabase) -> None:
        self.dbs[sdb.name] = sdb
        sdb.on_commit = self._after_commit
        sdb.batch = self.batch

    # --- output batching ---------------------------------------------------

    @property
    def batching(self) -> bool:
        return self._batch_depth > 0

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold every session's output until the outermost batch ends.

        Thirty replies made durable by one fsync then leave in one write per
        client instead of thirty.
        """
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                corked, self.corked = self.corked, []
                for session in corked:
                    session.uncork()

    # --- remotes -------------------------------------------------------------

    async def add_remote(self, text: str) -> None:
        if text in self._listeners:
            return
        try:
            remote = parse_remote(text)
        except ValueError as exc:
            raise RemoteError(str(exc)) from None
        if not remote.passive or remote.kind == "ssl":
            raise RemoteError(f"{text}: only punix: and ptcp: remotes can be served")
        self._listeners[text] = await self._listen(text, remote)

    async def _listen(self, text: str, remote: Remote) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        try:
            if remote.kind == "unix":
                assert remote.path is not None
                if os.path.exists(remote.path):
                    os.unlink(remote.path)  # stale socket of a dead server
                return await loop.create_unix_server(
                    lambda: self._new_session(None), remote.path
                )
            host = remote.host or "0.0.0.0"
            server = await loop.create_server(
                lambda: self._new_session("tcp"), host, remote.port, reuse_address=True
            )
        except OSError as exc:
            raise RemoteError(f"{text}: {exc.strerror or exc}") from None
        port = server.sockets[0].getsockname()[1]
        suffix = text.split(":", 1)[1]
        log_socket.info("%s: listening on port %d", suffix, port)
        return server

    async def remove_remote(self, text: str) -> None:
        listener = self._listeners.pop(text, None)
        if listener is None:
            raise RemoteError(f"{text}: no such remote")
        listener.close()
        if text.startswith("punix:"):
            try:
                os.unlink(text[6:])
            except OSError:
                pass

    def list_remotes(self) -> list[str]:
        return sorted(self._listeners)

    def bound_ports(self, text: str) -> list[int]:
        listener = self._listeners[text]
        return [s.getsockname()[1] for s in listener.sockets]

    def _new_session(self, kind: str | None) -> Session:
        if kind is None:
            self._unix_counter += 1
            session = _NamedLater(self, f"unix#{self._unix_counter}", probe=False)
        else:
            session = _NamedLater(self, "tcp", probe=True)
        self.sessions.add(session)
        return session

    # --- requests --------------------------------------------------------------

    def handle_request(self, session: Session, method: str, params: list[Any], id: Any) -> None:
        handler = methods.REQUESTS.get(method)
        if handler is None:
            session.error("unknown method", id)
            return
        try:
            handler(self, session, params, id)
        except methods.MethodError as exc:
            session.error(exc.error, id)
        except Exception:
            log.exception("%s: internal error handling %s request", session.name, method)
            session.send_ordered(encode_error({"error": "internal error"}, id))
            session.abort("internal error")

    def handle_notification(self, session: Session, method: str, params: list[Any]) -> None:
        if method == "cancel" and len(params) == 1:
            self._cancel(session, params[0])

    def _cancel(self, session: Session, request_id: Any) -> None:
        for sdb in self.dbs.values():
            for trigger in list(sdb.triggers):
                if trigger.session is session and trigger.id == request_id:
                    sdb.triggers.remove(trigger)
                    trigger.cancel_timer()

    def session_closed(self, session: Session) -> None:
        self.sessions.discard(session)
        for sdb, sub in session.monitors.values():
            sdb.hub.remove(sub)
        session.monitors.clear()
        for sdb in self.dbs.values():
            for trigger in [t for t in sdb.triggers if t.session is session]:
                sdb.triggers.remove(trigger)
                trigger.cancel_timer()
        self.send_lock_events(self.locks.release_all(session))

    def send_lock_events(self, events: list[LockEvent]) -> None:
        for event in events:
            session = event.session
            assert isinstance(session, Session)
            session.notify(event.method, [event.lock])

    # --- blocked transactions -----------------------------------------------

    def block(self, trigger: Trigger) -> None:
        sdb = trigger.sdb
        if trigger not in sdb.triggers:
            sdb.triggers.append(trigger)
        trigger.cancel_timer()
        if trigger.deadline is not None and trigger.deadline != float("inf"):
            delay = max(0.0, trigger.deadline - time.time())
            loop = asyncio.get_running_loop()
            trigger.timer = loop.call_later(delay, self._deadline, trigger)

    def _deadline(self, trigger: Trigger) -> None:
        trigger.timer = None
        sdb = trigger.sdb
        if trigger in sdb.triggers:
            sdb.triggers.remove(trigger)
            now = max(time.time(), trigger.deadline or 0.0)
            if not methods.run_trigger(self, trigger, now=now):
                log.warning("%s: wait still blocked after its deadline", sdb.name)

    def _after_commit(self, sdb: ServedDatabase) -> None:
        """Each commit may satisfy a blocked "wait": run them again."""
        if self._rerunning or not sdb.triggers:
            return
        self._rerunning = True
        try:
            progress = True
            while progress:
                progress = False
                for trigger in list(sdb.triggers):
                    if trigger not in sdb.triggers:
                        continue
                    sdb.triggers.remove(trigger)
                    if methods.run_trigger(self, trigger):
                        trigger.cancel_timer()
                        progress = True
        finally:
            self._rerunning = False

    # --- shutdown --------------------------------------------------------------

    async def close(self) -> None:
        for text in list(self._listeners):
            await self.remove_remote(text)
        for session in list(self.sessions):
            session.abort("shutdown")
        for sdb in self.dbs.values():
            while sdb.syncing:  # let a queued fsync round finish first
                await asyncio.sleep(0.001)
            sdb.close()


class _NamedLater(Session):
    """A session whose TCP name ("tcp:IP:PORT") is known once connected."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.name == "tcp":
            peer = transport.get_extra_info("peername")
            if isinstance(peer, tuple) and len(peer) >= 2:
                self.name = f"tcp:{peer[0]}:{peer[1]}"
        super().connection_made(transport)
