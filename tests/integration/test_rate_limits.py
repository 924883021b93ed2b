"""The shared limiter against the emulator's rate-limit policies: stay under, obey, adapt."""

from __future__ import annotations

import datetime as dt

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.expected import expected_keys
from tests.integration.tap_runner import PRIMARY_KEYS, run_tap

pytestmark = pytest.mark.integration

START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)).replace(microsecond=0)
SMALL = {"seed": 9, "campaigns": 2, "leads_per_campaign": 8, "mailboxes": 2}


def config_for(emu: EmulatorProcess, **overrides) -> dict:
    return {"api_key": emu.api_key, "base_url": emu.base_url, "start_date": START.isoformat(),
            **overrides}


def assert_complete(run, dataset) -> None:
    assert run.returncode == 0, run.stderr_text[-3000:]
    expected = expected_keys(dataset, START)
    for stream in PRIMARY_KEYS:
        assert run.keys(stream) == expected[stream], stream


def test_default_limits_stay_inside_the_seed_limit_without_a_single_429():
    with EmulatorProcess(**SMALL, rate_limit="seed", latency_ms=20) as emu:
        run = run_tap(config_for(emu, max_concurrency=8))
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["requests"] > 20  # enough to cross several windows
    assert stats["rate_limited"] == 0
    assert stats["max_in_window"] <= 10


def test_429_with_retry_after_is_waited_out_and_the_sync_completes():
    # The server allows 12 requests per 3 s and says so; the tap is told it may send 1000/s.
    with EmulatorProcess(
        **SMALL, rate_limit="header", rate_limit_requests=12, rate_limit_window=3
    ) as emu:
        run = run_tap(config_for(emu, rate_limit_requests=1000, rate_limit_window_seconds=1))
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["max_in_window"] <= 12
    assert "Giving up" not in run.stderr_text
    assert "X-RateLimit-Limit" in run.stderr_text  # the detected limit is logged
    if stats["rate_limited"]:
        assert "asks to retry after" in run.stderr_text


def test_retry_after_in_a_429_pauses_every_worker_then_continues():
    # No rate-limit headers on success, only a 429 with Retry-After: the tap must wait it out.
    with EmulatorProcess(
        **SMALL, rate_limit="header", rate_limit_requests=6, rate_limit_window=2
    ) as emu:
        run = run_tap(
            config_for(emu, rate_limit_requests=1000, rate_limit_window_seconds=1,
                       max_concurrency=8)
        )
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["rate_limited"] > 0 or "waiting" in run.stderr_text.lower()


def test_a_stricter_server_than_configured_is_detected_and_every_record_arrives():
    # Bare 429s (no headers) from a server allowing 5 per 2 s; the tap is configured for 10.
    with EmulatorProcess(
        **SMALL, rate_limit="seed", rate_limit_requests=5, rate_limit_window=2
    ) as emu:
        run = run_tap(config_for(emu))
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["rate_limited"] > 0
    assert "detected limit now paced at" in run.stderr_text


def test_bare_429s_over_a_longer_window_are_measured_and_then_respected():
    # The live API's shape (200 per 60 s, bare 429), scaled down to 60 per 18 s; the tap on its
    # defaults (10 per 2 s, i.e. 90 per 18 s) runs into it once, measures it, then stays under.
    account = {"seed": 9, "campaigns": 2, "leads_per_campaign": 40, "mailboxes": 2}
    # Threads one lead at a time (no bulk endpoint): enough requests for several windows.
    with EmulatorProcess(
        **account, rate_limit="live", rate_limit_requests=60, rate_limit_window=18,
        bulk_history="absent",
    ) as emu:
        run = run_tap(config_for(emu))
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["requests"] > 100  # more than one of the server's windows
    assert "detected limit now paced at 60 per" in run.stderr_text
    # The first wall (requests in flight when it came, and the probes), then none: the old
    # back-off-and-creep-back hit it once every few windows.
    assert stats["rate_limited"] <= 0.15 * stats["requests"], stats


def test_one_worker_at_the_live_limit_waits_instead_of_failing():
    # The live API's kind of limit (bare 429s, a window longer than configured), sped up: 100
    # per 10 s against a tap configured for 20 per second, met by one worker. A 429 while the
    # limiter finds the server's window is waiting, not a failed attempt, so the sync
    # completes, and the window it finds keeps 429s rare.
    # Threads per lead (no bulk endpoint): enough requests for several of the server's windows.
    account = {"seed": 9, "campaigns": 3, "leads_per_campaign": 100, "mailboxes": 2,
               "bulk_history": "absent"}
    with EmulatorProcess(
        **account, rate_limit="live", rate_limit_requests=100, rate_limit_window=10
    ) as emu:
        run = run_tap(config_for(emu, max_concurrency=1, rate_limit_requests=20,
                                 rate_limit_window_seconds=1))
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["requests"] > 300  # several of the server's windows
    assert 0 < stats["rate_limited"] <= 0.05 * stats["requests"], stats
    assert "Giving up" not in run.stderr_text


def test_a_run_that_starts_on_a_window_another_integration_filled_completes():
    account = {"seed": 9, "campaigns": 1, "leads_per_campaign": 20, "mailboxes": 1}
    with EmulatorProcess(
        **account, rate_limit="live", rate_limit_requests=30, rate_limit_window=10
    ) as emu:
        emu.fill_rate_limit()
        run = run_tap(config_for(emu, max_concurrency=1))
        stats = emu.stats()
        dataset = emu.dataset()
    assert_complete(run, dataset)
    assert stats["rate_limited"] > 0  # the first requests met the full window
