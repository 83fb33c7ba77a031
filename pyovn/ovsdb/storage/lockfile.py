"""OVS-compatible lock files: ``.NAME.~lock~`` beside the database.

OVS's ovsdb-server and ovsdb-tool take a POSIX (fcntl) write lock on
``DIR/.NAME.~lock~`` before writing ``DIR/NAME`` (after following symlinks).
Taking the same lock means a pyovn server and a real ovsdb-server, or
``ovsdb-tool transact``, can never write one file at the same time.

POSIX locks belong to a process, so a second lock of the same file from this
process would succeed silently; a per-process registry catches that case.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading

from pyovn.ovsdb.storage.errors import StorageLockedError

_held: set[str] = set()
_held_guard = threading.Lock()


def lock_file_name(path: str) -> str:
    """The lock file OVS uses for database ``path``."""
    target = os.path.realpath(path)
    directory, base = os.path.split(target)
    return os.path.join(directory, f".{base}.~lock~")


class LockFile:
    """A held lock; ``release()`` (or closing the process) lets it go."""

    def __init__(self, name: str, fd: int) -> None:
        self.name = name
        self._fd: int | None = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with _held_guard:
            _held.discard(self.name)
        # Closing the descriptor drops the fcntl lock; the file stays, as OVS's.
        os.close(fd)


def acquire(path: str) -> LockFile:
    """Lock database ``path`` for writing or raise StorageLockedError."""
    name = lock_file_name(path)
    with _held_guard:
        if name in _held:
            # OVS reports the same case as EDEADLK.
            raise StorageLockedError(
                path, f"failed to lock lockfile ({os.strerror(errno.EDEADLK)})"
            )
        _held.add(name)
    try:
        fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as err:
        _forget(name)
        raise StorageLockedError(path, f"failed to lock lockfile ({err.strerror})") from err
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        os.close(fd)
        _forget(name)
        busy = err.errno in (errno.EACCES, errno.EAGAIN)
        reason = os.strerror(errno.EAGAIN) if busy else err.strerror
        raise StorageLockedError(path, f"failed to lock lockfile ({reason})") from err
    return LockFile(name, fd)


def _forget(name: str) -> None:
    with _held_guard:
        _held.discard(name)
