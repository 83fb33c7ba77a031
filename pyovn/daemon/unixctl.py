"""The unixctl control socket: an asyncio server that ``ovs-appctl`` talks to.

Commands live in a ``CommandTable`` (name, usage, argument counts, handler);
the table checks argument counts with OVS's error texts before calling a
handler. A handler takes the argument list and returns the reply text (or an
awaitable of it) or raises ``UnixctlError``. ``UnixctlServer`` binds the
socket (through ``/proc/self/fd`` when the path is too long for
``sockaddr_un``, as OVS does), answers requests in order per connection and
removes the socket file when closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pyovn.daemon.errors import DaemonError, UnixctlError
from pyovn.daemon.unixctl_protocol import (
    JsonSplitter,
    ProtocolError,
    Request,
    encode_reply,
    parse_request,
)
from pyovn.daemon.vlog import get_logger

log = get_logger("unixctl")

Handler = Callable[[list[str]], "str | Awaitable[str]"]
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path is 108 bytes with the NUL


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    min_args: int
    max_args: int
    handler: Handler


class CommandTable:
    """Registered unixctl commands and the dispatch rules OVS applies."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}

    def register(
        self, name: str, handler: Handler, usage: str = "", min_args: int = 0, max_args: int = 0
    ) -> None:
        self.commands[name] = Command(name, usage, min_args, max_args, handler)

    def list_text(self) -> str:
        lines = ["The available commands are:\n"]
        for name in sorted(self.commands):
            lines.append(f"  {name:<23} {self.commands[name].usage}\n")
        return "".join(lines)

    async def dispatch(self, method: str, params: tuple[object, ...]) -> str:
        """Run a command; raises UnixctlError with OVS's message on misuse."""
        command = self.commands.get(method)
        if command is None:
            raise UnixctlError(
                f'"{method}" is not a valid command (use "list-commands" to see a '
                "list of valid commands)"
            )
        if len(params) < command.min_args:
            raise UnixctlError(f'"{method}" command requires at least {command.min_args} arguments')
        if len(params) > command.max_args:
            raise UnixctlError(f'"{method}" command takes at most {command.max_args} arguments')
        if not all(isinstance(p, str) for p in params):
            raise UnixctlError(f'"{method}" command has non-string argument')
        result = command.handler([str(p) for p in params])
        if inspect.isawaitable(result):
            result = await result
        return str(result)


def _via_proc(sock: socket.socket, path: str, operation: str) -> None:
    """bind/connect ``sock`` to ``path`` even when it is too long for
    sockaddr_un, by naming it through an open descriptor of its directory."""
    method = getattr(sock, operation)
    if len(os.fsencode(path)) <= _SUN_PATH_MAX:
        method(path)
        return
    directory, base = os.path.split(path)
    dirfd = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        method(f"/proc/self/fd/{dirfd}/{base}")
    finally:
        os.close(dirfd)


def bind_unix_socket(path: str) -> socket.socket:
    """A listening unix socket at ``path``, replacing a leftover file."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _via_proc(sock, path, "bind")
        sock.listen(64)
    except OSError as e:
        sock.close()
        raise DaemonError(f"could not initialize control socket {path} ({e.strerror})") from e
    return sock


async def open_unix_connection(
    path: str,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """asyncio.open_unix_connection that also copes with long paths."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _via_proc(sock, path, "connect")
    except OSError:
        sock.close()
        raise
    return await asyncio.open_unix_connection(sock=sock)


class UnixctlServer:
    """Serves a CommandTable on a unix socket."""

    def __init__(self, path: str, commands: CommandTable) -> None:
        self.path = path
        self.commands = commands
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        sock = bind_unix_socket(self.path)
        self._server = await asyncio.start_unix_server(self._on_connect, sock=sock)

    async def close(self) -> None:
        """Stop listening, let replies in flight finish, remove the socket."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._connections:
            await asyncio.wait(set(self._connections), timeout=1.0)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve_connection(reader, writer)
        except (ConnectionError, ProtocolError) as e:
            log.debug("unixctl connection closed: %s", e)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        splitter = JsonSplitter()
        while data := await reader.read(65536):
            for message in splitter.feed(data):
                request = parse_request(message)
                writer.write(await self._answer(request))
                await writer.drain()

    async def _answer(self, request: Request) -> bytes:
        log.debug("received request %s%s, id=%s", request.method, list(request.params), request.id)
        try:
            text = await self.commands.dispatch(request.method, request.params)
        except UnixctlError as e:
            return encode_reply(request.id, None, str(e))
        except Exception as e:  # a broken handler must not kill the daemon
            log.exception("unixctl command %s failed", request.method)
            return encode_reply(request.id, None, f"{request.method}: internal error: {e}")
        return encode_reply(request.id, text, None)
