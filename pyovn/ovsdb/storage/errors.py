"""Errors raised by OVSDB storage.

Each carries the file it concerns and, where one applies, the byte offset,
so the one line a command prints says where to look.  ``str(err)`` is that
line, worded like OVS's messages where OVS has one.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every storage failure; ``path`` names the database file."""

    def __init__(self, path: str, message: str, offset: int | None = None) -> None:
        super().__init__(path, message, offset)
        self.path = path
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class StorageIOError(StorageError):
    """The operating system refused a read, write, fsync, rename or lock."""


class StorageFormatError(StorageError):
    """The file is not an OVSDB standalone database, or its schema record is bad.

    Corruption after the schema record is not an error: the tail is dropped
    with a warning instead (see ``pyovn.ovsdb.storage``).
    """


class StorageLockedError(StorageIOError):
    """Another process (or this one) already has the database open for writing."""
