"""OVS-compatible pidfiles: created atomically and held by a POSIX lock.

Theory of operation: OVS and its tools decide whether a pidfile belongs to a
live daemon by its fcntl write lock, not by the pid inside: ``ovs-appctl -t
NAME`` reads ``NAME.pid`` and accepts it only if the process named in it
holds the lock. So we write ``PIDFILE.tmpPID``, lock it, then ``link`` it
into place (``rename`` with ``--overwrite-pidfile``) and keep the descriptor
open for the process's life. If the link finds a file already there, a lock
on it means a live daemon (refuse); no lock means a stale file (replace).
POSIX locks are per process and die with any close of the file by that
process, so nothing else in the daemon may open the pidfile.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os

from pyovn.daemon.errors import PidfileError


class Pidfile:
    """A pidfile this process created and holds locked."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def create(cls, path: str, overwrite: bool = False) -> Pidfile:
        """Create and lock ``path`` for this process; raises PidfileError."""
        pid = os.getpid()
        tmp = f"{path}.tmp{pid}"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise PidfileError(tmp, f"create failed ({e.strerror})") from e
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.write(fd, f"{pid}\n".encode())
            if overwrite:
                os.rename(tmp, path)
            else:
                _link_replacing_stale(tmp, path)
                os.unlink(tmp)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return cls(path, fd)

    def remove(self) -> None:
        """Delete the file if it is still ours, and release the lock."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            if os.path.samestat(os.stat(self.path), os.fstat(self._fd)):
                os.unlink(self.path)
        os.close(self._fd)
        self._fd = None


def _link_replacing_stale(tmp: str, path: str) -> None:
    for _ in range(3):
        try:
            os.link(tmp, path)
            return
        except FileExistsError:
            _remove_if_stale(path)
        except OSError as e:
            raise PidfileError(path, f"failed to link pidfile ({e.strerror})") from e
    raise PidfileError(path, "pidfile keeps reappearing")


def _remove_if_stale(path: str) -> None:
    """Unlink ``path`` unless a live process holds its lock (then raise)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError as e:
        raise PidfileError(path, f"open failed ({e.strerror})") from e
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise PidfileError(path, f"fcntl failed ({e.strerror})") from e
            pid = read_pid(path)
            raise PidfileError(path, f"already running as pid {pid}, aborting", pid) from None
        # Unlocked: its owner is gone. We hold the lock while unlinking so a
        # concurrent starter cannot judge the same file stale twice.
        os.unlink(path)
    finally:
        os.close(fd)


def read_pid(path: str) -> int | None:
    """The pid written in ``path``, or None if unreadable."""
    try:
        with open(path, encoding="ascii") as f:
            return int(f.readline().strip())
    except (OSError, ValueError):
        return None
