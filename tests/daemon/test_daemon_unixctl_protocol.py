"""unixctl JSON-RPC framing, requests and replies."""

from __future__ import annotations

import json

import pytest

from pyovn.daemon.unixctl_protocol import (
    JsonSplitter,
    ProtocolError,
    Request,
    encode_reply,
    parse_request,
)


def test_splitter_handles_chunks_and_back_to_back_objects() -> None:
    wire = b'{"id":0,"method":"a","params":["}{\\"",""]} \n{"id":1,"method":"b","params":[]}'
    splitter = JsonSplitter()
    got = []
    for i in range(len(wire)):
        got.extend(splitter.feed(wire[i : i + 1]))
    assert got == [
        {"id": 0, "method": "a", "params": ['}{"', ""]},
        {"id": 1, "method": "b", "params": []},
    ]


def test_splitter_many_in_one_chunk_with_nesting() -> None:
    objs = [{"id": i, "x": [{"y": [i]}], "s": "\\"} for i in range(3)]
    wire = "".join(json.dumps(o) for o in objs).encode()
    assert JsonSplitter().feed(wire) == objs


@pytest.mark.parametrize("wire", [b"42", b'"x"', b"}", b'{"a": nope}'])
def test_splitter_rejects_garbage(wire: bytes) -> None:
    with pytest.raises(ProtocolError):
        JsonSplitter().feed(wire)


def test_splitter_limits_size() -> None:
    with pytest.raises(ProtocolError, match="exceeds"):
        JsonSplitter().feed(b'{"a":"' + b"x" * (2 << 20))


def test_parse_request() -> None:
    assert parse_request({"id": 7, "method": "version", "params": []}) == Request(7, "version", ())
    with pytest.raises(ProtocolError):
        parse_request({"id": 7, "result": "x"})
    with pytest.raises(ProtocolError):
        parse_request({"id": 7, "method": "x", "params": "notalist"})


def test_replies_end_non_empty_text_with_newline() -> None:
    assert json.loads(encode_reply(3, "abc", None)) == {"id": 3, "result": "abc\n", "error": None}
    assert json.loads(encode_reply(3, "", None)) == {"id": 3, "result": "", "error": None}
    assert json.loads(encode_reply(3, "a\n", None))["result"] == "a\n"
    assert json.loads(encode_reply(4, None, "bad")) == {"id": 4, "result": None, "error": "bad\n"}


def test_splitter_chunk_boundary_inside_escape() -> None:
    wire = b'{"id":1,"method":"m","params":["a\\\\","\\"}"]}'
    for cut in range(1, len(wire)):
        splitter = JsonSplitter()
        got = splitter.feed(wire[:cut]) + splitter.feed(wire[cut:])
        assert got == [{"id": 1, "method": "m", "params": ["a\\", '"}']}], cut
