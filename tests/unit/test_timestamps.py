"""Timestamps, strict and safe: the forms the live API mixes are read, anything else is null in
its column and kept as sent in extra_fields, and no bookmark passes the run's clock. Every
expected value is written out by hand (1714521600 is 2024-05-01T00:00:00Z)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from contextlib import redirect_stdout

import pytest

from tap_smartlead.client import capped_bookmark
from tap_smartlead.coercion import parse_timestamp
from tap_smartlead.tap import TapSmartlead

UTC = dt.timezone.utc


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("2023-03-13T07:44:12.978Z", at(2023, 3, 13, 7, 44, 12, 978000)),
        ("2023-03-13T07:44:12Z", at(2023, 3, 13, 7, 44, 12)),
        ("2023-03-13T07:44:12.978000+00:00", at(2023, 3, 13, 7, 44, 12, 978000)),
        ("2022-05-26T03:47:31.448094+00:00", at(2022, 5, 26, 3, 47, 31, 448094)),
        ("2023-03-13T07:44:12+00:00", at(2023, 3, 13, 7, 44, 12)),
        ("2023-10-16 10:33:02.000Z", at(2023, 10, 16, 10, 33, 2)),
        ("2023-10-16 10:33:02", at(2023, 10, 16, 10, 33, 2)),
        ("2023-03-13T09:44:12.978+02:00", at(2023, 3, 13, 7, 44, 12, 978000)),
        ("2023-03-13T02:44:12-0500", at(2023, 3, 13, 7, 44, 12)),
        ("2023-03-13T07:44:12.9781234Z", at(2023, 3, 13, 7, 44, 12, 978123)),
        ("2023-03-13T07:44Z", at(2023, 3, 13, 7, 44)),
        ("2023-03-13", at(2023, 3, 13)),
        (" 2023-03-13T07:44:12Z ", at(2023, 3, 13, 7, 44, 12)),
        (1714521600, at(2024, 5, 1)),
        (1714521600.5, at(2024, 5, 1, 0, 0, 0, 500000)),
        ("1714521600", at(2024, 5, 1)),
        (1714521600000, at(2024, 5, 1)),
        ("1714521600000", at(2024, 5, 1)),
        ("1714521600123", at(2024, 5, 1, 0, 0, 0, 123000)),
    ],
)
def test_the_forms_the_api_sends_are_read_in_utc(sent, expected):
    assert parse_timestamp(sent) == expected


@pytest.mark.parametrize(
    "sent",
    [
        "12",  # pendulum's loose mode: the 12th of this month
        "Mon",  # ... and next Monday
        "2024",
        "yesterday",
        "",
        "   ",
        "2023-13-01T00:00:00Z",
        "2023-02-30",
        "2023-03-13T25:00:00Z",
        "2023-03-13T07:44:12+24:00",
        "13/03/2023 07:44",
        "0000-00-00 00:00:00",
        "1714521600000000000000",  # would overflow
        -1714521600,
        12,
        True,
        {"time": "2023-03-13"},
        ["2023-03-13"],
    ],
)
def test_anything_else_is_not_a_timestamp_and_nothing_raises(sent):
    assert parse_timestamp(sent) is None


@pytest.fixture
def tap():
    return TapSmartlead(
        config={"api_key": "unit-key-77", "base_url": "http://smartlead.test/api/v1"},
        parse_env_config=False,
    )


def test_a_value_that_is_no_timestamp_is_null_and_kept_as_sent_in_extra_fields(tap):
    stream = tap.streams["campaign_statistics"]
    row = stream.post_process({
        "stats_id": "s-1", "campaign_id": 7, "sent_time": "Mon",
        "open_time": "1714521600000", "click_time": "2023-03-13 07:44:12.000Z",
    })
    assert row["sent_time"] is None
    assert row["open_time"] == "2024-05-01T00:00:00.000000+00:00"
    assert row["click_time"] == "2023-03-13T07:44:12.000000+00:00"
    assert row["extra_fields"] == {"sent_time": "Mon"}


def test_a_nested_value_keeps_its_path_in_extra_fields(tap):
    stream = tap.streams["campaign_sequences"]
    row = stream.post_process({
        "campaign_id": 7, "id": 1, "created_at": "2023-03-13T07:44:12Z",
        "sequence_variants": [{"id": 1, "created_at": "2023-03-13"}, {"id": 2, "created_at": "x"}],
    })
    assert row["sequence_variants"][1]["created_at"] is None
    assert row["extra_fields"] == {"sequence_variants[1].created_at": "x"}


def test_each_field_is_warned_once_per_stream(tap, caplog):
    statistics, history = tap.streams["campaign_statistics"], tap.streams["lead_message_history"]
    with caplog.at_level(logging.WARNING):
        for n in range(3):
            statistics.post_process({"stats_id": f"s-{n}", "sent_time": "Mon", "open_time": "12"})
            history.post_process({"message_id": f"m-{n}", "time": "soon"})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings
    assert sum("campaign_statistics" in w and "sent_time" in w for w in warnings) == 1
    assert sum("campaign_statistics" in w and "open_time" in w for w in warnings) == 1
    assert sum("lead_message_history" in w and " time " in w for w in warnings) == 1
    assert not any("Mon" in w or "soon" in w for w in warnings)  # values are not logged


CLOCK = at(2026, 12, 1, 9, 30)


@pytest.mark.parametrize(
    ("bookmark", "kept"),
    [
        ("2026-12-01T09:29:59.000000+00:00", "2026-12-01T09:29:59.000000+00:00"),
        ("2026-12-01T09:30:00.000000+00:00", "2026-12-01T09:30:00.000000+00:00"),
        ("2026-12-01T09:30:00.000001+00:00", "2026-12-01T09:30:00.000000+00:00"),
        ("2031-01-01T00:00:00.000000+00:00", "2026-12-01T09:30:00.000000+00:00"),
        ("2026-12-01", "2026-12-01"),
        ("2026-11-30", "2026-11-30"),
        ("2026-12-02", "2026-12-01"),
    ],
)
def test_no_bookmark_passes_the_run_clock(bookmark, kept):
    assert capped_bookmark(bookmark, CLOCK) == kept


def test_a_future_value_stays_in_the_record_but_not_in_the_state(requests_mock):
    # A real sync of one partition: the SDK moves the progress marker with the record's value,
    # the tap caps it when the partition's records end, before it becomes the bookmark.
    base = "http://smartlead.test/api/v1"
    tap = TapSmartlead(config={"api_key": "unit-test-key-777", "base_url": base,
                               "max_concurrency": 1, "start_date": "2026-01-01",
                               "skip_idle_campaigns": False})
    future = "2099-01-01T00:00:00.000000+00:00"
    requests_mock.get(f"{base}/campaigns", json=[{"id": 7, "name": "c", "status": "ACTIVE"}])
    requests_mock.get(re.compile(rf"{re.escape(base)}/campaigns/7/analytics\b"),
                      json={"id": 7, "sent_count": "1"})
    requests_mock.get(re.compile(rf"{re.escape(base)}/campaigns/7/statistics\b"), json={
        "data": [{"stats_id": "s-1", "lead_email": "a@b.test", "sent_time": future}],
        "total_stats": 1})
    stream = tap.streams["campaign_statistics"]
    out = io.StringIO()
    with redirect_stdout(out):
        stream.sync()
        stream.finalize_state_progress_markers()
    messages = [json.loads(line) for line in out.getvalue().splitlines()]
    sent = [m["record"]["sent_time"] for m in messages if m["type"] == "RECORD"]
    assert [parse_timestamp(value) for value in sent] == [parse_timestamp(future)]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    partitions = states[-1]["bookmarks"]["campaign_statistics"]["partitions"]
    bookmark = parse_timestamp(partitions[0]["replication_key_value"])
    assert bookmark is not None and bookmark <= tap.run.started_at
    for state in states:  # no STATE ever holds the future value as a bookmark
        for partition in state["bookmarks"].get("campaign_statistics", {}).get("partitions", []):
            value = partition.get("replication_key_value")
            assert value is None or parse_timestamp(value) <= tap.run.started_at
