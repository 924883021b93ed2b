"""lead_message_history: threads read whole, emitted from a fixed origin, each message under a
key that is the same on every run whatever else the answer holds. Expected keys are written out
(a synthetic key is ``synthetic:`` and 32 hex digits; these literals pin them across versions
too: a changed key would leave a stale row in every upserting warehouse)."""

from __future__ import annotations

import pytest

from tap_smartlead.streams.leads import message_keys
from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"
HISTORY = f"{BASE}/campaigns/7/leads/77/message-history"

# The seed's example thread: three messages share one message_id.
FIRST = {"type": "SENT", "message_id": "<sw-1>", "stats_id": "st-1",
         "time": "2023-03-13T07:44:12.978Z", "email_body": "Hi"}
FOLLOW_UP = {"type": "SENT", "message_id": "<sw-1>", "stats_id": "st-1",
             "time": "2023-03-15T07:50:56.673Z", "email_body": "Still there?"}
REPLY = {"type": "REPLY", "message_id": "<sw-1>", "stats_id": "st-1",
         "time": "2023-03-15T09:13:29.000Z", "email_body": "Yes"}
FOLLOW_UP_KEY = "synthetic:0daf383b1ef44a5436ba4c624df17985"
REPLY_KEY = "synthetic:bb769351d1840006aea84e924a81df2d"


def test_the_earliest_holder_of_a_shared_id_keeps_it_the_others_get_keys_of_their_own():
    assert message_keys([FIRST, FOLLOW_UP, REPLY]) == ["<sw-1>", FOLLOW_UP_KEY, REPLY_KEY]


def test_keys_do_not_depend_on_the_order_of_the_answer():
    assert message_keys([REPLY, FIRST, FOLLOW_UP]) == [REPLY_KEY, "<sw-1>", FOLLOW_UP_KEY]


def test_a_later_message_sharing_the_id_changes_no_earlier_key():
    assert message_keys([FIRST]) == ["<sw-1>"]
    assert message_keys([FIRST, FOLLOW_UP]) == ["<sw-1>", FOLLOW_UP_KEY]


def test_a_key_does_not_depend_on_how_its_time_is_spelled():
    same_reply = {**REPLY, "time": "2023-03-15T09:13:29.000000+00:00"}
    assert message_keys([FIRST, same_reply]) == ["<sw-1>", REPLY_KEY]


def test_unique_ids_are_kept_and_a_message_without_one_gets_its_own_key():
    thread = [{**FIRST, "message_id": "<a>"}, {**REPLY, "message_id": None}]
    assert message_keys(thread) == ["<a>", "synthetic:37cd3191f4dc26cede950d3e0b94a204"]


def sync_thread(history: list[dict], *, start_date: str, state: dict | None, requests_mock,
                window_days: int = 30):
    tap = TapSmartlead(
        config={"api_key": "unit-key-31", "base_url": BASE, "max_concurrency": 1,
                "start_date": start_date, "analytics_window_days": window_days},
        state=state, parse_env_config=False,
    )
    stream = tap.streams["lead_message_history"]
    requests_mock.get(HISTORY, json={"history": history, "from": "me@x.io", "to": "lead@y.io"})
    # No bulk endpoint on this server: threads per lead (tests/unit/test_threads.py has bulk).
    requests_mock.post(f"{BASE}/campaigns/7/message-history-for-leads/bbfbdsFGHlBr76ruhjvh6fhHL",
                       status_code=405, json={"error": "Method Not Allowed"})
    context = {"campaign_id": 7}
    leads_page = {"total_leads": "1", "data": [{"campaign_lead_map_id": 5, "lead": {"id": 77}}]}
    call = stream.first_page(context, "/campaigns/{campaign_id}/leads")
    records = {r["message_id"]: r for r in stream.partition_records(context, [(call, leads_page)])}
    return records, tap.state, requests_mock.last_request


@pytest.fixture
def first_run(requests_mock):
    return sync_thread([FIRST, FOLLOW_UP], start_date="2023-03-01", state=None,
                       requests_mock=requests_mock)


def test_the_thread_is_asked_for_whole(first_run):
    _, _, request = first_run
    assert "event_time_gt" not in request.qs


def test_two_messages_sharing_an_id_are_both_kept(first_run):
    records, _, _ = first_run
    assert sorted(records) == ["<sw-1>", FOLLOW_UP_KEY]
    assert records[FOLLOW_UP_KEY]["extra_fields"] == {"message_id": "<sw-1>"}
    assert records[FOLLOW_UP_KEY]["email_body"] == "Still there?"


def test_a_later_run_with_a_moved_start_date_keeps_every_key_and_the_origin(
    first_run, requests_mock
):
    _, state, _ = first_run
    # Two days later the default start_date has moved past the first message; a reply came.
    records, _, _ = sync_thread([REPLY, FOLLOW_UP, FIRST], start_date="2023-03-14", state=state,
                                requests_mock=requests_mock)
    assert sorted(records) == ["<sw-1>", FOLLOW_UP_KEY, REPLY_KEY]
    assert records["<sw-1>"]["email_body"] == "Hi"


def test_messages_before_the_first_syncs_start_date_are_not_emitted(requests_mock):
    # 1-day analytics windows: the first sync starts on start_date's own day (with 30-day ones
    # it starts on the first day of start_date's window, 2023-02-22: see the next test).
    records, state, _ = sync_thread([FIRST, FOLLOW_UP], start_date="2023-03-14", state=None,
                                    requests_mock=requests_mock, window_days=1)
    assert sorted(records) == [FOLLOW_UP_KEY]
    assert records[FOLLOW_UP_KEY]["extra_fields"] == {"message_id": "<sw-1>"}
    [partition] = state["bookmarks"]["lead_message_history"]["partitions"]
    assert partition["thread_origin"] == "2023-03-13T23:59:59.000000+00:00"


def test_the_first_sync_starts_on_the_first_day_of_start_dates_analytics_window(requests_mock):
    # 2023-03-14 is in the 30-day window 2023-02-22 .. 2023-03-23 (counted from 1970-01-01).
    records, state, _ = sync_thread([FIRST, FOLLOW_UP], start_date="2023-03-14", state=None,
                                    requests_mock=requests_mock)
    assert sorted(records) == ["<sw-1>", FOLLOW_UP_KEY]
    [partition] = state["bookmarks"]["lead_message_history"]["partitions"]
    assert partition["thread_origin"] == "2023-02-21T23:59:59.000000+00:00"
