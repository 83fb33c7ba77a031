"""Rate limiting of hot-path log messages."""

from __future__ import annotations

import logging

import pytest

from pyovn.daemon.ratelimit import SWITCHES, RateLimit, RateLimiter


def test_burst_then_refill() -> None:
    limit = RateLimit(rate_per_minute=60, burst=3)
    assert [limit.allow(0.0) for _ in range(5)] == [True, True, True, False, False]
    assert limit.allow(0.5) is False  # half a token
    assert limit.allow(1.0) is True  # one token per second at 60/min
    assert limit.allow(100.0) and limit.allow(100.0) and limit.allow(100.0)
    assert not limit.allow(100.0)  # refill is capped at the burst


def test_dropped_report_once() -> None:
    limit = RateLimit(rate_per_minute=6, burst=1)  # a token every 10 s
    limit.allow(10.0)
    limit.allow(10.0)
    limit.allow(12.5)
    assert limit.take_dropped_report(20.0) == (
        "Dropped 2 log messages in last 10 seconds (most recently, 7 seconds ago) "
        "due to excessive rate"
    )
    assert limit.take_dropped_report(20.0) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_logs_report_before_next_message(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate_per_minute=60, burst=2, clock=clock)
    logger = logging.getLogger("pyovn.rltest")
    caplog.set_level(logging.INFO, logger="pyovn.rltest")
    written = [limiter.log(logger, logging.WARNING, "msg %d", i) for i in range(5)]
    assert written == [True, True, False, False, False]
    clock.now = 1.0
    assert limiter.log(logger, logging.WARNING, "msg %d", 5)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "msg 0",
        "msg 1",
        "Dropped 3 log messages in last 1 seconds (most recently, 1 seconds ago) "
        "due to excessive rate",
        "msg 5",
    ]


def test_disabled_level_uses_no_tokens(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=1, clock=FakeClock())
    logger = logging.getLogger("pyovn.rltest2")
    caplog.set_level(logging.INFO, logger="pyovn.rltest2")
    assert not limiter.log(logger, logging.DEBUG, "dbg")
    assert limiter.log(logger, logging.INFO, "info")


def test_disable_rate_limit_per_module_and_all(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=1, clock=FakeClock())
    logger = logging.getLogger("pyovn.sub.rltest3")
    caplog.set_level(logging.INFO, logger="pyovn.sub.rltest3")
    try:
        assert limiter.log(logger, logging.INFO, "1") and not limiter.log(logger, logging.INFO, "2")
        SWITCHES.set(["rltest3"], disabled=True)
        assert limiter.log(logger, logging.INFO, "3")
        SWITCHES.set(["rltest3"], disabled=False)
        assert not limiter.log(logger, logging.INFO, "4")
        SWITCHES.set([], disabled=True)
        assert limiter.log(logger, logging.INFO, "5")
    finally:
        SWITCHES.set([], disabled=False)
    assert not limiter.log(logger, logging.INFO, "6")
    assert [r.getMessage() for r in caplog.records] == ["1", "3", "5"]
