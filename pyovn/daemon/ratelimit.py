"""Rate-limited logging for hot paths, like OVS's ``VLOG_RATE_LIMIT_INIT``.

Theory of operation: a token bucket refills at ``rate_per_minute`` messages
per minute up to ``burst`` messages; a message is written only if it can
take a token. Dropped messages are counted, and the next message that gets
through is preceded by one line saying how many were dropped and when, as
OVS writes it. ``RateLimit`` is the clock-free core (time comes in);
``RateLimiter`` adds the clock and the logger call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class RateLimit:
    """Token bucket plus drop accounting; all times in seconds."""

    rate_per_minute: float
    burst: int
    tokens: float = -1.0
    last_fill: float | None = None
    n_dropped: int = 0
    first_dropped: float = 0.0
    last_dropped: float = 0.0

    def allow(self, now: float) -> bool:
        """Take a token if there is one; count a drop otherwise."""
        if self.last_fill is None:
            self.tokens = float(self.burst)
        else:
            refill = (now - self.last_fill) * self.rate_per_minute / 60.0
            self.tokens = min(float(self.burst), self.tokens + refill)
        self.last_fill = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        if self.n_dropped == 0:
            self.first_dropped = now
        self.last_dropped = now
        self.n_dropped += 1
        return False

    def take_dropped_report(self, now: float) -> str | None:
        """The "Dropped N log messages..." line owed, once, or None."""
        if self.n_dropped == 0:
            return None
        text = (
            f"Dropped {self.n_dropped} log messages in last "
            f"{int(now - self.first_dropped)} seconds (most recently, "
            f"{int(now - self.last_dropped)} seconds ago) due to excessive rate"
        )
        self.n_dropped = 0
        return text


class _Switches:
    """``vlog/disable-rate-limit``: modules whose messages skip every limit."""

    def __init__(self) -> None:
        self.all_disabled = False
        self.disabled: set[str] = set()

    def set(self, modules: list[str], disabled: bool) -> None:
        if not modules:
            self.all_disabled = disabled
            self.disabled.clear()
            return
        for module in modules:
            if disabled:
                self.disabled.add(module)
            else:
                self.disabled.discard(module)

    def is_disabled(self, logger_name: str) -> bool:
        return self.all_disabled or logger_name.rsplit(".", 1)[-1] in self.disabled


SWITCHES = _Switches()


class RateLimiter:
    """Use one per call site: ``RL.log(log, logging.WARNING, "x=%s", x)``."""

    def __init__(
        self,
        rate_per_minute: float = 5,
        burst: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = RateLimit(rate_per_minute, burst)
        self._clock = clock

    def log(self, logger: logging.Logger, level: int, msg: str, *args: object) -> bool:
        """Log unless over the rate; returns whether the message was written."""
        if not logger.isEnabledFor(level):
            return False  # as in OVS, disabled messages use no tokens
        if SWITCHES.is_disabled(logger.name):
            logger.log(level, msg, *args, stacklevel=2)
            return True
        now = self._clock()
        if not self._limit.allow(now):
            return False
        report = self._limit.take_dropped_report(now)
        if report is not None:
            logger.log(level, "%s", report)
        logger.log(level, msg, *args, stacklevel=2)
        return True
