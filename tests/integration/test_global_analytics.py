"""The account-wide analytics streams against the emulator: what it served, day by day.

One account (the older reference's shapes: `{"success": true, ...}`, days labelled "20 Apr")
is synced once; every new stream must hold exactly the rows the emulator's truth lists for the
range, with the same figures. The emulator's own figures must agree with its statistics rows
(sends per day) and add up (campaigns and mailboxes to the account, clients to their
campaigns). A second account answers 404 on every /analytics route: exit 0, one warning per
analytics stream, every other stream as complete as on the first account. A daily run after
one simulated day adds the requests the README's formula says.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.tap_runner import TapRun, merged, run_tap, tap_config

pytestmark = pytest.mark.integration

DAYS = 20
LOOKBACK = 3
ACCOUNT = {"seed": 5, "campaigns": 3, "leads_per_campaign": 50, "mailboxes": 4, "clients": 2,
           "rate_limit": "none"}
DAY_STREAMS = {
    # stream: (truth list, key columns as the truth spells them -> as the tap spells them)
    "campaign_daily_stats": ("campaign_days", (("id", "campaign_id"), ("date", "date"))),
    "mailbox_daily_stats": ("mailbox_days", (("from_email", "from_email"), ("date", "date"))),
    "client_daily_stats": ("client_days", (("client_id", "client_id"), ("date", "date"))),
    "reply_category_daily": ("category_days", (("name", "name"), ("date", "date"))),
}
ANALYTICS_STREAMS = {
    "account_daily_stats", "account_daily_stats_by_send_date", *DAY_STREAMS,
}


def start_date() -> str:
    return (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=DAYS)).isoformat()


@pytest.fixture(scope="module")
def synced() -> Iterator[tuple[TapRun, dict[str, Any], dict[str, Any], EmulatorProcess]]:
    with EmulatorProcess(analytics_shapes="reference", **ACCOUNT) as emu:
        config = tap_config(emu, start_date=start_date(), analytics_lookback_days=LOOKBACK)
        run = run_tap(config)
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        truth = emu.analytics(start_date=start_date(), end_date=today, timezone="UTC")
        yield run, truth, emu.dataset(), emu


def test_the_sync_succeeds(synced: Any) -> None:
    run, *_ = synced
    assert run.returncode == 0, run.stderr_text[-2000:]


def test_account_days_are_every_day_of_the_range_with_the_served_figures(synced: Any) -> None:
    run, truth, _, _ = synced
    for stream, served in (("account_daily_stats", truth["account_by_event_date"]),
                           ("account_daily_stats_by_send_date", truth["account_by_send_date"])):
        got = {r["date"]: r for r in run.records[stream]}
        assert sorted(got) == [row["date"] for row in served], stream
        for row in served:
            for name, value in row["email_engagement_metrics"].items():
                assert got[row["date"]][name] == value, (stream, row["date"], name)


def test_per_day_streams_hold_exactly_the_served_rows(synced: Any) -> None:
    run, truth, _, _ = synced
    for stream, (listed, keys) in DAY_STREAMS.items():
        served = {tuple(row[a] for a, _ in keys): row for row in truth[listed]}
        emitted = Counter(tuple(r[b] for _, b in keys) for r in run.records[stream])
        assert max(emitted.values(), default=1) == 1, f"{stream}: a key twice"
        assert set(emitted) == set(served), stream
        assert served, f"{stream}: the account needs activity for the test to mean anything"


def test_rates_arrive_as_numbers_and_counts_as_integers(synced: Any) -> None:
    run, truth, _, _ = synced
    served = {(r["id"], r["date"]): r for r in truth["campaign_days"]}
    for record in run.records["campaign_daily_stats"]:
        row = served[(record["campaign_id"], record["date"])]
        assert record["reply_rate"] == pytest.approx(float(row["reply_rate"].rstrip("%")))
        assert record["sent"] == row["sent"] and isinstance(record["sent"], int)


def test_mailbox_rows_carry_the_mailbox_id_of_their_address(synced: Any) -> None:
    run, _, dataset, _ = synced
    ids = {a["from_email"]: a["id"] for a in dataset["email_accounts"]}
    assert run.records["mailbox_daily_stats"]
    for record in run.records["mailbox_daily_stats"]:
        assert record["email_account_id"] == ids[record["from_email"]]


def test_campaign_mailbox_statistics_are_every_campaigns_served_lifetime_rows(
    synced: Any,
) -> None:
    run, truth, _, _ = synced
    served = {(r["campaign_id"], r["email_account_id"]): r for r in truth["campaign_mailboxes"]}
    got = {(r["campaign_id"], r["email_account_id"]): r
           for r in run.records["campaign_mailbox_statistics"]}
    assert got.keys() == served.keys()
    assert all(got[k]["sent_count"] == served[k]["sent_count"] for k in served)


def test_the_emulator_sends_per_day_equal_its_statistics_rows(synced: Any) -> None:
    _, truth, dataset, _ = synced
    per_day: Counter[str] = Counter(
        row["sent_time"][:10] for c in dataset["campaigns"] for row in c["statistics"]
    )
    for row in truth["account_by_event_date"]:
        assert row["email_engagement_metrics"]["sent"] == per_day[row["date"]], row["date"]
    assert sum(r["email_engagement_metrics"]["sent"] for r in truth["account_by_event_date"])


def test_campaigns_and_mailboxes_add_up_to_the_account_and_clients_to_their_campaigns(
    synced: Any,
) -> None:
    _, truth, dataset, _ = synced
    account = {r["date"]: r["email_engagement_metrics"] for r in truth["account_by_event_date"]}
    for listed in ("campaign_days", "mailbox_days"):
        sums: dict[str, Counter[str]] = defaultdict(Counter)
        for row in truth[listed]:
            sums[row["date"]].update({k: row[k] for k in ("sent", "opened", "replied", "bounced")})
        for day, metrics in account.items():
            for name in ("sent", "opened", "replied", "bounced"):
                assert sums[day][name] == metrics[name], (listed, day, name)
    client_of = {c["id"]: c.get("client_id") for c in dataset["campaigns"]}
    by_client: Counter[tuple[Any, str]] = Counter()
    for row in truth["campaign_days"]:
        if client_of[row["id"]] is not None:
            by_client[(client_of[row["id"]], row["date"])] += row["sent"]
    served = {(r["client_id"], r["date"]): r["campaign_stats"]["sent"]
              for r in truth["client_days"]}
    keys = served.keys() | by_client.keys()
    assert {k: served.get(k, 0) for k in keys} == {k: by_client[k] for k in keys}
    assert sum(served.values())


def test_a_daily_run_rereads_the_lookback_and_adds_the_documented_requests(synced: Any) -> None:
    run, _, _, emu = synced
    today = dt.datetime.now(dt.timezone.utc).date()
    lookback = {"start_date": (today - dt.timedelta(days=LOOKBACK)).isoformat(),
                "end_date": today.isoformat(), "timezone": "UTC"}
    before = emu.analytics(**lookback)
    emu.advance(days=1)
    emu.reset_stats()
    config = tap_config(emu, start_date=start_date(), analytics_lookback_days=LOOKBACK)
    daily = run_tap(config, state=run.last_state)
    assert daily.returncode == 0, daily.stderr_text[-2000:]
    by_path = emu.stats()["by_path"]
    # Emulator days moved one past the tap's clock; the tap asks up to its own today.
    per_day_requests = {p: n for p, n in by_path.items() if p.startswith("/analytics/")}
    # The bookmark's day (today) and the look-back before it, each only if the account had
    # activity that day (its day-wise figures, by event date, as the emulator serves them),
    # and of the days before yesterday only those whose day-wise figures (by event day or by
    # send day) changed since the full sync read them.
    truth = emu.analytics(**lookback)
    yesterday = (today - dt.timedelta(days=1)).isoformat()

    def changed(day: str) -> bool:
        return any(
            [r for r in before[kind] if r["date"] == day] != [r for r in truth[kind]
                                                              if r["date"] == day]
            for kind in ("account_by_event_date", "account_by_send_date"))

    active = [row["date"] for row in truth["account_by_event_date"]
              if any(row["email_engagement_metrics"].values())]
    days = sum(1 for day in active if day >= yesterday or changed(day))
    assert 0 < days < len(active)  # some look-back days are not asked again
    assert per_day_requests == {
        "/analytics/day-wise-overall-stats": 1,
        "/analytics/day-wise-overall-stats-by-sent-time": 1,
        # and one question for the whole account: which campaigns moved since the last run
        "/analytics/campaign/overall-stats": days + 1,
        "/analytics/mailbox/name-wise-health-metrics": days,
        "/analytics/client/overall-stats": days,
        # a category set by hand moves no day-wise figure: every active look-back day again
        "/analytics/lead/category-wise-response": len(active),
    }
    first = min(r["date"] for r in daily.records["account_daily_stats"])
    bookmark = run.last_state["bookmarks"]["account_daily_stats"]["replication_key_value"]
    assert first == (dt.date.fromisoformat(bookmark) - dt.timedelta(days=LOOKBACK)).isoformat()


@pytest.fixture(scope="module")
def without_analytics(synced: Any) -> Iterator[TapRun]:
    with EmulatorProcess(analytics_missing=True, **ACCOUNT) as emu:
        yield run_tap(tap_config(emu, start_date=start_date()))


def test_an_account_without_analytics_routes_exits_0_with_one_warning_per_stream(
    without_analytics: TapRun,
) -> None:
    run = without_analytics
    assert run.returncode == 0, run.stderr_text[-2000:]
    warned = Counter(
        line.split(": skipped", 1)[0].rsplit("| ", 1)[-1]
        for line in run.stderr_text.splitlines() if "WARNING" in line and ": skipped" in line
    )
    assert warned == dict.fromkeys(ANALYTICS_STREAMS, 1)
    assert not any(run.records.get(stream) for stream in ANALYTICS_STREAMS)


def test_an_account_without_analytics_routes_still_syncs_every_other_stream(
    synced: Any, without_analytics: TapRun,
) -> None:
    full, *_ = synced
    others = set(full.records) - ANALYTICS_STREAMS
    assert "campaign_mailbox_statistics" in others  # a /campaigns route: still there
    assert {s: len(without_analytics.records[s]) for s in others} == {
        s: len(full.records[s]) for s in others
    }


def test_a_limit_of_the_analytics_routes_own_costs_time_not_rows() -> None:
    """Each /analytics route answers a bare 429 past 4 requests per 2 s (the account has no
    limit): the tap slows those routes down and still writes every day, exit 0."""
    with EmulatorProcess(analytics_route_limit=4, analytics_route_window=2, **ACCOUNT) as emu:
        start = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=7)).isoformat()
        run = run_tap(tap_config(emu, start_date=start))
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        truth = emu.analytics(start_date=start, end_date=today, timezone="UTC")
        stats = emu.stats()
    assert run.returncode == 0, run.stderr_text[-2000:]
    assert stats["rate_limited"] > 0, "the test needs the routes' limit to be hit"
    assert len(run.records["account_daily_stats"]) == 8
    for stream, (listed, keys) in DAY_STREAMS.items():
        served = {tuple(row[a] for a, _ in keys) for row in truth[listed]}
        assert {tuple(r[b] for _, b in keys) for r in run.records[stream]} == served, stream
    assert "Retrying" not in run.stderr_text  # waiting for a route is not a failed attempt


def test_a_daily_run_asks_mailbox_statistics_only_of_campaigns_with_activity() -> None:
    with EmulatorProcess(**{**ACCOUNT, "active_campaigns": 1}) as emu:
        start = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=3)).isoformat()
        config = tap_config(emu, start_date=start)
        full = run_tap(config)
        emu.advance(days=1)
        emu.reset_stats()
        daily = run_tap(config, state=full.last_state)
        asked = emu.stats()["by_path"].get("/campaigns/{id}/mailbox-statistics")
    assert full.returncode == daily.returncode == 0, daily.stderr_text[-2000:]
    assert len({r["campaign_id"] for r in full.records["campaign_mailbox_statistics"]}) == 3
    assert asked == 1  # the one campaign that moved
    [moved] = {r["campaign_id"] for r in daily.records["campaign_mailbox_statistics"]}
    assert moved == 1000


def test_daily_runs_over_several_days_add_up_to_a_fresh_full_sync() -> None:
    """The emulator starts five days back and lives through them, one incremental run a day
    (replies and opens landing on earlier send days); the tables the runs leave (upserts on
    the keys) equal one fresh full sync of the final account, for every analytics stream, when
    the look-back covers the days that activity reaches back to (here all of them: with the
    default 7 days, an open of an email sent 8 days ago stays out of the by-send-date row)."""
    today = dt.datetime.now(dt.timezone.utc).date()
    began = dt.datetime.combine(today - dt.timedelta(days=5), dt.time(12))
    with EmulatorProcess(**{**ACCOUNT, "now": began.isoformat() + "Z"}) as emu:
        config = tap_config(emu, start_date=(today - dt.timedelta(days=DAYS)).isoformat(),
                            analytics_lookback_days=DAYS)
        runs = [run_tap(config)]
        for _ in range(5):
            emu.advance(days=1)
            runs.append(run_tap(config, state=runs[-1].last_state))
        fresh = run_tap(config)
    assert all(run.returncode == 0 for run in [*runs, fresh])
    tables = merged(runs)
    for stream in ANALYTICS_STREAMS | {"campaign_mailbox_statistics"}:
        assert tables[stream] == fresh.by_key(stream), stream
    assert fresh.records["campaign_daily_stats"]
