"""The shared limiter's window arithmetic and its obedience to the server, on a fake clock."""

from __future__ import annotations

import threading

import pytest

from tap_smartlead.rate_limit import RateLimiter, ServerVerdict, parse_verdict


class FakeClock:
    """Time that moves only when someone sleeps; safe to share between threads."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += max(0.0, seconds)


def limiter(clock: FakeClock, requests: int = 10, window: float = 2.0, **kw) -> RateLimiter:
    return RateLimiter(requests, window, clock=clock, sleep=clock.sleep, wall_clock=clock, **kw)


def most_starts_in_any_window(starts: list[float], window: float) -> int:
    starts = sorted(starts)
    best = 0
    for i, first in enumerate(starts):
        inside = [s for s in starts[i:] if s < first + window]
        best = max(best, len(inside))
    return best


def test_first_burst_starts_at_once_then_waits_a_full_window():
    clock = FakeClock()
    rl = limiter(clock)
    starts = []
    for _ in range(11):
        rl.acquire()
        starts.append(clock())
    assert starts[:10] == [1000.0] * 10
    assert starts[10] == pytest.approx(1000.0 + 2.0 + rl.safety_seconds)


def test_never_more_than_n_starts_in_any_window_sequentially():
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    starts = []
    for _ in range(95):
        rl.acquire()
        starts.append(clock())
    assert most_starts_in_any_window(starts, 2.0) == 10
    # Paced right at the limit: 95 starts need 9 full windows after the first burst.
    assert starts[-1] - starts[0] == pytest.approx(9 * (2.0 + rl.safety_seconds))


def test_never_more_than_n_starts_in_any_window_under_concurrency():
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    starts: list[float] = []
    record = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            rl.acquire()
            with record:
                starts.append(clock())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(starts) == 200
    assert most_starts_in_any_window(starts, 2.0) <= 10
    assert rl.starts == 200
    # And it does not waste budget: 200 starts in 20 windows.
    assert max(starts) - min(starts) == pytest.approx(19 * (2.0 + rl.safety_seconds))


def test_retry_after_pauses_every_start_exactly_that_long():
    clock = FakeClock()
    rl = limiter(clock)
    rl.acquire()
    rl.observe(ServerVerdict(status_code=429, retry_after=7.0))
    waited = rl.acquire()
    assert waited == pytest.approx(7.0)
    assert rl.max_requests == 10  # an explained 429 does not lower the pace


def test_remaining_zero_waits_until_reset():
    clock = FakeClock()
    rl = limiter(clock, requests=100, window=1.0)
    rl.observe(ServerVerdict(status_code=200, limit=60, remaining=0, reset_epoch=clock() + 42))
    assert rl.acquire() == pytest.approx(42.0)


def test_bare_429_lowers_the_pace_and_backs_off_a_window():
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    rl.observe(ServerVerdict(status_code=429))
    assert rl.max_requests == 7
    assert rl.acquire() == pytest.approx(2.0)


def test_a_burst_of_bare_429s_in_one_window_lowers_the_pace_once():
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    for _ in range(6):
        rl.observe(ServerVerdict(status_code=429))
    assert rl.max_requests == 7
    clock.sleep(2.5)
    rl.observe(ServerVerdict(status_code=429))
    assert rl.max_requests == 5


def test_a_lowered_pace_recovers_after_clean_windows():
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    rl.observe(ServerVerdict(status_code=429))
    assert rl.max_requests == 7
    starts = []
    for _ in range(200):
        rl.acquire()
        starts.append(clock())
    assert rl.max_requests == 10
    # Never above the configured limit while recovering.
    assert most_starts_in_any_window(starts, 2.0) <= 10


def test_parse_verdict_reads_headers_and_body_retry_after():
    verdict = parse_verdict(
        429,
        {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700"},
        {"error": {"code": "RATE_LIMIT_EXCEEDED", "retry_after": 30}},
    )
    assert (verdict.limit, verdict.remaining, verdict.reset_epoch) == (60, 0, 1700.0)
    assert verdict.retry_after == 30.0
    assert parse_verdict(429, {"Retry-After": "3"}).retry_after == 3.0
    assert parse_verdict(200, {}).retry_after is None


def test_rejects_impossible_budgets():
    with pytest.raises(ValueError):
        RateLimiter(0, 2)
    with pytest.raises(ValueError):
        RateLimiter(10, 0)
