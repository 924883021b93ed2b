"""ACTIVATE_VERSION: a full-table stream that read every partition ends with one, after its
last record, and its records carry the version; one that left a partition out (an idle campaign,
one not due in the rotation) sends none; incremental streams send none; the setting turns them
off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.tap_runner import PRIMARY_KEYS, run_tap, tap_config

pytestmark = pytest.mark.integration

# Replication as README's stream table states it.
INCREMENTAL = {"campaign_leads", "campaign_statistics", "campaign_analytics_by_date",
               "lead_message_history", "warmup_stats", "warmup_totals",
               "account_daily_stats", "account_daily_stats_by_send_date", "campaign_daily_stats",
               "mailbox_daily_stats", "client_daily_stats", "reply_category_daily"}
# Full table, but an incremental run skips idle campaigns, or reads campaigns and mailboxes on
# the rotation (refresh_within_days), and keeps the other rows: a version only from a run that
# read every partition (a first sync does), none from one that left any out (it would drop
# those rows).
SKIPS_IDLE = {
    "lead_engagement", "campaign_mailbox_statistics", "campaign_analytics",
    "campaign_sequences", "campaign_email_accounts", "campaign_webhooks",
    "email_account_details",
}
FULL_TABLE = set(PRIMARY_KEYS) - INCREMENTAL - SKIPS_IDLE


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=31, campaigns=2, leads_per_campaign=8, mailboxes=2,
                         rate_limit="none") as process:
        yield process


def messages(stdout: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def default_run(emu: EmulatorProcess) -> list[dict[str, Any]]:
    run = run_tap(tap_config(emu))
    assert run.returncode == 0, run.stderr_text[-3000:]
    return messages(run.stdout)


def test_each_full_table_stream_sends_one_activate_version_after_its_records(default_run):
    activated: dict[str, int] = {}
    for position, message in enumerate(default_run):
        if message["type"] == "ACTIVATE_VERSION":
            assert message["stream"] not in activated, f"two for {message['stream']}"
            activated[message["stream"]] = position
    assert set(activated) == FULL_TABLE | SKIPS_IDLE  # a first sync reads every partition
    for stream, position in activated.items():
        records = [i for i, m in enumerate(default_run)
                   if m["type"] == "RECORD" and m["stream"] == stream]
        assert records and max(records) < position, stream


def test_full_table_records_carry_the_version_they_activate(default_run):
    versions = {m["stream"]: m["version"] for m in default_run if m["type"] == "ACTIVATE_VERSION"}
    for message in default_run:
        if message["type"] != "RECORD":
            continue
        if message["stream"] in FULL_TABLE | SKIPS_IDLE:
            assert message.get("version") == versions[message["stream"]], message["stream"]
        else:
            assert message.get("version") is None, message["stream"]


def test_a_daily_run_that_leaves_campaigns_out_sends_no_version_for_those_streams(emu):
    first = run_tap(tap_config(emu))
    assert first.returncode == 0, first.stderr_text[-3000:]
    daily = run_tap(tap_config(emu), state=first.last_state)
    assert daily.returncode == 0, daily.stderr_text[-3000:]
    activated = {m["stream"] for m in messages(daily.stdout) if m["type"] == "ACTIVATE_VERSION"}
    log = daily.stderr_text
    assert activated >= FULL_TABLE
    # The configuration streams read each campaign once per refresh_within_days (7) runs: the
    # day after a first sync, at most a few of them are due, so these leave campaigns out.
    left_out = SKIPS_IDLE - activated
    assert {"campaign_sequences", "campaign_webhooks"} <= left_out
    for stream in left_out:
        assert f"{stream}: no ACTIVATE_VERSION this run (it did not read" in log, stream


def test_with_skipping_off_the_per_campaign_full_table_streams_send_one_too(emu):
    run = run_tap(tap_config(emu, skip_idle_campaigns=False))
    assert run.returncode == 0, run.stderr_text[-3000:]
    activated = {m["stream"] for m in messages(run.stdout) if m["type"] == "ACTIVATE_VERSION"}
    assert activated == FULL_TABLE | SKIPS_IDLE


def test_the_setting_turns_them_off(emu):
    run = run_tap(tap_config(emu, emit_activate_version_messages=False))
    assert run.returncode == 0, run.stderr_text[-3000:]
    sent = messages(run.stdout)
    assert not [m for m in sent if m["type"] == "ACTIVATE_VERSION"]
    assert all(m.get("version") is None for m in sent if m["type"] == "RECORD")


def test_a_stream_that_fails_half_way_sends_none(emu):
    emu.configure(fault_rate=1.0, fault_kinds="500")
    try:
        run = run_tap(tap_config(emu, request_timeout_seconds=5), timeout=120)
    finally:
        emu.configure(fault_rate=0.0)
    assert run.returncode != 0
    assert b'"ACTIVATE_VERSION"' not in run.stdout
