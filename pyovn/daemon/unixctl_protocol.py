"""OVS unixctl: JSON-RPC 1.0 requests and replies, framed without delimiters.

Theory of operation: ``ovs-appctl`` connects to the control socket and sends
``{"id": N, "method": CMD, "params": [ARG...]}``; the server answers
``{"id": N, "result": TEXT, "error": null}`` or ``{"id": N, "result": null,
"error": TEXT}``. JSON texts follow each other on the stream with no
separator; ``JsonSplitter`` is the project's one JSON stream splitter
(``pyovn.jsonstream``) with a unixctl-sized limit. OVS's server ends any non-empty reply text
with a newline (ovs-appctl prints it verbatim), and so does ``encode_reply``.
Pure: bytes in, values out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pyovn.jsonstream import MessageSplitter, ProtocolError

MAX_MESSAGE_BYTES = 1 << 20


class JsonSplitter(MessageSplitter):
    """The shared JSON stream splitter, with unixctl's 1 MiB message limit."""

    def __init__(self) -> None:
        super().__init__(max_message_bytes=MAX_MESSAGE_BYTES)


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
