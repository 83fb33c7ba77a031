"""OVSDB locks (RFC 7047 section 4.1.8-4.1.10), as a pure lock table.

Theory of operation: each lock name has a queue of waiting sessions; the
session at the head owns the lock. `lock` joins the queue (owning at once if
it is empty), `steal` puts the caller at the head (the previous owner loses
the lock and is told "stolen"; as in ovsdb-server it stays in line and gets
the lock back, "locked", when the thief lets go), and
`unlock` leaves the queue (the next waiter becomes owner and is told
"locked"). Methods return the notifications to send as `LockEvent`s; the
server shell sends them. Sessions are opaque hashable keys.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LockEvent:
    """A notification owed to a session: method is "locked" or "stolen"."""

    session: Hashable
    method: str
    lock: str


class LockError(Exception):
    """A lock request that ovsdb-server would reject, with its details text."""


class LockTable:
    """All locks of one server: name -> queue of sessions, head owns."""

    def __init__(self) -> None:
        self._queues: dict[str, list[Hashable]] = {}

    def owner(self, name: str) -> Hashable | None:
        queue = self._queues.get(name)
        return queue[0] if queue else None

    def owns(self, session: Hashable, name: str) -> bool:
        return self.owner(name) == session

    def waiting(self, session: Hashable, name: str) -> bool:
        return session in self._queues.get(name, ())

    def lock(self, session: Hashable, name: str) -> bool:
        """Join the queue for `name`; True when the session now owns it."""
        if self.waiting(session, name):
            raise LockError(f'"lock" of lock {name} that is already held or requested')
        queue = self._queues.setdefault(name, [])
        queue.append(session)
        return queue[0] == session

    def steal(self, session: Hashable, name: str) -> list[LockEvent]:
        """Take `name` at once; the previous owner (if another) hears "stolen"."""
        if self.owns(session, name):
            return []
        queue = self._queues.setdefault(name, [])
        if session in queue:
            queue.remove(session)
        events = [LockEvent(queue[0], "stolen", name)] if queue else []
        queue.insert(0, session)
        return events

    def unlock(self, session: Hashable, name: str) -> list[LockEvent]:
        """Leave the queue for `name`; a new owner hears "locked"."""
        queue = self._queues.get(name)
        if not queue or session not in queue:
            raise LockError('"unlock" without "lock" or "steal"')
        was_owner = queue[0] == session
        queue.remove(session)
        if not queue:
            del self._queues[name]
            return []
        if was_owner:
            return [LockEvent(queue[0], "locked", name)]
        return []

    def release_all(self, session: Hashable) -> list[LockEvent]:
        """Forget a closing session everywhere; new owners hear "locked"."""
        events: list[LockEvent] = []
        for name in [n for n, q in self._queues.items() if session in q]:
            events.extend(self.unlock(session, name))
        return events

    def held_by(self, session: Hashable) -> list[str]:
        return [name for name, queue in self._queues.items() if queue[0] == session]
