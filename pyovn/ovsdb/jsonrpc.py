"""JSON-RPC 1.0 over a byte stream, as OVSDB speaks it (RFC 7047 section 4).

Theory of operation: OVSDB peers send JSON objects back to back with no
delimiter; `pyovn.jsonstream.MessageSplitter` finds where each one ends, with
size and nesting limits, and raises `ProtocolError` for anything that is not
a stream of JSON objects; the caller then closes that one connection.
`Connection` is the thin asyncio shell: receive messages, send messages or
pre-encoded bytes, and watch how much is queued for a peer that stops reading.

Remote strings follow OVS: active `unix:PATH`, `tcp:IP:PORT`, `ssl:IP:PORT`;
passive `punix:PATH`, `ptcp:PORT[:IP]`, `pssl:PORT[:IP]`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

import orjson

from pyovn.jsonstream import MessageSplitter, ProtocolError


class BacklogExceeded(ProtocolError):
    """The peer stopped reading and its queued output passed the limit."""


def encode(message: dict[str, Any]) -> bytes:
    """One message as bytes on the wire."""
    return orjson.dumps(message)


# --- message constructors (plain dicts: they go straight to orjson) --------


def request(method: str, params: list[Any], id: Any) -> dict[str, Any]:
    return {"method": method, "params": params, "id": id}


def notification(method: str, params: list[Any]) -> dict[str, Any]:
    return {"method": method, "params": params, "id": None}


def reply(result: Any, id: Any) -> dict[str, Any]:
    return {"result": result, "error": None, "id": id}


def error_reply(error: Any, id: Any) -> dict[str, Any]:
    return {"result": None, "error": error, "id": id}


# --- remotes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Remote:
    """A parsed OVS remote string."""

    kind: str  # "unix", "tcp" or "ssl"
    passive: bool
    path: str | None = None  # unix
    host: str | None = None  # tcp/ssl
    port: int | None = None

    def __str__(self) -> str:
        prefix = ("p" if self.passive else "") + self.kind
        if self.kind == "unix":
            return f"{prefix}:{self.path}"
        if self.passive:
            return f"{prefix}:{self.port}" + (f":{self.host}" if self.host else "")
        return f"{prefix}:{self.host}:{self.port}"


def parse_remote(text: str) -> Remote:
    """Parse `unix:P`, `tcp:IP:PORT`, `ssl:IP:PORT`, `punix:P`, `ptcp:PORT[:IP]`, `pssl:...`."""
    kind, sep, rest = text.partition(":")
    if not sep or not rest:
        raise ValueError(f"{text}: bad remote (expected e.g. unix:PATH or ptcp:PORT)")
    passive = kind.startswith("p") and kind[1:] in ("unix", "tcp", "ssl")
    base = kind[1:] if passive else kind
    if base == "unix":
        return Remote("unix", passive, path=rest)
    if base not in ("tcp", "ssl"):
        raise ValueError(f"{text}: unknown remote type {kind!r}")
    if passive:
        port_text, _, host = rest.partition(":")
        port = _parse_port(text, port_text)
        return Remote(base, True, host=_unbracket(host) or None, port=port)
    host, _, port_text = rest.rpartition(":")
    if not host:
        raise ValueError(f"{text}: bad remote (expected {base}:IP:PORT)")
    return Remote(base, False, host=_unbracket(host), port=_parse_port(text, port_text))


def _parse_port(text: str, port_text: str) -> int:
    if not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"{text}: bad port {port_text!r}")
    return int(port_text)


def _unbracket(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


# --- asyncio connection ------------------------------------------------------


class Connection:
    """A JSON-RPC connection over an asyncio stream pair."""

    READ_CHUNK = 256 * 1024

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        name: str = "",
        max_backlog_bytes: int | None = None,
        parser: MessageSplitter | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.name = name or _peer_name(writer)
        self.max_backlog_bytes = max_backlog_bytes
        self.parser = parser or MessageSplitter()
        self._pending: deque[Any] = deque()
        self.closed = False

    async def recv(self) -> Any | None:
        """The next message, or None at end of stream; ProtocolError on garbage."""
        while not self._pending:
            data = await self.reader.read(self.READ_CHUNK)
            if not data:
                if self.parser.buffered:
                    raise ProtocolError("connection closed in the middle of a message")
                return None
            self._pending.extend(self.parser.feed(data))
        return self._pending.popleft()

    @property
    def backlog(self) -> int:
        """Bytes written but not yet taken by the peer."""
        transport = self.writer.transport
        return 0 if transport is None else transport.get_write_buffer_size()

    def send_bytes(self, data: bytes) -> None:
        if self.closed:
            return
        if self.max_backlog_bytes is not None and self.backlog + len(data) > self.max_backlog_bytes:
            raise BacklogExceeded(
                f"{self.name}: peer not reading, backlog {self.backlog + len(data)} bytes"
                f" exceeds {self.max_backlog_bytes}"
            )
        self.writer.write(data)

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(encode(message))

    async def drain(self) -> None:
        await self.writer.drain()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()

    async def wait_closed(self) -> None:
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def _peer_name(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "unix")


async def open_connection(remote: str | Remote, **kwargs: Any) -> Connection:
    """Connect to an active remote (`unix:PATH` or `tcp:IP:PORT`)."""
    parsed = parse_remote(remote) if isinstance(remote, str) else remote
    if parsed.passive:
        raise ValueError(f"{parsed}: cannot connect to a passive remote")
    if parsed.kind == "unix":
        assert parsed.path is not None
        reader, writer = await asyncio.open_unix_connection(parsed.path, limit=2**20)
    elif parsed.kind == "tcp":
        reader, writer = await asyncio.open_connection(parsed.host, parsed.port, limit=2**20)
    else:
        raise ValueError(f"{parsed}: ssl remotes are not supported yet")
    return Connection(reader, writer, name=str(parsed), **kwargs)
