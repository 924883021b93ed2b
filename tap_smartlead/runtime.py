"""What every stream of one tap process shares: the rate limiter, the HTTP pool, the workers."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter

from tap_smartlead.errors import SyncStopped
from tap_smartlead.rate_limit import RateLimiter

# Worker threads allocate response bodies that the main thread frees; glibc keeps the freed
# memory in its heaps, so without a periodic trim the RSS of a long sync creeps up with the
# number of requests (measured: +35 MB over 50,000 requests) while live objects stay flat.
TRIM_INTERVAL_SECONDS = 1.0
# Answers of one partition that may stay missing before its parent is taken to be gone (a
# campaign deleted while its pages or threads were read): one lead deleted mid-sync costs one
# gap, not the rest of the campaign.
GAPS_BEFORE_GIVING_UP = 3


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
    _stopping: threading.Event = field(init=False, default_factory=threading.Event)
    # Set when a request gives up: the sync stops, and the other workers' retries are not news.
    gave_up: threading.Event = field(init=False, default_factory=threading.Event)
    _missing: set[str] = field(init=False, default_factory=set)
    # (stream, partition) -> answers that stayed missing; past GAPS_BEFORE_GIVING_UP the
    # partition's parent is taken to be gone and its remaining requests are not made.
    _gaps: dict[tuple[str, str], int] = field(init=False, default_factory=dict)
    # Answers one stream fetched for another that reads the same endpoint (offer/take).
    _offered: dict[tuple[str, object], object] = field(init=False, default_factory=dict)
    _taken: set[tuple[str, object]] = field(init=False, default_factory=set)
    # stream -> the first partition it left out on purpose or could not read (idle, refused,
    # rotated out): such a stream sent only part of its table and announces no version.
    _skipped: dict[str, str] = field(init=False, default_factory=dict)

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

    def report_still_listed(self, logger: logging.Logger, stream: str, parent: str) -> None:
        """One warning per parent for the whole run: it answered as a deleted one does, but
        the list, read again, still holds it (the live API's transient answer)."""
        if parent in self._missing:
            logger.info("Skipping %s for %s this run: it answered as if deleted.", stream, parent)
            return
        self._missing.add(parent)
        logger.warning(
            "Skipping %s this run (and its other streams): it answered as if deleted after it "
            "was listed (the API answered 404, an empty object or an empty body twice), but "
            "the campaign list still holds it: its rows stay as last sent and the next run "
            "reads it again.",
            parent,
        )

    def offer(self, kind: str, key: object, answer: object) -> None:
        """Leave an answer for the stream that takes ``kind`` answers, unless it has already
        been for ``key`` (then it asked for itself, and nothing is kept for nobody)."""
        with self._lock:
            if (kind, key) not in self._taken:
                self._offered[(kind, key)] = answer

    def will_take(self, kind: str, key: object) -> bool:
        """Whether an offer for ``key`` would still be taken (its taker has not come by)."""
        return (kind, key) not in self._taken

    def take(self, kind: str, key: object) -> object | None:
        """The answer offered for ``key``, or None: then ask for it yourself. Either way, no
        later offer for ``key`` is kept, so the hand-over works whichever stream syncs first."""
        with self._lock:
            self._taken.add((kind, key))
            return self._offered.pop((kind, key), None)

    def note_gap(self, stream: str, partition: Mapping[str, object]) -> int:
        """Count an answer of ``partition`` that stayed missing; returns the count so far."""
        key = (stream, describe(partition))
        with self._lock:
            self._gaps[key] = self._gaps.get(key, 0) + 1
            return self._gaps[key]

    def note_skipped(self, stream: str, partition: Mapping[str, object] | None) -> None:
        """``stream`` did not read ``partition`` this run (on purpose or not): its rows there
        stay as last sent, so the stream must not announce a table version."""
        with self._lock:
            self._skipped.setdefault(stream, describe(partition or {}) or "a partition")

    def skipped(self, stream: str) -> str | None:
        """The first partition ``stream`` skipped this run, or None."""
        return self._skipped.get(stream)

    def gaps_of(self, stream: str) -> int:
        """Answers of ``stream``'s partitions that stayed missing this run."""
        return sum(count for (name, _), count in self._gaps.items() if name == stream)

    def given_up(self, stream: str, partition: Mapping[str, object]) -> bool:
        """Several answers of this partition stayed missing: its parent went away mid-read."""
        return self._gaps.get((stream, describe(partition)), 0) >= GAPS_BEFORE_GIVING_UP

    def starting(self) -> None:
        """A sync begins (one per tap): no request has given up yet."""
        self.gave_up.clear()

    def pause(self, seconds: float) -> None:
        """Sleep, unless the run is stopping (then at once SyncStopped)."""
        if self._stopping.wait(seconds):
            raise SyncStopped("the sync is stopping")

    def tidy_memory(self) -> None:
        """Give freed heap memory back to the OS, at most every few seconds (cheap to call)."""
        now = time.monotonic()
        if _MALLOC_TRIM is not None and now - self._last_trim >= TRIM_INTERVAL_SECONDS:
            self._last_trim = now
            _MALLOC_TRIM(0)

    def stop(self) -> None:
        """Stop spending the account's budget: waiting threads wake, no request starts."""
        self._stopping.set()
        self.limiter.close()

    def close(self) -> None:
        self.stop()
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
        self.session.close()


def describe(partition: Mapping[str, object]) -> str:
    """A partition as log lines name it: ``campaign_id 1002``."""
    return ", ".join(f"{key} {value}" for key, value in partition.items())
