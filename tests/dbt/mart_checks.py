"""Checks of built marts against the tap's own records (what the emulator served), shared by
the tests that build the models on a warehouse whose tables a real target wrote (Snowflake,
BigQuery). Column names are compared in lower case: Snowflake returns them upper case."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

Rows = list[dict[str, Any]]


def lower_keys(marts: dict[str, Rows]) -> dict[str, Rows]:
    return {name.lower(): [{k.lower(): v for k, v in row.items()} for row in rows]
            for name, rows in marts.items()}


def assert_marts_hold_the_records(marts: dict[str, Rows],
                                  records: dict[str, list[dict[str, Any]]]) -> None:
    steps = marts["smartlead__step_variant_performance"]
    assert sum(r["sent_count"] for r in steps) == len(records["campaign_statistics"]) > 0
    replies = [r for r in records["lead_message_history"] if r["type"] == "REPLY"]
    assert len(marts["smartlead__replies"]) == len(replies) > 0
    assert len(marts["smartlead__lead_funnel"]) == len(records["campaign_leads"])
    assert ({int(r["campaign_id"]) for r in marts["smartlead__campaign_performance"]}
            == {int(r["id"]) for r in records["campaigns"]})


def assert_days_are_utc_days(marts: dict[str, Rows],
                             records: dict[str, list[dict[str, Any]]]) -> None:
    """Sends per campaign and UTC day equal the records' (no session time zone moved them)."""
    expected: Counter[tuple[int, str]] = Counter()
    for record in records["campaign_statistics"]:
        instant = dt.datetime.fromisoformat(record["sent_time"]).astimezone(dt.timezone.utc)
        expected[(int(record["campaign_id"]), instant.date().isoformat())] += 1
    counted = Counter({(int(r["campaign_id"]), str(r["activity_date"])[:10]): r["sent_count"]
                       for r in marts["smartlead__campaign_performance_daily"]
                       if r["sent_count"]})
    assert counted == expected
