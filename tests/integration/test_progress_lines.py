"""A real sync with a short progress interval: the lines appear on stderr while it runs, and
their counters agree with what the emulator served and what the tap wrote."""

from __future__ import annotations

import re

import pytest

from tests.integration.tap_runner import PRIMARY_KEYS, run_tap, tap_config

pytestmark = pytest.mark.integration

LINE = re.compile(
    r"progress: (?P<stream>\w+): (?:(?P<unit>campaigns|mailboxes) (?P<done>\d+)/(?P<total>\d+), )?"
    r"(?P<records>\d+) records?, (?P<requests>\d+) requests? \((?P<throttled>\d+) answered 429, "
    r"(?P<retries>\d+) retr(?:y|ies)\)(?:, (?P<left>.+))?$"
)
SUMMARY = re.compile(
    r"progress: sync finished: (?P<records>\d+) records? from (?P<streams>\d+) streams?, "
    r"(?P<requests>\d+) requests? \((?P<throttled>\d+) answered 429, (?P<retries>\d+) retr"
)


def progress_lines(stderr: str) -> list[str]:
    return [line.split(" | ")[-1] for line in stderr.splitlines() if "| progress: " in line]


def test_sync_logs_progress_per_stream_and_a_summary_that_matches_the_emulator(emulator):
    # 40 ms per request and 2 workers: several seconds of sync, so a 1 s interval shows several
    # lines mid-stream, including 429s from the emulator's seed limit, tightened to 12 per 2 s.
    # Threads one lead at a time (no bulk endpoint): lead_message_history is the long stream.
    emu = emulator(seed=5, campaigns=3, leads_per_campaign=10, mailboxes=3, latency_ms=40,
                   rate_limit="seed", rate_limit_requests=12, rate_limit_window=2,
                   bulk_history="absent")
    run = run_tap(tap_config(emu, progress_interval_seconds=1, max_concurrency=2,
                             rate_limit_requests=30, rate_limit_window_seconds=2))
    assert run.returncode == 0, run.stderr_text[-3000:]
    lines = progress_lines(run.stderr_text)
    periodic = [m for m in map(LINE.match, lines) if m]
    assert len(periodic) >= 5, "\n".join(lines)
    assert {m["stream"] for m in periodic} >= {"campaign_leads", "lead_message_history"}

    # Partitioned streams count campaigns or mailboxes of the account's real total.
    by_unit = {m["stream"]: m for m in periodic if m["unit"]}
    assert by_unit["lead_message_history"]["total"] == "3"
    mailbox_lines = [m for m in periodic if m["unit"] == "mailboxes"]
    per_mailbox = {"warmup_stats", "warmup_totals", "email_account_details"}
    assert all(m["stream"] in per_mailbox and m["total"] == "3" for m in mailbox_lines)
    # Some line was written before its stream finished, with an estimate or "estimating".
    assert any(m["left"] and m["left"] != "done" for m in periodic), "\n".join(lines)

    # Counters only grow, stream by stream.
    last: dict[str, tuple[int, ...]] = {}
    for m in periodic:
        now = tuple(int(m[k]) for k in ("records", "requests", "throttled", "retries"))
        assert now >= last.get(m["stream"], (0, 0, 0, 0))
        last[m["stream"]] = now

    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    stats = emu.stats()
    assert int(summary["requests"]) == stats["requests"]
    assert int(summary["throttled"]) == stats.get("rate_limited", 0)
    assert int(summary["throttled"]) > 0, "the emulator's limit should have answered some 429s"
    assert int(summary["records"]) == sum(len(r) for r in run.records.values())
    assert int(summary["streams"]) == len(PRIMARY_KEYS)


def test_progress_interval_zero_writes_only_the_summary(emulator):
    emu = emulator(seed=5, campaigns=1, leads_per_campaign=5, mailboxes=1, rate_limit="none")
    run = run_tap(tap_config(emu, progress_interval_seconds=0))
    assert run.returncode == 0, run.stderr_text[-3000:]
    lines = progress_lines(run.stderr_text)
    assert len(lines) == 1 and SUMMARY.match(lines[0]), lines
