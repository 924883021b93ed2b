"""Thirty-one daily runs on the default settings into PostgreSQL end equal to the truth.

A user runs the tap once a day, for months, with no start_date (90 days before today, a date
that moves every day), into MeltanoLabs' target-postgres as meltano.yml configures it (upserts
on the key properties). Here the emulator advances one day before each run and the tap's clock
(time-machine, the tap in this process) is moved with it. On the way the user sets start_date
(day 9), changes analytics_window_days from 30 to 7 (day 16), and deletes a campaign in
Smartlead (day 21); on days 10 and 24 they set a lead's category, status and custom fields by
hand (no email, no event) in two campaigns (tests/integration/test_hand_edits.py has such edits
in idle campaigns too). Each run takes the state the previous one wrote, as Meltano does.

At the end every table is compared with the emulator's ground truth (keys and row counts),
campaign_analytics_by_date's windows must neither overlap nor leave gaps and each must hold the
emails sent in it, no bookmark may be later than its run's clock, the deleted campaign must be
gone from the full-table tables, and `dbt build` must pass on the result with the campaign gone
from the marts. Each hand edit must be in the `campaign_leads` table and in the lead funnel
mart at the end: the day-24 edits within the default bound of 7 runs (`refresh_within_days`:
the edit day's run and the next 6). The settings are the defaults but for the request budget
(the emulator runs without a rate limit, so the tap need not pace itself: it changes no data).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from psycopg.rows import dict_row

from scripts.bench_schedule import run_at
from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import MeltanoProject, PostgresServer
from tests.dbt.conftest import postgres_project
from tests.integration.expected import EPOCH, instant
from tests.tap_forkserver import popen_tap
from tests.warehouse.helpers import STREAM_KEYS, format_counts, key_of

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.meltano]

SCHEMA = "daily"
DAYS = 30  # runs on days 0..30
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)  # the emulator's clock on day 0
DEFAULT_START = dt.datetime(2025, 12, 2, tzinfo=dt.timezone.utc)  # 90 days before day 0
# Where the first run starts reading statistics, messages and analytics: the first day of the
# 30-day window (counted from 1970-01-01) that holds the default start date.
FIRST_DAY = dt.datetime(2025, 11, 8, tzinfo=dt.timezone.utc)
START_DATE_SET = (9, "2025-11-01")  # (day, the start_date the user sets that day)
WINDOW_CHANGE = (16, 7)  # (day, the new analytics_window_days)
DELETED = (21, 1001)  # (day, the campaign deleted before that day's run)
# Hand edits (category, status, custom fields) on these days, in these campaigns (every
# campaign sends every day); the last is 6 runs before the end: the bound of 7 runs.
EDITED_CAMPAIGNS = (1000, 1002)
EDIT_DAYS = (10, DAYS - 6)

# Full-table streams that send ACTIVATE_VERSION. Not lead_engagement: it skips idle campaigns
# and keeps their rows, so it sends none while skip_idle_campaigns is on, and the deleted
# campaign's rows stay like the incremental tables' (dbt's staging drops them).
# Nor the streams read on the rotation (refresh_within_days: campaign_analytics, sequences,
# mailboxes, webhooks, email_account_details): they keep the rows of campaigns not read that
# run, so they send none either.
FULL_TABLE = {"campaigns", "email_accounts", "lead_categories", "clients"}
# The account-wide analytics streams have their own multi-day test
# (tests/integration/test_global_analytics.py); this truth does not model them.
ACCOUNT_ANALYTICS = {
    "account_daily_stats", "account_daily_stats_by_send_date", "campaign_daily_stats",
    "mailbox_daily_stats", "client_daily_stats", "reply_category_daily",
    "campaign_mailbox_statistics",
}
COMPARED = set(STREAM_KEYS) - ACCOUNT_ANALYTICS
# Children of a campaign, keyed by campaign_id (the deleted campaign's must leave the
# full-table ones; the incremental ones keep them, and dbt's staging drops them).
PER_CAMPAIGN = {stream for stream, keys in STREAM_KEYS.items() if keys[0] == "campaign_id"}

Key = tuple[str, ...]


@dataclass
class Outcome:
    truth: dict[str, Any]
    live: dict[str, set[Key]]  # per table: keys of rows not marked deleted
    deleted: dict[str, set[Key]]  # per table: keys of rows marked _sdc_deleted_at
    windows: dict[str, list[dict[str, Any]]]  # campaign -> its analytics windows, by start
    late_bookmarks: list[str]
    runs: int
    # The deleted campaign's full-table rows the day before it was deleted (keys per table).
    deleted_campaign_rows: dict[str, set[Key]]
    seconds: dict[str, float]  # where the test's time went
    dbt_output: str = ""
    dbt_failed: list[str] = field(default_factory=list)
    marts: dict[str, int] = field(default_factory=dict)  # mart -> rows of the deleted campaign
    # Each hand edit: {day, campaign_id, campaign_lead_map_id, category_id, status, marker}.
    edits: list[dict[str, Any]] = field(default_factory=list)
    # (campaign_id, campaign_lead_map_id) -> the edited lead's row in campaign_leads / the mart.
    edited_leads: dict[Key, dict[str, Any]] = field(default_factory=dict)
    edited_funnel: dict[Key, dict[str, Any]] = field(default_factory=dict)


def run_tap(
    config: dict[str, Any], state: dict[str, Any], clock: dt.datetime
) -> tuple[bytes, dict[str, Any]]:
    """One daily run of the tap in this process at ``clock``; its output and final state."""
    messages = run_at(clock, config, state)
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    output = "".join(json.dumps(m) + "\n" for m in messages).encode()
    return output, (states[-1] if states else state)


def late_bookmarks(state: dict[str, Any], clock: dt.datetime) -> list[str]:
    """Every bookmark of ``state`` later than ``clock`` (days compared with its day)."""
    late = []
    for stream, entry in state.get("bookmarks", {}).items():
        for partition in [entry, *entry.get("partitions", [])]:
            value = partition.get("replication_key_value")
            if value is None:
                continue
            is_day = len(str(value)) == 10
            when = instant(value)
            if when is None or (when.date() > clock.date() if is_day else when > clock):
                late.append(f"{stream} {partition.get('context')}: {value} (run at {clock})")
    return late


def target_config(project: MeltanoProject, postgres: PostgresServer, path: Path) -> Path:
    """target-postgres' settings as meltano.yml resolves them, pointed at the test server
    (``meltano config --unsafe print``, shared with the other tests that resolve them)."""
    config = project.plugin_config("target-postgres", postgres.target_env(SCHEMA))
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def read_tables(postgres: PostgresServer) -> tuple[dict[str, set[Key]], dict[str, set[Key]],
                                                   dict[str, list[dict[str, Any]]]]:
    live: dict[str, set[Key]] = defaultdict(set)
    deleted: dict[str, set[Key]] = defaultdict(set)
    windows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with postgres.connect(row_factory=dict_row) as conn:
        for stream in STREAM_KEYS:
            for row in conn.execute(f'SELECT * FROM "{SCHEMA}"."{stream}"').fetchall():
                gone = row.get("_sdc_deleted_at") is not None
                (deleted if gone else live)[stream].add(key_of(stream, row))
                if stream == "campaign_analytics_by_date" and not gone:
                    windows[str(row["campaign_id"])].append({
                        **row, "start_date": day_of(row["start_date"]),
                        "end_date": day_of(row["end_date"]),
                    })
    for rows in windows.values():
        rows.sort(key=lambda r: r["start_date"])
    return live, deleted, windows


@pytest.fixture(scope="module")
def outcome(meltano_project: MeltanoProject, postgres: PostgresServer,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    work = tmp_path_factory.mktemp("daily")
    loader = meltano_project.root / ".meltano/loaders/target-postgres/venv/bin/target-postgres"
    target = target_config(meltano_project, postgres, work / "target.json")
    late: list[str] = []
    before_deletion: dict[str, set[Key]] = {}
    seconds = {"tap": 0.0, "target-postgres": 0.0}
    # One loader process receives every day's run: its start-up (about 7 s of CPU) would be
    # most of the test's time 31 times over. It keeps the last row per key of a batch and drains
    # a table on its ACTIVATE_VERSION, so the tables end as after 31 separate loads.
    loader_log = (work / "target-postgres.log").open("wb")
    # Forked from a process that imported it (tests/tap_forkserver.py), like the pipes' loaders.
    target_process = popen_tap(["--config", str(target)], tap=str(loader),
                               stdin=subprocess.PIPE, stdout=loader_log, stderr=loader_log)
    assert target_process.stdin is not None
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(lambda: target_process.poll() is None and target_process.kill())
        cleanup.callback(loader_log.close)
        emu = cleanup.enter_context(EmulatorProcess(
            seed=23, now=START.isoformat(), campaigns=3, leads_per_campaign=15, mailboxes=2,
            clients=1, rate_limit="none"))
        config: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url,
                                  "rate_limit_requests": 1000, "rate_limit_window_seconds": 1}
        state: dict[str, Any] = {}
        edits: list[dict[str, Any]] = []
        for day in range(DAYS + 1):
            if day == DELETED[0]:  # what the tap last saw of the campaign: the day before
                keys = truth_keys(emu.dataset())
                before_deletion = {
                    stream: {k for k in keys[stream] if k[0] == str(DELETED[1])}
                    for stream in FULL_TABLE & PER_CAMPAIGN | {"campaigns"}
                }
            if day:
                emu.advance(days=1)
            if day == START_DATE_SET[0]:
                config["start_date"] = START_DATE_SET[1]
            if day == WINDOW_CHANGE[0]:
                config["analytics_window_days"] = WINDOW_CHANGE[1]
            if day == DELETED[0]:
                emu.delete_campaign(DELETED[1])
            if day in EDIT_DAYS:
                edits += edit_leads_by_hand(emu, day)
            clock = START + dt.timedelta(days=day)
            began = time.monotonic()
            output, state = run_tap(config, state, clock)
            late += late_bookmarks(state, clock + dt.timedelta(minutes=5))
            seconds["tap"] += time.monotonic() - began
            began = time.monotonic()
            target_process.stdin.write(output)
            target_process.stdin.flush()
            seconds["target-postgres"] += time.monotonic() - began
        truth = emu.dataset()
        began = time.monotonic()
        target_process.stdin.close()
        returncode = target_process.wait(timeout=600)
        seconds["target-postgres"] += time.monotonic() - began
    assert returncode == 0, (work / "target-postgres.log").read_text(errors="replace")[-5000:]
    live, deleted, windows = read_tables(postgres)
    result = Outcome(truth, live, deleted, windows, late, DAYS + 1, before_deletion, seconds,
                     edits=edits)
    result.edited_leads = edited_rows(postgres, f'"{SCHEMA}"."campaign_leads"', edits)

    began = time.monotonic()
    dbt = postgres_project(postgres, SCHEMA, SCHEMA, work / "dbt").build(timeout=600)
    seconds["dbt build"] = time.monotonic() - began
    # A warning is not a failure (the gone campaign's own test warns while it is gone).
    result.dbt_output = dbt.output
    result.dbt_failed = [node for node in dbt.failed() if dbt.results[node] != "warn"]
    if dbt.returncode == 0 or dbt.results:
        with postgres.connect() as conn:
            marts = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = %s AND column_name = 'campaign_id'", [f"{SCHEMA}_marts"],
            ).fetchall()]
            for mart in marts:
                result.marts[mart] = conn.execute(
                    f'SELECT count(*) FROM "{SCHEMA}_marts"."{mart}" WHERE campaign_id = %s',
                    [DELETED[1]],
                ).fetchone()[0]
        if "smartlead__lead_funnel" in marts:
            result.edited_funnel = edited_rows(
                postgres, f'"{SCHEMA}_marts"."smartlead__lead_funnel"', edits)
    yield result


def edit_leads_by_hand(emu: EmulatorProcess, day: int) -> list[dict[str, Any]]:
    """A lead's category, status and custom fields set by hand in each of EDITED_CAMPAIGNS (no
    email, no event); a different lead and category each edit day."""
    truth = emu.dataset()
    categories = sorted(c["id"] for c in truth["categories"])
    edits = []
    for n, campaign_id in enumerate(EDITED_CAMPAIGNS):
        campaign = next(c for c in truth["campaigns"] if c["id"] == campaign_id)
        lead = campaign["leads"][(day + n) % len(campaign["leads"])]
        category = categories[(day + n) % len(categories)]
        status = "PAUSED" if n == 0 else "STOPPED"
        marker = f"set by hand on day {day}"
        done = emu.edit("lead", campaign_id=campaign_id, lead_id=lead["lead"]["id"],
                        category_id=category, status=status,
                        custom_fields={"hand_edit": marker})
        edits.append({"day": day, "campaign_id": campaign_id,
                      "campaign_lead_map_id": done["campaign_lead_map_id"],
                      "category_id": category, "status": status, "marker": marker})
    return edits


def edited_rows(postgres: PostgresServer, table: str,
                edits: list[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The rows of ``table`` (campaign_leads or the lead funnel mart) of the edited leads."""
    rows: dict[Key, dict[str, Any]] = {}
    with postgres.connect(row_factory=dict_row) as conn:
        for edit in edits:
            found = conn.execute(
                f"SELECT * FROM {table} WHERE campaign_id = %s AND campaign_lead_map_id = %s",
                [edit["campaign_id"], edit["campaign_lead_map_id"]],
            ).fetchall()
            rows.update({(str(edit["campaign_id"]), str(edit["campaign_lead_map_id"])): row
                         for row in found})
    return rows


# -- the truth, from the emulator's own data ------------------------------------------------


def day_of(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def truth_keys(truth: dict[str, Any]) -> dict[str, set[Key]]:
    """What the warehouse must hold after the runs, from /_emulator/dataset alone."""
    campaigns = truth["campaigns"]  # the deleted one is not among them
    first_day, last_day = START.date(), (START + dt.timedelta(days=DAYS)).date()

    def keys(rows: Iterator[tuple[Any, ...]]) -> set[Key]:
        return {tuple(str(v) for v in row) for row in rows}

    warmup_days = {
        account: [d["date"] for d in days] for account, days in truth["warmup"].items()
    }
    return {
        "campaigns": keys((c["id"],) for c in campaigns),
        "campaign_sequences": keys((c["id"], s["id"]) for c in campaigns for s in c["sequences"]),
        "campaign_email_accounts": keys(
            (c["id"], a["id"]) for c in campaigns for a in c["email_accounts"]),
        "campaign_webhooks": keys((c["id"], w["id"]) for c in campaigns for w in c["webhooks"]),
        "campaign_analytics": keys((c["id"],) for c in campaigns),
        "campaign_leads": keys(
            (c["id"], r["campaign_lead_map_id"]) for c in campaigns for r in c["leads"]),
        "lead_engagement": keys(
            (c["id"], row[c["leads_export"]["columns"].index("campaign_lead_map_id")])
            for c in campaigns for row in c["leads_export"]["rows"]),
        # The first run read from FIRST_DAY; later runs from their bookmarks.
        "campaign_statistics": keys(
            (c["id"], s["stats_id"]) for c in campaigns for s in c["statistics"]
            if instant(s["sent_time"]) >= FIRST_DAY),
        # Threads are emitted from where the first sync started (FIRST_DAY, kept in the state).
        "lead_message_history": keys(
            (c["id"], lead, m["message_id"]) for c in campaigns
            for lead, thread in c["message_history"].items() for m in thread["history"]
            if instant(m["time"]) > FIRST_DAY - dt.timedelta(seconds=1)),
        "email_accounts": keys((a["id"],) for a in truth["email_accounts"]),
        "email_account_details": keys((a["id"],) for a in truth["email_accounts"]),
        "lead_categories": keys((c["id"],) for c in truth["categories"]),
        "clients": keys((c["id"],) for c in truth["clients"]),
        # The API shows 7 days; each run keeps what it saw: from 6 days before day 0.
        "warmup_stats": keys(
            (account, day) for account, days in warmup_days.items() for day in days
            if first_day - dt.timedelta(days=6) <= dt.date.fromisoformat(day) <= last_day),
        # One row of 7-day totals per mailbox per run.
        "warmup_totals": keys(
            (account, (first_day + dt.timedelta(days=n)).isoformat())
            for account in warmup_days for n in range(DAYS + 1)),
        "campaign_analytics_by_date": set(),  # checked window by window below
    }


def calendar_start(day: dt.date, days: int) -> dt.date:
    """The first day of the window of ``days`` days holding ``day``, windows counted from
    1970-01-01 (docs/design.md's rule, written here on its own)."""
    return day - dt.timedelta(days=(day - EPOCH).days % days)


def expected_windows() -> list[tuple[dt.date, dt.date]]:
    """Every campaign's windows after the runs: 30-day windows from the one holding the first
    run's start date; the size changes to 7 on day 16, when the window bookmarked the day
    before (the latest begun by day 15) runs on to the day before the next 7-day boundary;
    7-day windows from there, the last ending on the last run's day."""
    one = dt.timedelta(days=1)
    last_30_day_run = (START + dt.timedelta(days=WINDOW_CHANGE[0] - 1)).date()
    final = (START + dt.timedelta(days=DAYS)).date()
    starts = [calendar_start(DEFAULT_START.date(), 30)]
    assert starts[0] == FIRST_DAY.date()
    while starts[-1] + dt.timedelta(days=30) <= last_30_day_run:
        starts.append(starts[-1] + dt.timedelta(days=30))
    windows = [(start, start + dt.timedelta(days=29)) for start in starts[:-1]]
    boundary = calendar_start(starts[-1], WINDOW_CHANGE[1]) + dt.timedelta(days=WINDOW_CHANGE[1])
    windows.append((starts[-1], boundary - one))
    while boundary <= final:
        windows.append((boundary, min(boundary + dt.timedelta(days=WINDOW_CHANGE[1]) - one,
                                      final)))
        boundary += dt.timedelta(days=WINDOW_CHANGE[1])
    return windows


def sent_between(campaign: dict[str, Any], first: dt.date, last: dt.date) -> int:
    return sum(1 for s in campaign["statistics"] if first <= day_of(instant(s["sent_time"]))
               <= last)


# -- the checks ------------------------------------------------------------------------------


def test_figures_per_table_are_reported(outcome: Outcome, capsys: pytest.CaptureFixture[str]):
    expected = truth_keys(outcome.truth)
    rows: dict[str, list[Any]] = {}
    for stream in sorted(COMPARED):
        gone = {k for k in outcome.live[stream] if k[0] == str(DELETED[1])}
        truth = (len(expected_windows()) * len(outcome.truth["campaigns"]) if stream ==
                 "campaign_analytics_by_date" else len(expected[stream]))
        rows[stream] = [len(outcome.live[stream]) - (len(gone) if stream in PER_CAMPAIGN else 0),
                        truth, len(gone), len(outcome.deleted[stream])]
    sums = {
        str(c["id"]): [sum(int(w["sent_count"] or 0) for w in outcome.windows[str(c["id"])]),
                       sent_between(c, day_of(outcome.windows[str(c["id"])][0]["start_date"]),
                                    day_of(outcome.windows[str(c["id"])][-1]["end_date"]))]
        for c in outcome.truth["campaigns"]
    }
    with capsys.disabled():
        print()
        print(format_counts(
            f"{outcome.runs} daily runs: warehouse rows (live campaigns) vs the emulator's truth",
            ["warehouse", "truth", f"of {DELETED[1]}", "_sdc_del"], rows))
        print(format_counts("analytics_by_date sent_count per campaign: windows summed vs truth",
                            ["windows", "truth"], sums))
        print("  seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in outcome.seconds.items()))
    assert outcome.runs == DAYS + 1


@pytest.mark.parametrize("stream", sorted(COMPARED - {"campaign_analytics_by_date"}))
def test_every_table_holds_exactly_the_truth(outcome: Outcome, stream: str):
    held = outcome.live[stream]
    if stream in PER_CAMPAIGN and stream not in FULL_TABLE:
        # Incremental children keep the deleted campaign's rows (staging drops them).
        held = {k for k in held if k[0] != str(DELETED[1])}
    expected = truth_keys(outcome.truth)[stream]
    assert held == expected, (
        f"{stream}: {len(held)} rows, truth {len(expected)}; only in the warehouse "
        f"{sorted(held - expected)[:5]}, missing {sorted(expected - held)[:5]}"
    )


@pytest.mark.parametrize("stream", sorted(FULL_TABLE & PER_CAMPAIGN | {"campaigns"}))
def test_the_deleted_campaign_left_the_full_table_tables(outcome: Outcome, stream: str):
    # campaign_id (or the campaign's own id) comes first in every key here
    assert not {k for k in outcome.live[stream] if k[0] == str(DELETED[1])}
    # ... and target-postgres marked every row it had with _sdc_deleted_at.
    marked = {k for k in outcome.deleted[stream] if k[0] == str(DELETED[1])}
    assert marked == outcome.deleted_campaign_rows[stream]
    assert outcome.deleted_campaign_rows["campaigns"] == {(str(DELETED[1]),)}


def test_analytics_windows_are_the_calendars_whatever_start_date_and_window_size_did(
    outcome: Outcome,
):
    expected = expected_windows()
    for campaign in outcome.truth["campaigns"]:
        held = [(w["start_date"], w["end_date"]) for w in outcome.windows[str(campaign["id"])]]
        assert held == expected, campaign["id"]


def test_analytics_windows_never_overlap_and_leave_no_gap(outcome: Outcome):
    last_day = (START + dt.timedelta(days=DAYS)).date()
    problems = []
    for campaign in outcome.truth["campaigns"]:
        windows = outcome.windows[str(campaign["id"])]
        first = windows[0]["start_date"]
        # 30-day windows counted from 1970-01-01: the one holding the first run's start date.
        if first != FIRST_DAY.date():
            problems.append(f"{campaign['id']}: first window starts {first}, not {FIRST_DAY}")
        for before, after in itertools.pairwise(windows):
            if after["start_date"] != before["end_date"] + dt.timedelta(days=1):
                problems.append(f"{campaign['id']}: {before['start_date']}..{before['end_date']}"
                                f" then {after['start_date']}..{after['end_date']}")
        if windows[-1]["end_date"] != last_day:
            problems.append(f"{campaign['id']}: the last window ends {windows[-1]['end_date']}")
        if any((w["end_date"] - w["start_date"]).days > 29 for w in windows):
            problems.append(f"{campaign['id']}: a window longer than the API's 30 days")
    assert not problems, "\n".join(problems)


def test_analytics_windows_after_the_size_change_are_seven_days(outcome: Outcome):
    change = (START + dt.timedelta(days=WINDOW_CHANGE[0])).date()
    for campaign in outcome.truth["campaigns"]:
        later = [w for w in outcome.windows[str(campaign["id"])] if w["start_date"] > change]
        assert later, "windows of the new size should have started"
        # 7-day windows counted from 1970-01-01 start on Thursdays (weekday 3).
        assert all(w["start_date"].weekday() == 3 for w in later), later
        assert all((w["end_date"] - w["start_date"]).days == 6 for w in later[:-1]), later


def test_each_analytics_window_holds_the_emails_sent_in_it(outcome: Outcome):
    problems = []
    for campaign in outcome.truth["campaigns"]:
        for window in outcome.windows[str(campaign["id"])]:
            sent = sent_between(campaign, window["start_date"], window["end_date"])
            if int(window["sent_count"] or 0) != sent:
                problems.append(f"{campaign['id']} {window['start_date']}..{window['end_date']}:"
                                f" sent_count {window['sent_count']}, truth {sent}")
    assert not problems, "\n".join(problems)


def test_analytics_sent_counts_add_up_to_every_email_sent_since_the_first_window(
    outcome: Outcome,
):
    for campaign in outcome.truth["campaigns"]:
        windows = outcome.windows[str(campaign["id"])]
        total = sum(int(w["sent_count"] or 0) for w in windows)
        since = windows[0]["start_date"]
        assert total == sum(1 for s in campaign["statistics"]
                            if day_of(instant(s["sent_time"])) >= since), campaign["id"]


def test_no_bookmark_is_later_than_its_runs_clock(outcome: Outcome):
    assert outcome.late_bookmarks == []


def test_dbt_build_and_its_cross_checks_pass(outcome: Outcome):
    assert not outcome.dbt_failed, outcome.dbt_output[-6000:]


def test_the_deleted_campaign_is_gone_from_the_marts(outcome: Outcome):
    assert outcome.marts, outcome.dbt_output[-3000:]
    assert {mart: n for mart, n in outcome.marts.items() if n} == {}


def edited_lead_in_truth(outcome: Outcome, edit: dict[str, Any]) -> dict[str, Any]:
    campaign = next(c for c in outcome.truth["campaigns"] if c["id"] == edit["campaign_id"])
    return next(r for r in campaign["leads"]
                if str(r["campaign_lead_map_id"]) == str(edit["campaign_lead_map_id"]))


def test_the_hand_edits_are_in_the_account_at_the_end(outcome: Outcome):
    """The emulator keeps each edit (so the checks below test the tap, not the data)."""
    assert len(outcome.edits) == len(EDIT_DAYS) * len(EDITED_CAMPAIGNS)
    for edit in outcome.edits:
        row = edited_lead_in_truth(outcome, edit)
        assert (row["lead_category_id"], row["status"],
                row["lead"]["custom_fields"].get("hand_edit")) == (
            edit["category_id"], edit["status"], edit["marker"]), edit


@pytest.mark.parametrize("table", ["campaign_leads", "smartlead__lead_funnel"])
def test_every_hand_edit_reaches_the_warehouse_within_the_bound(outcome: Outcome, table: str):
    """In the table and in the lead funnel mart: the category, the status and (in the table)
    the custom fields of each edited lead, the day-24 edits included (7 runs: the bound)."""
    rows = outcome.edited_leads if table == "campaign_leads" else outcome.edited_funnel
    status_column = "status" if table == "campaign_leads" else "lead_status"
    missing = []
    for edit in outcome.edits:
        row = rows.get((str(edit["campaign_id"]), str(edit["campaign_lead_map_id"])))
        wanted = [str(edit["category_id"]), edit["status"]]
        got = None
        if row is not None:
            got = [str(row["lead_category_id"]), str(row[status_column]).upper()]
            if table == "campaign_leads":
                fields = (row["lead"] or {}).get("custom_fields") or {}
                got.append(fields.get("hand_edit"))
                wanted.append(edit["marker"])
        if got != wanted:
            missing.append(f"{edit}: {got}")
    assert missing == []
