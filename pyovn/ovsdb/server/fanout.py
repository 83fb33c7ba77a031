"""Monitor fan-out: compose each update once, send the same bytes to many.

Theory of operation: monitors of one database are grouped by what they ask
for, `(MonitorRequest, version)`. For each commit the hub composes the
update body once per group with `compose(commit, request, version)`,
serialises it once, and writes that one bytes object to every session of
the group, framed by a small per-monitor head (the notification name and
the client's monitor id) and, for update3, the shared transaction id. With
a hundred controllers watching the same tables that is one composition
instead of a hundred (ovsdb-server 3.1 "Reducing redundant data").

A subscription made while commits were still waiting for the disk has
already seen them in its initial contents; `since_seq` makes the hub skip
those commits for it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

NOTIFICATION_BY_VERSION = {1: "update", 2: "update2", 3: "update3"}
_TAIL = b"]}"


class Sink(Protocol):
    closed: bool

    def writelines(self, parts: list[bytes]) -> None: ...


@dataclass(eq=False)
class Subscription:
    """One monitor of one session."""

    session: Sink
    monitor_id: Any
    request: Hashable
    version: int
    since_seq: int = 0
    until_seq: int | None = None  # set when a condition change replaces it
    head: bytes = field(init=False)

    def __post_init__(self) -> None:
        method = NOTIFICATION_BY_VERSION[self.version]
        self.head = b'{"id":null,"method":"%s","params":[%s,' % (
            method.encode(),
            orjson.dumps(self.monitor_id),
        )

    @property
    def key(self) -> tuple[Hashable, int]:
        return (self.request, self.version)


Composer = Callable[[Any, Hashable, int], Any]


class MonitorHub:
    """All monitors of one database, grouped by request."""

    def __init__(self, compose: Composer) -> None:
        self._compose = compose
        self._groups: dict[tuple[Hashable, int], list[Subscription]] = {}
        self.compositions = 0  # bodies composed so far (for tests and stats)

    def __len__(self) -> int:
        return sum(len(subs) for subs in self._groups.values())

    @property
    def n_groups(self) -> int:
        return len(self._groups)

    def add(self, sub: Subscription) -> None:
        self._groups.setdefault(sub.key, []).append(sub)

    def remove(self, sub: Subscription) -> None:
        subs = self._groups.get(sub.key)
        if subs is None:
            return
        try:
            subs.remove(sub)
        except ValueError:
            return
        if not subs:
            del self._groups[sub.key]

    def publish(self, commit: Any, seq: int, txn_id: str) -> None:
        """Send `commit` (number `seq`, id `txn_id`) to every monitor it touches."""
        txn_part = b'"%s",' % txn_id.encode()
        for (request, version), subs in list(self._groups.items()):
            targets = [
                s
                for s in subs
                if s.since_seq < seq
                and (s.until_seq is None or seq <= s.until_seq)
                and not s.session.closed
            ]
            if not targets:
                continue
            body = self._compose(commit, request, version)
            self.compositions += 1
            if body is None:
                continue
            data = orjson.dumps(body)
            for sub in targets:
                if version == 3:
                    sub.session.writelines([sub.head, txn_part, data, _TAIL])
                else:
                    sub.session.writelines([sub.head, data, _TAIL])
