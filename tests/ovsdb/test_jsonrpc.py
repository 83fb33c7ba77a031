"""JSON-RPC framing golden cases and limits, remotes, and a real peer.

The splitter's chunking property test lives in test_server_framing.py.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from pyovn.jsonstream import MessageSplitter, ProtocolError
from pyovn.ovsdb import jsonrpc
from pyovn.ovsdb.jsonrpc import parse_remote


def test_back_to_back_objects_split_anywhere() -> None:
    stream = b'{"id":1,"method":"echo","params":["{[\\"]}"]} \n{"id":2,"result":[],"error":null}'
    for cut in range(len(stream) + 1):
        parser = MessageSplitter()
        got = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert [m["id"] for m in got] == [1, 2]
        assert got[0]["params"] == ['{["]}']
        assert parser.buffered == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b"42 ", "not a JSON object"),
        (b"}", "not a JSON object"),
        (b'{"a": [1}', "invalid JSON"),
        (b'{"a": "\xff\xfe"}', "invalid JSON"),
        (b'{"a": tru}', "invalid JSON"),
    ],
)
def test_garbage_is_a_protocol_error(data: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        MessageSplitter().feed(data)


@pytest.mark.parametrize("tail", [b"", b"\xc3\xa9"])  # ASCII and non-ASCII paths
def test_nesting_limit(tail: bytes) -> None:
    ok = b'{"a":' + b"[" * 48 + b"]" * 48 + b',"b":"' + tail + b'"}'
    assert MessageSplitter(max_depth=50).feed(ok) == [{"a": _nest(47), "b": tail.decode()}]
    deep = b'{"a":' + b"[" * 60 + b"]" * 60 + b',"b":"' + tail + b'"}'
    with pytest.raises(ProtocolError, match="nesting deeper than 50"):
        MessageSplitter(max_depth=50).feed(deep)


def _nest(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def test_size_limit_counts_an_unfinished_message() -> None:
    parser = MessageSplitter(max_message_bytes=1000)
    parser.feed(b'{"a": "' + b"x" * 900)
    with pytest.raises(ProtocolError, match="exceeds 1000 bytes"):
        parser.feed(b"x" * 200)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unix:/tmp/db.sock", jsonrpc.Remote("unix", False, path="/tmp/db.sock")),
        ("punix:/tmp/db.sock", jsonrpc.Remote("unix", True, path="/tmp/db.sock")),
        ("tcp:127.0.0.1:6641", jsonrpc.Remote("tcp", False, host="127.0.0.1", port=6641)),
        ("tcp:[::1]:6641", jsonrpc.Remote("tcp", False, host="::1", port=6641)),
        ("ptcp:0", jsonrpc.Remote("tcp", True, port=0)),
        ("ptcp:6641:127.0.0.1", jsonrpc.Remote("tcp", True, host="127.0.0.1", port=6641)),
        ("pssl:6641", jsonrpc.Remote("ssl", True, port=6641)),
    ],
)
def test_parse_remote(text: str, expected: jsonrpc.Remote) -> None:
    assert parse_remote(text) == expected
    assert str(parse_remote(text)) in (text, text.replace("[::1]", "::1"))


@pytest.mark.parametrize("text", ["unix", "tcp:1.2.3.4", "ptcp:port", "udp:1:2", "tcp:h:99999"])
def test_parse_remote_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="remote|port"):
        parse_remote(text)


@pytest.mark.integration
def test_talks_to_real_ovsdb_server(tmp_path: Path) -> None:
    db = tmp_path / "conf.db"
    sock = tmp_path / "db.sock"
    subprocess.run(
        ["ovsdb-tool", "create", str(db), "/usr/share/openvswitch/vswitch.ovsschema"], check=True
    )
    server = subprocess.Popen(
        ["ovsdb-server", f"--remote=punix:{sock}", "--no-chdir", f"--unixctl={tmp_path}/ctl",
         f"--pidfile={tmp_path}/pid", "-vconsole:off", str(db)]
    )
    try:
        asyncio.run(_exchange(str(sock)))
    finally:
        server.terminate()
        server.wait(10)


async def _exchange(sock: str) -> None:
    for _ in range(100):
        try:
            conn = await jsonrpc.open_connection(f"unix:{sock}")
            break
        except (FileNotFoundError, ConnectionRefusedError):
            await asyncio.sleep(0.05)
    conn.send(jsonrpc.request("list_dbs", [], 1))
    conn.send(jsonrpc.request("echo", ["x{"], "e"))
    first = await conn.recv()
    second = await conn.recv()
    assert first == {"id": 1, "result": ["Open_vSwitch", "_Server"], "error": None}
    assert second == {"id": "e", "result": ["x{"], "error": None}
    conn.close()
    await conn.wait_closed()
