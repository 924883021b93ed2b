"""Per-route request budgets under the one account budget.

Some routes have a limit of their own (Smartlead's reference lists 10 requests per minute on a
few analytics-style routes) on top of the account's. A route's requests take a slot from the
route's limiter first, then from the account's (``rate_limit.RateLimiter``, unchanged). A 429 on
such a route pauses or probes that route (Retry-After, or the bare-429 search for its pace); one
with Retry-After leaves every other route at the account's pace (see
``streams.analytics.RouteLimitedStream`` for the bare 429).
"""

from __future__ import annotations

import threading
import weakref

from tap_smartlead.rate_limit import RateLimiter
from tap_smartlead.runtime import SharedRuntime

MINUTE_SECONDS = 60.0
# Routes whose own limit is documented (requests per minute), whatever the setting says.
DOCUMENTED_PER_MINUTE = {"/campaigns/all-leads-activities": 10}


class RouteLimiters:
    """One :class:`RateLimiter` per path template, created on first use."""

    def __init__(self, requests: int, window_seconds: float, *, share: float = 1.0) -> None:
        self.requests = requests
        self.window_seconds = window_seconds
        self.share = share
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def limiter(self, route: str) -> RateLimiter:
        with self._lock:
            found = self._limiters.get(route)
            if found is None:
                documented = DOCUMENTED_PER_MINUTE.get(route)
                requests, window = (
                    (documented, MINUTE_SECONDS) if documented
                    else (self.requests, self.window_seconds)
                )
                found = self._limiters[route] = RateLimiter(requests, window, share=self.share)
            return found


_BY_RUNTIME: weakref.WeakKeyDictionary[SharedRuntime, RouteLimiters] = (
    weakref.WeakKeyDictionary()
)
_REGISTRY_LOCK = threading.Lock()


def route_limiter(
    runtime: SharedRuntime, route: str, per_minute: int | None
) -> RateLimiter:
    """The limiter of ``route`` in this process: ``per_minute`` requests a minute if set, else
    the account's own budget (so it binds only once a 429 on the route taught it a lower one)."""
    with _REGISTRY_LOCK:
        limiters = _BY_RUNTIME.get(runtime)
        if limiters is None:
            account = runtime.limiter
            if per_minute:
                limiters = RouteLimiters(per_minute, MINUTE_SECONDS, share=account.share)
            else:
                limiters = RouteLimiters(
                    account.configured_requests, account.window_seconds, share=account.share
                )
            _BY_RUNTIME[runtime] = limiters
    return limiters.limiter(route)
