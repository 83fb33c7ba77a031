"""``--detach``: fork, and let the parent exit only once the child serves.

Theory of operation: the parent forks and blocks reading a pipe. The child
starts a new session (``setsid``) and later reports through
``StartupNotifier``: ``ready()`` moves to ``/`` unless ``--no-chdir`` (only
then, as OVS's daemonize_complete does, so relative paths given on the
command line work during start-up), points stdout/stderr at /dev/null (so
whoever captured the parent's output sees EOF and nothing else) and writes
``R``; ``failed(message)`` writes ``E`` and the message. The
parent exits 0 on ``R``, or prints the message (or how the child died) on
stderr and exits 1. The fork must happen before any event loop or thread
exists, which ``run_daemon`` guarantees.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

_READY = b"R"
_FAILED = b"E"


class StartupNotifier:
    """The child's side of the start-up handshake (no-op in the foreground)."""

    def __init__(self, fd: int | None, chdir_root: bool = False) -> None:
        self._fd = fd
        self._chdir_root = chdir_root

    @property
    def detached(self) -> bool:
        return self._fd is not None

    def ready(self) -> None:
        if self._fd is None:
            return
        if self._chdir_root:
            os.chdir("/")
        _redirect_stdio_to_devnull()
        os.write(self._fd, _READY)
        os.close(self._fd)
        self._fd = None

    def failed(self, message: str) -> None:
        if self._fd is None:
            return
        os.write(self._fd, _FAILED + message.encode(errors="replace"))
        os.close(self._fd)
        self._fd = None


def foreground() -> StartupNotifier:
    return StartupNotifier(None)


def detach(program: str, no_chdir: bool) -> StartupNotifier:
    """Fork; returns in the child only (the parent exits in here)."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid > 0:
        os.close(write_fd)
        _parent_wait(program, pid, read_fd)
    os.close(read_fd)
    os.set_inheritable(write_fd, False)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.close(devnull)
    return StartupNotifier(write_fd, chdir_root=not no_chdir)


def _parent_wait(program: str, pid: int, read_fd: int) -> NoReturn:
    chunks = []
    while chunk := os.read(read_fd, 4096):
        chunks.append(chunk)
        if chunks[0][:1] == _READY:
            os._exit(0)
    data = b"".join(chunks)
    if data[:1] == _FAILED:
        message = data[1:].decode(errors="replace")
    else:
        message = f"{program}: fork child died before signaling startup ({_child_status(pid)})"
    os.write(2, (message.rstrip("\n") + "\n").encode())
    os._exit(1)


def _child_status(pid: int) -> str:
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _redirect_stdio_to_devnull() -> None:
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
