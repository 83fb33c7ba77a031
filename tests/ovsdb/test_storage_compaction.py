"""The compaction trigger: ovsdb-server's rule as a pure function."""

from __future__ import annotations

import pytest

from pyovn.ovsdb.storage.compaction import (
    MINUTE_MS,
    CompactionPolicy,
    CompactionWindow,
    LogGrowth,
    compaction_due,
    grew_lots,
    next_window,
)

MB = 1024 * 1024
DAY_MS = 24 * 60 * MINUTE_MS


def test_window_after_compaction() -> None:
    assert next_window(0, 0.0) == CompactionWindow(10 * MINUTE_MS, DAY_MS)
    assert next_window(1000, 0.5) == CompactionWindow(1000 + 15 * MINUTE_MS, 1000 + DAY_MS)
    # A failed compaction is retried ten times sooner.
    assert next_window(0, 0.5, retry=True) == CompactionWindow(int(1.5 * MINUTE_MS), DAY_MS)


@pytest.mark.parametrize(
    ("size", "base", "expected"),
    [
        (10 * MB, 1, False),  # not over 10 MB
        (10 * MB + 2, 1, True),
        (30 * MB, 15 * MB, False),  # exactly twice is not more than twice
        (30 * MB + 2, 15 * MB, True),
        (100 * MB, 60 * MB, False),
    ],
)
def test_grew_lots(size: int, base: int, expected: bool) -> None:
    assert grew_lots(LogGrowth(100, size, base)) is expected


WINDOW = CompactionWindow(10 * MINUTE_MS, DAY_MS)
BIG = LogGrowth(100, 40 * MB, 12 * MB)


def test_not_before_window() -> None:
    assert not compaction_due(BIG, WINDOW, 10 * MINUTE_MS - 1)
    assert compaction_due(BIG, WINDOW, 10 * MINUTE_MS)


def test_needs_100_records_inside_window() -> None:
    assert not compaction_due(LogGrowth(99, 40 * MB, 12 * MB), WINDOW, 20 * MINUTE_MS)


def test_needs_growth_inside_window() -> None:
    assert not compaction_due(LogGrowth(5000, 9 * MB, 1), WINDOW, 20 * MINUTE_MS)
    assert not compaction_due(LogGrowth(5000, 20 * MB, 12 * MB), WINDOW, 20 * MINUTE_MS)


def test_after_a_day_any_new_record_is_enough() -> None:
    assert compaction_due(LogGrowth(1, 100, 90), WINDOW, DAY_MS)
    assert not compaction_due(LogGrowth(0, 100, 90), WINDOW, DAY_MS)


def test_custom_policy() -> None:
    policy = CompactionPolicy(min_records=2, min_size=10, growth_factor=4)
    window = next_window(0, 0.0, policy=policy)
    growth = LogGrowth(2, 44, 10)
    assert compaction_due(growth, window, window.earliest_ms, policy)
    assert not compaction_due(LogGrowth(2, 40, 10), window, window.earliest_ms, policy)
