"""The emulator's live mode (the default), deleted campaigns, leads-export, the transient fault
kinds and the seed-examples mode: real processes, real HTTP.

Live shapes follow ../shared/smartlead-api-notes.md, "What the live API actually sends".
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from smartlead_emulator import seed_examples
from smartlead_emulator.render import EXPORT_COLUMNS as LIVE_EXPORT_COLUMNS
from smartlead_emulator.render import REFERENCE_EXPORT_COLUMNS as SEED_EXPORT_COLUMNS
from smartlead_emulator.render import UNKNOWN_TO_TAP
from smartlead_emulator.testing import EmulatorProcess
from tests.integration.expected import secrets_of

pytestmark = pytest.mark.integration

NOW = "2024-05-01T12:00:00Z"
LIVE_OPTIONS: dict[str, Any] = {
    "seed": 7, "now": NOW, "campaigns": 4, "leads_per_campaign": 150, "mailboxes": 4,
    "vanishing_campaigns": 3, "rate_limit": "none",
}
SEED_DOC = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / \
    "smartlead-api-docs.txt"
Z_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
OFFSET_US = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
OFFSET_S = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(**LIVE_OPTIONS) as process:
        yield process


@pytest.fixture(scope="module")
def truth(emu: EmulatorProcess) -> dict[str, Any]:
    return emu.dataset()


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def get(session: requests.Session, emu: EmulatorProcess, path: str,
        **params: Any) -> requests.Response:
    return session.get(emu.base_url + path, params={"api_key": emu.api_key, **params},
                       timeout=15)


def regular(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in truth["campaigns"] if not c["vanished"]]


def all_leads(session: requests.Session, emu: EmulatorProcess, cid: int) -> list[dict]:
    rows: list[dict] = []
    while True:
        page = get(session, emu, f"/campaigns/{cid}/leads", offset=len(rows), limit=100).json()
        rows += page["data"]
        if len(page["data"]) < 100:
            return rows


def resolve(body: Any, path: str) -> list[Any]:
    """Values at a UNKNOWN_TO_TAP path (`a.b`, `[]` = each item); missing keys raise."""
    values = [body]
    for part in re.findall(r"[^.\[\]]+|\[\]", path):
        values = ([item for v in values for item in v] if part == "[]"
                  else [v[part] for v in values])
    return values


# -- live shapes ---------------------------------------------------------------------------


def test_campaigns_have_live_types(emu, http):
    rows = get(http, emu, "/campaigns").json()
    assert isinstance(rows, list) and len(rows) == 7
    for row in rows:
        assert isinstance(row["track_settings"], list)
        assert all(isinstance(t, str) for t in row["track_settings"])
        cron = row["scheduler_cron_value"]
        assert cron is None or (set(cron) == {"tz", "days", "startHour", "endHour"}
                                and isinstance(cron["days"], list))
        assert isinstance(row["follow_up_percentage"], int)
        for key in ("unsubscribe_text", "parent_campaign_id", "client_id",
                    "enable_ai_esp_matching", "send_as_plain_text"):
            assert key in row
    assert any(r["scheduler_cron_value"] is None for r in rows)
    assert any(isinstance(r["scheduler_cron_value"], dict) for r in rows)
    assert any(r["parent_campaign_id"] is not None for r in rows)


def test_sequences_and_webhooks_are_lists_with_live_steps(emu, http, truth):
    variant_keys = {"id", "created_at", "updated_at", "is_deleted", "variant_label", "subject",
                    "email_body", "email_campaign_seq_id", "variant_distribution_percentage"}
    steps = []
    for c in regular(truth):
        body = get(http, emu, f"/campaigns/{c['id']}/sequences").json()
        assert isinstance(body, list) and body == c["sequences"]
        assert isinstance(get(http, emu, f"/campaigns/{c['id']}/webhooks").json(), list)
        steps += body
    for step in steps:
        assert set(step["seq_delay_details"]) >= {"delayInDays"}
        assert isinstance(step["seq_delay_details"]["delayInDays"], int)
        for variant in step["sequence_variants"]:
            assert set(variant) >= variant_keys
    plain = [s for s in steps if s["sequence_variants"] == []]
    assert plain and all(s["email_body"] for s in plain)  # subject/body live on the step
    variants = [v for s in steps for v in s["sequence_variants"]]
    assert any(v["variant_distribution_percentage"] is None for v in variants)


def test_statistics_rows_have_live_fields_and_null_variant_on_plain_steps(emu, http, truth):
    keys = {"stats_id", "lead_name", "lead_email", "lead_category", "sequence_number",
            "email_campaign_seq_id", "seq_variant_id", "email_subject", "email_message",
            "sent_time", "open_time", "click_time", "reply_time", "open_count", "click_count",
            "is_unsubscribed", "is_bounced", "ignore_reply"}
    nulls = 0
    for c in regular(truth):
        plain = {s["id"] for s in c["sequences"] if not s["sequence_variants"]}
        body = get(http, emu, f"/campaigns/{c['id']}/statistics", limit=1000).json()
        assert isinstance(body["total_stats"], str)
        assert body["data"] == c["statistics"]
        for row in body["data"]:
            assert set(row) >= keys
            assert re.fullmatch(r"[0-9a-f-]{36}", row["stats_id"])
            assert (row["seq_variant_id"] is None) == (row["email_campaign_seq_id"] in plain)
            nulls += row["seq_variant_id"] is None
            assert row["lead_category"] is None or isinstance(row["lead_category"], str)
    assert nulls


def test_leads_listing_serves_some_rows_twice_and_counts_them(emu, http, truth):
    duplicated = 0
    for c in regular(truth):
        rows = all_leads(http, emu, c["id"])
        first = get(http, emu, f"/campaigns/{c['id']}/leads", limit=1).json()
        assert first["total_leads"] == str(len(rows))  # duplicates included
        ids = Counter(r["campaign_lead_map_id"] for r in rows)
        twice = sorted(i for i, n in ids.items() if n == 2)
        assert twice == c["duplicate_lead_map_ids"] and set(ids.values()) <= {1, 2}
        assert len(rows) == len(c["leads"]) + len(twice)
        distinct = {r["campaign_lead_map_id"]: r for r in rows}
        assert list(distinct.values()) == c["leads"]
        for i, row in enumerate(rows[1:], 1):
            if row["campaign_lead_map_id"] in twice and rows[i - 1] == row:
                duplicated += 1
        for row in rows:
            assert "lead_category_id" in row
            unsub = row["lead"]["unsubscribed_client_id_map"]
            assert unsub is None or isinstance(unsub, dict)
            assert (unsub is not None) == row["lead"]["is_unsubscribed"]
    assert duplicated >= 3  # the same row, served twice, next to itself


def test_message_history_items_carry_their_own_addresses(emu, http, truth):
    kinds = Counter()
    for c in regular(truth):
        mailboxes = {a["from_email"] for a in c["email_accounts"]}
        for lead_id, thread in c["message_history"].items():
            if not thread["history"]:
                continue
            served = get(http, emu, f"/campaigns/{c['id']}/leads/{lead_id}/message-history")
            assert served.json() == thread
            assert thread["from"] in mailboxes
            formats = set()
            for item in thread["history"]:
                for key in ("cc", "bcc", "open_count", "click_count", "click_details",
                            "attachments", "reply_details", "email_seq_number"):
                    assert key in item
                if item["type"] == "REPLY":
                    assert (item["from"], item["to"]) == (thread["to"], thread["from"])
                    kinds["reply"] += 1
                    assert OFFSET_US.match(item["time"])
                elif item["email_seq_number"] is None:
                    kinds["manual"] += 1
                    assert (item["from"], item["to"]) == (thread["from"], thread["to"])
                    assert OFFSET_S.match(item["time"])
                else:
                    kinds["sent"] += 1
                    assert isinstance(item["email_seq_number"], str)
                    assert item["email_seq_number"].isdigit()
                    assert Z_MS.match(item["time"])
                formats.add(item["time"][-1])
            if len(formats) > 1:
                kinds["mixed"] += 1
    assert all(kinds[k] for k in ("sent", "reply", "manual", "mixed")), kinds


def test_analytics_counts_are_strings_and_lead_stats_integers(emu, http, truth):
    tagged = 0
    for c in regular(truth):
        body = get(http, emu, f"/campaigns/{c['id']}/analytics").json()
        assert body == c["analytics"]
        for key in ("sent_count", "open_count", "reply_count", "sequence_count",
                    "unique_open_count", "unique_click_count", "unique_sent_count"):
            assert isinstance(body[key], str), key
        stats = body["campaign_lead_stats"]
        assert set(stats) >= {"total", "notStarted", "inprogress", "paused", "completed",
                              "stopped", "blocked", "interested", "revenue"}
        assert all(isinstance(v, int) for v in stats.values())
        for key in ("client_id", "client_name", "client_email", "client_company_name",
                    "parent_campaign_id", "send_as_plain_text"):
            assert key in body
        for tag in body["tags"]:
            assert set(tag) == {"id", "name", "color"}
        tagged += bool(body["tags"])
        by_date = get(http, emu, f"/campaigns/{c['id']}/analytics-by-date",
                      start_date="2024-04-01", end_date="2024-04-30").json()
        for key in ("unique_sent_count", "unique_open_count", "unique_click_count"):
            assert isinstance(by_date[key], str)
    assert tagged


def test_email_accounts_passwords_tags_and_warmup_settings(emu, http, truth):
    listed = get(http, emu, "/email-accounts").json()
    assert listed == truth["email_accounts"]
    blocked = 0
    for row in listed:
        detail = get(http, emu, f"/email-accounts/{row['id']}").json()
        assert detail == truth["email_account_details"][str(row["id"])]
        # base64 on the list route, plaintext by id
        assert base64.b64decode(row["password"]).decode() == detail["password"]
        assert set(row["warmup_details"]) >= {"id", "status", "total_sent_count",
                                              "total_spam_count", "warmup_reputation"}
        assert re.fullmatch(r"\d+%", row["warmup_details"]["warmup_reputation"])
        assert isinstance(row["campaign_count"], int)
        for tag in row["tags"]:
            assert set(tag) == {"tag_id", "tag_name", "tag_color"}
        warmup = detail["warmup_details"]
        assert set(warmup) >= {"reply_rate", "warmup_key_id", "blocked_reason",
                               "is_warmup_blocked", "warmup_min_count", "warmup_max_count",
                               "max_email_per_day", "created_at"}
        assert warmup["is_warmup_blocked"] == (warmup["blocked_reason"] is not None)
        blocked += warmup["is_warmup_blocked"]
        stats = get(http, emu, f"/email-accounts/{row['id']}/warmup-stats").json()
        for key in ("sent_count", "spam_count", "inbox_count", "warmup_email_received_count"):
            assert isinstance(stats[key], str)
        assert all(isinstance(d["sent_count"], int) for d in stats["stats_by_date"])
    assert blocked
    for c in regular(truth):
        per_campaign = get(http, emu, f"/campaigns/{c['id']}/email-accounts").json()
        for account in per_campaign:
            plain = truth["email_account_details"][str(account["id"])]["password"]
            assert account["password"] == plain


def test_categories_and_clients_use_live_names(emu, http):
    categories = get(http, emu, "/leads/fetch-categories").json()
    assert {c["sentiment_type"] for c in categories} == {"positive", "negative", None}
    assert any(c["id"] > 10_000 for c in categories)
    clients = get(http, emu, "/client").json()
    assert isinstance(clients, list) and clients
    for row in clients:
        assert "client_permission" not in row
        assert set(row["client_permision"]) >= {"permission", "retricted_category"}


def test_every_unknown_to_the_tap_field_arrives(emu, http, truth):
    c = regular(truth)[0]
    lead_id = next(k for k, t in c["message_history"].items() if t["history"])
    account = truth["email_accounts"][0]["id"]
    email = c["leads"][0]["lead"]["email"]
    paths = {
        "/campaigns/{id}": f"/campaigns/{c['id']}",
        "/campaigns/{id}/leads/{lead_id}/message-history":
            f"/campaigns/{c['id']}/leads/{lead_id}/message-history",
        "/email-accounts/{id}": f"/email-accounts/{account}",
        "/email-accounts/{id}/warmup-stats": f"/email-accounts/{account}/warmup-stats",
        "/leads/{lead_id}/campaigns": f"/leads/{c['leads'][0]['lead']['id']}/campaigns",
    }
    params = {"/leads": {"email": email},
              "/campaigns/{id}/analytics-by-date": {"start_date": "2024-04-01",
                                                    "end_date": "2024-04-30"}}
    assert len(UNKNOWN_TO_TAP) == 18
    for template, fields in UNKNOWN_TO_TAP.items():
        path = paths.get(template, template.replace("{id}", str(c["id"])))
        response = get(http, emu, path, **params.get(template, {}))
        assert response.status_code == 200, template
        if template.endswith("leads-export"):
            header = next(csv.reader(io.StringIO(response.text)))
            assert set(fields) <= set(header)
            continue
        for field in fields:
            assert resolve(response.json(), field), (template, field)


def test_credential_like_unknown_fields_are_secrets_in_the_ground_truth(emu, http, truth):
    secrets = secrets_of(truth, emu.api_key)
    for row in get(http, emu, "/email-accounts").json():
        assert row["oauth_refresh_token"] in secrets
        assert row["warmup_details"]["smtp_api_secret"] in secrets
        assert row["password"] in secrets  # the base64 form too
        assert len(row["oauth_refresh_token"]) > 40


def test_ground_truth_describes_live_mode(truth):
    assert truth["shapes"] == "live"
    assert truth["unknown_to_tap"] == UNKNOWN_TO_TAP
    vanished = [c for c in truth["campaigns"] if c["vanished"]]
    assert [c["vanish_answer"] for c in vanished] == ["404", "empty-object", "empty-body"]


# -- deleted campaigns ---------------------------------------------------------------------


def vanish_answers(session: requests.Session, emu: EmulatorProcess, cid: int) -> set:
    seen = set()
    for path in ("", "/leads", "/statistics", "/sequences", "/analytics", "/email-accounts",
                 "/webhooks", "/leads-export", "/leads/400001/message-history"):
        response = get(session, emu, f"/campaigns/{cid}{path}")
        if response.status_code == 404:
            assert response.json() == {"error": "Campaign not found - Invalid campaign_id."}
            seen.add("404")
        elif response.content == b"":
            assert response.status_code == 200
            seen.add("empty-body")
        else:
            assert (response.status_code, response.json()) == (200, {})
            seen.add("empty-object")
    return seen


def test_mixed_vanish_answers_cycle_in_id_order(emu, http, truth):
    vanished = sorted(c["id"] for c in truth["campaigns"] if c["vanished"])
    answers = [vanish_answers(http, emu, cid) for cid in vanished]
    assert answers == [{"404"}, {"empty-object"}, {"empty-body"}]


@pytest.mark.parametrize("mode", ["404", "empty-object", "empty-body"])
def test_each_vanish_answer_mode(mode, http):
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=3, mailboxes=1,
                         vanishing_campaigns=2, vanish_answer=mode, rate_limit="none") as emu:
        for cid in (1001, 1002):
            assert vanish_answers(http, emu, cid) == {mode}


def test_seed_mode_vanishes_with_404_by_default(http):
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=3, mailboxes=1,
                         vanishing_campaigns=3, shapes="seed", rate_limit="none") as emu:
        for cid in (1001, 1002, 1003):
            assert vanish_answers(http, emu, cid) == {"404"}


def test_vanish_after_deletes_a_campaign_mid_sync(http):
    with EmulatorProcess(now=NOW, campaigns=2, leads_per_campaign=5, mailboxes=1,
                         vanish_after=3, vanish_answer="empty-object",
                         rate_limit="none") as emu:
        newest = get(http, emu, "/campaigns").json()[0]["id"]
        assert emu.dataset()["campaigns"][1]["vanish_after"] == 3
        assert get(http, emu, f"/campaigns/{newest}").status_code == 200  # not a child
        for _ in range(3):
            response = get(http, emu, f"/campaigns/{newest}/leads")
            assert response.status_code == 200 and response.json()["data"]
        assert get(http, emu, f"/campaigns/{newest}/leads").json() == {}
        assert get(http, emu, f"/campaigns/{newest}").json() == {}
        other = get(http, emu, "/campaigns").json()[1]["id"]
        assert get(http, emu, f"/campaigns/{other}/leads").json()["data"]
        assert [c["vanished"] for c in emu.dataset()["campaigns"]] == [False, True]


# -- leads-export --------------------------------------------------------------------------


def test_leads_export_live_columns_rows_and_counts(emu, http, truth):
    for c in regular(truth):
        response = get(http, emu, f"/campaigns/{c['id']}/leads-export")
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        header = next(csv.reader(io.StringIO(response.text)))
        assert tuple(header) == LIVE_EXPORT_COLUMNS
        assert len(rows) == len(c["leads"])  # duplicates of the listing are not repeated
        assert [list(r.values()) for r in rows] == c["leads_export"]["rows"]
        opens = Counter()
        for stat in c["statistics"]:
            opens[stat["lead_email"]] += stat["open_count"]
        names = {cat["id"]: cat["name"] for cat in truth["categories"]}
        for row, lead in zip(rows, c["leads"], strict=True):
            assert int(row["campaign_lead_map_id"]) == lead["campaign_lead_map_id"]
            assert int(row["open_count"]) == opens[lead["lead"]["email"]]
            assert row["category"] == names.get(lead["lead_category_id"], "")
            assert json.loads(row["custom_fields"]) == lead["lead"]["custom_fields"]
            history = c["message_history"][str(lead["lead"]["id"])]["history"]
            assert int(row["reply_count"]) == sum(h["type"] == "REPLY" for h in history)


def test_leads_export_in_seed_mode_uses_the_seed_columns(http):
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=30, mailboxes=1,
                         shapes="seed", rate_limit="none") as emu:
        text = get(http, emu, "/campaigns/1000/leads-export").text
        rows = list(csv.reader(io.StringIO(text)))
        assert tuple(rows[0]) == SEED_EXPORT_COLUMNS and len(rows) == 31


# -- transient fault kinds -----------------------------------------------------------------


def test_string_html_and_notjson_faults(http):
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=3, mailboxes=1,
                         rate_limit="none", fault_rate=1.0, fault_kinds="string") as emu:
        response = get(http, emu, "/campaigns")
        assert response.status_code == 200 and isinstance(response.json(), str)
        emu.configure(fault_kinds="notjson")
        response = get(http, emu, "/campaigns")
        assert response.status_code == 200
        with pytest.raises(ValueError):
            json.loads(response.text)
        emu.configure(fault_kinds="html")
        statuses = []
        for _ in range(2):
            response = get(http, emu, "/campaigns")
            assert response.headers["Content-Type"].startswith("text/html")
            assert "<pre>" in response.text
            statuses.append(response.status_code)
        assert statuses == [200, 502]
        assert set(emu.configure(fault_kinds="all")["fault_kinds"]) >= {
            "string", "html", "notjson", "500", "502", "503", "reset", "truncated", "badjson",
            "slow"}
        assert emu.stats()["faults"] == {"html": 2, "notjson": 1, "string": 1}


# -- seed examples -------------------------------------------------------------------------


@pytest.mark.skipif(not SEED_DOC.exists(), reason="the seed document is not next to the clone")
def test_shipped_examples_equal_a_fresh_extraction_from_the_seed():
    fresh = seed_examples.extract(SEED_DOC.read_text(encoding="utf-8"))
    assert fresh == seed_examples.load()


def test_lenient_reader_keeps_values_as_printed():
    text = '{\n "a": 1 // note\n "b": "cut off li\n "c": 40% ,\n "d": 0239,\n ...\n}'
    assert seed_examples.parse(text) == {"a": 1, "b": "cut off li", "c": "40%", "d": "0239"}
    assert seed_examples.parse('"x": [1, 2,],\n"y": <id') == {"x": [1, 2], "y": "<id"}


def test_seed_examples_mode_serves_every_example_verbatim(http):
    examples = seed_examples.load()
    assert len(examples) == 18
    with EmulatorProcess(shapes="seed-examples", rate_limit="none") as emu:
        for template, entry in examples.items():
            path = (template.replace("{id}", "777").replace("{lead_id}", "42"))
            response = get(http, emu, path, email="anyone@example.com")
            assert response.status_code == 200, template
            if "columns" in entry:
                assert response.text.strip() == ",".join(entry["columns"])
            else:
                assert response.json() == entry["body"], template
        later = get(http, emu, "/campaigns/777/leads", offset=100).json()
        assert later["data"] == [] and later["total_leads"] == 823
        assert emu.dataset()["examples"] == examples


def test_bad_shape_option_is_a_one_line_error():
    result = subprocess.run([sys.executable, "-m", "smartlead_emulator", "--shapes", "beta"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--shapes" in result.stderr


# -- live data vs seed data, advance -------------------------------------------------------


def test_live_and_seed_modes_serve_the_same_data():
    options = {"seed": 4, "now": NOW, "campaigns": 2, "leads_per_campaign": 60, "mailboxes": 2}
    with EmulatorProcess(shapes="seed", **options) as seed_emu:
        seed = seed_emu.dataset()
    with EmulatorProcess(**options) as live_emu:
        live = live_emu.dataset()
    for s, c in zip(seed["campaigns"], live["campaigns"], strict=True):
        assert [r["campaign_lead_map_id"] for r in s["leads"]] == \
            [r["campaign_lead_map_id"] for r in c["leads"]]
        assert [r["stats_id"] for r in s["statistics"]] == \
            [r["stats_id"] for r in c["statistics"]]
        assert [s_["id"] for s_ in s["sequences"]] == [s_["id"] for s_ in c["sequences"]]
        for lead_id, thread in s["message_history"].items():
            live_items = c["message_history"][lead_id]["history"]
            # live threads add hand-sent answers (SENT, no sequence number) and nothing else
            assert [i["message_id"] for i in live_items if i["email_seq_number"] is not None] \
                == [i["message_id"] for i in thread["history"]]


def test_advance_in_live_mode_adds_hand_sent_answers_inside_the_day():
    with EmulatorProcess(seed=3, now=NOW, campaigns=2, leads_per_campaign=300, mailboxes=2,
                         rate_limit="none") as emu:
        before = emu.dataset()
        emu.advance(3)
        after = emu.dataset()
    old_ids = {i["message_id"] for c in before["campaigns"]
               for t in c["message_history"].values() for i in t["history"]}
    new_manual = [i for c in after["campaigns"] for t in c["message_history"].values()
                  for i in t["history"]
                  if i["message_id"] not in old_ids and i["email_seq_number"] is None]
    assert new_manual
    for item in new_manual:
        assert OFFSET_S.match(item["time"])
        assert "2024-05-01T12:00:00+00:00" < item["time"] <= "2024-05-04T12:00:00+00:00"
