"""Transactions blocked on a "wait" operation (RFC 7047 section 5.2.6).

A transaction whose "wait" is not yet satisfied stays here and is executed
again after every commit to its database, and once more at its deadline,
when the engine then answers "timed out". A "cancel" notification from the
client drops it without a reply, as ovsdb-server 3.1 does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyovn.ovsdb.server.served_db import ServedDatabase
    from pyovn.ovsdb.server.session import Session


@dataclass(eq=False)
class Trigger:
    """One transact request that may have to wait."""

    session: Session
    id: Any
    sdb: ServedDatabase
    ops: list[Any]
    started: float  # when the request arrived: "wait" timeouts count from here
    deadline: float | None = None
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    def cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
