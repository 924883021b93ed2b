"""What every stream of one tap process shares: the rate limiter, the HTTP pool, the workers."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter

from tap_smartlead.rate_limit import RateLimiter

# Worker threads allocate response bodies that the main thread frees; glibc keeps the freed
# memory in its heaps, so without a periodic trim the RSS of a long sync creeps up with the
# number of requests (measured: +35 MB over 50,000 requests) while live objects stay flat.
TRIM_INTERVAL_SECONDS = 1.0


def _load_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_MALLOC_TRIM = _load_malloc_trim()


@dataclass(eq=False)
class SharedRuntime:
    limiter: RateLimiter
    max_concurrency: int
    session: requests.Session = field(init=False)
    _executor: ThreadPoolExecutor | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _last_trim: float = field(init=False, default=0.0)
    _missing: set[str] = field(init=False, default_factory=set)
    _kept: dict[tuple[str, object], object] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.session = requests.Session()
        # One pooled connection per worker (plus the main thread), reused across requests.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.max_concurrency + 2)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @property
    def executor(self) -> ThreadPoolExecutor | None:
        """The worker pool, or None when requests run one at a time in the caller's thread."""
        if self.max_concurrency <= 1:
            return None
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.max_concurrency, thread_name_prefix="smartlead-http"
                )
            return self._executor

    def report_missing(self, logger: logging.Logger, stream: str, parent: str) -> None:
        """One warning per deleted parent for the whole run, however many streams skip it."""
        if parent in self._missing:
            logger.info("Skipping %s for %s: deleted after it was listed.", stream, parent)
            return
        self._missing.add(parent)
        logger.warning(
            "Skipping %s (and its other streams): it was deleted after it was listed "
            "(the API answered 404, an empty object or an empty body).",
            parent,
        )

    def keep(self, kind: str, key: object, answer: object) -> None:
        """Keep an answer one stream fetched for a later stream that reads the same endpoint."""
        self._kept[(kind, key)] = answer

    def has(self, kind: str, key: object) -> bool:
        return (kind, key) in self._kept

    def take(self, kind: str, key: object) -> object | None:
        return self._kept.pop((kind, key), None)

    def tidy_memory(self) -> None:
        """Give freed heap memory back to the OS, at most every few seconds (cheap to call)."""
        now = time.monotonic()
        if _MALLOC_TRIM is not None and now - self._last_trim >= TRIM_INTERVAL_SECONDS:
            self._last_trim = now
            _MALLOC_TRIM(0)

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        self.session.close()
