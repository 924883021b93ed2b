"""Fault injection: which faults exist, and a seeded, thread-safe draw per API request.

The draw happens after the rate-limit check (a 429 is never also a fault). The server applies
the chosen fault when it writes the response; see server.Handler._send_fault.
"""

from __future__ import annotations

import random
import threading

KINDS: tuple[str, ...] = ("500", "502", "503", "reset", "truncated", "badjson", "slow",
                          "string", "html", "notjson")

# Proxies answer 502/503 with HTML pages, not JSON; the tap must cope with both.
HTML_PAGES = {
    "502": "<html><head><title>502 Bad Gateway</title></head><body><center>"
           "<h1>502 Bad Gateway</h1></center><pre>upstream connect error</pre></body></html>",
    "503": "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
           "<center><h1>503 Service Temporarily Unavailable</h1></center>"
           "<pre>Service Unavailable</pre></body></html>",
}
BAD_JSON = b'{"data": ['
# Transient answers seen on the live API (see the notes, "Behaviour").
BARE_STRING = b'"Something went wrong, please try again later"'
NOT_JSON = b"upstream request timeout"
# `html`: a proxy's error page, alternately with 200 and 502 (counted per emulator process).
HTML_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Oops!</h1>"
    "<pre>Something went wrong on our end. Please try again.</pre></body></html>"
)


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


class TransientEmpty:
    """`--transient-empty-rate`: a share of the answers of child endpoints (a campaign's
    `/campaigns/{id}/...` routes and one lead's message history) is `200 {}`, what the live API
    answers for a deleted campaign, here for campaigns and leads that exist. Seeded, so two runs
    of the same emulator draw the same answers in the same order of requests."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self._rng = random.Random(f"transient-empty:{seed}")
        self._lock = threading.Lock()

    def draw(self, template: str) -> bool:
        if self.rate <= 0 or not template.startswith("/campaigns/{id}/"):
            return False
        with self._lock:
            return self._rng.random() < self.rate


class FaultInjector:
    def __init__(self, rate: float, kinds: tuple[str, ...], seed: int) -> None:
        self.rate = rate
        self.kinds = kinds
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._html_count = 0

    def html_status(self) -> int:
        """200 for the 1st, 3rd, ... `html` fault, 502 for the 2nd, 4th, ..."""
        with self._lock:
            self._html_count += 1
            return 200 if self._html_count % 2 else 502

    def draw(self) -> str | None:
        """The fault for the next request, or None. Always consumes the same RNG steps."""
        if self.rate <= 0:
            return None
        with self._lock:
            hit = self._rng.random() < self.rate
            kind = self._rng.choice(self.kinds)
        return kind if hit else None
