"""One JSON-RPC connection to an OVSDB server: requests, notifications, keepalive.

Theory of operation: a reader task takes messages off the connection; a reply
completes the future of the request with the same id, a notification goes to
the ``on_notify`` callback, and the server's own ``echo`` requests are
answered at once.  If nothing arrives for ``probe_interval`` seconds the
client sends an ``echo``; if still nothing arrives within another interval
the connection is declared dead (as OVS's inactivity probe does).  Whatever
ends the connection -- end of stream, garbage (ProtocolError), a dead probe
or ``close()`` -- fails every pending request with ``ConnectionLost`` and
calls ``on_close`` once.

``Client`` is the raw API on top: ``transact``, ``list_dbs``, ``get_schema``,
``echo``, plus ``call`` for any other method.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

from pyovn.ovsdb import jsonrpc
from pyovn.ovsdb.client.errors import ClientError, ConnectionLost, ServerError
from pyovn.ovsdb.schema import DatabaseSchema

log = logging.getLogger(__name__)

NotifyHandler = Callable[[str, list[Any]], None]


class Client:
    """A single, non-reconnecting OVSDB connection with the raw methods."""

    def __init__(self, conn: jsonrpc.Connection, *, probe_interval: float | None = None,
                 on_notify: NotifyHandler | None = None,
                 on_close: Callable[[BaseException | None], None] | None = None) -> None:
        self.conn = conn
        self.name = conn.name
        self.probe_interval = probe_interval
        self.on_notify = on_notify
        self.on_close = on_close
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self._activity = asyncio.Event()
        self.closed = False
        self.close_reason: BaseException | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())
        self._prober = (asyncio.get_running_loop().create_task(self._probe_loop())
                        if probe_interval else None)

    @classmethod
    async def connect(cls, remote: str, **kwargs: Any) -> Client:
        """Open ``unix:PATH`` or ``tcp:IP:PORT``; OSError if it cannot connect."""
        conn = await jsonrpc.open_connection(remote)
        return cls(conn, **kwargs)

    # -- requests

    async def call(self, method: str, params: list[Any]) -> Any:
        """Send a request and return its result; ServerError on an error reply."""
        if self.closed:
            raise ConnectionLost(f"{self.name}: connection closed") from self.close_reason
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (method, future)
        try:
            self.conn.send(jsonrpc.request(method, params, request_id))
        except (OSError, jsonrpc.ProtocolError) as exc:
            self._pending.pop(request_id, None)
            self._shutdown(exc)
            raise ConnectionLost(f"{self.name}: {exc}") from exc
        return await future

    def notify(self, method: str, params: list[Any]) -> None:
        if not self.closed:
            self.conn.send(jsonrpc.notification(method, params))

    async def transact(self, db: str, ops: list[Any]) -> list[Any]:
        """The raw transact: returns the server's result array as is."""
        result = await self.call("transact", [db, *ops])
        if not isinstance(result, list):
            raise self._garbage(f"transact result is not an array: {result!r}")
        return result

    async def list_dbs(self) -> list[str]:
        result = await self.call("list_dbs", [])
        if not isinstance(result, list) or not all(isinstance(x, str) for x in result):
            raise self._garbage(f"list_dbs result is not an array of names: {result!r}")
        return result

    async def get_schema(self, db: str) -> DatabaseSchema:
        result = await self.call("get_schema", [db])
        try:
            return DatabaseSchema.from_json(result)
        except Exception as exc:  # any schema the server sends must parse
            raise self._garbage(f"bad schema for {db}: {exc}") from exc

    async def echo(self, *payload: Any) -> list[Any]:
        result = await self.call("echo", list(payload))
        if not isinstance(result, list):
            raise self._garbage(f"echo result is not an array: {result!r}")
        return result

    def _garbage(self, what: str) -> ConnectionLost:
        exc = ConnectionLost(f"{self.name}: malformed reply: {what}")
        self._shutdown(exc)
        return exc

    # -- life cycle

    async def close(self) -> None:
        self._shutdown(None)
        await self.conn.wait_closed()
        for task in (self._reader, self._prober):
            if task is not None and task is not asyncio.current_task():
                try:
                    await task
                except asyncio.CancelledError:
                    pass

    def _shutdown(self, reason: BaseException | None) -> None:
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self.conn.close()
        for task in (self._reader, self._prober):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        pending, self._pending = self._pending, {}
        for method, future in pending.values():
            if not future.done():
                text = f"{self.name}: connection lost during {method}"
                future.set_exception(ConnectionLost(f"{text}: {reason}" if reason else text))
        if self.on_close is not None:
            self.on_close(reason)

    # -- the reader and the probe

    async def _read_loop(self) -> None:
        reason: BaseException | None = None
        try:
            while True:
                msg = await self.conn.recv()
                if msg is None:
                    reason = ConnectionLost(f"{self.name}: connection closed by peer")
                    break
                self._activity.set()
                self._dispatch(msg)
        except asyncio.CancelledError:
            return
        except (OSError, jsonrpc.ProtocolError, ConnectionLost) as exc:
            log.warning("connection error remote=%s error=%s", self.name, exc)
            reason = exc
        except Exception as exc:  # a bug must not leave callers waiting forever
            log.exception("unexpected error on connection remote=%s", self.name)
            reason = exc
        self._shutdown(reason)

    def _dispatch(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            raise jsonrpc.ProtocolError(f"message is not an object: {msg!r}")
        method = msg.get("method")
        if method is not None:
            params = msg.get("params")
            if not isinstance(method, str) or not isinstance(params, list):
                raise jsonrpc.ProtocolError(f"bad request or notification: {msg!r}")
            if msg.get("id") is not None:
                self._answer_request(method, params, msg["id"])
            elif self.on_notify is not None:
                try:
                    self.on_notify(method, params)
                except (ValueError, TypeError, ClientError) as exc:
                    # e.g. an update the replica cannot apply: resync on a new connection
                    raise jsonrpc.ProtocolError(f"bad {method} notification: {exc}") from exc
            return
        if "id" not in msg or ("result" not in msg and "error" not in msg):
            raise jsonrpc.ProtocolError(f"message is neither request nor reply: {msg!r}")
        entry = self._pending.pop(msg["id"], None) if isinstance(msg["id"], int) else None
        if entry is None:
            log.debug("reply to unknown request remote=%s id=%r", self.name, msg.get("id"))
            return
        name, future = entry
        if future.done():
            return
        if msg.get("error") is not None:
            future.set_exception(ServerError(name, msg["error"]))
        else:
            future.set_result(msg.get("result"))

    def _answer_request(self, method: str, params: list[Any], request_id: Any) -> None:
        if method == "echo":
            self.conn.send(jsonrpc.reply(params, request_id))
        else:
            self.conn.send(jsonrpc.error_reply({"error": "unknown method"}, request_id))

    async def _probe_loop(self) -> None:
        assert self.probe_interval is not None
        interval = self.probe_interval
        while not self.closed:
            self._activity.clear()
            try:
                await asyncio.wait_for(self._activity.wait(), interval)
                continue
            except TimeoutError:
                pass
            try:
                self.conn.send(jsonrpc.request("echo", [], "echo"))
            except (OSError, jsonrpc.ProtocolError) as exc:
                self._shutdown(exc)
                return
            try:
                await asyncio.wait_for(self._activity.wait(), interval)
            except TimeoutError:
                log.warning("no response to inactivity probe remote=%s after=%.1fs",
                            self.name, 2 * interval)
                self._shutdown(ConnectionLost(
                    f"{self.name}: no response to inactivity probe after {2 * interval:g} s"))
                return
