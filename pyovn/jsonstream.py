"""Splitting a JSON-RPC byte stream into messages: one splitter for every peer.

OVSDB (server and client) and unixctl all read JSON objects sent back to back;
this is the single place that finds where each one ends.

Theory of operation: OVSDB peers send JSON objects back to back, and almost
all traffic is ASCII. For ASCII data the splitter lets orjson find the
boundaries: it parses the buffer from the start of the next message; a
complete message parses outright, "unexpected content after document" gives
the exact end of the first message (its position is a byte offset for
ASCII), and "unexpected end of data" means the message is still arriving.
Any other error is invalid JSON and ends the connection, at once, as in
ovsdb-server. So every message costs one or two C-speed parses and no
Python loop over its bytes.

Non-ASCII data, and messages still unfinished after `SCAN_AFTER` bytes
(where re-parsing on each chunk would grow quadratic), go through the
careful scan: one regular-expression match per bracket or string literal,
tracking nesting, with state kept across chunks. Limits: nesting depth and
the size of an unfinished message. (At the default depth limit, OVS's 1000,
orjson's own limit of 1024 stands in for it on the fast path; a lower
configured limit is checked on every large message.) `ProtocolError` for
anything that is not a stream of JSON objects.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

# A complete string literal, a bracket, or an unterminated string (wait).
_TOKEN = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")|([{}\[\]])|(")', re.DOTALL)
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*(")?', re.DOTALL)
_NON_SPACE = re.compile(rb"[^ \t\r\n]")
_OPEN = frozenset(b"{[")
SCAN_AFTER = 1 << 20
DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_DEPTH = 1000  # OVS's JSON parser refuses deeper nesting too


class ProtocolError(Exception):
    """The peer sent something that is not a stream of JSON-RPC objects."""


class MessageSplitter:
    """Incremental splitter: `feed(bytes)` returns the complete messages, parsed."""

    def __init__(
        self,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self.max_message_bytes = max_message_bytes
        self.max_depth = max_depth
        self._buf = b""
        self._pos = 0  # careful scan: where it resumes, relative to _buf
        self._depth = 0  # careful scan: nesting at _pos
        self._in_string = False  # careful scan: _pos is inside a string literal

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Any]:
        continuing = bool(self._buf)
        whole = self._buf + data if continuing else data
        self._buf = b""
        if self._depth or not whole.isascii():
            return self._scan(whole)
        if continuing and data.rstrip(b" \t\r\n")[-1:] != b"}":
            # The unfinished message cannot have ended in this chunk unless
            # it ends with "}" (or the chunk holds a later, unfinished one,
            # which a following chunk completes): parsing again now would
            # only re-read the same bytes.
            if len(whole) > SCAN_AFTER:
                return self._scan(whole)
            self._buf = whole
            self._check_size()
            return []
        return self._parse_ascii(whole)

    def _parse_ascii(self, buf: bytes) -> list[Any]:
        if b"}{" not in buf:
            return self._parse_ascii_from(buf, 0, [])
        # Messages sent back to back, as every OVSDB client does: cut at each
        # "}{" and parse the pieces. In valid JSON "}{" occurs only between
        # top-level objects or inside a string, and a cut inside a string
        # leaves a first piece with an unterminated string, which fails to
        # parse: so a piece that parses is exactly one message. At the first
        # piece that does not (a cut in a string, messages separated by
        # white space, the unfinished last one) the exact parse takes over.
        messages: list[Any] = []
        pieces = buf.split(b"}{")
        last = len(pieces) - 1
        pos = 0
        for i, piece in enumerate(pieces):
            text = piece if i == 0 else b"{" + piece
            if i < last:
                text += b"}"
            try:
                messages.append(self._checked(text))
            except orjson.JSONDecodeError:
                return self._parse_ascii_from(buf, pos, messages)
            pos += len(text)
        return messages

    def _parse_ascii_from(self, buf: bytes, pos: int, messages: list[Any]) -> list[Any]:
        """Parse messages from `pos`, letting orjson's errors find the ends."""
        view = memoryview(buf)
        while True:
            m = _NON_SPACE.search(buf, pos)
            if m is None:
                return messages
            pos = m.start()
            if buf[pos] != 0x7B:  # "{"
                raise ProtocolError(
                    f"message is not a JSON object (starts with {buf[pos:pos + 20]!r})"
                )
            try:
                messages.append(self._checked(view[pos:] if pos else buf))
                return messages
            except orjson.JSONDecodeError as exc:
                if exc.msg.startswith("unexpected content after document"):
                    end = pos + exc.pos
                    messages.append(self._checked(view[pos:end]))
                    pos = end
                    continue
                if not exc.msg.startswith("unexpected end of data"):
                    raise ProtocolError(f"invalid JSON: {exc}") from None
            rest = buf[pos:]
            if len(rest) > SCAN_AFTER:
                return messages + self._scan(rest)
            self._buf = rest
            self._check_size()
            return messages

    def _checked(self, piece: bytes | memoryview) -> Any:
        message = orjson.loads(piece)
        if self.max_depth < DEFAULT_MAX_DEPTH and len(piece) > 2 * self.max_depth:
            _check_depth(piece, self.max_depth)
        return message

    def _scan(self, buf: bytes) -> list[Any]:
        """The careful scan: one regex match per bracket or string literal."""
        pos = self._pos
        depth = self._depth
        start = 0
        end = len(buf)
        messages: list[Any] = []
        token = _TOKEN.search
        in_string = self._in_string
        while True:
            if in_string:
                m = _STRING_REST.match(buf, pos)
                assert m is not None  # the pattern matches the empty string
                pos = m.end()
                if m.group(1) is None:
                    break  # the string goes on in the next chunk
                in_string = False
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
            if m.lastindex == 3:  # a string that does not end in this chunk
                pos = m.end()
                in_string = True
                continue
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
        self._pos = pos - start if depth else 0
        self._depth = depth
        self._in_string = in_string
        self._check_size()
        return messages

    def _check_size(self) -> None:
        if len(self._buf) > self.max_message_bytes:
            raise ProtocolError(f"message exceeds {self.max_message_bytes} bytes")


def _check_depth(data: bytes | memoryview, max_depth: int) -> None:
    depth = 0
    for m in _TOKEN.finditer(data):
        if m.lastindex == 2:
            if data[m.start()] in _OPEN:
                depth += 1
                if depth > max_depth:
                    raise ProtocolError(f"JSON nesting deeper than {max_depth}")
            else:
                depth -= 1


def _decode(text: bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"invalid JSON: {exc}") from None
