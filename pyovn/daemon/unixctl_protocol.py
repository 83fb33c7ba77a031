"""OVS unixctl: JSON-RPC 1.0 requests and replies, framed without delimiters.

Theory of operation: ``ovs-appctl`` connects to the control socket and sends
``{"id": N, "method": CMD, "params": [ARG...]}``; the server answers
``{"id": N, "result": TEXT, "error": null}`` or ``{"id": N, "result": null,
"error": TEXT}``. JSON texts follow each other on the stream with no
separator, so ``JsonSplitter`` finds where each top-level object ends by
tracking nesting outside strings. OVS's server ends any non-empty reply text
with a newline (ovs-appctl prints it verbatim), and so does ``encode_reply``.
Pure: bytes in, values out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BYTES = 1 << 20
# What the scanner looks for: between values, the next non-space byte; inside
# a value, brackets and quotes; inside a string, its end (escapes skipped).
_TOP_LEVEL = re.compile(rb"\S")
_IN_VALUE = re.compile(rb'[{}\[\]"]')
_IN_STRING = re.compile(rb'\\.|"', re.DOTALL)


class ProtocolError(Exception):
    """The peer sent something that is not a unixctl request."""


class JsonSplitter:
    """Accumulates bytes and returns complete top-level JSON objects."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0  # scan position inside _buf
        self._depth = 0
        self._in_string = False

    def feed(self, data: bytes) -> list[Any]:
        self._buf += data
        if len(self._buf) > MAX_MESSAGE_BYTES:
            raise ProtocolError("message too long")
        out: list[Any] = []
        while True:
            end = self._scan()
            if end is None:
                break
            text = bytes(self._buf[:end])
            del self._buf[:end]
            self._pos = 0
            try:
                out.append(json.loads(text))
            except ValueError as e:
                raise ProtocolError(f"invalid JSON: {e}") from e
        return out

    def _scan(self) -> int | None:
        """Index just past the next complete value, or None if incomplete."""
        buf = self._buf
        while True:
            if self._in_string:
                pattern = _IN_STRING
            else:
                pattern = _IN_VALUE if self._depth else _TOP_LEVEL
            match = pattern.search(buf, self._pos)
            if match is None:
                # Inside a string, stay put: the buffer may end in the middle
                # of an escape, and match ends are always escape boundaries.
                if not self._in_string:
                    self._pos = len(buf)
                return None
            ch = buf[match.start()]
            self._pos = match.end()
            if self._in_string:
                self._in_string = ch != 0x22  # a quote ends it; escapes do not
            elif self._depth == 0 and ch not in b"{[":
                raise ProtocolError("expected a JSON object")
            elif ch == 0x22:
                self._in_string = True
            elif ch in b"{[":
                self._depth += 1
            else:  # } or ]
                self._depth -= 1
                if self._depth == 0:
                    return self._pos


@dataclass(frozen=True)
class Request:
    """One unixctl request."""

    id: Any
    method: str
    params: tuple[Any, ...]


def parse_request(message: Any) -> Request:
    if not isinstance(message, dict) or "method" not in message:
        raise ProtocolError("received JSON-RPC message that is not a request")
    method = message["method"]
    params = message.get("params", [])
    if not isinstance(method, str) or not isinstance(params, list):
        raise ProtocolError("request has bad method or params")
    return Request(message.get("id"), method, tuple(params))


def _with_newline(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def encode_reply(request_id: Any, result: str | None, error: str | None) -> bytes:
    """A reply: ``error`` None means success with ``result`` as the body."""
    if error is None:
        body = {"id": request_id, "result": _with_newline(result or ""), "error": None}
    else:
        body = {"id": request_id, "result": None, "error": _with_newline(error)}
    return json.dumps(body, separators=(",", ":")).encode()


def encode_request(request_id: int, method: str, params: list[str]) -> bytes:
    """A request, for our own client (tests and ``pyovn`` tools)."""
    return json.dumps({"id": request_id, "method": method, "params": params}).encode()
