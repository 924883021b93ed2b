"""The emulator's account-wide lead routes: `GET /leads/all` (newest first, the camelCase
cursor, what it rejects) and `GET /campaigns/all-leads-activities` (both answer shapes, the
range, paging, its own limit, absent and odd). Expected values come from the dataset dump."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from smartlead_emulator.testing import EmulatorProcess

pytestmark = pytest.mark.integration

ACTIVITIES = "/campaigns/all-leads-activities"


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(rate_limit="none", seed=5, campaigns=2, leads_per_campaign=30,
                         mailboxes=2, leads_activities_per_minute=0) as process:
        yield process


def get(emu: EmulatorProcess, path: str, **params: Any) -> requests.Response:
    return requests.get(emu.url(path, **params), timeout=30)


def test_leads_all_lists_every_lead_newest_first_by_cursor(emu):
    dump = emu.dataset()
    ids = sorted({row["lead"]["id"] for c in dump["campaigns"] for row in c["leads"]},
                 reverse=True)
    first = get(emu, "/leads/all", limit=10).json()
    assert first["ok"] is True
    assert [lead["id"] for lead in first["data"]["leads"]] == ids[:10]
    assert first["data"]["totalCount"] == len(ids)
    cursor = first["data"]["lastSeenLeadId"]
    second = get(emu, "/leads/all", limit=10, lastSeenLeadId=cursor).json()
    assert [lead["id"] for lead in second["data"]["leads"]] == ids[10:20]
    lead = first["data"]["leads"][0]
    for field in ("created_at", "email_domain", "company_url", "linkedin_profile",
                  "email_campaign_leads_mappings_count", "category_ids", "is_unsubscribed"):
        assert field in lead


@pytest.mark.parametrize("params", [{"last_seen_lead_id": 5}, {"offset": 10}, {"page": 2},
                                    {"limit": 1001}])
def test_leads_all_rejects_what_the_live_route_rejects(emu, params):
    assert get(emu, "/leads/all", **params).status_code == 400


def expected_rows(dump: dict[str, Any]) -> dict[int, set[str]]:
    """Lead map id -> the times of its sends in the dump (every row has at least one)."""
    out: dict[int, set[str]] = {}
    for campaign in dump["campaigns"]:
        sent = {s["lead_email"]: s for s in campaign["statistics"]}
        for row in campaign["leads"]:
            if row["lead"]["email"] in sent:
                out[row["campaign_lead_map_id"]] = {
                    s["sent_time"] for s in campaign["statistics"]
                    if s["lead_email"] == row["lead"]["email"]}
    return out


@pytest.mark.parametrize("shape", ["data", "list"])
def test_activities_answer_in_both_shapes_with_every_lead_that_had_a_send(emu, shape):
    emu.configure(leads_activities=shape)
    try:
        rows, offset = [], 0
        while True:
            answer = get(emu, ACTIVITIES, event_time_from="2000-01-01T00:00:00Z",
                         offset=offset, limit=7).json()
            page = answer["data"] if shape == "data" else answer
            assert isinstance(page, list)
            rows += page
            if (shape == "data" and not answer["hasMore"]) or (shape == "list" and len(page) < 7):
                break
            offset += len(page)
    finally:
        emu.configure(leads_activities="data")
    expected = expected_rows(emu.dataset())
    assert {row["campaign_lead_map_id"] for row in rows} == set(expected)
    for row in rows:
        sends = {a["activity_time"] for a in row["activities"] if a["activity_type"] == "SENT"}
        assert sends == expected[row["campaign_lead_map_id"]]
        assert row["campaign_id"] and row["lead_id"]


def test_activities_keep_to_the_range(emu):
    everything = get(emu, ACTIVITIES, event_time_from="2000-01-01T00:00:00Z", limit=1000).json()
    times = sorted(a["activity_time"] for r in everything["data"] for a in r["activities"])
    middle = times[len(times) // 2]
    later = get(emu, ACTIVITIES, event_time_from=middle, limit=1000).json()["data"]
    kept = [a["activity_time"] for r in later for a in r["activities"]]
    assert kept and min(kept) >= middle
    assert len(kept) == sum(1 for t in times if t >= middle)


@pytest.mark.parametrize(("form", "status"), [("absent", 404), ("odd", 200)])
def test_activities_absent_or_odd(emu, form, status):
    emu.configure(leads_activities=form)
    try:
        answer = get(emu, ACTIVITIES, limit=5)
    finally:
        emu.configure(leads_activities="data")
    assert answer.status_code == status
    if form == "odd":
        assert answer.json() == {"ok": True}


def test_activities_have_a_limit_of_their_own():
    with EmulatorProcess(rate_limit="none", seed=5, campaigns=1, leads_per_campaign=5,
                         mailboxes=1, leads_activities_per_minute=2) as emu:
        codes = [get(emu, ACTIVITIES).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert get(emu, "/campaigns").status_code == 200  # the other routes go on


def test_a_day_on_the_emulators_clock_ends_the_routes_own_windows():
    # A schedule test runs a day's sync every few seconds: the next day's first request to a
    # 10-a-minute route must not meet the window the day before filled.
    with EmulatorProcess(rate_limit="none", seed=5, campaigns=1, leads_per_campaign=5,
                         mailboxes=1, leads_activities_per_minute=2,
                         analytics_route_limit=1) as emu:
        day_wise = "/analytics/day-wise-overall-stats"
        window = {"start_date": "2026-01-01", "end_date": "2026-01-02"}
        before = [get(emu, ACTIVITIES).status_code for _ in range(3)]
        before += [get(emu, day_wise, **window).status_code for _ in range(2)]
        assert before == [200, 200, 429, 200, 429]
        emu.advance(days=1)
        after = [get(emu, ACTIVITIES).status_code for _ in range(3)]
        after += [get(emu, day_wise, **window).status_code for _ in range(2)]
        assert after == [200, 200, 429, 200, 429]
