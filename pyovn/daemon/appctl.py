"""A unixctl client: what ``ovs-appctl -t TARGET COMMAND ARGS`` does, in Python.

TARGET is a socket path when it starts with ``/``, otherwise a program name
whose pidfile ``$OVS_RUNDIR/TARGET.pid`` gives the pid of the socket
``$OVS_RUNDIR/TARGET.<pid>.ctl``, exactly as ovs-appctl finds daemons.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping, Sequence

from pyovn.daemon.errors import DaemonError, UnixctlError
from pyovn.daemon.paths import abs_file_name, rundir
from pyovn.daemon.pidfile import read_pid
from pyovn.daemon.unixctl import open_unix_connection
from pyovn.daemon.unixctl_protocol import JsonSplitter, encode_request

_ids = itertools.count()


def resolve_target(target: str, env: Mapping[str, str] | None = None) -> str:
    """The control socket path for ``target`` (a path or a program name)."""
    if target.startswith("/"):
        return target
    run = rundir(env)
    pidfile = abs_file_name(run, f"{target}.pid")
    pid = read_pid(pidfile)
    if pid is None:
        raise DaemonError(f"cannot read pidfile {pidfile}")
    return abs_file_name(run, f"{target}.{pid}.ctl")


async def call(
    target: str,
    command: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> str:
    """Run one command; returns the reply text, raises UnixctlError on an
    error reply and DaemonError when the daemon cannot be reached."""
    path = resolve_target(target, env)
    try:
        reader, writer = await open_unix_connection(path)
    except OSError as e:
        raise DaemonError(f"cannot connect to {path} ({e.strerror})") from e
    try:
        request_id = next(_ids)
        writer.write(encode_request(request_id, command, list(args)))
        splitter = JsonSplitter()
        while True:
            data = await reader.read(65536)
            if not data:
                raise DaemonError(f"{path}: connection closed before the reply")
            for reply in splitter.feed(data):
                if isinstance(reply, dict) and reply.get("id") == request_id:
                    if reply.get("error") is not None:
                        raise UnixctlError(str(reply["error"]))
                    return str(reply.get("result") or "")
    finally:
        writer.close()


def call_sync(
    target: str, command: str, args: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> str:
    """``call`` for code without an event loop."""
    return asyncio.run(call(target, command, args, env))
