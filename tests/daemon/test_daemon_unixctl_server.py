"""The unixctl command table and asyncio server, with an in-process client."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from pyovn.daemon.errors import UnixctlError
from pyovn.daemon.unixctl import CommandTable, UnixctlServer, open_unix_connection
from pyovn.daemon.unixctl_protocol import JsonSplitter, encode_request


def table() -> CommandTable:
    t = CommandTable()
    t.register("echo", lambda args: " ".join(args), "[ARG...]", 0, 3)
    t.register("two", lambda args: "ok", "A B", 2, 2)

    def fail(args: list[str]) -> str:
        raise UnixctlError("it failed")

    async def slow(args: list[str]) -> str:
        await asyncio.sleep(0)
        return "async ok"

    t.register("fail", fail)
    t.register("async", slow)
    t.register("crash", lambda args: str(1 // 0))
    return t


async def dispatch(method: str, *params: object) -> str:
    return await table().dispatch(method, params)


def test_dispatch_ok_and_async() -> None:
    assert asyncio.run(dispatch("echo", "a", "b")) == "a b"
    assert asyncio.run(dispatch("async")) == "async ok"


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("nope", (), '"nope" is not a valid command (use "list-commands" to see a list of '
                     "valid commands)"),
        ("two", ("a",), '"two" command requires at least 2 arguments'),
        ("echo", ("1", "2", "3", "4"), '"echo" command takes at most 3 arguments'),
        ("echo", (1,), '"echo" command has non-string argument'),
        ("fail", (), "it failed"),
    ],
)
def test_dispatch_errors(method: str, params: tuple[object, ...], message: str) -> None:
    with pytest.raises(UnixctlError) as info:
        asyncio.run(dispatch(method, *params))
    assert str(info.value) == message


def test_list_text() -> None:
    assert table().list_text() == (
        "The available commands are:\n"
        "  async                   \n"
        "  crash                   \n"
        "  echo                    [ARG...]\n"
        "  fail                    \n"
        "  two                     A B\n"
    )


async def call(path: str, requests: list[tuple[str, list[str]]]) -> list[dict[str, object]]:
    reader, writer = await open_unix_connection(path)
    for i, (method, params) in enumerate(requests):
        writer.write(encode_request(i, method, params))
    await writer.drain()
    splitter = JsonSplitter()
    replies: list[dict[str, object]] = []
    while len(replies) < len(requests):
        replies.extend(splitter.feed(await reader.read(4096)))
    writer.close()
    return replies


def test_server_answers_in_order_and_cleans_up(tmp_path: Path) -> None:
    # deeper than sockaddr_un allows: bound through /proc/self/fd like OVS
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    path = str(deep / "x.ctl")
    assert len(path) > 108

    async def scenario() -> list[dict[str, object]]:
        server = UnixctlServer(path, table())
        await server.start()
        try:
            return await call(path, [("echo", ["hi"]), ("fail", []), ("crash", []), ("two", [])])
        finally:
            await server.close()

    replies = asyncio.run(scenario())
    assert replies[0] == {"id": 0, "result": "hi\n", "error": None}
    assert replies[1] == {"id": 1, "result": None, "error": "it failed\n"}
    assert replies[2]["result"] is None
    assert "crash: internal error" in str(replies[2]["error"])
    assert replies[3]["error"] == '"two" command requires at least 2 arguments\n'
    assert not os.path.exists(path)


def test_server_closes_connection_on_garbage(tmp_path: Path) -> None:
    path = str(tmp_path / "g.ctl")

    async def scenario() -> bytes:
        server = UnixctlServer(path, table())
        await server.start()
        try:
            reader, writer = await open_unix_connection(path)
            writer.write(b"[1, 2]")
            data = await reader.read()
            writer.close()
            # the server keeps serving others
            assert (await call(path, [("echo", ["x"])]))[0]["result"] == "x\n"
            return data
        finally:
            await server.close()

    assert asyncio.run(scenario()) == b""


def test_server_replaces_leftover_socket_file(tmp_path: Path) -> None:
    path = tmp_path / "old.ctl"
    path.write_text("leftover")

    async def scenario() -> str:
        server = UnixctlServer(str(path), table())
        await server.start()
        try:
            reply = await call(str(path), [("echo", [])])
            return json.dumps(reply)
        finally:
            await server.close()

    assert '"result": ""' in asyncio.run(scenario())


def test_standalone_daemon_runs_builtin_and_registered_commands() -> None:
    from pyovn.daemon import Daemon

    async def scenario() -> list[str]:
        d = Daemon.standalone("ovn-northd")
        d.register_command("northd/echo", lambda args: ",".join(args), "A...", 1, 5)
        d.add_memory_reporter(lambda: {"lflows": 3})
        out = [
            await d.run_command("version"),
            await d.run_command("northd/echo", "a", "b"),
            await d.run_command("memory/show"),
            await d.run_command("exit"),
        ]
        assert d.exiting
        with pytest.raises(UnixctlError, match="requires at least 1 arguments"):
            await d.run_command("northd/echo")
        return out

    assert asyncio.run(scenario()) == ["ovn-northd (pyovn) 0.1.0", "a,b", "lflows:3", ""]
