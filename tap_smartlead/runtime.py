"""What every stream of one tap process shares: the rate limiter, the HTTP pool, the workers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter

from tap_smartlead.rate_limit import RateLimiter


@dataclass(eq=False)
class SharedRuntime:
    limiter: RateLimiter
    max_concurrency: int
    session: requests.Session = field(init=False)
    _executor: ThreadPoolExecutor | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

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

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        self.session.close()
