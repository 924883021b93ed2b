"""The activity fingerprint and the detector that decides which campaigns a run may skip."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from tap_smartlead.activity import (
    FINGERPRINT_KEY,
    MOVED_KEY,
    MOVED_ON_KEY,
    NEVER,
    READ_ON_KEY,
    ActivityDetector,
    fingerprint,
)

SEED_ANALYTICS: dict[str, Any] = {
    "id": 979, "user_id": 288, "created_at": "2022-08-29T06:15:31.458Z", "status": "COMPLETED",
    "name": "", "sent_count": "14", "open_count": "14", "click_count": "0", "reply_count": "4",
    "block_count": "0", "total_count": "14", "drafted_count": "0", "bounce_count": "0",
    "unsubscribed_count": "0", "sequence_count": "2",
    "tags": [{"id": 44, "name": "ramesh", "color": "#F0C080"}],
    "campaign_lead_stats": {"total": 8, "blocked": 0, "stopped": 0, "completed": 8,
                            "inprogress": 0, "notStarted": 0},
}


def test_every_activity_count_moves_the_fingerprint():
    base = fingerprint(SEED_ANALYTICS)
    assert base is not None and len(base) == 16
    for key in ("sent_count", "open_count", "click_count", "reply_count", "bounce_count",
                "total_count", "unsubscribed_count"):
        assert fingerprint({**SEED_ANALYTICS, key: "99"}) != base, key
    moved = {**SEED_ANALYTICS["campaign_lead_stats"], "inprogress": 1, "completed": 7}
    assert fingerprint({**SEED_ANALYTICS, "campaign_lead_stats": moved}) != base


def test_names_tags_and_number_spelling_do_not_move_it():
    base = fingerprint(SEED_ANALYTICS)
    renamed = {**SEED_ANALYTICS, "name": "Q3", "tags": [], "client_name": "Carrot"}
    assert fingerprint(renamed) == base
    as_numbers = {**SEED_ANALYTICS, "sent_count": 14, "open_count": " 14"}
    assert fingerprint(as_numbers) == base
    assert fingerprint({"ok": True, "data": SEED_ANALYTICS}) == base


def test_an_answer_without_counts_has_no_fingerprint():
    assert fingerprint({}) is None  # a deleted campaign's 200 {}
    assert fingerprint(None) is None
    assert fingerprint("Internal error") is None
    assert fingerprint({"id": 1, "name": "x"}) is None


def test_a_campaign_is_idle_only_with_an_equal_stored_fingerprint():
    detector = ActivityDetector(lambda cid: SEED_ANALYTICS, enabled=True)
    state: dict[str, Any] = {}
    assert not detector.is_idle(1000, state)  # never read: active
    detector.mark_read(1000, state)
    assert state[FINGERPRINT_KEY] == fingerprint(SEED_ANALYTICS)
    assert detector.is_idle(1000, state)
    assert not detector.is_idle(1000, {FINGERPRINT_KEY: "0" * 16})
    assert not ActivityDetector(lambda cid: SEED_ANALYTICS, enabled=False).is_idle(1000, state)


def test_a_campaign_without_counts_is_never_idle_and_drops_its_fingerprint():
    detector = ActivityDetector(lambda cid: {}, enabled=True)
    state = {FINGERPRINT_KEY: "abc"}
    detector.mark_read(7, state)
    assert FINGERPRINT_KEY not in state
    assert not detector.is_idle(7, state)


def test_analytics_is_requested_once_per_campaign_even_from_many_threads():
    calls: list[Any] = []
    lock = threading.Lock()

    def fetch(cid: Any) -> dict[str, Any]:
        with lock:
            calls.append(cid)
        time.sleep(0.01)  # long enough for the other threads to ask meanwhile
        return {**SEED_ANALYTICS, "id": cid}

    detector = ActivityDetector(fetch, enabled=True)
    threads = [threading.Thread(target=detector.analytics, args=(cid,))
               for cid in (1, 2, 1, 2, 1, 3) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(calls) == [1, 2, 3]
    assert detector.analytics(2)["id"] == 2


def test_a_campaign_the_overall_stats_do_not_list_is_idle_for_a_stream_that_read_it():
    asked: list[dt.date] = []
    fetched: list[int] = []

    def moved_since(since: dt.date) -> dict[str, str]:
        asked.append(since)
        return {"1001": "figures"}

    def analytics(cid: int) -> dict[str, Any]:
        fetched.append(cid)
        return SEED_ANALYTICS

    today = dt.date(2026, 3, 10)
    detector = ActivityDetector(analytics, enabled=True, moved_since=moved_since, today=today)
    read_yesterday = {READ_ON_KEY: "2026-03-09"}
    assert detector.is_idle(1000, read_yesterday)
    assert not detector.is_idle(1001, read_yesterday)
    assert not detector.is_idle(1000, {})  # never read: not idle
    # One request for every campaign read that day (from a week before it).
    assert asked == [dt.date(2026, 3, 2)]
    # Listed with the figures it had when the stream read it: nothing happened since.
    assert detector.is_idle(1001, {**read_yesterday, MOVED_KEY: "figures"})
    assert not detector.is_idle(1001, {**read_yesterday, MOVED_KEY: "older figures"})
    assert fetched == []  # no campaign's own analytics for campaigns not recently active
    state: dict[str, Any] = {}
    detector.mark_read(1001, state)  # seen moving since its last read: its own digest kept
    assert state[READ_ON_KEY].startswith("2026-03-10T")  # the run's start, a day and a time
    state[READ_ON_KEY] = state[READ_ON_KEY][:10]
    assert state == {READ_ON_KEY: "2026-03-10", MOVED_KEY: "figures",
                     MOVED_ON_KEY: "2026-03-10", FINGERPRINT_KEY: fingerprint(SEED_ANALYTICS)}
    first: dict[str, Any] = {}
    detector.mark_read(1002, first)  # a first read: not known to be moving, no digest
    assert first[MOVED_ON_KEY] == NEVER and first[FINGERPRINT_KEY] == "0" * 16


def test_a_recently_active_campaign_moves_with_its_own_counts_too():
    detector = ActivityDetector(lambda cid: SEED_ANALYTICS, enabled=True,
                                moved_since=lambda since: {}, today=dt.date(2026, 3, 10))
    warm = {READ_ON_KEY: "2026-03-09", MOVED_ON_KEY: "2026-03-08"}
    # Not listed (a lead added, a click: no figure of the account-wide answer moved)...
    assert detector.is_idle(1000, {**warm, FINGERPRINT_KEY: fingerprint(SEED_ANALYTICS)})
    assert not detector.is_idle(1000, {**warm, FINGERPRINT_KEY: "0" * 16})
    # ...but a campaign that has not moved for the bound's days is not asked at all.
    cold = {READ_ON_KEY: "2026-03-09", MOVED_ON_KEY: "2026-02-01", FINGERPRINT_KEY: "0" * 16}
    assert detector.is_idle(1000, cold)


def test_without_the_overall_stats_each_campaigns_analytics_decide():
    detector = ActivityDetector(lambda cid: SEED_ANALYTICS, enabled=True,
                                moved_since=lambda since: None, today=dt.date(2026, 3, 10))
    state = {READ_ON_KEY: "2026-03-09", FINGERPRINT_KEY: fingerprint(SEED_ANALYTICS)}
    assert detector.is_idle(1000, state)
    assert not detector.is_idle(1000, {**state, FINGERPRINT_KEY: "0" * 16})


@pytest.mark.parametrize("runs", [1, 5, 7])
def test_the_rotation_reads_every_partition_within_the_bound_and_spreads_them(runs):
    detector = ActivityDetector(lambda cid: None, enabled=True, refresh_within=runs)
    states: dict[int, dict[str, Any]] = {cid: {} for cid in range(1000, 1300)}
    due_per_run: list[int] = []
    last_read = dict.fromkeys(states, 0)
    for run in range(3 * runs + 1):
        due = 0
        for cid, state in states.items():
            if detector.refresh_due(state):
                if run:
                    assert run - last_read[cid] <= runs
                last_read[cid] = run
                due += 1
            detector.mark_rotation(cid, state, due=detector.refresh_due(state))
        due_per_run.append(due)
    assert due_per_run[0] == 300  # the first run reads everything
    assert max(due_per_run[1:]) <= 300 / runs * 1.5 + 1  # spread, not all on one run
    assert sum(due_per_run[1:runs + 1]) == 300  # each once per `runs` runs
