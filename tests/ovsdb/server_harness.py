"""Helpers for server tests: a pyovn server in a thread, raw socket clients."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import orjson

from pyovn.jsonstream import MessageSplitter
from pyovn.ovsdb.server import OvsdbServer


class ServerThread:
    """Runs an OvsdbServer on its own event loop in a background thread."""

    def __init__(self, setup: Callable[[OvsdbServer], Coroutine[Any, Any, None]] | None = None,
                 **server_kwargs: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = OvsdbServer(**server_kwargs)
        self._setup = setup
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def run(self, fn: Callable[[], Any]) -> Any:
        async def wrapper() -> Any:
            return fn()

        return self.call(wrapper())

    def start(self, remotes: list[str]) -> None:
        async def go() -> None:
            if self._setup is not None:
                await self._setup(self.server)
            for remote in remotes:
                await self.server.add_remote(remote)

        self.call(go())

    def stop(self) -> None:
        try:
            self.call(self.server.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)


class RawClient:
    """A blocking JSON-RPC client on a unix socket, for exact wire checks."""

    def __init__(self, path: str | Path, timeout: float = 10.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.parser = MessageSplitter()
        self.pending: list[Any] = []
        self.closed = False

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, msg: dict[str, Any]) -> None:
        self.send_bytes(orjson.dumps(msg))

    def recv(self) -> Any:
        """The next message; None if the server closed the connection."""
        while not self.pending:
            try:
                data = self.sock.recv(1 << 20)
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
                return None
            self.pending.extend(self.parser.feed(data))
        return self.pending.pop(0)

    def request(self, method: str, params: list[Any], id: Any = 1) -> Any:
        self.send({"method": method, "params": params, "id": id})
        while True:
            msg = self.recv()
            if msg is None or msg.get("id") == id and "method" not in msg:
                return msg
            self.pending_notifications.append(msg)

    @property
    def pending_notifications(self) -> list[Any]:
        if not hasattr(self, "_notes"):
            self._notes: list[Any] = []
        return self._notes

    def wait_closed(self) -> bool:
        """True once the server closes the connection (other data is dropped)."""
        while True:
            if self.recv() is None:
                return True

    def close(self) -> None:
        self.sock.close()
