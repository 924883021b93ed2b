"""The tap against a real emulator process: every stream, every record, typed, nothing leaked."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.expected import assert_no_secret, expected_keys, instant, secrets_of
from tests.integration.tap_runner import PRIMARY_KEYS, run_tap, tap_config

pytestmark = pytest.mark.integration

START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)).replace(microsecond=0)


@pytest.fixture(scope="module")
def account():
    with EmulatorProcess(
        seed=7, campaigns=3, leads_per_campaign=60, mailboxes=4, rate_limit="none"
    ) as emu:
        run = run_tap(tap_config(emu, start_date=START.isoformat()))
        yield emu, run, emu.dataset()


def test_sync_succeeds_and_emits_every_stream(account):
    _, run, _ = account
    assert run.returncode == 0, run.stderr_text[-2000:]
    assert set(run.records) == set(PRIMARY_KEYS)
    assert all(run.records[stream] for stream in PRIMARY_KEYS)


@pytest.mark.parametrize("stream", sorted(PRIMARY_KEYS))
def test_every_stream_emits_exactly_what_the_emulator_serves(account, stream):
    _, run, dataset = account
    expected = expected_keys(dataset, START)[stream]
    assert run.keys(stream) == expected
    assert len(run.records[stream]) == len(expected), "duplicate records"


def test_string_counts_and_percentages_arrive_as_numbers(account):
    _, run, _ = account
    analytics = run.records["campaign_analytics"][0]
    assert isinstance(analytics["sent_count"], int)
    by_date = run.records["campaign_analytics_by_date"][0]
    assert isinstance(by_date["open_count"], int)
    mailbox = run.records["email_accounts"][0]
    assert isinstance(mailbox["warmup_details"]["warmup_reputation"], (int, float))
    assert all(isinstance(r["open_count"], int) for r in run.records["campaign_statistics"])


def test_timestamps_are_normalised_utc_and_dates_are_dates(account):
    _, run, _ = account
    for record in run.records["lead_message_history"]:
        assert record["time"].endswith("+00:00")
        dt.datetime.fromisoformat(record["time"])
    for record in run.records["warmup_stats"]:
        dt.date.fromisoformat(record["date"])


def test_children_carry_parent_keys_and_leads_carry_lead_id_and_email(account):
    _, run, dataset = account
    emails = {
        (c["id"], r["campaign_lead_map_id"]): (r["lead"]["id"], r["lead"]["email"])
        for c in dataset["campaigns"]
        for r in c["leads"]
    }
    for lead in run.records["campaign_leads"]:
        assert (lead["lead_id"], lead["email"]) == emails[
            (lead["campaign_id"], lead["campaign_lead_map_id"])
        ]
        assert lead["lead"]["custom_fields"] is not None
    for message in run.records["lead_message_history"]:
        assert message["from"] and message["to"]
    assert all(r["email_account_id"] for r in run.records["warmup_stats"])


def test_message_history_values_equal_the_thread_served(account):
    _, run, dataset = account
    campaign = dataset["campaigns"][0]
    recent = {
        lead_id: [m for m in thread["history"] if instant(m["time"]) > START]
        for lead_id, thread in campaign["message_history"].items()
    }
    lead_id = next(k for k, messages in recent.items() if len(messages) > 1)
    thread = campaign["message_history"][lead_id]
    emitted = {
        r["message_id"]: r
        for r in run.records["lead_message_history"]
        if r["campaign_id"] == campaign["id"] and r["lead_id"] == int(lead_id)
    }
    for message in recent[lead_id]:
        record = emitted[message["message_id"]]
        assert (record["type"], record["subject"], record["email_body"]) == (
            message["type"], message.get("subject"), message["email_body"]
        )
        # Each message keeps its own addresses; the thread's fill only a message without.
        assert record["from"] == (message.get("from") or thread["from"])
        assert record["to"] == (message.get("to") or thread["to"])


def test_no_secret_in_records_schemas_state_or_logs(account):
    emu, run, dataset = account
    secrets = secrets_of(dataset, emu.api_key)
    assert len(secrets) > 4  # the key and the mailboxes' passwords
    assert_no_secret(secrets, stdout=run.stdout, stderr=run.stderr)
    for stream in ("email_accounts", "campaign_email_accounts", "email_account_details"):
        assert "password" not in run.schemas[stream]["properties"]
        assert "imap_password" not in run.schemas[stream]["properties"]
        assert not any("password" in r for r in run.records[stream])


def test_state_is_small_and_keyed_by_campaign_and_mailbox(account):
    _, run, dataset = account
    state = run.last_state
    text = json.dumps(state)
    # One small entry per campaign and stream, never per lead: the rotation's and the activity
    # question's marks, and the keys tombstones are computed from (each campaign's webhooks,
    # steps and mailboxes; the daily tables' keys of the look-back days only). Each read is
    # marked with the time its run began (`read_on`, 15 characters more than a bare day), and
    # each per-day stream keeps one digest per look-back day (`day_figures`).
    figures = [b.get("day_figures", {}) for b in state["bookmarks"].values()]
    assert all(len(days) <= 8 for days in figures)  # analytics_lookback_days + today
    allowance = 15 * text.count('"read_on"') + sum(len(json.dumps(days)) for days in figures)
    assert len(text) < 10000 + allowance
    leads = state["bookmarks"]["lead_message_history"]["partitions"]
    assert {p["context"]["campaign_id"] for p in leads} == {c["id"] for c in dataset["campaigns"]}
    sequences = state["bookmarks"]["campaign_sequences"]["partitions"]
    assert {p["context"]["campaign_id"] for p in sequences} == {
        c["id"] for c in dataset["campaigns"]}


def test_state_lines_are_under_5_and_schema_lines_under_2_percent_of_stdout():
    with EmulatorProcess(rate_limit="none") as emu:  # 5 campaigns x 200 leads, 8 mailboxes
        run = run_tap(tap_config(emu))
    assert run.returncode == 0, run.stderr_text[-2000:]
    # STATE: checkpoints between partitions, with the rotation's marks and the keys tombstones
    # are computed from; SCHEMA: each stream's once, every property with its description.
    assert run.message_bytes["STATE"] / len(run.stdout) < 0.05
    assert run.message_bytes["SCHEMA"] / len(run.stdout) < 0.02


def test_deleted_campaign_is_logged_and_skipped(tmp_path):
    with EmulatorProcess(
        seed=3, campaigns=2, leads_per_campaign=10, mailboxes=2, vanishing_campaigns=1,
        rate_limit="none",
    ) as emu:
        dataset = emu.dataset()
        run = run_tap(tap_config(emu, start_date=START.isoformat()))
    assert run.returncode == 0, run.stderr_text[-2000:]
    vanished = [c["id"] for c in dataset["campaigns"] if c["vanished"]]
    assert len(vanished) == 1
    assert run.stderr_text.count("deleted after it was listed (the API answered") == 1
    assert run.keys("campaign_leads") == expected_keys(dataset, START)["campaign_leads"]


@pytest.mark.parametrize("envelope", ["bare", "ok"])
def test_both_list_envelopes_give_the_same_records(envelope):
    with EmulatorProcess(
        seed=5, campaigns=2, leads_per_campaign=5, mailboxes=2, envelope=envelope,
        rate_limit="none",
    ) as emu:
        run = run_tap(tap_config(emu, start_date=START.isoformat()))
        dataset = emu.dataset()
    assert run.returncode == 0, run.stderr_text[-2000:]
    expected = expected_keys(dataset, START)
    for stream in ("clients", "campaign_sequences", "lead_categories", "campaign_webhooks"):
        assert run.keys(stream) == expected[stream]
