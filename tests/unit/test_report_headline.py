"""The report's headline row and analytics charts from hand-written mart rows."""

from __future__ import annotations

import datetime as dt

import pytest

from smartlead_report.report import Marts, client_rows, headline_rows, mailbox_bounce_rows

LAST = dt.date(2026, 6, 30)


def day(offset: int, sent: int, replied: int, positive: int, bounced: int) -> dict:
    return {"activity_date": (LAST - dt.timedelta(days=offset)).isoformat(),
            "sent_by_send_date": sent, "replied_by_send_date": replied,
            "positive_replied_by_send_date": positive, "bounced_by_send_date": bounced}


def marts(**tables: list[dict]) -> Marts:
    return Marts([], [], [], **tables)


def test_headline_compares_the_last_30_days_with_the_30_before() -> None:
    rows = headline_rows(marts(account_daily=[
        day(0, 100, 10, 4, 2), day(29, 100, 10, 0, 0),  # inside the last 30 days
        day(30, 50, 1, 1, 5), day(59, 50, 4, 0, 0),  # the 30 before
        day(60, 1000, 1000, 1000, 1000),  # older: in neither
    ]))
    got = {r["metric"]: (r["last_30_days"], r["previous_30_days"]) for r in rows}
    assert got == {
        "sent": (200, 100),
        "reply rate": (pytest.approx(0.1), pytest.approx(0.05)),
        "positive reply rate": (pytest.approx(0.02), pytest.approx(0.01)),
        "bounce rate": (pytest.approx(0.01), pytest.approx(0.05)),
    }
    assert {r["through"] for r in rows} == {LAST.isoformat()}


def test_headline_rates_without_sends_are_none_and_no_days_no_headline() -> None:
    rows = headline_rows(marts(account_daily=[day(0, 0, 0, 0, 0)]))
    assert {r["metric"]: r["last_30_days"] for r in rows}["reply rate"] is None
    assert headline_rows(marts()) == []


def test_bounce_rate_per_mailbox_sums_its_days() -> None:
    rows = mailbox_bounce_rows(marts(mailbox_deliverability_daily=[
        {"from_email": "a@x.example", "sending_domain": "x.example", "activity_date": "2026-06-01",
         "sent_count": 10, "bounced_count": 1, "replied_count": 0},
        {"from_email": "a@x.example", "sending_domain": "x.example", "activity_date": "2026-06-02",
         "sent_count": 10, "bounced_count": 3, "replied_count": 2},
        {"from_email": "b@y.example", "sending_domain": "y.example", "activity_date": "2026-06-02",
         "sent_count": 0, "bounced_count": 0, "replied_count": 1},  # no sends: no rate
    ]))
    assert rows == [{"mailbox": "a@x.example", "domain": "x.example", "sent": 20, "bounced": 4,
                     "bounce_rate": 0.2, "label": "a@x.example (20 sent)"}]


def test_client_rows_name_the_client_or_its_id() -> None:
    rows = client_rows(marts(client_performance_daily=[
        {"client_id": 7, "client_name": None, "activity_date": "2026-06-01", "sent_count": 3,
         "replied_count": 1, "positive_replied_count": 1, "bounced_count": 0},
    ]))
    assert rows == [{"client": "7", "client_name": "7", "date": "2026-06-01", "sent": 3,
                     "replies": 1, "positive_replies": 1}]
