"""OVSDB locks for the IDL: lock, steal, unlock, and knowing when we hold one.

Theory of operation: an IDL uses at most one lock (as OVS's IDL does).  The
server answers ``lock`` with ``{"locked": bool}`` and later sends ``locked``
when a queued request is granted, or ``stolen`` when another client took the
lock with ``steal``.  ``has_lock`` follows those answers; it turns False when
the connection drops, and the IDL asks for the lock again after reconnecting.
Listeners hear every change, so a daemon can stop writing as soon as it
loses the lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pyovn.ovsdb.client.errors import ClientError, ConnectionLost
from pyovn.ovsdb.client.rpc import Client


class LockMixin:
    """The lock half of ``Idl``; the IDL provides the connection."""

    _client: Client | None
    _synced: bool

    def _require_client(self) -> Client:
        raise NotImplementedError

    def _raise_fatal(self) -> None:
        raise NotImplementedError

    def _init_locks(self) -> None:
        self.lock_name: str | None = None
        self.has_lock = False
        self._lock_listeners: list[Callable[[bool], None]] = []
        self._lock_changed = asyncio.Event()

    async def lock(self, name: str, *, wait: bool = True, timeout: float | None = None) -> bool:
        """Request lock ``name``; with ``wait`` return only once it is held."""
        if self.lock_name not in (None, name):
            raise ClientError(f"already using lock {self.lock_name}; unlock it first")
        self.lock_name = name
        client = self._client
        if client is not None and self._synced:
            reply = await client.call("lock", [name])
            if isinstance(reply, dict) and reply.get("locked") is True:
                self._set_has_lock(True)
        if wait:
            await self.wait_for_lock(True, timeout)
        return self.has_lock

    async def steal(self, name: str) -> None:
        """Take lock ``name`` from whoever holds it (they get "stolen")."""
        if self.lock_name not in (None, name):
            raise ClientError(f"already using lock {self.lock_name}; unlock it first")
        client = self._require_client()
        if self.lock_name == name:
            # the server wants a pending request withdrawn before a steal
            await client.call("unlock", [name])
        self.lock_name = name
        reply = await client.call("steal", [name])
        if not (isinstance(reply, dict) and reply.get("locked") is True):
            raise ConnectionLost(f"malformed steal reply {reply!r}")
        self._set_has_lock(True)

    async def unlock(self) -> None:
        name, self.lock_name = self.lock_name, None
        self._set_has_lock(False)
        client = self._client
        if name is not None and client is not None and not client.closed:
            await client.call("unlock", [name])

    def add_lock_listener(self, callback: Callable[[bool], None]) -> None:
        """``callback(has_lock)`` on every gain or loss of the lock."""
        self._lock_listeners.append(callback)

    async def wait_for_lock(self, held: bool = True, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            while self.has_lock != held:
                self._raise_fatal()
                await self._lock_changed.wait()

    def _set_has_lock(self, held: bool) -> None:
        if held == self.has_lock:
            return
        self.has_lock = held
        self._lock_changed.set()
        self._lock_changed = asyncio.Event()
        for callback in list(self._lock_listeners):
            callback(held)
