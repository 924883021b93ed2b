"""The emulator's /analytics routes and mailbox statistics, black-box: shapes, labels, flags,
and the rules the tap relies on (figures from the statistics rows, in the asked time zone)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from smartlead_emulator.testing import EmulatorProcess

pytestmark = pytest.mark.integration

OPTIONS: dict[str, Any] = {"seed": 9, "now": "2026-01-03T12:00:00Z", "campaigns": 2,
                           "leads_per_campaign": 80, "mailboxes": 3, "rate_limit": "none"}
RANGE = {"start_date": "2025-12-20", "end_date": "2026-01-03"}  # across a new year


@pytest.fixture(scope="module")
def reference() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(analytics_shapes="reference", **OPTIONS) as emu:
        yield emu


def get(emu: EmulatorProcess, path: str, **params: Any) -> requests.Response:
    return requests.get(emu.url(path, **params), timeout=10)


def test_reference_days_are_labelled_day_and_month_without_a_year(
    reference: EmulatorProcess,
) -> None:
    body = get(reference, "/analytics/day-wise-overall-stats", **RANGE).json()
    assert body["success"] is True and "message" in body
    labels = [row["date"] for row in body["data"]["day_wise_stats"]]
    assert labels[0] == "20 Dec" and labels[-1] == "03 Jan" and len(labels) == 15


def test_live_shape_is_ok_data_with_iso_dates() -> None:
    with EmulatorProcess(**OPTIONS) as emu:
        body = get(emu, "/analytics/day-wise-overall-stats", **RANGE).json()
    assert body["ok"] is True
    assert [row["date"] for row in body["data"]][:2] == ["2025-12-20", "2025-12-21"]


def test_sends_per_local_day_are_the_statistics_rows_sent_that_day(
    reference: EmulatorProcess,
) -> None:
    zone = ZoneInfo("America/New_York")
    rows = reference.dataset()["campaigns"]
    sent: Counter[str] = Counter()
    for campaign in rows:
        for stat in campaign["statistics"]:
            when = datetime.fromisoformat(stat["sent_time"].replace("Z", "+00:00"))
            sent[when.astimezone(zone).date().isoformat()] += 1
    body = get(reference, "/analytics/day-wise-overall-stats-by-sent-time", **RANGE,
               timezone="America/New_York").json()
    got = {row["date"]: row["email_engagement_metrics"]["sent"]
           for row in body["data"]["day_wise_stats"]}
    expected = {f"{d[8:]} {datetime.fromisoformat(d).strftime('%b')}": n for d, n in sent.items()
                if RANGE["start_date"] <= d <= RANGE["end_date"]}
    assert {k: v for k, v in got.items() if v} == expected and expected


def test_by_sent_time_needs_a_timezone_and_bad_ranges_are_400(reference: EmulatorProcess) -> None:
    assert get(reference, "/analytics/day-wise-overall-stats-by-sent-time", **RANGE
               ).status_code == 400
    assert get(reference, "/analytics/campaign/overall-stats", start_date="2026-01-02",
               end_date="2026-01-01").status_code == 400


def test_mailbox_statistics_pages_hold_at_most_20(reference: EmulatorProcess) -> None:
    assert get(reference, "/campaigns/1000/mailbox-statistics", limit=21).status_code == 400
    body = get(reference, "/campaigns/1000/mailbox-statistics", limit=20).json()
    assert body["ok"] is True and body["data"]
    assert {"email_account_id", "from_email", "sent_count", "sender_bounce_count"} <= set(
        body["data"][0])


def test_the_missing_flag_answers_404_on_analytics_routes_only() -> None:
    with EmulatorProcess(analytics_missing=True, **OPTIONS) as emu:
        assert get(emu, "/analytics/client/overall-stats", **RANGE).status_code == 404
        assert get(emu, "/campaigns/1000/mailbox-statistics").status_code == 200
