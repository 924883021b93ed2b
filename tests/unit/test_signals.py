"""The click and lead-added signals (tap_smartlead/signals.py) and how the detector uses them:
both answer shapes of the activities route, the caps, and the comparison with the read time."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from tap_smartlead import signals
from tap_smartlead.activity import LEADS_TO_KEY, MOVED_KEY, READ_ON_KEY, ActivityDetector
from tap_smartlead.http_client import ApiCall

UTC = dt.timezone.utc
ROW = {"lead_id": 7, "campaign_id": 1000, "activities": [
    {"activity_type": "SENT", "activity_time": "2026-03-09T08:00:00.000Z"},
    {"activity_type": "CLICK", "activity_time": "2026-03-10T09:30:00.000Z"},
]}


def call(template: str, params: Any) -> ApiCall:
    return ApiCall(template, dict(params), template=template)


@pytest.mark.parametrize("answer", [[ROW], {"ok": True, "data": [ROW], "hasMore": False}])
def test_both_answer_shapes_of_the_activities_route_give_the_latest_activity(answer: Any) -> None:
    asked: list[ApiCall] = []

    def fetch(c: ApiCall) -> Any:
        asked.append(c)
        return answer

    since = dt.datetime(2026, 3, 9, tzinfo=UTC)
    found = signals.campaigns_with_activity(fetch, call, since, since + dt.timedelta(days=2))
    assert found == {"1000": dt.datetime(2026, 3, 10, 9, 30, tzinfo=UTC)}
    assert len(asked) == 1 and asked[0].params["event_time_from"] == "2026-03-09T00:00:00.000Z"


@pytest.mark.parametrize("answer", [{"ok": True}, {"data": "x"}, "text", [{"lead_id": 1}]])
def test_an_odd_activities_answer_is_one_warning_and_no_signal(
    answer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    since = dt.datetime(2026, 3, 9, tzinfo=UTC)
    with caplog.at_level(logging.WARNING):
        got = signals.guarded("GET x", logging.getLogger("t"), lambda: (
            signals.campaigns_with_activity(lambda c: answer, call, since, since)))
    assert got is None
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_new_leads_stop_at_the_first_lead_created_before_the_range() -> None:
    leads = {"ok": True, "data": {"leads": [
        {"id": 9, "created_at": "2026-03-10T05:00:00Z"},
        {"id": 8, "created_at": "2026-03-09T23:00:00Z"},
        {"id": 7, "created_at": "2026-03-08T23:00:00Z"},
    ], "lastSeenLeadId": 7, "totalCount": 3}}
    answers = {"/leads/all": leads, "/leads/9/campaigns": [{"id": 1001}],
               "/leads/8/campaigns": [{"id": 1001}, {"id": 1002}]}
    asked: list[str] = []

    def fetch(c: ApiCall) -> Any:
        asked.append(c.path)
        return answers[c.path]

    found, top = signals.campaigns_with_new_leads(
        fetch, call, dt.datetime(2026, 3, 9, tzinfo=UTC))
    assert found == {"1001": (dt.datetime(2026, 3, 10, 5, tzinfo=UTC), 9),
                     "1002": (dt.datetime(2026, 3, 9, 23, tzinfo=UTC), 8)}
    assert top == 9
    assert asked == ["/leads/all", "/leads/9/campaigns", "/leads/8/campaigns"]
    # With the newest lead id of the last read, the ids decide, whatever the clocks say.
    asked.clear()
    found, _ = signals.campaigns_with_new_leads(
        fetch, call, dt.datetime(2030, 1, 1, tzinfo=UTC), after_id=8)
    assert set(found) == {"1001"} and asked == ["/leads/all", "/leads/9/campaigns"]


def test_a_campaign_whose_only_activity_is_a_click_after_the_read_is_not_idle() -> None:
    today = dt.date(2026, 3, 10)
    clicked = {"1000": dt.datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
               "1001": dt.datetime(2026, 3, 9, 6, 0, tzinfo=UTC)}
    starts: list[dt.datetime] = []

    def acted(since: dt.datetime) -> dict[str, dt.datetime]:
        starts.append(since)
        return clicked

    detector = ActivityDetector(lambda cid: {}, enabled=True, moved_since=lambda d: {},
                                today=today, acted_since=acted)
    read = {READ_ON_KEY: "2026-03-09T07:00:00+00:00", MOVED_KEY: "0" * 12}
    assert not detector.is_idle(1000, read)  # clicked after the read
    assert detector.is_idle(1001, read)  # its click was before the read
    assert detector.is_idle(1002, read)  # no activity at all
    assert starts == [dt.datetime(2026, 3, 9, 6, tzinfo=UTC)]  # once, an hour before the read


def test_leads_added_are_their_own_signal_and_a_failed_one_is_asked_once() -> None:
    today = dt.date(2026, 3, 10)
    asked: list[dt.datetime] = []

    def leads(since: dt.datetime, after_id: int | None) -> None:
        asked.append(since)
        return None

    detector = ActivityDetector(lambda cid: {}, enabled=True, moved_since=lambda d: {},
                                today=today, leads_since=leads)
    read = {READ_ON_KEY: "2026-03-09", MOVED_KEY: "0" * 12}
    assert not detector.got_leads(1000, read) and not detector.got_leads(1001, read)
    assert len(asked) == 1
    noon = dt.datetime(2026, 3, 9, 12, tzinfo=UTC)
    added = ActivityDetector(lambda cid: {}, enabled=True, moved_since=lambda d: {}, today=today,
                             leads_since=lambda s, after: ({"1000": (noon, 41)}, 41))
    assert added.got_leads(1000, read) and not added.got_leads(1001, read)
    assert added.is_idle(1000, read)  # a lead added alone is no activity for the other reads
    # A read marked with the newest lead id: only a newer lead counts.
    assert not added.got_leads(1000, {**read, LEADS_TO_KEY: 41})
    assert added.got_leads(1000, {**read, LEADS_TO_KEY: 40})
    state: dict[str, Any] = {}
    added.mark_read(1000, state)
    assert state[LEADS_TO_KEY] == 41  # the newest lead id when this run first asked
