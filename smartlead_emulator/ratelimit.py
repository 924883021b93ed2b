"""Rate-limit policies: a sliding window on arrival time, per api key.

Each key keeps a deque of the arrival times of its *accepted* requests inside the window
(rejected requests do not count, as documented). A request arriving at t is accepted when fewer
than `limit` accepted requests arrived in (t - window, t]. Because a window's count can only
grow at an arrival, the deque length right after an accept is the maximum over every window
ending then, which is how `max_in_window` is tracked exactly.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

# name -> (requests, window seconds, sends X-RateLimit-* headers)
POLICIES: dict[str, tuple[int, float, bool]] = {
    "seed": (10, 2.0, False),  # the seed: 10 requests every 2 seconds, bare 429
    "header": (60, 60.0, True),  # newer reference: 60/min with headers and Retry-After
    # what the live API was observed to do: ~200 per minute per account, bare 429 (notes)
    "live": (200, 60.0, False),
    "none": (10, 2.0, False),  # no limiting; the numbers only scope `max_in_window`
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    headers: dict[str, str]
    retry_after: int = 0


class RateLimiter:
    def __init__(self, policy: str, requests: int | None = None,
                 window: float | None = None) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown rate-limit policy {policy!r}")
        default_requests, default_window, headers = POLICIES[policy]
        self.policy = policy
        self.limit = int(requests if requests is not None else default_requests)
        self.window = float(window if window is not None else default_window)
        if self.limit < 1 or self.window <= 0:
            raise ValueError("rate limit needs requests >= 1 and window > 0")
        self.send_headers = headers
        self._lock = threading.Lock()
        self._accepted: dict[str, deque[float]] = {}
        self.max_in_window = 0

    def reset_stats(self) -> None:
        with self._lock:
            self.max_in_window = 0

    def fill(self, key: str) -> None:
        """Count `limit` requests of `key` as accepted now (another integration's burst)."""
        with self._lock:
            now = time.monotonic()
            window = self._accepted.setdefault(key, deque())
            window.extend([now] * max(0, self.limit - len(window)))

    def check(self, key: str) -> Decision:
        # monotonic for the window arithmetic (immune to wall-clock jumps); wall time only to
        # express X-RateLimit-Reset as a Unix timestamp.
        with self._lock:
            now = time.monotonic()
            wall = time.time()
            window = self._accepted.setdefault(key, deque())
            while window and window[0] <= now - self.window:
                window.popleft()
            if self.policy != "none" and len(window) >= self.limit:
                wait = window[0] + self.window - now
                retry = max(1, math.ceil(wait))
                headers = self._headers(0, wall + wait) if self.send_headers else {}
                if self.send_headers:
                    headers["Retry-After"] = str(retry)
                return Decision(False, headers, retry)
            window.append(now)
            self.max_in_window = max(self.max_in_window, len(window))
            if not self.send_headers:
                return Decision(True, {})
            reset_at = wall + (window[0] + self.window - now)
            return Decision(True, self._headers(self.limit - len(window), reset_at))

    def _headers(self, remaining: int, reset_at: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset": str(math.ceil(reset_at)),
        }
