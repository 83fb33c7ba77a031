"""Server sessions without databases: dispatch, echo, locks, bad input, backlog."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_harness import RawClient, ServerThread


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    st = ServerThread(max_backlog=256 * 1024, max_depth=100)
    path = tmp_path / "db.sock"
    st.start([f"punix:{path}"])
    yield st, path
    st.stop()


def test_echo_list_dbs_and_unknown_method(served: tuple[ServerThread, Path]) -> None:
    _, path = served
    c = RawClient(path)
    assert c.request("echo", [1, "x", {"a": [2]}]) == {
        "id": 1, "result": [1, "x", {"a": [2]}], "error": None,
    }
    assert c.request("list_dbs", [], id="q") == {"id": "q", "result": [], "error": None}
    assert c.request("frobnicate", [], id=7) == {"id": 7, "error": "unknown method"}
    reply = c.request("get_schema", ["nope"], id=8)
    assert reply["error"]["error"] == "unknown database"
    assert reply["error"]["syntax"] == '["nope"]'
    reply = c.request("transact", [], id=9)
    assert reply["error"]["details"] == "transact request params must begin with <db-name>"


def test_lock_steal_unlock_notifications(served: tuple[ServerThread, Path]) -> None:
    _, path = served
    a, b = RawClient(path), RawClient(path)
    assert a.request("lock", ["x"])["result"] == {"locked": True}
    assert b.request("lock", ["x"])["result"] == {"locked": False}
    again = a.request("lock", ["x"])
    assert again["error"]["details"] == 'must issue "unlock" before new "lock"'
    assert a.request("steal", ["1bad"])["error"]["details"] == "steal request params must be <id>"
    c = RawClient(path)
    assert c.request("steal", ["x"])["result"] == {"locked": True}
    assert a.recv() == {"id": None, "method": "stolen", "params": ["x"]}
    assert c.request("unlock", ["x"])["result"] == {}
    # The robbed owner is still first in line and gets the lock back.
    assert a.recv() == {"id": None, "method": "locked", "params": ["x"]}
    a.close()
    assert b.recv() == {"id": None, "method": "locked", "params": ["x"]}
    bad = c.request("unlock", ["x"])
    assert bad["error"]["details"] == 'unlock: "unlock" without "lock" or "steal"'


@pytest.mark.parametrize(
    "data",
    [
        b"{bad json}",
        b"[1,2]",
        b'"str"',
        b"[" * 500,
        b'{"method":"list_dbs","id":1}',
        b'{"params":[],"id":1}',
        b'{"method":"list_dbs","params":{},"id":1}',
        b'{"method":1,"params":[],"id":1}',
        b'{"result":[],"error":null,"id":1}',
        b'{"method":"echo","params":[],"id":1,"extra":2}',
        b'{"method":"echo","params":["\xff\xfe"],"id":1}',
    ],
)
def test_bad_input_closes_only_that_connection(
    served: tuple[ServerThread, Path], data: bytes
) -> None:
    _, path = served
    other = RawClient(path)
    bad = RawClient(path)
    bad.send_bytes(data)
    assert bad.wait_closed()
    assert other.request("echo", ["still here"])["result"] == ["still here"]
    assert RawClient(path).request("list_dbs", [])["result"] == []


def test_half_message_then_disconnect(served: tuple[ServerThread, Path]) -> None:
    _, path = served
    for _ in range(20):
        c = RawClient(path)
        c.send_bytes(b'{"method":"echo","params":[1,2')
        c.close()
    c = RawClient(path)
    c.send_bytes(b'{"method":"echo",')
    time.sleep(0.05)
    c.send_bytes(b'"params":["split"],"id":3}')
    assert c.recv()["result"] == ["split"]


def test_notification_gets_no_reply_and_missing_id_is_a_notification(
    served: tuple[ServerThread, Path],
) -> None:
    _, path = served
    c = RawClient(path)
    c.send_bytes(b'{"method":"echo","params":[1]}{"method":"echo","params":[2],"id":null}')
    assert c.request("echo", [3], id=3)["result"] == [3]


def test_huge_message_is_refused(tmp_path: Path) -> None:
    st = ServerThread(max_message_bytes=64 * 1024)
    path = tmp_path / "s.sock"
    st.start([f"punix:{path}"])
    try:
        c = RawClient(path)
        # An unfinished message past the limit: the server stops buffering.
        c.send_bytes(b'{"method":"echo","params":["' + b"x" * 200_000)
        assert c.wait_closed()
        assert RawClient(path).request("echo", [])["result"] == []
    finally:
        st.stop()


def test_client_that_stops_reading_is_dropped(served: tuple[ServerThread, Path]) -> None:
    st, path = served
    slow = socket.socket(socket.AF_UNIX)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(str(path))
    payload = b'{"method":"echo","params":["' + b"y" * 60_000 + b'"],"id":1}'
    # Keep asking for big echoes without reading any reply.
    slow.settimeout(0.2)
    sent = 0
    try:
        for _ in range(200):
            slow.sendall(payload)
            sent += 1
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass
    deadline = time.time() + 10
    while time.time() < deadline and st.run(lambda: len(st.server.sessions)) > 0:
        time.sleep(0.05)
    assert st.run(lambda: len(st.server.sessions)) == 0
    assert RawClient(path).request("echo", ["ok"])["result"] == ["ok"]


def test_tcp_remote_and_remote_management(tmp_path: Path) -> None:
    st = ServerThread()
    st.start(["ptcp:0:127.0.0.1"])
    try:
        port = st.run(lambda: st.server.bound_ports("ptcp:0:127.0.0.1"))[0]
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b'{"method":"echo","params":["t"],"id":1}')
        assert b'"result":["t"]' in s.recv(1000)
        extra = f"punix:{tmp_path / 'x.sock'}"
        st.call(st.server.add_remote(extra))
        assert st.run(st.server.list_remotes) == sorted(["ptcp:0:127.0.0.1", extra])
        st.call(st.server.remove_remote(extra))
        assert not (tmp_path / "x.sock").exists()
    finally:
        st.stop()


def test_tcp_inactivity_probe(tmp_path: Path) -> None:
    st = ServerThread(probe_interval=0.2)
    st.start(["ptcp:0:127.0.0.1"])
    try:
        port = st.run(lambda: st.server.bound_ports("ptcp:0:127.0.0.1"))[0]
        silent = socket.create_connection(("127.0.0.1", port), timeout=5)
        polite = socket.create_connection(("127.0.0.1", port), timeout=5)
        probe = polite.recv(1000)
        assert probe == b'{"id":"echo","method":"echo","params":[]}'
        polite.sendall(b'{"id":"echo","result":[],"error":null}')
        assert silent.recv(1000) == probe
        # No answer: dropped after one more interval.
        assert silent.recv(1000) == b""
        polite.sendall(b'{"method":"echo","params":["alive"],"id":1}')
        data = b""
        while b"alive" not in data:
            data += polite.recv(1000)
    finally:
        st.stop()
