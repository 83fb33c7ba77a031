"""When to compact a database log: a pure decision, as ovsdb-server makes it.

Theory of operation
-------------------
ovsdb-server(1) 3.1 compacts a database "when a transaction is logged if it
is over 2 times as large as its previous compacted size (and at least 10
MB), but not before 100 commits have been added or 10 minutes have elapsed
since the last compaction", and in any case once a day.  Its storage layer
implements that with a window per compaction: the earliest next compaction
is 10 to 20 minutes (random, so a fleet of servers does not compact in step)
after the last one, the latest is 24 hours after it.  Inside the window the
log must have grown (>= 100 records and more than twice the size it had
right after the last compaction, and over 10 MB); past the window's end any
new record is enough.  After a failed compaction the window shrinks tenfold
so it is retried soon.

Everything here takes the time (milliseconds, any monotonic origin) and the
random jitter as arguments, so the rule is tested without a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTE_MS = 60 * 1000


@dataclass(frozen=True)
class CompactionPolicy:
    """The thresholds; the defaults are ovsdb-server's."""

    min_records: int = 100
    min_size: int = 10 * 1024 * 1024
    growth_factor: int = 2
    min_delay_ms: int = 10 * MINUTE_MS
    jitter_ms: int = 10 * MINUTE_MS
    max_delay_ms: int = 24 * 60 * MINUTE_MS
    retry_divisor: int = 10


OVSDB_SERVER_POLICY = CompactionPolicy()


@dataclass(frozen=True)
class CompactionWindow:
    """Earliest and latest time of the next compaction (milliseconds)."""

    earliest_ms: int
    latest_ms: int


@dataclass(frozen=True)
class LogGrowth:
    """What the decision needs to know about the log."""

    records_since_compaction: int  # records appended (or replayed) since the base
    size: int  # current file size in bytes
    base_size: int  # file size right after the last compaction (or open)


def next_window(
    now_ms: int,
    jitter: float,
    *,
    retry: bool = False,
    policy: CompactionPolicy = OVSDB_SERVER_POLICY,
) -> CompactionWindow:
    """The window after a compaction at ``now_ms``; ``jitter`` is uniform in [0, 1)."""
    base = policy.min_delay_ms
    spread = policy.jitter_ms
    if retry:
        base //= policy.retry_divisor
        spread //= policy.retry_divisor
    return CompactionWindow(now_ms + base + int(spread * jitter), now_ms + policy.max_delay_ms)


def grew_lots(growth: LogGrowth, policy: CompactionPolicy = OVSDB_SERVER_POLICY) -> bool:
    """True when the file is large and several times its post-compaction size."""
    return (
        growth.size > policy.min_size
        and growth.size // policy.growth_factor > growth.base_size
    )


def compaction_due(
    growth: LogGrowth,
    window: CompactionWindow,
    now_ms: int,
    policy: CompactionPolicy = OVSDB_SERVER_POLICY,
) -> bool:
    """Whether to compact now."""
    if now_ms < window.earliest_ms:
        return False
    if now_ms < window.latest_ms:
        return growth.records_since_compaction >= policy.min_records and grew_lots(growth, policy)
    return growth.records_since_compaction > 0
