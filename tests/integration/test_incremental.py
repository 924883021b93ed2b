"""Incremental runs read only what changed, and together with the first run equal a full sync."""

from __future__ import annotations

import json

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tap_smartlead.activity import LEADS_TO_KEY
from tests.integration.tap_runner import (
    PRIMARY_KEYS,
    merged,
    run_tap,
    tap_config,
    threads_asked,
)

pytestmark = pytest.mark.integration



@pytest.fixture(scope="module")
def rounds():
    """A full sync, then three days of activity each followed by an incremental sync."""
    with EmulatorProcess(
        seed=11, campaigns=3, leads_per_campaign=80, mailboxes=3, rate_limit="none"
    ) as emu:
        config = tap_config(emu)
        emu.reset_stats()
        runs = [run_tap(config)]
        requests = [emu.stats()]
        for _ in range(3):
            emu.advance(days=1)
            emu.reset_stats()
            runs.append(run_tap(config, state=runs[-1].last_state))
            requests.append(emu.stats())
        fresh = run_tap(config)
        yield runs, requests, fresh


def test_every_run_succeeds(rounds):
    runs, _, fresh = rounds
    for run in [*runs, fresh]:
        assert run.returncode == 0, run.stderr_text[-2000:]


# A finished analytics window is not fetched again, so its `drafted_count` (leads added in the
# window and not yet mailed: a state, not an event) stays as it was when the window closed.
STATE_NOT_EVENTS = {
    "campaign_analytics_by_date": {"drafted_count"},
    # A mailbox object's warmup figures move every day (warmup_stats and warmup_totals carry
    # them daily); the objects are re-read on the rotation (refresh_within_days).
    "campaign_email_accounts": {"warmup_details"},
    "email_account_details": {"warmup_details"},
}


# Warmup days and totals accumulate beyond the 7 days the API shows.
ACCUMULATING = {"warmup_stats", "warmup_totals"}


@pytest.mark.parametrize("stream", sorted(set(PRIMARY_KEYS) - ACCUMULATING))
def test_incremental_runs_add_up_to_a_fresh_full_sync(rounds, stream):
    runs, _, fresh = rounds
    accumulated = merged(runs)[stream]
    expected = fresh.by_key(stream)
    assert set(accumulated) == set(expected)
    ignored = STATE_NOT_EVENTS.get(stream, set())

    def comparable(row: dict) -> dict:
        return {k: v for k, v in row.items() if k not in ignored}

    differing = [k for k in expected if comparable(accumulated[k]) != comparable(expected[k])]
    assert not differing, f"{len(differing)} rows differ, e.g. {differing[:3]}"


@pytest.mark.parametrize("stream", sorted(ACCUMULATING))
def test_warmup_history_outlives_the_apis_seven_days(rounds, stream):
    runs, _, fresh = rounds
    accumulated = merged(runs)[stream]
    expected = fresh.by_key(stream)
    assert set(expected) <= set(accumulated)
    assert len(accumulated) > len(expected)  # days the API no longer shows
    assert all(accumulated[key] == expected[key] for key in expected)


def test_incremental_runs_emit_only_what_changed(rounds):
    runs, _, fresh = rounds
    for run in runs[1:]:
        assert len(run.records["campaign_leads"]) < len(fresh.records["campaign_leads"]) / 2
        assert len(run.records["lead_message_history"]) < len(
            fresh.records["lead_message_history"]
        ) / 2


def test_incremental_runs_ask_history_only_for_active_leads(rounds):
    runs, requests, _ = rounds
    full_history = threads_asked(requests[0])
    for run, stats in zip(runs[1:], requests[1:], strict=True):
        asked = threads_asked(stats)
        assert asked < full_history / 4
        leads_with_new_messages = {
            (r["campaign_id"], r["lead_id"]) for r in run.records["lead_message_history"]
        }
        assert asked >= len(leads_with_new_messages)


def test_incremental_runs_need_fewer_requests_than_a_full_sync(rounds):
    # Threads come in bulk (one request per 100 leads), so on this small account of active
    # campaigns the per-campaign requests dominate both runs: fewer, not a fraction.
    _, requests, _ = rounds
    full = requests[0]["requests"]
    for stats in requests[1:]:
        assert stats["requests"] < full


def test_state_stays_per_campaign_and_mailbox(rounds):
    runs, _, _ = rounds
    sizes = [len(json.dumps(run.last_state)) for run in runs]
    # From the first incremental run on, each campaign's read is also marked with the
    # account's newest lead id (`leads_to`): one number per partition, then constant.
    marks = json.dumps(runs[-1].last_state).count(f'"{LEADS_TO_KEY}": ')
    assert marks > 0 and marks == json.dumps(runs[-1].last_state).count('"read_on"')
    assert max(sizes[1:]) - min(sizes[1:]) < 200
    assert sizes[1] - sizes[0] < 200 + marks * len(f', "{LEADS_TO_KEY}": 1234567')
    partitions = runs[-1].last_state["bookmarks"]["campaign_leads"]["partitions"]
    assert len(partitions) == 3


# The account-wide daily tables keep, for the days the next run re-reads, the keys each day
# held (a key a re-read day no longer holds is sent as deleted): as many as the account has
# campaigns, mailboxes, clients and reply categories with activity on those days.
DAILY_TABLES = ("campaign_daily_stats", "mailbox_daily_stats", "client_daily_stats",
                "reply_category_daily")
DAYS_REREAD = 7 + 2  # analytics_lookback_days, the bookmark's day and today


def test_state_size_does_not_grow_with_leads():
    sizes = []
    for leads in (20, 400):
        with EmulatorProcess(
            seed=2, campaigns=2, leads_per_campaign=leads, mailboxes=2, rate_limit="none"
        ) as emu:
            run = run_tap(tap_config(emu))
            assert run.returncode == 0, run.stderr_text[-2000:]
            dataset = emu.dataset()
            state = json.loads(json.dumps(run.last_state))
        day_keys = 0
        for name in DAILY_TABLES:
            by_day = state["bookmarks"].get(name, {}).pop("emitted_keys", {})
            assert len(by_day) <= DAYS_REREAD, name
            # each look-back day's account figures when it was read: one digest a day
            figures = state["bookmarks"].get(name, {}).pop("day_figures", {})
            assert len(figures) <= DAYS_REREAD, name
            day_keys += sum(len(keys) for keys in by_day.values())
        per_day = (len(dataset["campaigns"]) + len(dataset["email_accounts"])
                   + len(dataset.get("clients") or []) + len(dataset.get("categories") or []))
        assert day_keys <= DAYS_REREAD * per_day
        sizes.append(len(json.dumps(state)))
    assert abs(sizes[0] - sizes[1]) < 50
