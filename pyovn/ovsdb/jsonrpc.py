"""JSON-RPC 1.0 over a byte stream, as OVSDB speaks it (RFC 7047 section 4).

Theory of operation: OVSDB peers send JSON objects back to back with no
delimiter. `StreamParser` finds where each top-level object ends by scanning
only the structural bytes (brackets and quotes; a regular expression skips
everything else in C), then hands the complete text to orjson. It enforces a
size and a nesting limit so that hostile input costs bounded memory, and it
raises `ProtocolError` for anything that is not a stream of JSON objects; the
caller then closes that one connection. `Connection` is the thin asyncio shell:
receive messages, send messages or pre-encoded bytes, and watch how much is
queued for a peer that stops reading.

Remote strings follow OVS: active `unix:PATH`, `tcp:IP:PORT`, `ssl:IP:PORT`;
passive `punix:PATH`, `ptcp:PORT[:IP]`, `pssl:PORT[:IP]`.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from dataclasses import dataclass
from typing import Any

import orjson

DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_DEPTH = 1000  # OVS's JSON parser refuses deeper nesting too

_STRUCTURAL = re.compile(rb'["{}\[\]]')
_STRING_SPECIAL = re.compile(rb'["\\]')
_WHITESPACE = b" \t\r\n"


class ProtocolError(Exception):
    """The peer sent something that is not a valid JSON-RPC stream."""


class BacklogExceeded(ProtocolError):
    """The peer stopped reading and its queued output passed the limit."""


class StreamParser:
    """Splits a byte stream into JSON objects; `feed` returns the complete ones."""

    def __init__(
        self,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self.max_message_bytes = max_message_bytes
        self.max_depth = max_depth
        self._buf = bytearray()
        self._pos = 0  # next byte to scan
        self._open = bytearray()  # closing bracket expected at each level
        self._in_string = False

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Any]:
        self._buf += data
        messages: list[Any] = []
        while True:
            end = self._scan()
            if end is None:
                break
            text = bytes(self._buf[:end])
            del self._buf[:end]
            self._pos = 0
            messages.append(_decode(text))
        if len(self._buf) > self.max_message_bytes:
            raise ProtocolError(f"message exceeds {self.max_message_bytes} bytes")
        return messages

    def _scan(self) -> int | None:
        """Advance the scan; the end offset of a complete message, or None."""
        buf = self._buf
        pos = self._pos
        size = len(buf)
        while pos < size:
            if self._in_string:
                m = _STRING_SPECIAL.search(buf, pos)
                if m is None:
                    pos = size
                    break
                at = m.start()
                if buf[at] == 0x5C:  # backslash: skip the escaped byte
                    if at + 1 >= size:
                        pos = at
                        break
                    pos = at + 2
                    continue
                self._in_string = False
                pos = at + 1
                continue
            if not self._open:
                while pos < size and buf[pos] in _WHITESPACE:
                    pos += 1
                if pos:
                    del buf[:pos]
                    size -= pos
                    pos = 0
                if size == 0:
                    break
                if buf[0] != 0x7B:  # "{"
                    raise ProtocolError(
                        f"message is not a JSON object (starts with {bytes(buf[:20])!r})"
                    )
            m = _STRUCTURAL.search(buf, pos)
            if m is None:
                pos = size
                break
            at = m.start()
            char = buf[at]
            pos = at + 1
            if char == 0x22:  # quote
                self._in_string = True
            elif char in (0x7B, 0x5B):  # { [
                self._open.append(char + 2)  # "}" and "]" are 2 past "{" and "["
                if len(self._open) > self.max_depth:
                    raise ProtocolError(f"JSON nesting deeper than {self.max_depth}")
            else:
                if self._open.pop() != char:
                    raise ProtocolError(f"invalid JSON: mismatched {chr(char)!r}")
                if not self._open:
                    self._pos = 0
                    return pos
        self._pos = pos
        return None


def _decode(text: bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"invalid JSON: {exc}") from None


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
        parser: StreamParser | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.name = name or _peer_name(writer)
        self.max_backlog_bytes = max_backlog_bytes
        self.parser = parser or StreamParser()
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
