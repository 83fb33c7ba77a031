"""The client's connection layer against scripted fake servers: probes, garbage, echo."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from pyovn.ovsdb.client import Client, ClientError, ConnectionLost, Idl, ServerError

T = TypeVar("T")
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def run(coro: Coroutine[Any, Any, T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, 20)
    return asyncio.run(bounded())


@pytest.fixture(autouse=True)
def sockdir() -> Iterator[Path]:
    """A short directory for the fake server's socket (unix paths have a length limit)."""
    global _SOCKDIR
    _SOCKDIR = Path(tempfile.mkdtemp(prefix="pyovn-rpc-", dir="/tmp"))
    try:
        yield _SOCKDIR
    finally:
        shutil.rmtree(_SOCKDIR, ignore_errors=True)


_SOCKDIR = Path("/nonexistent")


async def serve(handler: Handler) -> tuple[asyncio.AbstractServer, str]:
    path = _SOCKDIR / "s.sock"
    server = await asyncio.start_unix_server(handler, str(path))
    return server, f"unix:{path}"


async def read_message(reader: asyncio.StreamReader) -> Any:
    buf = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return None
        buf += chunk
        try:
            return json.loads(buf)
        except ValueError:
            continue


def send(writer: asyncio.StreamWriter, msg: Any) -> None:
    writer.write(json.dumps(msg).encode())


def test_inactivity_probe_declares_a_silent_server_dead() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # swallow the probe, never answer

    async def body() -> None:
        server, remote = await serve(silent)
        lost: list[BaseException | None] = []
        client = await Client.connect(remote, probe_interval=0.1, on_close=lost.append)
        with pytest.raises(ConnectionLost, match="inactivity probe"):
            await client.call("list_dbs", [])
        assert client.closed and len(lost) == 1
        server.close()
    run(body())


def test_probe_answered_keeps_connection_and_server_echo_is_answered() -> None:
    async def echoing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        send(writer, {"method": "echo", "params": ["ping"], "id": "srv"})
        assert await read_message(reader) == {"result": ["ping"], "error": None, "id": "srv"}
        while (msg := await read_message(reader)) is not None:
            send(writer, {"result": msg["params"], "error": None, "id": msg["id"]})

    async def body() -> None:
        server, remote = await serve(echoing)
        client = await Client.connect(remote, probe_interval=0.05)
        await asyncio.sleep(0.3)  # several probe intervals of silence
        assert not client.closed
        assert await client.echo("x") == ["x"]
        await client.close()
        server.close()
    run(body())


@pytest.mark.parametrize("garbage", [b"[1, 2]", b"{\"id\": 1, \"result\": }", b"{\"x\": 1}"])
def test_malformed_server_input_is_connection_lost(garbage: bytes) -> None:
    async def bad(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_message(reader)
        writer.write(garbage)
        await reader.read()

    async def body() -> None:
        server, remote = await serve(bad)
        client = await Client.connect(remote)
        with pytest.raises(ConnectionLost):
            await client.list_dbs()
        assert client.closed
        server.close()
    run(body())


def test_error_reply_is_raised() -> None:
    async def erring(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        msg = await read_message(reader)
        send(writer, {"result": None, "error": "unknown method", "id": msg["id"]})
        await reader.read()

    async def body() -> None:
        server, remote = await serve(erring)
        client = await Client.connect(remote)
        with pytest.raises(ServerError) as info:
            await client.call("frob", [])
        assert info.value.tag == "unknown method"
        await client.close()
        server.close()
    run(body())


SCHEMA = {"name": "D", "tables": {"T": {"columns": {"name": {"type": "string"}}}}}
ROW = "11111111-1111-1111-1111-111111111111"


def fake_ovsdb(sessions: list[list[Any]], fallback_to_monitor_cond: bool) -> Handler:
    """A server that answers the IDL's handshake, then sends a scripted update."""
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen: list[Any] = []
        sessions.append(seen)
        while (msg := await read_message(reader)) is not None:
            method, params, id_ = msg.get("method"), msg.get("params"), msg.get("id")
            seen.append([method, params])
            if method == "list_dbs":
                result: Any = ["D"]
            elif method == "get_schema":
                result = SCHEMA
            elif method == "monitor_cond_since" and fallback_to_monitor_cond:
                send(writer, {"result": None, "error": "unknown method", "id": id_})
                continue
            elif method == "monitor_cond":
                result = {"T": {ROW: {"initial": {"name": "a"}}}}
            elif method == "transact":
                writer.close()  # the server goes away before answering
                return
            else:
                result = {}
            send(writer, {"result": result, "error": None, "id": id_})
            if method == "monitor_cond" and len(sessions) == 1:
                await writer.drain()
                # a modify of a row the client never saw: malformed
                send(writer, {"method": "update2", "id": None, "params": [
                    params[1], {"T": {"22222222-2222-2222-2222-222222222222":
                                      {"modify": {"name": "x"}}}}]})
    return handler


def test_idl_falls_back_and_reconnects_after_a_malformed_update() -> None:
    async def body() -> None:
        sessions: list[list[Any]] = []
        server, remote = await serve(fake_ovsdb(sessions, fallback_to_monitor_cond=True))
        idl = Idl(remote, "D", min_backoff=0.01)
        await idl.wait_ready(timeout=5)
        await idl.wait_for(lambda: len(sessions) >= 2 and idl.connected, timeout=5)
        assert idl.monitor_method == "monitor_cond"
        assert [m for m, _ in sessions[0]] == [
            "list_dbs", "get_schema", "monitor_cond_since", "monitor_cond"]
        # the second connection skips the method the server lacks
        assert [m for m, _ in sessions[1]][:3] == ["list_dbs", "get_schema", "monitor_cond"]
        assert [row.name for row in idl.table("T")] == ["a"]
        await idl.close()
        server.close()
    run(body())


def test_idl_rejects_remotes_it_cannot_use() -> None:
    for remote in ("ssl:127.0.0.1:6641", "punix:/tmp/x", "", "bogus:thing"):
        with pytest.raises(ValueError):
            Idl(remote, "D")


def test_waiters_learn_that_the_idl_closed() -> None:
    async def body() -> None:
        sessions: list[list[Any]] = []
        server, remote = await serve(fake_ovsdb(sessions, fallback_to_monitor_cond=True))
        idl = Idl(remote, "D", min_backoff=0.01)
        await idl.wait_ready(timeout=5)
        waiter = asyncio.ensure_future(idl.wait_for(lambda: False))
        await asyncio.sleep(0)
        await idl.close()
        with pytest.raises(ClientError, match="closed"):
            await waiter
        server.close()
    run(body())


def test_commit_interrupted_by_a_lost_connection_raises_connection_lost() -> None:
    async def body() -> None:
        sessions: list[list[Any]] = []
        server, remote = await serve(fake_ovsdb(sessions, fallback_to_monitor_cond=True))
        async with Idl(remote, "D", min_backoff=0.01) as idl:
            await idl.wait_for(lambda: len(sessions) >= 2 and idl.connected, timeout=5)
            txn = idl.transaction()
            txn.insert("T", name="b")
            with pytest.raises(ConnectionLost):
                await txn.commit()
            # and the IDL reconnects by itself
            await idl.wait_for(lambda: len(sessions) >= 3 and idl.connected, timeout=5)
        server.close()
    run(body())
