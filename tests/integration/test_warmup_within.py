"""``warmup_within_days``: each mailbox's warmup report read less often than every run, losing
no day.

The emulator (2 campaigns, 6 mailboxes) advances before each run and the tap's clock
(time-machine, the tap in this process: scripts/bench_schedule.py ``run_at``, here with only
the two warmup streams selected) is moved with it; each run takes the state the previous one
wrote. The runs' ``warmup_stats`` records are merged by primary key (what an upserting target
keeps) and compared with the emulator's warmup history, day by day and field by field, from the
first run's report (its 7 days) to the last run's day; the warmup requests per run come from the
emulator's counters.

The report shows 7 days, so a mailbox read on day D must be read again by day D + 6 (D itself
may have been partial when read). The tap reads it at the latest on the first run W days after
D: with daily runs any W up to 6 loses nothing; with runs up to 4 days apart, W = 3 (a run on
day D + 2 may be followed by the next on day D + 6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from scripts.bench_schedule import run_at
from smartlead_emulator.testing import EmulatorProcess
from tap_smartlead.tap import TapSmartlead, close_runtimes

pytestmark = pytest.mark.integration

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
MAILBOXES = 6
STREAMS = ("warmup_stats", "warmup_totals")
COUNTS = ("id", "sent_count", "reply_count", "save_from_spam_count")
DAILY = list(range(21))  # days 0..20
# Gaps of 1 to 4 days between runs.
IRREGULAR = [0, 1, 4, 8, 10, 11, 15, 17, 18, 22, 23]


@dataclass
class Schedule:
    # (mailbox id, date) -> the warmup_stats row last emitted for it.
    rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Per run: warmup requests, mailboxes in warmup_stats, mailboxes in warmup_totals.
    requests: list[int] = field(default_factory=list)
    stats_mailboxes: list[set[str]] = field(default_factory=list)
    totals_mailboxes: list[set[str]] = field(default_factory=list)
    # The rows once more with a last run on the last day with the default (every mailbox):
    # what the schedule left pending in the report's window arrives, so none of it was lost.
    caught_up: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    truth: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mailboxes: list[str] = field(default_factory=list)


def warmup_catalog(config: dict[str, Any], selected: tuple[str, ...] = STREAMS) -> dict[str, Any]:
    """The tap's catalog with only ``selected`` of the warmup streams selected."""
    try:
        catalog = TapSmartlead(config=config, parse_env_config=False).catalog_dict
    finally:
        close_runtimes()
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in selected
    return catalog


def run_schedule(days: list[int], settings: dict[str, Any], selected: tuple[str, ...] = STREAMS,
                 reverse: bool = False) -> Schedule:
    done = Schedule()
    with EmulatorProcess(seed=29, now=START.isoformat(), campaigns=2, leads_per_campaign=4,
                         mailboxes=MAILBOXES, clients=1, active_campaigns=1,
                         rate_limit="none") as emu:
        config = {"api_key": emu.api_key, "base_url": emu.base_url,
                  "rate_limit_requests": 1000, "rate_limit_window_seconds": 1, **settings}
        catalog = warmup_catalog(config, selected)
        state: dict[str, Any] = {}
        for previous, day in zip([days[0], *days], days, strict=False):
            if day > previous:
                emu.advance(days=day - previous)
            state = one_run(emu, day, config, state, catalog, done, reverse)
        # The catch-up run, on the last day with the default: into a copy of the rows.
        scheduled = done.rows
        done.rows = dict(scheduled)
        one_run(emu, days[-1], {**config, "warmup_within_days": 1}, state, catalog, done)
        done.caught_up, done.rows = done.rows, scheduled
        for counts in (done.requests, done.stats_mailboxes, done.totals_mailboxes):
            counts.pop()  # the catch-up run's
        dump = emu.dataset()
    done.truth = dump["warmup"]
    done.mailboxes = [str(a["id"]) for a in dump["email_accounts"]]
    return done


def one_run(emu: EmulatorProcess, day: int, config: dict[str, Any], state: dict[str, Any],
            catalog: dict[str, Any], done: Schedule, reverse: bool = False) -> dict[str, Any]:
    """The run of ``day``: its rows and counts into ``done``; returns the state it wrote."""
    emu.reset_stats()
    seen: dict[str, set[str]] = {stream: set() for stream in STREAMS}
    for message in run_at(START + dt.timedelta(days=day), config, state, catalog,
                                reverse):
        if message["type"] == "STATE":
            state = message["value"]
        elif message["type"] == "RECORD" and message["stream"] in STREAMS:
            record = message["record"]
            seen[message["stream"]].add(str(record["email_account_id"]))
            if message["stream"] == "warmup_stats":
                done.rows[(str(record["email_account_id"]), record["date"])] = record
    by_path = emu.stats()["by_path"]
    done.requests.append(sum(n for path, n in by_path.items() if "warmup-stats" in path))
    done.stats_mailboxes.append(seen["warmup_stats"])
    done.totals_mailboxes.append(seen["warmup_totals"])
    return state


def expected_days(done: Schedule, last_day: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The emulator's warmup days from the first run's report (its 7 days) to the last run's."""
    first = (START.date() - dt.timedelta(days=6)).isoformat()
    last = (START.date() + dt.timedelta(days=last_day)).isoformat()
    return {(aid, day["date"]): day for aid, days in done.truth.items() for day in days
            if first <= day["date"] <= last}


@pytest.fixture(scope="module")
def every_six_daily() -> Schedule:
    return run_schedule(DAILY, {"warmup_within_days": 6})


@pytest.fixture(scope="module")
def every_three_irregular() -> Schedule:
    return run_schedule(IRREGULAR, {"warmup_within_days": 3})


@pytest.fixture(scope="module")
def stats_alone() -> Schedule:
    return run_schedule(DAILY[:10], {"warmup_within_days": 6}, selected=("warmup_stats",))


@pytest.fixture(scope="module")
def totals_first() -> Schedule:
    return run_schedule(DAILY[:10], {"warmup_within_days": 6}, reverse=True)


@pytest.fixture(scope="module")
def default_daily() -> Schedule:
    return run_schedule(DAILY[:4], {})


def assert_every_day_emitted_as_the_emulator_has_it(done: Schedule, last_day: int) -> None:
    """Every day older than the last run's report (out of the API's reach by then) was emitted
    by the schedule; the days still in it, by the schedule or by the catch-up run (not lost:
    pending); each row equal to the emulator's day, whenever it was read."""
    expected = expected_days(done, last_day)
    assert len(expected) == MAILBOXES * (7 + last_day)
    in_last_report = (START.date() + dt.timedelta(days=last_day - 6)).isoformat()
    out_of_reach = {k for k in expected if k[1] < in_last_report}
    assert sorted(out_of_reach - set(done.rows)) == []
    assert sorted(set(expected) - set(done.caught_up)) == []
    for rows in (done.rows, done.caught_up):
        differing = [(k, {c: rows[k].get(c) for c in COUNTS}, {c: day[c] for c in COUNTS})
                     for k, day in expected.items()
                     if k in rows and any(str(rows[k].get(c)) != str(day[c]) for c in COUNTS)]
        assert differing == []


def test_daily_runs_every_six_days_emit_every_warmup_day_as_the_emulator_has_it(
        every_six_daily):
    assert_every_day_emitted_as_the_emulator_has_it(every_six_daily, DAILY[-1])


def test_runs_up_to_four_days_apart_every_three_days_emit_every_warmup_day(
        every_three_irregular):
    assert_every_day_emitted_as_the_emulator_has_it(every_three_irregular, IRREGULAR[-1])


@pytest.mark.parametrize(("name", "share"), [("every_six_daily", 1 / 3),
                                             ("every_three_irregular", 3 / 4)])
def test_a_rotation_reads_far_fewer_reports_than_mailboxes_times_runs(name, share, request):
    """Daily runs every 6 days: about a sixth of the mailboxes a run. Runs up to 4 days apart
    must read whatever is 3 days old (all of it after a gap of 3 or 4): the saving is on the
    runs a day after another."""
    done: Schedule = request.getfixturevalue(name)
    assert done.requests[0] == MAILBOXES  # the first run reads every mailbox
    assert sum(done.requests) <= MAILBOXES * len(done.requests) * share, done.requests
    assert min(done.requests[1:]) < MAILBOXES, done.requests


@pytest.mark.parametrize("name", ["stats_alone", "totals_first"])
def test_every_warmup_day_arrives_with_warmup_stats_alone_or_synced_second(name, request):
    done: Schedule = request.getfixturevalue(name)
    assert_every_day_emitted_as_the_emulator_has_it(done, 9)
    assert sum(done.requests) <= MAILBOXES * len(done.requests) / 2, done.requests


@pytest.mark.parametrize("name", ["every_six_daily", "every_three_irregular", "totals_first"])
def test_both_warmup_streams_read_the_same_mailboxes_on_each_run(name, request):
    done: Schedule = request.getfixturevalue(name)
    assert done.stats_mailboxes == done.totals_mailboxes
    # One request per mailbox read, shared by the two streams.
    assert [len(m) for m in done.totals_mailboxes] == done.requests


def test_by_default_every_run_reads_every_mailbox(default_daily):
    assert done_all(default_daily)
    assert_every_day_emitted_as_the_emulator_has_it(default_daily, DAILY[3])


def done_all(done: Schedule) -> bool:
    return (done.requests == [MAILBOXES] * len(done.requests)
            and all(m == set(done.mailboxes) for m in done.totals_mailboxes))
