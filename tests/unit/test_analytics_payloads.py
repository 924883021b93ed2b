"""The analytics answers' shapes and day labels, as the notes list them (hand-written)."""

from __future__ import annotations

import datetime as dt

import pytest

from tap_smartlead.analytics_payloads import analytics_rows, day_of_label
from tap_smartlead.errors import UnexpectedResponseError

ROW = {"date": "20 Apr", "email_engagement_metrics": {"sent": 3}}
WHAT = "GET /analytics/day-wise-overall-stats"


@pytest.mark.parametrize("payload", [
    {"success": True, "message": "ok", "data": {"day_wise_stats": [ROW]}},  # older reference
    {"ok": True, "data": {"day_wise_stats": [ROW]}},
    {"ok": True, "data": [ROW]},  # the list as data
    {"day_wise_stats": [ROW]},  # no envelope
    [ROW],  # a bare array
])
def test_both_envelopes_and_the_list_inside_or_at_the_top_are_read(payload: object) -> None:
    assert analytics_rows(payload, ("day_wise_stats",), WHAT) == [ROW]


def test_a_nested_path_is_followed() -> None:
    payload = {"success": True, "data": {"lead_responses_by_category": {
        "filter": [], "leadResponseGrouping": [{"name": "Interested", "total_response": 2}]}}}
    rows = analytics_rows(payload, ("lead_responses_by_category", "leadResponseGrouping"), WHAT)
    assert rows == [{"name": "Interested", "total_response": 2}]


@pytest.mark.parametrize("payload", [
    {"success": True, "data": {"something_else": []}},
    {"success": True, "data": {"day_wise_stats": {"20 Apr": 3}}},
    {"ok": True, "data": [1, 2]},
    "fine",
])
def test_any_other_shape_is_an_unexpected_response(payload: object) -> None:
    with pytest.raises(UnexpectedResponseError, match="day_wise_stats"):
        analytics_rows(payload, ("day_wise_stats",), WHAT)


@pytest.mark.parametrize(("label", "first", "last", "expected"), [
    ("20 Apr", "2026-04-01", "2026-04-30", "2026-04-20"),
    ("31 Dec", "2025-12-20", "2026-01-10", "2025-12-31"),  # the range spans a new year
    ("01 Jan", "2025-12-20", "2026-01-10", "2026-01-01"),
    ("5 Jan", "2025-12-20", "2026-01-10", "2026-01-05"),
    ("Jan 05", "2025-12-20", "2026-01-10", "2026-01-05"),
    ("2026-04-20", "2026-04-01", "2026-04-30", "2026-04-20"),
    ("2026-04-20T00:00:00.000Z", "2026-04-01", "2026-04-30", "2026-04-20"),
])
def test_day_labels_map_to_their_date_in_the_requested_range(
    label: str, first: str, last: str, expected: str
) -> None:
    day = day_of_label(label, dt.date.fromisoformat(first), dt.date.fromisoformat(last), WHAT)
    assert day == expected


@pytest.mark.parametrize("label", ["20 Apr", "Monday", "", None, "32 Apr"])
def test_a_label_outside_the_range_or_unreadable_is_an_unexpected_response(
    label: object,
) -> None:
    with pytest.raises(UnexpectedResponseError, match=r"2026-05-01\.\.2026-05-30"):
        day_of_label(label, dt.date(2026, 5, 1), dt.date(2026, 5, 30), WHAT)
