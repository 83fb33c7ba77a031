"""Exceptions raised by pyovn.daemon; each carries a one-line message."""

from __future__ import annotations


class DaemonError(Exception):
    """A daemon cannot start or keep running; str() is the one-line reason."""


class PidfileError(DaemonError):
    """The pidfile cannot be created, or another live process holds it."""

    def __init__(self, path: str, message: str, pid: int | None = None) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.pid = pid


class VlogSpecError(DaemonError):
    """A ``-v``/``vlog/set`` specification is not valid."""

    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(reason)
        self.spec = spec
        self.reason = reason


class UnixctlError(Exception):
    """Raised by a unixctl command handler: ``ovs-appctl`` prints it, exits 2."""
