"""Fault injection: which faults exist, and a seeded, thread-safe draw per API request.

The draw happens after the rate-limit check (a 429 is never also a fault). The server applies
the chosen fault when it writes the response; see server.Handler._send_fault.
"""

from __future__ import annotations

import random
import threading

KINDS: tuple[str, ...] = ("500", "502", "503", "reset", "truncated", "badjson", "slow")

# Proxies answer 502/503 with HTML pages, not JSON; the tap must cope with both.
HTML_PAGES = {
    "502": "<html><head><title>502 Bad Gateway</title></head><body><center>"
           "<h1>502 Bad Gateway</h1></center><pre>upstream connect error</pre></body></html>",
    "503": "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
           "<center><h1>503 Service Temporarily Unavailable</h1></center>"
           "<pre>Service Unavailable</pre></body></html>",
}
BAD_JSON = b'{"data": ['


def parse_kinds(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """`all` or a comma list (or a list) of KINDS; raises ValueError for unknown kinds."""
    items = value.split(",") if isinstance(value, str) else list(value)
    kinds = [item.strip() for item in items if item.strip()]
    if not kinds or kinds == ["all"]:
        return KINDS
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown fault kinds: {', '.join(unknown)}")
    return tuple(dict.fromkeys(kinds))  # de-duplicated, order kept


class FaultInjector:
    def __init__(self, rate: float, kinds: tuple[str, ...], seed: int) -> None:
        self.rate = rate
        self.kinds = kinds
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        """The fault for the next request, or None. Always consumes the same RNG steps."""
        if self.rate <= 0:
            return None
        with self._lock:
            hit = self._rng.random() < self.rate
            kind = self._rng.choice(self.kinds)
        return kind if hit else None
