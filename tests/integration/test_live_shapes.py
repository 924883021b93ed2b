"""The tap against what the live API really sends (the emulator's default `--shapes live`) and
against the seed's shapes: every field kept with its value, nothing secret, odd answers survived.
"""

from __future__ import annotations

import datetime as dt

import pytest

from smartlead_emulator.render import SECRET_UNKNOWN_FIELDS, UNKNOWN_TO_TAP
from smartlead_emulator.testing import EmulatorProcess
from tests.integration.expected import assert_no_secret, expected_keys, secrets_of
from tests.integration.fields_kept import Api, fields_kept
from tests.integration.tap_runner import BEYOND_THE_SEED, PRIMARY_KEYS, run_tap, tap_config

pytestmark = pytest.mark.integration

START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)).replace(microsecond=0)


@pytest.fixture(scope="module", params=["live", "seed"])
def synced(request):
    with EmulatorProcess(
        seed=3, campaigns=3, leads_per_campaign=40, mailboxes=3, rate_limit="none",
        shapes=request.param,
    ) as emu:
        run = run_tap(tap_config(emu, start_date=START.isoformat()))
        tallies = fields_kept(Api(emu.base_url, emu.api_key), run.records)
        yield request.param, emu, run, emu.dataset(), tallies


def test_sync_completes_with_every_stream(synced):
    _, _, run, dataset, _ = synced
    assert run.returncode == 0, run.stderr_text[-2000:]
    expected = expected_keys(dataset, START)
    for stream in PRIMARY_KEYS:
        assert run.keys(stream) == expected[stream], stream
        assert len(run.records[stream]) == len(expected[stream]), f"{stream}: duplicates"


def test_every_field_that_carries_a_value_is_kept_with_its_value(synced):
    _, _, _, dataset, tallies = synced
    # Every stream the account has rows for (this one has no client with campaign activity).
    assert set(tallies) == {s for s, keys in expected_keys(dataset, START).items() if keys}
    for stream, tally in tallies.items():
        assert tally.carried > 0, stream
        assert tally.share == 1.0, f"{stream} lost {dict(tally.lost)}"


def test_fields_unknown_to_the_tap_land_in_extra_fields_or_their_json_column(synced):
    shapes, _, run, _, _ = synced
    if shapes != "live":
        pytest.skip("the seed's shapes carry no unknown fields")
    campaign = run.records["campaigns"][0]
    assert set(campaign["extra_fields"]) >= {"is_pinned", "ooo_settings"}
    history = run.records["lead_message_history"]
    assert all("is_important" in r["extra_fields"] for r in history)
    sequences = run.records["campaign_sequences"]
    assert any("delayInHours" in r["seq_delay_details"] for r in sequences)
    assert len(UNKNOWN_TO_TAP) > 10
    assert "kept fields the schema does not declare in extra_fields" in run.stderr_text
    for stream in ("campaigns", "lead_message_history", "campaign_statistics"):
        lines = [line for line in run.stderr_text.splitlines() if f"{stream}: kept fields" in line]
        assert len(lines) == 1, f"{stream}: the unknown fields are named once per run"


def test_no_credential_at_any_depth(synced):
    _, emu, run, dataset, _ = synced
    secrets = secrets_of(dataset, emu.api_key)
    assert_no_secret(secrets, stdout=run.stdout, stderr=run.stderr)
    names = {path.rsplit(".", 1)[-1] for path in SECRET_UNKNOWN_FIELDS}
    for stream in ("email_accounts", "campaign_email_accounts", "email_account_details"):
        text = str(run.records[stream]) + str(run.schemas[stream])
        for name in ("password", "imap_password", *names):
            assert f"'{name}'" not in text, (stream, name)


def test_each_message_keeps_its_own_addresses_and_step(synced):
    shapes, _, run, dataset, _ = synced
    if shapes != "live":
        pytest.skip("the seed's history items carry no addresses of their own")
    replies = [r for r in run.records["lead_message_history"] if r["type"] == "REPLY"]
    assert replies
    mailboxes = {a["from_email"] for a in dataset["email_accounts"]}
    for reply in replies:
        assert reply["from"] not in mailboxes, "a reply comes from the lead"
        assert reply["to"] in mailboxes, "a reply goes to the mailbox"
    sent = [r for r in run.records["lead_message_history"] if r["type"] == "SENT"]
    assert all(isinstance(r["email_seq_number"], int) for r in sent if r["email_seq_number"])
    assert any(r["email_seq_number"] is None for r in sent), "hand-sent replies have no step"


def test_live_types(synced):
    shapes, _, run, _, _ = synced
    campaign = next(r for r in run.records["campaigns"] if r["scheduler_cron_value"])
    assert isinstance(campaign["scheduler_cron_value"], dict)
    if shapes == "live":
        assert isinstance(campaign["scheduler_cron_value"]["days"], list)
    engagement = run.records["lead_engagement"]
    assert all(isinstance(r["open_count"], int) for r in engagement)
    assert all(isinstance(r["is_unsubscribed"], bool) for r in engagement)
    assert all(isinstance(r["custom_fields"], dict) for r in engagement if r["custom_fields"])
    totals = run.records["warmup_totals"]
    assert all(isinstance(r["inbox_count"], int) for r in totals)
    if shapes == "live":
        assert all(r["client_permision"] for r in run.records["clients"])


@pytest.mark.parametrize("answer", ["404", "empty-object", "empty-body", "mixed"])
def test_a_deleted_campaign_costs_one_warning_and_nothing_else(answer):
    with EmulatorProcess(
        seed=3, campaigns=3, leads_per_campaign=10, mailboxes=2, vanishing_campaigns=3,
        vanish_answer=answer, rate_limit="none",
    ) as emu:
        dataset = emu.dataset()
        run = run_tap(tap_config(emu, start_date=START.isoformat()))
    assert run.returncode == 0, run.stderr_text[-2000:]
    warnings = [
        line for line in run.stderr_text.splitlines() if "deleted after it was listed" in line
        and "WARNING" in line
    ]
    assert len(warnings) == 3, warnings
    expected = expected_keys(dataset, START)
    for stream in ("campaign_leads", "campaign_statistics", "lead_engagement",
                   "campaign_sequences", "lead_message_history"):
        assert run.keys(stream) == expected[stream], stream


def test_a_campaign_deleted_mid_sync_does_not_stop_the_others():
    with EmulatorProcess(
        seed=3, campaigns=3, leads_per_campaign=10, mailboxes=2, vanish_after=3,
        vanish_answer="empty-object", rate_limit="none",
    ) as emu:
        run = run_tap(tap_config(emu, start_date=START.isoformat()))
        after = emu.dataset()
    assert run.returncode == 0, run.stderr_text[-2000:]
    gone = [c["id"] for c in after["campaigns"] if c["vanished"]]
    assert len(gone) == 1, "the emulator deleted one campaign during the sync"
    expected = expected_keys(after, START)
    for stream in ("campaign_leads", "campaign_statistics", "lead_message_history"):
        assert run.keys(stream) >= expected[stream], stream
    assert run.stderr_text.count("deleted after it was listed (the API answered") == 1


def test_every_example_response_of_the_seed_syncs_and_keeps_every_field():
    """The seed's examples, served verbatim: one object where a list is expected, no stats_id,
    three messages sharing one (cut-off) message_id, a JavaScript literal for a cron value."""
    with EmulatorProcess(rate_limit="none", shapes="seed-examples") as emu:
        run = run_tap(tap_config(emu, start_date="2020-01-01"))
        tallies = fields_kept(Api(emu.base_url, emu.api_key), run.records)
    assert run.returncode == 0, run.stderr_text[-2000:]
    served = set(PRIMARY_KEYS) - {"lead_engagement"}  # the seed gives the export's header only
    served -= BEYOND_THE_SEED  # no example in the seed: 404, one warning each
    assert {s for s, rows in run.records.items() if rows} == served
    for stream in served:
        assert tallies[stream].share == 1.0, f"{stream} lost {dict(tallies[stream].lost)}"
    assert all(r["stats_id"].startswith("synthetic:") for r in run.records["campaign_statistics"])
    assert len(run.records["lead_message_history"]) == 3
    # The seed prints the cron value cut off mid-literal: kept whole rather than lost.
    cron = run.records["campaigns"][0]["scheduler_cron_value"]
    assert cron["raw"].startswith("{ tz: 'Australia/Sydney', days: [ 1, 2, 3, 4, 5 ]")
