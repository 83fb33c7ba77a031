"""Fast splitting of a JSON-RPC byte stream into messages, for the server.

Theory of operation: OVSDB peers send JSON objects back to back. The
splitter finds where each top-level object ends with one regular
expression that consumes a whole string literal (escapes included) or one
bracket per match, so the Python loop runs once per bracket or string, not
per byte, and it never copies the buffer while scanning: complete messages
are sliced out once, the unfinished tail is kept for the next chunk. Each
message is then parsed by orjson. Limits: nesting depth (checked while
scanning, before any parse) and the size of an unfinished message.
Anything that is not a stream of JSON objects raises `ProtocolError`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from pyovn.ovsdb.jsonrpc import ProtocolError

# A complete string literal, a bracket, or an unterminated string (wait).
_TOKEN = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")|([{}\[\]])|(")', re.DOTALL)
_NON_SPACE = re.compile(rb"[^ \t\r\n]")
_BOUNDARY = re.compile(rb"\}[ \t\r\n]*\{")
_OPEN = frozenset(b"{[")


class MessageSplitter:
    """Incremental splitter: `feed(bytes)` returns the complete messages, parsed."""

    def __init__(self, max_message_bytes: int, max_depth: int) -> None:
        self.max_message_bytes = max_message_bytes
        self.max_depth = max_depth
        self._buf = b""
        self._pos = 0  # where scanning resumes, relative to _buf
        self._depth = 0

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Any]:
        whole = self._buf + data if self._buf else data
        if self._depth == 0 and self._pos == 0 and whole[:1] == b"{":
            messages, used = self._split_at_boundaries(whole)
            if used == len(whole):
                self._buf = b""
                return messages
            if messages:
                self._buf = b""
                return messages + self._scan(whole[used:])
        self._buf = b""
        return self._scan(whole)

    def _split_at_boundaries(self, buf: bytes) -> tuple[list[Any], int]:
        """Fast path: cut where one object ends and the next begins ("}{").

        JSON objects are prefix-free, so a piece that parses is exactly one
        message; a "}{" inside a string fails to parse and the careful scan
        takes over from there.
        """
        messages: list[Any] = []
        start = 0
        ends = [m.start() + 1 for m in _BOUNDARY.finditer(buf)]
        if buf[-1:] == b"}":
            ends.append(len(buf))
        for end in ends:
            if end <= start:
                continue
            piece = buf[start:end]
            try:
                message = orjson.loads(piece)
            except orjson.JSONDecodeError:
                break
            if len(piece) >= 2 * self.max_depth:
                _depth_ok(piece, self.max_depth)
            messages.append(message)
            following = _NON_SPACE.search(buf, end)
            start = len(buf) if following is None else following.start()
        return messages, start

    def _scan(self, buf: bytes) -> list[Any]:
        """The careful scan: one regex match per bracket or string literal."""
        pos = self._pos
        depth = self._depth
        start = 0
        end = len(buf)
        messages: list[Any] = []
        token = _TOKEN.search
        while True:
            if depth == 0:
                m = _NON_SPACE.search(buf, pos)
                if m is None:
                    start = pos = end
                    break
                start = pos = m.start()
                if buf[start] != 0x7B:  # "{"
                    raise ProtocolError(
                        f"message is not a JSON object (starts with {buf[start:start + 20]!r})"
                    )
            m = token(buf, pos)
            if m is None:
                pos = end
                break
            if m.lastindex == 3:  # string not finished yet
                pos = m.start()
                break
            pos = m.end()
            if m.lastindex == 1:
                continue
            if buf[m.start()] in _OPEN:
                depth += 1
                if depth > self.max_depth:
                    raise ProtocolError(f"JSON nesting deeper than {self.max_depth}")
            else:
                depth -= 1
                if depth == 0:
                    messages.append(_decode(buf[start:pos]))
                    start = pos
        self._buf = buf[start:]
        self._pos = pos - start
        self._depth = depth
        if len(self._buf) > self.max_message_bytes:
            raise ProtocolError(f"message exceeds {self.max_message_bytes} bytes")
        return messages


def _depth_ok(data: bytes, max_depth: int) -> bool:
    """Whether a parsed message is within the nesting limit (rarely needed)."""
    depth = 0
    for m in _TOKEN.finditer(data):
        if m.lastindex == 2:
            if data[m.start()] in _OPEN:
                depth += 1
                if depth > max_depth:
                    raise ProtocolError(f"JSON nesting deeper than {max_depth}")
            else:
                depth -= 1
    return True


def _decode(text: bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"invalid JSON: {exc}") from None
