"""The progress reporter against a fake clock: when lines are due, what they say."""

from __future__ import annotations

import time

import pytest

from tap_smartlead.progress import ProgressReporter, describe_duration


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def reporter(clock: FakeClock, lines: list[str]) -> ProgressReporter:
    return ProgressReporter(15, emit=lines.append, clock=clock)


def test_no_line_before_the_interval_has_passed(reporter, clock, lines):
    reporter.request("campaigns", 200)
    reporter.record("campaigns")
    clock.now += 14.9
    assert reporter.poll() == []
    clock.now += 0.1
    expected = "progress: campaigns: 1 record, 1 request (0 answered 429, 0 retries)"
    assert reporter.poll() == [expected]
    assert lines == [expected]


def test_a_listing_read_for_other_streams_is_not_a_line_until_the_end(reporter, clock, lines):
    # The campaign list is read before any stream runs: "campaigns: 0 records" for an account
    # with campaigns would read as an empty account.
    reporter.request("campaigns", 200)
    clock.now += 15
    assert reporter.poll() == []
    reporter.finish()
    assert lines[0] == "progress: campaigns: 0 records, 1 request (0 answered 429, 0 retries)"


def test_every_stream_gets_a_last_line_and_the_sync_a_time_left(reporter, clock, lines):
    reporter.expect_streams(2)
    for name in ("campaign_leads", "campaign_sequences"):
        reporter.partitions(name, "campaigns", 2)
    reporter.partition_done("campaign_leads")
    reporter.partition_done("campaign_leads")
    reporter.record("campaign_leads")
    clock.now += 15
    assert reporter.poll()[-1] == (
        "progress: sync: 1 of 2 streams done, 15 s so far, about 15 s left")
    reporter.partition_done("campaign_sequences")  # between two reports: no periodic line
    reporter.finish()
    assert lines[-2] == ("progress: campaign_sequences: campaigns 1/2, 0 records, 0 requests "
                         "(0 answered 429, 0 retries), about 15 s left")
    assert lines[-1].startswith("progress: sync finished: 1 record from 2 streams")


def test_line_counts_partitions_records_requests_429s_and_retries(reporter, clock):
    reporter.partitions("lead_message_history", "campaigns", 5)
    for _ in range(12):
        reporter.request("lead_message_history", 200)
    reporter.request("lead_message_history", 429)
    reporter.request("lead_message_history", None)  # a timeout
    reporter.retry("lead_message_history")
    reporter.retry("lead_message_history")
    for _ in range(30):
        reporter.record("lead_message_history")
    clock.now += 10
    reporter.partition_done("lead_message_history")
    clock.now += 5
    [line] = reporter.poll()
    assert line.startswith("progress: lead_message_history: campaigns 1/5, 30 records, ")
    assert "14 requests (1 answered 429, 2 retries)" in line
    # 10 s for the first of 5 campaigns: 4 more at that pace, 5 s of the next already spent.
    assert line.endswith("about 35 s left")


def test_time_left_follows_the_current_pace_and_counts_down(reporter, clock):
    reporter.partitions("warmup_stats", "mailboxes", 10)
    clock.now += 60
    reporter.partition_done("warmup_stats")
    reporter.partition_done("warmup_stats")
    clock.now += 5
    [line] = reporter.poll()
    # 2 mailboxes in 60 s: 8 more take 240 s, 5 of which are spent.
    assert "mailboxes 2/10" in line
    assert line.endswith("about 3 min 55 s left")
    reporter.record("warmup_stats")
    clock.now += 15
    [line] = reporter.poll()
    assert line.endswith("about 3 min 40 s left")


def test_time_left_never_drops_below_the_partitions_after_the_current_one(reporter, clock):
    reporter.partitions("campaign_leads", "campaigns", 4)
    clock.now += 10
    reporter.partition_done("campaign_leads")
    clock.now += 60  # the second campaign is much slower than the first
    [line] = reporter.poll()
    assert line.endswith("about 20 s left")  # at least the last two, at 10 s each


def test_time_left_is_estimating_until_the_first_partition_is_done(reporter, clock):
    reporter.partitions("campaign_leads", "campaigns", 3)
    reporter.request("campaign_leads", 200)
    clock.now += 15
    [line] = reporter.poll()
    assert line.endswith("campaigns 0/3, 0 records, 1 request (0 answered 429, 0 retries), "
                         "time left: estimating")


def test_finished_stream_says_done_and_idle_streams_are_not_repeated(reporter, clock):
    reporter.partitions("campaign_sequences", "campaigns", 2)
    reporter.partition_done("campaign_sequences")
    reporter.partition_done("campaign_sequences")
    clock.now += 15
    [line] = reporter.poll()
    assert line.endswith("campaigns 2/2, 0 records, 0 requests (0 answered 429, 0 retries), done")
    clock.now += 15
    assert reporter.poll() == []  # nothing changed since the last line
    reporter.record("clients")
    clock.now += 15
    assert reporter.poll() == [
        "progress: clients: 1 record, 0 requests (0 answered 429, 0 retries)"
    ]


def test_lines_come_every_interval_not_at_every_poll(reporter, clock, lines):
    for _ in range(100):
        reporter.request("campaigns", 200)
        reporter.record("campaigns")
        clock.now += 1
        reporter.poll()
    assert len(lines) == 6  # 100 s at one line per 15 s


def test_zero_interval_switches_the_lines_off_but_not_the_summary(clock, lines):
    reporter = ProgressReporter(0, emit=lines.append, clock=clock)
    reporter.record("campaigns")
    clock.now += 100
    assert reporter.poll() == []
    reporter.finish()
    assert lines == [
        "progress: sync finished: 1 record from 1 stream, 0 requests (0 answered 429, "
        "0 retries) in 1 min 40 s"
    ]


def test_summary_adds_up_every_stream(reporter, clock, lines):
    reporter.request("campaigns", 200)
    reporter.request("campaign_leads", 429)
    reporter.retry("campaign_leads")
    reporter.record("campaigns")
    reporter.record("campaign_leads")
    clock.now += 42
    reporter.finish("stopped")
    assert lines[-1] == (
        "progress: sync stopped: 2 records from 2 streams, 2 requests (1 answered 429, "
        "1 retry) in 42 s"
    )


def test_reporter_thread_writes_lines_while_the_caller_waits(lines):
    reporter = ProgressReporter(0.05, emit=lines.append)
    reporter.start()
    try:
        reporter.record("campaigns")
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        reporter.finish()
    assert lines[0] == "progress: campaigns: 1 record, 0 requests (0 answered 429, 0 retries)"
    assert lines[-1].startswith("progress: sync finished: 1 record from 1 stream")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "0 s"), (59.4, "59 s"), (60, "1 min 00 s"), (200, "3 min 20 s"),
     (3900, "1 h 05 min")],
)
def test_durations_read_like_a_person_would_say_them(seconds, text):
    assert describe_duration(seconds) == text
