"""Server faults (500, 502, 503, reset, truncated, bad JSON, slow) against the real emulator.

With 10% of requests faulted the tap retries and emits exactly what a fault-free sync emits,
full and incremental, and says in its log what it retried. With every request faulted it gives up
in bounded time with one clear error line, and a run that gave up resumes from its last STATE.

Two emulators started with the same seed and the same ``--now`` serve identical data; the faulty
one differs only in its fault flags. All scenarios run concurrently in one module fixture.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.faults.helpers import (
    FAULT_CAUSES,
    RETRY_LINE,
    Trigger,
    bookmarks,
    differences,
    duplicates,
    emulator_options,
    error_lines,
    merged,
    records_lost,
    retry_lines,
    run_tap_watched,
    summary,
    tables,
    utc_now,
)
from tests.integration.expected import expected_keys, secrets_of
from tests.integration.tap_runner import PRIMARY_KEYS, TapRun, tap_config

pytestmark = pytest.mark.integration

NOW = utc_now()
START = NOW - dt.timedelta(days=60)
# The emulator's clock starts 2 days back, so the day it advances stays behind the tap's clock:
# a bookmark is never later than its run's clock, and the two runs' clocks differ.
ACCOUNT = {"seed": 21, "campaigns": 3, "leads_per_campaign": 40, "mailboxes": 3,
           "rate_limit": "none", "now": (NOW - dt.timedelta(days=2)).isoformat(),
           "slow_seconds": 2}
FAULTS = {"fault_rate": 0.1, "fault_kinds": "all", "fault_seed": 5}
GIVE_UP_BOUND_SECONDS = 60


def config_for(emu: EmulatorProcess) -> dict[str, Any]:
    return tap_config(emu, start_date=START.isoformat(), request_timeout_seconds=1)


@dataclass
class GiveUp:
    """A run under 100% faults and what came of it."""

    run: TapRun
    faults: dict[str, int]
    requests: int
    seconds_to_give_up: float
    resumed: TapRun | None = None


@dataclass
class Results:
    dataset: dict[str, Any]
    clean_full: TapRun
    faulty_full: TapRun
    clean_incremental: TapRun
    faulty_incremental: TapRun
    faults_full: dict[str, int]
    faults_incremental: dict[str, int]
    all_faults: GiveUp
    faults_mid_sync: GiveUp
    secrets: list[str] = field(default_factory=list)


def settled_stats(emu: EmulatorProcess) -> dict[str, Any]:
    """The emulator's counters once the last `slow` fault has answered: it counts a request when
    it answers, so a request the tap gave up waiting for is counted `slow_seconds` later."""
    time.sleep(ACCOUNT["slow_seconds"] + 0.5)
    return emu.stats()


def all_requests_fail() -> GiveUp:
    """Every request faulted from the first one on."""
    with EmulatorProcess(**emulator_options(**ACCOUNT, fault_rate=1.0, fault_kinds="all")) as emu:
        run = run_tap_watched(config_for(emu))
        stats = settled_stats(emu)
        resumed = None
        if run.last_state is not None:
            emu.configure(fault_rate=0.0)
            resumed = run_tap_watched(config_for(emu), state=run.last_state)
    return GiveUp(run, stats["faults"], stats["requests"], run.wall_seconds, resumed)


def faults_reach_100_percent_mid_sync() -> GiveUp:
    """A clean sync until the first campaign_statistics record, then every request faulted;
    after it gave up, the faults stop and the tap resumes from the last STATE it emitted."""
    with EmulatorProcess(**emulator_options(**ACCOUNT)) as emu:

        def all_faults(_: subprocess.Popen) -> None:
            emu.configure(fault_rate=1.0, fault_kinds="all")

        trigger = Trigger("campaign_statistics", 1, all_faults)
        run = run_tap_watched(config_for(emu), watch=trigger)
        ended = time.monotonic()
        stats = settled_stats(emu)
        emu.configure(fault_rate=0.0)
        resumed = run_tap_watched(config_for(emu), state=run.last_state)
    # Infinite (and so failing the bound) if the sync never reached campaign_statistics.
    seconds = float("inf") if trigger.fired_at is None else ended - trigger.fired_at
    return GiveUp(run, stats["faults"], stats["requests"], seconds, resumed)


@pytest.fixture(scope="module")
def results() -> Results:
    with ThreadPoolExecutor(max_workers=4) as pool:
        give_up = pool.submit(all_requests_fail)
        mid_sync = pool.submit(faults_reach_100_percent_mid_sync)
        with EmulatorProcess(**emulator_options(**ACCOUNT)) as clean, EmulatorProcess(
            **emulator_options(**ACCOUNT, **FAULTS)
        ) as faulty:
            clean_full, faulty_full = pool.map(
                lambda emu: run_tap_watched(config_for(emu)), (clean, faulty)
            )
            faults_full = settled_stats(faulty)["faults"]
            dataset = clean.dataset()
            for emu in (clean, faulty):
                emu.reset_stats()
                emu.advance(days=1)
            # The same state (the clean full run's) for both incremental runs.
            state = clean_full.last_state
            clean_inc, faulty_inc = pool.map(
                lambda emu: run_tap_watched(config_for(emu), state=state), (clean, faulty)
            )
            faults_incremental = settled_stats(faulty)["faults"]
            secrets = sorted(
                set(secrets_of(dataset, clean.api_key))
                | set(secrets_of(clean.dataset(), clean.api_key))
            )
        return Results(
            dataset=dataset,
            clean_full=clean_full,
            faulty_full=faulty_full,
            clean_incremental=clean_inc,
            faulty_incremental=faulty_inc,
            faults_full=faults_full,
            faults_incremental=faults_incremental,
            all_faults=give_up.result(),
            faults_mid_sync=mid_sync.result(),
            secrets=secrets,
        )


def retry_causes(run: TapRun) -> dict[str, int]:
    """How many retry lines name each fault kind's cause."""
    lines = retry_lines(run)
    return {kind: sum(cause in line for line in lines) for kind, cause in FAULT_CAUSES.items()}


# -- 10% faults: the same records ------------------------------------------------------------


def test_fault_free_reference_sync_emits_what_the_emulator_serves(results, leak_scan):
    run = results.clean_full
    leak_scan(results.secrets, run)
    assert run.returncode == 0, summary(run)
    want = expected_keys(results.dataset, START)
    assert {s: run.keys(s) for s in PRIMARY_KEYS} == want
    assert not retry_lines(run)


def test_full_sync_under_10_percent_faults_emits_exactly_the_fault_free_records(
    results, leak_scan
):
    clean, faulty = results.clean_full, results.faulty_full
    leak_scan(results.secrets, clean, faulty)
    assert faulty.returncode == 0, summary(faulty)
    assert differences(tables(faulty), tables(clean)) == {}
    assert duplicates(faulty) == {}, "a retried request emitted its records twice"
    assert records_lost(tables(faulty), tables(clean)) == 0


def test_incremental_sync_under_10_percent_faults_emits_exactly_the_fault_free_records(
    results, leak_scan
):
    clean, faulty = results.clean_incremental, results.faulty_incremental
    leak_scan(results.secrets, clean, faulty)
    assert clean.returncode == 0, summary(clean)
    assert faulty.returncode == 0, summary(faulty)
    # The day of activity reached the incremental runs, and they stayed incremental.
    assert clean.records["campaign_leads"]
    assert clean.records["lead_message_history"]
    assert len(clean.records["campaign_leads"]) < len(results.clean_full.records["campaign_leads"])
    assert differences(tables(faulty), tables(clean)) == {}
    assert duplicates(faulty) == {}, "a retried request emitted its records twice"


def test_faulty_syncs_end_with_the_same_bookmarks_as_fault_free_ones(results, leak_scan):
    leak_scan(results.secrets, results.faulty_full, results.faulty_incremental)
    assert bookmarks(results.faulty_full.last_state) == bookmarks(results.clean_full.last_state)
    assert bookmarks(results.faulty_incremental.last_state) == bookmarks(
        results.clean_incremental.last_state
    )


def test_faults_of_several_kinds_were_really_injected(results, leak_scan):
    leak_scan(results.secrets, results.faulty_full, results.faulty_incremental)
    assert sum(results.faults_full.values()) > 0
    assert sum(results.faults_incremental.values()) > 0
    kinds = {k for k, n in results.faults_full.items() if n} | {
        k for k, n in results.faults_incremental.items() if n
    }
    assert len(kinds) >= 4, results.faults_full


@pytest.mark.parametrize("sync", ["full", "incremental"])
def test_every_injected_fault_is_logged_as_a_retry_naming_stream_and_cause(
    results, leak_scan, sync
):
    run = getattr(results, f"faulty_{sync}")
    faults = getattr(results, f"faults_{sync}")
    leak_scan(results.secrets, run)
    lines = retry_lines(run)
    clean = getattr(results, f"clean_{sync}")
    print(f"10% faults, {sync}: exit {run.returncode}, {run.wall_seconds:.1f}s "
          f"(fault-free {clean.wall_seconds:.1f}s), faults {faults}, {len(lines)} retries, "
          f"records lost {records_lost(tables(run), tables(clean))}")
    assert len(lines) >= sum(faults.values()), summary(run)
    causes = retry_causes(run)
    for kind, injected in faults.items():
        assert causes[kind] >= injected, f"{kind}: {injected} injected, {causes[kind]} retried"
    for line in lines:
        stream = line.split(RETRY_LINE, 1)[1].split(" ", 1)[0]
        assert stream in PRIMARY_KEYS, line
        assert any(cause in line for cause in FAULT_CAUSES.values()), f"unexplained: {line}"


# -- 100% faults: give up in bounded time, resume from the last state -----------------------


def assert_gives_up_clearly(outcome: GiveUp) -> None:
    run = outcome.run
    print(f"100% faults: exit {run.returncode}, gave up {outcome.seconds_to_give_up:.1f}s after "
          f"the faults began, {outcome.requests} requests, faults {outcome.faults}, "
          f"{len(run.states)} states; error: {(error_lines(run) or ['-'])[-1]}")
    assert run.returncode == 1, summary(run)
    assert outcome.seconds_to_give_up < GIVE_UP_BOUND_SECONDS
    errors = error_lines(run)
    assert len(errors) == 1, summary(run)
    error = errors[0]
    assert error == run.stderr_text.rstrip("\n").splitlines()[-1], "the error is not the last line"
    assert "Giving up on " in error and "after 8 attempts" in error, error
    assert "Traceback" not in run.stderr_text, summary(run, 60)


def test_every_request_failing_gives_up_within_60s_with_one_clear_error_line(
    results, leak_scan
):
    outcome = results.all_faults
    leak_scan(results.secrets, outcome.run)
    assert_gives_up_clearly(outcome)
    # No retry storm: the first request is tried MAX_TRIES times, then the tap stops.
    assert outcome.requests <= 8, outcome.requests
    assert len(retry_lines(outcome.run)) == 7
    if outcome.run.last_state is not None:
        assert outcome.resumed is not None
        leak_scan(results.secrets, outcome.resumed)
        assert outcome.resumed.returncode == 0, summary(outcome.resumed)
        together = merged([outcome.run, outcome.resumed])
        assert differences(together, tables(results.clean_full)) == {}


def test_faults_reaching_100_percent_mid_sync_give_up_and_the_last_state_resumes(
    results, leak_scan
):
    outcome = results.faults_mid_sync
    assert outcome.resumed is not None
    leak_scan(results.secrets, outcome.run, outcome.resumed)
    assert_gives_up_clearly(outcome)
    assert sum(outcome.faults.values()) >= 8
    state = outcome.run.last_state
    assert state is not None, "no STATE before giving up"
    assert "campaign_leads" in state.get("bookmarks", {}), state
    resumed = outcome.resumed
    assert resumed.returncode == 0, summary(resumed)
    # It resumed (leads from their bookmarks), it did not start over.
    full_leads = results.clean_full.records["campaign_leads"]
    assert len(resumed.records["campaign_leads"]) < len(full_leads)
    together = merged([outcome.run, resumed])
    print(f"resumed: exit {resumed.returncode} in {resumed.wall_seconds:.1f}s, records lost "
          f"{records_lost(together, tables(results.clean_full))}")
    assert records_lost(together, tables(results.clean_full)) == 0
    assert differences(together, tables(results.clean_full)) == {}
