"""One request budget for the whole process, shared by every stream and worker thread.

The limiter paces request *starts* to a sliding window (never more than ``max_requests`` starts in
any ``window_seconds``), and on top of that obeys what the server says: ``X-RateLimit-Remaining: 0``
pauses everyone until ``X-RateLimit-Reset``, a 429 with ``Retry-After`` pauses everyone for exactly
that long, and a bare 429 pauses for a window and lowers the pace.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

LOGGER = logging.getLogger("tap_smartlead.rate_limit")

# Starts are spaced a little wider than the window: the server measures arrival, not start, and
# two requests' network delays differ by a few milliseconds.
DEFAULT_SAFETY_SECONDS = 0.05
# Windows without a bare 429 after which a lowered pace is raised by one request.
RECOVERY_WINDOWS = 5


@dataclass(frozen=True)
class ServerVerdict:
    """What one response said about the rate limit."""

    status_code: int
    limit: int | None = None
    remaining: int | None = None
    reset_epoch: float | None = None
    retry_after: float | None = None


def parse_verdict(
    status_code: int,
    headers: Mapping[str, str],
    body: object | None = None,
) -> ServerVerdict:
    """Read the rate-limit headers (and a 429's ``retry_after`` body field) of a response."""

    def number(name: str) -> float | None:
        raw = headers.get(name)
        if raw is None:
            return None
        try:
            return float(str(raw).strip())
        except ValueError:
            return None

    retry_after = number("Retry-After")
    if retry_after is None and status_code == 429 and isinstance(body, dict):
        error = body.get("error")
        candidate = error.get("retry_after") if isinstance(error, dict) else body.get("retry_after")
        if isinstance(candidate, (int, float)) and not isinstance(candidate, bool):
            retry_after = float(candidate)
    limit = number("X-RateLimit-Limit")
    remaining = number("X-RateLimit-Remaining")
    return ServerVerdict(
        status_code=status_code,
        limit=int(limit) if limit is not None else None,
        remaining=int(remaining) if remaining is not None else None,
        reset_epoch=number("X-RateLimit-Reset"),
        retry_after=max(0.0, retry_after) if retry_after is not None else None,
    )


class RateLimiter:
    """A thread-safe sliding-window limiter on request starts, adaptive to the server's word."""

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        *,
        safety_seconds: float = DEFAULT_SAFETY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.configured_requests = max_requests
        self.max_requests = max_requests
        self.window_seconds = float(window_seconds)
        self.safety_seconds = safety_seconds
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._state_lock = threading.Lock()
        # Waiters take turns, so a burst of threads cannot all see the same free slot.
        self._turn = threading.Lock()
        self._announced_server_limit: int | None = None
        # When the pace was last lowered: a burst of 429s within one window is one signal, and
        # a stretch of clean windows earns the configured pace back, one request at a time.
        self._lowered_at: float | None = None
        self.total_wait_seconds = 0.0
        self.starts = 0

    def acquire(self) -> float:
        """Block until one more request may start; record the start. Returns the time waited."""
        waited = 0.0
        with self._turn:
            while True:
                with self._state_lock:
                    delay = self._delay_locked(self._clock())
                    if delay <= 0:
                        self._starts.append(self._clock())
                        self.starts += 1
                        self.total_wait_seconds += waited
                        return waited
                self._sleep(delay)
                waited += delay

    def _delay_locked(self, now: float) -> float:
        self._recover_locked(now)
        horizon = now - self.window_seconds - self.safety_seconds
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
        delay = self._paused_until - now
        if len(self._starts) >= self.max_requests:
            # The oldest start that must leave the window before one more fits.
            blocker = self._starts[len(self._starts) - self.max_requests]
            delay = max(delay, blocker + self.window_seconds + self.safety_seconds - now)
        return delay

    def pause_for(self, seconds: float) -> None:
        """Hold every request start for ``seconds`` from now (never shortens a longer pause)."""
        with self._state_lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def observe(self, verdict: ServerVerdict) -> None:
        """Adapt to what the server said in one response."""
        if verdict.limit is not None and verdict.limit != self._announced_server_limit:
            self._announced_server_limit = verdict.limit
            LOGGER.info(
                "Server reports a rate limit of %d requests (X-RateLimit-Limit); pacing to its "
                "X-RateLimit-Remaining/Reset on top of the configured %d per %gs.",
                verdict.limit,
                self.configured_requests,
                self.window_seconds,
            )
        if verdict.status_code == 429:
            if verdict.retry_after is not None:
                LOGGER.warning(
                    "Rate limited (429); the server asks to retry after %gs. Waiting exactly that.",
                    verdict.retry_after,
                )
                self.pause_for(verdict.retry_after)
            else:
                self._slow_down()
            return
        if verdict.remaining is not None and verdict.remaining <= 0 and verdict.reset_epoch:
            wait = verdict.reset_epoch - self._wall_clock()
            if wait > 0:
                LOGGER.info(
                    "Server budget exhausted (X-RateLimit-Remaining: 0); waiting %.2fs for reset.",
                    wait,
                )
                self.pause_for(wait)

    def _recover_locked(self, now: float) -> None:
        if self._lowered_at is None:
            return
        clean_windows = (now - self._lowered_at) / (self.window_seconds * RECOVERY_WINDOWS)
        if clean_windows >= 1:
            self.max_requests = min(self.configured_requests, self.max_requests + 1)
            self._lowered_at = None if self.max_requests == self.configured_requests else now

    def _slow_down(self) -> None:
        with self._state_lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + self.window_seconds)
            if self._lowered_at is not None and now - self._lowered_at < self.window_seconds:
                return  # the same burst of 429s: already slowed down for it
            self.max_requests = max(1, math.floor(self.max_requests * 0.75))
            self._lowered_at = now
            pace = self.max_requests
        LOGGER.warning(
            "Rate limited (429) without Retry-After: the server's limit is stricter than the "
            "configured %d per %gs; detected limit now paced at %d per %gs.",
            self.configured_requests,
            self.window_seconds,
            pace,
            self.window_seconds,
        )
