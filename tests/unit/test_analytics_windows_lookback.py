"""campaign_analytics_by_date reads again the windows before its bookmark that end within the
look-back, with the days they were loaded with: a server whose days lag the tap's clock still
counts sends in the window the tap's clock just left."""

from __future__ import annotations

import datetime as dt

import time_machine

from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"


def stream(**config):
    tap = TapSmartlead(config={"api_key": "unit-key", "base_url": BASE, "max_concurrency": 1,
                               "skip_idle_campaigns": False, **config}, parse_env_config=False)
    return tap.streams["campaign_analytics_by_date"]


def asked(s, context) -> list[tuple[str, str]]:
    return [(c.params["start_date"], c.params["end_date"]) for c in s.partition_calls(context)]


@time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=dt.timezone.utc), tick=False)
def test_the_window_the_clock_just_left_is_read_again_within_the_lookback():
    # 30-day windows from 1970-01-01: 2026-11-03..12-02, then 2026-12-03.. (today 12-06).
    s = stream()
    context = {"campaign_id": 7}
    state = s.get_context_state(context)
    state["replication_key_value"] = "2026-12-03"
    state["recent_windows"] = ["2026-11-03"]
    assert asked(s, context) == [("2026-11-03", "2026-12-02"), ("2026-12-03", "2026-12-06")]


@time_machine.travel(dt.datetime(2026, 12, 12, 9, tzinfo=dt.timezone.utc), tick=False)
def test_a_window_that_ended_before_the_lookback_is_not_read_again():
    s = stream()  # analytics_lookback_days 7: the horizon is 2026-12-05
    context = {"campaign_id": 7}
    state = s.get_context_state(context)
    state["replication_key_value"] = "2026-12-03"
    state["recent_windows"] = ["2026-11-03"]
    assert asked(s, context) == [("2026-12-03", "2026-12-12")]


@time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=dt.timezone.utc), tick=False)
def test_an_earlier_window_keeps_the_days_it_was_loaded_with_after_a_size_change():
    # Loaded under 30-day windows (11-03..12-02); the size is 7 now: the same key and days,
    # not a 7-day window of today's calendar (which would overlap it under another key).
    s = stream(analytics_window_days=7)
    context = {"campaign_id": 7}
    state = s.get_context_state(context)
    state["replication_key_value"] = "2026-12-03"
    state["recent_windows"] = ["2026-11-03"]
    assert asked(s, context)[0] == ("2026-11-03", "2026-12-02")


@time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=dt.timezone.utc), tick=False)
def test_a_state_without_recent_windows_reads_from_its_bookmark():
    s = stream()
    context = {"campaign_id": 7}
    s.get_context_state(context)["replication_key_value"] = "2026-12-03"
    assert asked(s, context) == [("2026-12-03", "2026-12-06")]


def overall_stats(requests_mock, sent: int) -> None:
    requests_mock.get(f"{BASE}/analytics/campaign/overall-stats", json={
        "ok": True, "data": {"campaign_wise_performance": [
            {"id": 7, "campaign_name": "Seven", "sent": sent, "opened": 1, "replied": 0,
             "bounced": 0}]}})


def skipping_stream_with_earlier_window():
    s = stream(skip_idle_campaigns=True)
    context = {"campaign_id": 7}
    state = s.get_context_state(context)
    state["replication_key_value"] = "2026-12-03"
    state["recent_windows"] = ["2026-11-03"]
    return s, context


@time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=dt.timezone.utc), tick=False)
def test_an_earlier_window_whose_figures_did_not_move_is_not_read_again(requests_mock):
    overall_stats(requests_mock, sent=25)
    first, context = skipping_stream_with_earlier_window()
    assert asked(first, context)[0] == ("2026-11-03", "2026-12-02")  # no figures stored yet
    mark = first._planned_figures[7]
    again, context = skipping_stream_with_earlier_window()
    again.get_context_state(context)["recent_windows_figures"] = mark
    assert asked(again, context) == [("2026-12-03", "2026-12-06")]
    asked_range = requests_mock.request_history[-1].qs
    assert (asked_range["start_date"], asked_range["end_date"]) == (["2026-11-03"], ["2026-12-02"])


@time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=dt.timezone.utc), tick=False)
def test_an_earlier_window_whose_figures_moved_is_read_again(requests_mock):
    overall_stats(requests_mock, sent=25)
    first, context = skipping_stream_with_earlier_window()
    asked(first, context)
    mark = first._planned_figures[7]
    overall_stats(requests_mock, sent=26)  # a late send counted in the earlier window
    again, context = skipping_stream_with_earlier_window()
    again.get_context_state(context)["recent_windows_figures"] = mark
    assert asked(again, context)[0] == ("2026-11-03", "2026-12-02")
