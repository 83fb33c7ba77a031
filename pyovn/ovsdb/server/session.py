"""One client connection of the OVSDB server: framing, dispatch, ordered output.

Theory of operation: a `Session` is an asyncio Protocol. Bytes go through the
`MessageSplitter`; each complete message is dispatched at once, in order.
Replies keep request order through a small queue of slots: most replies are
ready immediately, but a transaction's reply waits until its commit is on
disk, and later replies queue behind it. Monitor updates do not queue: they
are written when their commit becomes durable, which is always before the
reply of that commit (ovsdb-server's order) and before any reply still
waiting. Anything that breaks the protocol (bad JSON, a non-object, a
message that is neither request, notification nor reply) closes this one
connection with a log line, as ovsdb-server does. A peer that stops reading
is dropped once its queued output passes `max_backlog` bytes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import orjson

from pyovn.jsonstream import MessageSplitter
from pyovn.ovsdb.jsonrpc import ProtocolError

if TYPE_CHECKING:
    from pyovn.ovsdb.server.server import OvsdbServer

log = logging.getLogger("pyovn.ovsdb_jsonrpc_server")
log_reconnect = logging.getLogger("pyovn.reconnect")
log_jsonrpc = logging.getLogger("pyovn.jsonrpc")

_ECHO_PROBE = b'{"id":"echo","method":"echo","params":[]}'


class Slot:
    """A reply position in a session's output order; `data` once known."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: bytes | None = None


def encode_reply(result: Any, id: Any) -> bytes:
    return orjson.dumps({"id": id, "result": result, "error": None})


def encode_error(error: Any, id: Any) -> bytes:
    return orjson.dumps({"id": id, "error": error})


def encode_notification(method: str, params: list[Any]) -> bytes:
    return orjson.dumps({"id": None, "method": method, "params": params})


class Session(asyncio.Protocol):
    """A JSON-RPC session with one OVSDB client."""

    def __init__(self, server: OvsdbServer, name: str, probe: bool) -> None:
        self.server = server
        self.name = name
        self.parser = MessageSplitter(server.max_message_bytes, server.max_depth)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._out: deque[Slot] = deque()
        self._corked: list[bytes] | None = None  # output held during a batch
        # Per-session state the method handlers keep (monitors, triggers).
        self.monitors: dict[Any, Any] = {}
        self.triggers: dict[Any, Any] = {}
        self.db_change_aware = False
        self.txn_context: Any = None  # the engine's TxnContext, made at first use
        self._probe_enabled = probe
        self._probe_handle: asyncio.TimerHandle | None = None
        self._probe_sent = False
        self._received = False

    # --- asyncio.Protocol ----------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.transport.set_write_buffer_limits(high=2**30)  # we bound the backlog ourselves
        if self._probe_enabled:
            self._schedule_probe()

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            messages = self.parser.feed(data)
        except ProtocolError as exc:
            log_jsonrpc.warning("%s: error parsing stream: %s", self.name, exc)
            self.abort("Protocol error")
            return
        with self.server.batch():
            for message in messages:
                if self.closed:
                    return
                self._dispatch(message)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed:
            if self.parser.buffered:
                log_jsonrpc.warning("%s: connection closed in the middle of a message", self.name)
            self.closed = True
        self._cancel_probe()
        self.server.session_closed(self)

    # --- dispatch ---------------------------------------------------------

    def _dispatch(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            self._bad_message("message is not a JSON object")
            return
        method = msg.get("method")
        if method is None:
            if "result" in msg or "error" in msg:
                self._got_reply(msg)
            else:
                self._bad_message('request must have "method"')
            return
        if not isinstance(method, str):
            self._bad_message('"method" must be JSON string')
            return
        extra = msg.keys() - {"method", "params", "id"}
        if extra:
            self._bad_message(f'message has unexpected member "{sorted(extra)[0]}"')
            return
        if "params" not in msg:
            self._bad_message('request must have "params"')
            return
        params = msg["params"]
        if not isinstance(params, list):
            self._bad_message('"params" must be JSON array')
            return
        msg_id = msg.get("id")  # no "id" at all is a notification too
        if msg_id is None:
            self.server.handle_notification(self, method, params)
        else:
            self.server.handle_request(self, method, params, msg_id)

    def _got_reply(self, msg: dict[str, Any]) -> None:
        if msg.get("id") == "echo":
            return  # answer to our inactivity probe
        log.warning("%s: received unexpected reply message", self.name)
        self.abort("unexpected reply")

    def _bad_message(self, why: str) -> None:
        log_jsonrpc.warning("%s: received bad JSON-RPC message: %s", self.name, why)
        self.abort("Protocol error")

    # --- output -----------------------------------------------------------

    def reply(self, result: Any, id: Any) -> None:
        self.send_ordered(encode_reply(result, id))

    def error(self, error: Any, id: Any) -> None:
        self.send_ordered(encode_error(error, id))

    def send_ordered(self, data: bytes) -> None:
        """Send a reply now, or after the replies still waiting before it."""
        if self._out:
            slot = Slot()
            slot.data = data
            self._out.append(slot)
        else:
            self.write(data)

    def reserve(self) -> Slot:
        """A place in reply order for a reply known later (`fill`)."""
        slot = Slot()
        self._out.append(slot)
        return slot

    def fill(self, slot: Slot, data: bytes) -> None:
        slot.data = data
        out = self._out
        while out and out[0].data is not None:
            self.write(out.popleft().data)  # type: ignore[arg-type]

    def write(self, data: bytes) -> None:
        """Write now, bypassing reply order (notifications, updates)."""
        self.writelines([data])

    def writelines(self, parts: list[bytes]) -> None:
        """Write shared bytes without joining them (fan-out).

        Inside a server batch (one chunk of requests, one fsync round) the
        parts wait in `_corked` and go out in one system call at its end.
        """
        transport = self.transport
        if self.closed or transport is None:
            return
        if transport.get_write_buffer_size() > self.server.max_backlog:
            log.warning(
                "%s: peer is not reading, %d bytes queued exceed the backlog limit %d,"
                " disconnecting",
                self.name,
                transport.get_write_buffer_size(),
                self.server.max_backlog,
            )
            self.abort("backlog exceeded")
            return
        if self.server.batching:
            if self._corked is None:
                self._corked = []
                self.server.corked.append(self)
            self._corked.extend(parts)
        else:
            transport.writelines(parts)

    def uncork(self) -> None:
        parts, self._corked = self._corked, None
        if parts and not self.closed and self.transport is not None:
            self.transport.write(b"".join(parts))

    def notify(self, method: str, params: list[Any]) -> None:
        self.write(encode_notification(method, params))

    def abort(self, reason: str) -> None:
        """Drop this connection (protocol violation, backlog, shutdown)."""
        if self.closed:
            return
        self.closed = True
        if reason != "shutdown":
            log_reconnect.warning("%s: connection dropped (%s)", self.name, reason)
        if self.transport is not None:
            self.transport.abort()

    # --- inactivity probe (TCP only, like ovsdb-server) --------------------

    def _schedule_probe(self) -> None:
        loop = asyncio.get_running_loop()
        self._probe_handle = loop.call_later(self.server.probe_interval, self._probe_tick)

    def _cancel_probe(self) -> None:
        if self._probe_handle is not None:
            self._probe_handle.cancel()
            self._probe_handle = None

    def _probe_tick(self) -> None:
        if self.closed:
            return
        if self._received:
            self._received = False
            self._probe_sent = False
        elif self._probe_sent:
            log_reconnect.error(
                "%s: no response to inactivity probe after %g seconds, disconnecting",
                self.name,
                self.server.probe_interval,
            )
            self.abort("inactivity probe")
            return
        else:
            self.write(_ECHO_PROBE)
            self._probe_sent = True
        self._schedule_probe()


SessionFactory = Callable[[], Session]
