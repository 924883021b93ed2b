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


def test_a_burst_the_server_reached_late_holds_its_slots_from_when_it_arrived():
    # A request answered in 0.1 s shows the server's own round trip. Then a loaded machine:
    # ten requests start together, the server reaches them 0.5 s late (answers at +0.6 s) and
    # counts them then. The next may start only once the server's window has let them go.
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    rl.acquire()
    clock.sleep(0.1)
    rl.observe(ServerVerdict(status_code=200))
    clock.sleep(3.0)  # that one has left every window
    burst = clock()
    for _ in range(10):
        rl.acquire()
    clock.sleep(0.6)
    for _ in range(10):
        rl.observe(ServerVerdict(status_code=200))
    rl.acquire()
    assert clock() >= burst + 0.5 + 2.0


def test_requests_answered_in_the_usual_round_trip_keep_the_pace_of_their_starts():
    # Every answer takes the same 0.3 s: nothing waited, so the windows run from the starts
    # and ten requests start every window plus the safety margin, not every window plus 0.3 s.
    clock = FakeClock()
    rl = limiter(clock, requests=10, window=2.0)
    starts = []
    for _ in range(3):
        for _ in range(10):
            rl.acquire()
            starts.append(clock())
        clock.sleep(0.3)
        for _ in range(10):
            rl.observe(ServerVerdict(status_code=200))
    assert starts[20] - starts[0] == pytest.approx(2 * (2.0 + rl.safety_seconds))


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


class SlidingWindowServer:
    """A server allowing ``limit`` arrivals in any ``window`` seconds; over it, a bare 429.

    Rejected requests do not count (as the emulator and the live API behave).
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.accepted: list[float] = []
        self.rejected: list[float] = []

    def answer(self, now: float) -> ServerVerdict:
        inside = [t for t in self.accepted[-self.limit:] if t > now - self.window]
        if len(inside) >= self.limit:
            self.rejected.append(now)
            return ServerVerdict(status_code=429)
        self.accepted.append(now)
        return ServerVerdict(status_code=200)


def sync_against(server: SlidingWindowServer, rl: RateLimiter, clock: FakeClock,
                 seconds: float) -> None:
    """One worker without latency: acquire, the server answers at once, observe."""
    end = clock() + seconds
    while clock() < end:
        rl.acquire()
        rl.observe(server.answer(clock()))


def accepted_between(server: SlidingWindowServer, first: float, last: float) -> int:
    return sum(1 for t in server.accepted if first <= t < last)


def test_bare_429s_under_a_longer_window_converge_on_the_servers_real_pace():
    # The live API: ~200 per minute with bare 429s; the tap on its defaults (10 per 2 s).
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(200, 60.0)
    rl = limiter(clock, requests=10, window=2.0)
    sync_against(server, rl, clock, 600.0)
    per_second = 200 / 60
    total = len(server.accepted) + len(server.rejected)
    assert len(server.accepted) / 600.0 / per_second >= 0.85
    assert len(server.rejected) / total <= 0.05
    # Converged within two minutes: from then on no 429 and at least 90 % of the pace.
    assert not [t for t in server.rejected if t >= 120.0]
    assert accepted_between(server, 120.0, 600.0) / 480.0 / per_second >= 0.9
    assert rl.learned is not None
    requests, window = rl.learned
    assert requests == 200 and 60.0 <= window <= 66.0


def test_a_stricter_limit_on_the_same_window_lowers_the_pace_with_few_429s():
    # The slot frees within one configured window: nothing to learn about the window, the
    # pace loses a quarter per burst (and clean windows give it back), as before.
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(5, 2.0)
    rl = limiter(clock, requests=10, window=2.0)
    sync_against(server, rl, clock, 120.0)
    assert rl.learned is None
    assert rl.max_requests < 10
    assert len(server.rejected) <= 0.1 * len(server.accepted)
    assert len(server.accepted) / 120.0 / 2.5 >= 0.75


def test_a_429_from_a_predecessors_requests_does_not_slow_the_whole_run():
    # Restarted at once: the server's window still holds the stopped run's 10 requests, so the
    # first requests meet 429s although the configured limit is right. One window, one cut.
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(10, 2.0)
    server.accepted = [-0.5] * 10
    rl = limiter(clock, requests=10, window=2.0)
    sync_against(server, rl, clock, 120.0)
    assert rl.learned is None
    assert rl.max_requests == 10  # recovered
    assert len(server.rejected) <= 3
    assert len(server.accepted) / 120.0 / 5.0 >= 0.9


def test_the_seed_limit_itself_is_never_hit_and_nothing_is_learned():
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(10, 2.0)
    rl = limiter(clock, requests=10, window=2.0)
    sync_against(server, rl, clock, 120.0)
    assert server.rejected == []
    assert rl.learned is None
    assert len(server.accepted) / 120.0 / 5.0 >= 0.95


def test_a_bare_429_stops_every_start_but_one_probe_at_a_time():
    clock = FakeClock(start=0.0)
    rl = limiter(clock, requests=10, window=2.0)
    for _ in range(10):
        rl.acquire()
        rl.observe(ServerVerdict(status_code=200))
    clock.sleep(30.0)
    rl.acquire()
    rl.observe(ServerVerdict(status_code=429))
    first_probe = rl.acquire()
    rl.observe(ServerVerdict(status_code=429))
    second_probe = rl.acquire()
    # Probes are spaced ~5 % of the 30 s since the stretch began, never less than half a window.
    assert first_probe == pytest.approx(0.05 * 30.0)
    assert second_probe == pytest.approx(0.05 * (30.0 + first_probe), rel=0.01)
    waited = first_probe + second_probe
    for _ in range(2):  # the server's window is still full: more than two windows after the 429
        rl.observe(ServerVerdict(status_code=429))
        waited += rl.acquire()
    rl.observe(ServerVerdict(status_code=200))
    assert waited > 2 * 2.0
    # Ten requests accepted from t=0 until the 429; a slot freed by the last probe.
    assert rl.learned == (10, pytest.approx(30.0 + waited))


def test_after_a_long_slow_stretch_the_learned_window_is_the_servers_own():
    # The reviewer's case: 662 s of slow answers (2.6 requests/s, under the server's 200 per
    # 60 s), then fast ones. The first wall cannot tell the server's window from the stretch
    # (it "learned" 1,715 per 662 s); measuring again at the next 429 finds the server's.
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(200, 60.0)
    rl = limiter(clock, requests=10, window=2.0)
    while clock() < 662.0:
        rl.acquire()
        rl.observe(server.answer(clock()))
        clock.sleep(1 / 2.6)
    assert server.rejected == []
    sync_against(server, rl, clock, 900.0)
    assert rl.learned is not None
    requests, window = rl.learned
    assert 190 <= requests <= 200 and 60.0 <= window <= 66.0, rl.learned
    total = len(server.accepted) + len(server.rejected)
    assert len(server.rejected) / total <= 0.05
    assert not [t for t in server.rejected if t >= 662.0 + 300.0]
    assert accepted_between(server, 962.0, 1562.0) / 600.0 / (200 / 60) >= 0.9


def test_a_429_despite_the_learned_limit_measures_again_from_the_last_probe():
    clock = FakeClock(start=0.0)
    rl = limiter(clock, requests=10, window=2.0)
    rl.learned = (200, 62.0)
    clock.sleep(1.0)
    rl.acquire()
    rl.observe(ServerVerdict(status_code=429))
    # Probing: one request at a time, spaced, until the server accepts one.
    assert rl.acquire() >= 0.5


def test_a_share_leaves_the_rest_of_every_budget_to_other_integrations():
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(100, 60.0)  # stricter than even half the configured pace
    rl = limiter(clock, requests=10, window=2.0, share=0.5)
    assert rl.max_requests == 5
    sync_against(server, rl, clock, 600.0)
    late = [t for t in server.accepted if t >= 300.0]
    # 100 per minute learned, half of it used: the other half stays free for others.
    assert rl.learned is not None and rl.learned[0] == 100
    assert most_starts_in_any_window(late, 60.0) <= 50
    assert len(late) / 300.0 >= 0.45 * (100 / 60)
    header = limiter(FakeClock(), requests=100, window=1.0, share=0.5)
    header.observe(ServerVerdict(status_code=200, limit=60, remaining=30, reset_epoch=1042.0))
    assert header.acquire() == pytest.approx(42.0)


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
    with pytest.raises(ValueError):
        RateLimiter(10, 2, share=0)


def test_a_window_another_integration_filled_costs_few_probes_and_little_time():
    # The run starts on a window another integration of the account has just filled: no
    # request of ours is in it, so there is nothing to measure, only the free slot to find.
    clock = FakeClock(start=0.0)
    server = SlidingWindowServer(200, 60.0)
    server.accepted = [-1.0] * 200
    rl = limiter(clock, requests=10, window=2.0)
    sync_against(server, rl, clock, 600.0)
    own = server.accepted[200:]
    assert own[0] < 59.0 * 1.3  # found within 30 % of the wait the window imposes
    early = [t for t in server.rejected if t < own[0]]
    assert len(early) <= 25, len(early)
    assert len(server.rejected) <= 0.05 * (len(own) + len(server.rejected))
