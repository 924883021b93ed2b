"""One request budget for the whole process, shared by every stream and worker thread.

The limiter paces request *starts* to a sliding window (never more than ``max_requests`` starts in
any ``window_seconds``), and on top of that obeys what the server says: ``X-RateLimit-Remaining: 0``
pauses everyone until ``X-RateLimit-Reset``, a 429 with ``Retry-After`` pauses everyone for exactly
that long, and a bare 429 makes it find the server's real limit (see :class:`RateLimiter`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tap_smartlead.errors import RateLimitedTooLongError, SyncStopped

LOGGER = logging.getLogger("tap_smartlead.rate_limit")

# Starts are spaced a little wider than the window: the server measures arrival, not start, and
# two requests' network delays differ by a few milliseconds.
DEFAULT_SAFETY_SECONDS = 0.05
# Learned windows without a bare 429 after which the learned limit is raised by one request.
RECOVERY_WINDOWS = 5
# Probes after a bare 429 are spaced by at least this share of the configured window, and by
# this share of the time since the stretch that ran into the limit began: the server's window is
# measured to within about 5 % with a handful of probes, whatever its length.
PROBE_MIN_WINDOWS = 0.25
PROBE_GROWTH = 0.05
PROBE_GROWTH_UNMEASURED = 0.25
# How far back accepted request starts are remembered for measuring the server's window.
LEARN_HORIZON_SECONDS = 900.0
# How long the limiter waits on 429s without one accepted request before it gives up: waiting
# is not failing, but a limit that never lets a request through is an error worth a line.
DEFAULT_PATIENCE_SECONDS = 900.0


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


@dataclass
class _Probe:
    """The search for the server's window after a bare 429 (one request at a time)."""

    began: float  # when the first bare 429 of the episode arrived
    next_at: float  # earliest start of the next probe
    stretch_since: float  # accepted starts after this belong to the stretch that hit the limit
    reference: float  # the first accepted start of that stretch known when the 429 came
    # No request of ours was accepted in the stretch (another integration, or the run before,
    # filled the server's window): there is no window to measure, only a slot to wait for.
    empty: bool = False


class RateLimiter:
    """A thread-safe sliding-window limiter on request starts, adaptive to the server's word.

    A bare 429 (no Retry-After) means the server's limit is stricter than the configured one,
    possibly over a longer window (the live API: ~200 per minute, against the seed's 10 per 2 s).
    Backing off and creeping back would hit that wall again and again; instead the limiter
    measures it. The server's sliding window was full when the 429 came, so it holds L = the
    requests accepted since this stretch began at s; it frees a slot when s leaves it, at s + T.
    The limiter stops every worker and sends one probe at a time, spaced ~5 % of the elapsed
    time apart; the first accepted probe, at p, bounds T <= p - s. From then on it paces to L
    requests per (p - s) seconds on top of the configured limit: the server's own pace, within
    a few percent, without a 429. One 429 cannot tell a long window from a stretch that ran
    below the limit for a while before it sped up (s is then too early); so a bare 429 despite
    the learned limit measures again, from the previous probe on: that stretch began with the
    server's window empty of it, and the new measurement is the server's window. Clean
    stretches of five learned windows raise the learned limit by one request, up to what was
    measured.

    When the slot frees within two configured windows of the 429, or fewer requests than the
    configured limit were accepted before it (a run restarted at once meets its predecessor's
    requests in the server's window), the window is no longer than configured and nothing is
    learned: the pace loses a quarter, and five clean windows give back one request at a time.

    ``share`` (0 < share <= 1) leaves the rest of every budget to other integrations of the
    same account: the configured limit, any learned limit, and X-RateLimit-Remaining (the
    limiter waits for the reset once only ``(1 - share) * X-RateLimit-Limit`` remain).

    Waiting is not failing: a request held by the limiter, or answered 429, is asked again
    however long that takes, until ``patience_seconds`` pass without one accepted request
    (``check_patience``). ``close`` wakes every waiting thread and lets no request start again.
    """

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        *,
        share: float = 1.0,
        safety_seconds: float = DEFAULT_SAFETY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        wall_clock: Callable[[], float] = time.time,
        patience_seconds: float = DEFAULT_PATIENCE_SECONDS,
    ) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        if not 0 < share <= 1:
            raise ValueError("share must be within (0, 1]")
        self.share = share
        self.configured_requests = max_requests
        self.max_requests = max(1, math.floor(max_requests * share))
        self.window_seconds = float(window_seconds)
        self.safety_seconds = safety_seconds
        self._clock = clock
        self._closed = threading.Event()
        # An Event's wait, not time.sleep: close() wakes every thread waiting on the limit.
        self._sleep = sleep or self._closed.wait
        self._wall_clock = wall_clock
        self.patience_seconds = patience_seconds
        self._last_accepted_at = clock()
        self._starts: deque[float] = deque()
        self._accepted: deque[float] = deque()  # starts of requests the server accepted
        # The quickest start-to-answer time seen: the server's work and the way back.
        self._quickest_trip = math.inf
        self._paused_until = 0.0
        self._state_lock = threading.Lock()
        # Waiters take turns, so a burst of threads cannot all see the same free slot.
        self._turn = threading.Lock()
        # The start of the request this thread is making (acquire -> observe, same thread).
        self._local = threading.local()
        self._announced_server_limit: int | None = None
        self._probe: _Probe | None = None
        self._stretch_since = -math.inf
        # The server's limit as measured: (requests, window seconds), and when it last changed.
        self.learned: tuple[int, float] | None = None
        self._measured = 0  # the learned requests as measured, before any 429 lowered them
        # When the configured pace was last lowered (short-window 429s); None: not lowered.
        self._lowered_at: float | None = None
        self._learned_at = 0.0
        self.total_wait_seconds = 0.0
        self.starts = 0

    def acquire(self) -> float:
        """Block until one more request may start; record the start. Returns the time waited."""
        waited = 0.0
        with self._turn:
            while True:
                if self._closed.is_set():
                    raise SyncStopped("the sync is stopping; no new request starts")
                with self._state_lock:
                    now = self._clock()
                    delay = self._delay_locked(now)
                    if delay <= 0:
                        self._starts.append(now)
                        self._local.started_at = now
                        if self._probe is not None:
                            self._probe.next_at = now + self._probe_spacing(now)
                        self.starts += 1
                        self.total_wait_seconds += waited
                        return waited
                self._sleep(delay)
                waited += delay

    def close(self) -> None:
        """Wake every thread waiting on the limit; from now on no request starts."""
        self._closed.set()

    def check_patience(self) -> None:
        """Raise when no request was accepted for ``patience_seconds`` (after a 429)."""
        with self._state_lock:
            silent = self._clock() - self._last_accepted_at
            if silent < self.patience_seconds:
                return
            learned = self.learned
        measured = f"; measured: {learned[0]} per {learned[1]:.0f}s" if learned else ""
        raise RateLimitedTooLongError(
            f"Smartlead's rate limit answered 429 to every request for {silent / 60:.0f} minutes "
            f"(configured: {self.configured_requests} per {self.window_seconds:g}s{measured}). "
            "Another integration may be using the account's whole budget: run again later, or "
            "leave it room with rate_limit_share."
        )

    @property
    def learned_requests(self) -> int | None:
        """The learned limit, less the share left to other integrations."""
        if self.learned is None:
            return None
        return max(1, math.floor(self.learned[0] * self.share))

    def _delay_locked(self, now: float) -> float:
        self._recover_locked(now)
        longest = max(self.window_seconds, self.learned[1] if self.learned else 0.0)
        horizon = now - longest - self.safety_seconds
        while self._starts and self._starts[0] <= horizon:
            self._starts.popleft()
        delay = self._paused_until - now
        if self._probe is not None:
            return max(delay, self._probe.next_at - now)
        delay = max(delay, self._window_delay(now, self.max_requests, self.window_seconds))
        if self.learned is not None:
            allowed = self.learned_requests
            assert allowed is not None
            delay = max(delay, self._window_delay(now, allowed, self.learned[1]))
        return delay

    def _window_delay(self, now: float, allowed: int, window: float) -> float:
        """How long until fewer than ``allowed`` starts lie in the last ``window`` seconds."""
        edge = now - window - self.safety_seconds
        inside = len(self._starts) - _count_at_or_before(self._starts, edge)
        if inside < allowed:
            return 0.0
        # The oldest start that must leave the window before one more fits.
        blocker = self._starts[len(self._starts) - allowed]
        return blocker + window + self.safety_seconds - now

    def _probe_spacing(self, now: float) -> float:
        assert self._probe is not None
        elapsed = now - self._probe.reference
        # Nothing to measure: probes only look for the free slot, so they spread out faster
        # (a window another integration filled costs about 20 probes, not 60).
        growth = PROBE_GROWTH_UNMEASURED if self._probe.empty else PROBE_GROWTH
        return max(self.window_seconds * PROBE_MIN_WINDOWS, growth * elapsed)

    def pause_for(self, seconds: float) -> None:
        """Hold every request start for ``seconds`` from now (never shortens a longer pause)."""
        with self._state_lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def observe(self, verdict: ServerVerdict) -> None:
        """Adapt to what the server said in one response (on the thread that made the request)."""
        started = getattr(self._local, "started_at", None)
        if started is None:
            started = self._clock()
        else:
            self._keep_in_window_until_answered(started)
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
                self._bare_429(started)
            return
        self._accepted_start(started)
        if verdict.remaining is not None and verdict.reset_epoch:
            reserve = math.floor((verdict.limit or 0) * (1 - self.share))
            if verdict.remaining <= reserve:
                wait = verdict.reset_epoch - self._wall_clock()
                if wait > 0:
                    LOGGER.info(
                        "Server budget exhausted (X-RateLimit-Remaining: %d, %d left to others); "
                        "waiting %.2fs for reset.",
                        verdict.remaining,
                        reserve,
                        wait,
                    )
                    self.pause_for(wait)

    def _keep_in_window_until_answered(self, started: float) -> None:
        """Count the request in the window from when the server most likely reached it.

        The server counts a request when it reaches it, somewhere between the start and the
        answer. On a busy machine, or behind a server that queues requests, that can be long
        after the start: a burst that arrived late would still fill the server's window when
        the next burst, one window after the starts, arrives on time. The quickest round trip
        seen so far is what an answer takes once the server has the request (its work and the
        way back); so the answer less that round trip is when this one reached it, at the
        latest an answer's time allows, and never before the start. A request that waited
        nowhere keeps its start (the pace at the limit is unchanged); one that waited moves by
        what it waited. (Counting every request from its answer cost one round trip per window:
        0.94 of a 10 per 2 s limit fell to 0.82 at 300 ms a request.)"""
        with self._state_lock:
            now = self._clock()
            trip = now - started
            self._quickest_trip = min(self._quickest_trip, trip)
            reached = max(started, now - self._quickest_trip)
            if reached <= started:
                return
            try:
                self._starts.remove(started)
            except ValueError:
                return  # already past every window
            # Insert in order (a later start may have been stamped before this answer).
            index = len(self._starts)
            while index and self._starts[index - 1] > reached:
                index -= 1
            self._starts.insert(index, reached)

    def _accepted_start(self, started: float) -> None:
        with self._state_lock:
            self._last_accepted_at = max(self._last_accepted_at, self._clock())
            self._accepted.append(started)
            horizon = self._clock() - LEARN_HORIZON_SECONDS
            while self._accepted and self._accepted[0] < horizon:
                self._accepted.popleft()
            probe = self._probe
            if probe is None or started <= probe.began:
                return  # not a probe: a request already in flight when the 429 came
            # The first accepted probe: the server's window freed a slot by `started`.
            stretch = [s for s in self._accepted if probe.stretch_since < s <= probe.began]
            first = stretch[0] if stretch else probe.began
            window = started - first
            self._probe = None
            self._stretch_since = started
            longer = started - probe.began > 2 * self.window_seconds
            if len(stretch) < self.max_requests or not longer:
                # A slot freed within about one configured window, or too few of our requests
                # were accepted to tell (a run restarted at once meets its predecessor's
                # requests in the server's window): the window is no longer than configured,
                # only the count is lower. A quarter off the pace; clean windows restore it.
                self.max_requests = max(1, math.floor(self.max_requests * 0.75))
                self._lowered_at = started
                learned = None
            else:
                learned = self.learned = (len(stretch), window)
                self._measured = len(stretch)
                self._learned_at = started
            requests = self.learned_requests if learned else self.max_requests
            window = window if learned else self.window_seconds
        LOGGER.warning(
            "Rate limited (429) without Retry-After: the server's limit is stricter than the "
            "configured %d per %gs; detected limit now paced at %d per %.1fs.",
            self.configured_requests,
            self.window_seconds,
            requests,
            window,
        )

    def _bare_429(self, started: float) -> None:
        with self._state_lock:
            now = self._clock()
            if self._probe is not None:
                return  # a probe (or a request in flight before the first 429): keep probing
            if started <= self._stretch_since:
                return  # started before the last probe was accepted: that episode's news
            # Unlearned, or learned and yet too fast: measure (again) from the last probe on.
            since = self._stretch_since
            reference = next((s for s in self._accepted if s > since), None)
            self._probe = _Probe(began=now, next_at=now, stretch_since=since,
                                 reference=now if reference is None else reference,
                                 empty=reference is None)
            self._probe.next_at = now + self._probe_spacing(now)
        LOGGER.warning(
            "Rate limited (429) without Retry-After: the server's limit is stricter than the "
            "configured %d per %gs; probing one request at a time for its real pace.",
            self.configured_requests,
            self.window_seconds,
        )

    def _recover_locked(self, now: float) -> None:
        if self._probe is not None:
            return
        ceiling = max(1, math.floor(self.configured_requests * self.share))
        lowered = self._lowered_at
        if lowered is not None and now - lowered >= self.window_seconds * RECOVERY_WINDOWS:
            self.max_requests = min(ceiling, self.max_requests + 1)
            self._lowered_at = None if self.max_requests == ceiling else now
        if self.learned is None:
            return
        requests, window = self.learned
        if requests >= self._measured or now - self._learned_at < window * RECOVERY_WINDOWS:
            return
        # Back up to what was measured, never past it: above it lies the next 429.
        self.learned = (requests + 1, window)
        self._learned_at = now


def _count_at_or_before(starts: deque[float], edge: float) -> int:
    """Starts at or before ``edge`` (the deque is sorted; the old ones are few)."""
    count = 0
    for start in starts:
        if start > edge:
            break
        count += 1
    return count
