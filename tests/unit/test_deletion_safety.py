"""What the tap may delete (issue 23), against requests-mock: the reviewer's four cases and the
ACTIVATE_VERSION decision. A row leaves the warehouse only when a complete answer for its scope
no longer holds it."""

from __future__ import annotations

import io
import json
import logging
import re
from contextlib import redirect_stdout
from typing import Any

import pytest
import time_machine

from tap_smartlead import http_client
from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"
KEY = "unit-test-key-2323"
CAMPAIGNS = [{"id": cid, "name": f"c{cid}", "status": "ACTIVE"} for cid in (11, 12, 13)]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(http_client, "RETRY_BASE_SECONDS", 0.001)


def make_tap(**config: Any) -> TapSmartlead:
    return TapSmartlead(
        config={"api_key": KEY, "base_url": BASE, "max_concurrency": 1,
                "start_date": "2026-01-01", "rate_limit_requests": 100000,
                "rate_limit_window_seconds": 1, **config},
        parse_env_config=False,
    )


def sync_stream(tap: TapSmartlead, name: str) -> list[dict[str, Any]]:
    """Sync one stream as the tap does (Tap.sync_all: sync, then finalize its state); the
    Singer messages it wrote."""
    out = io.StringIO()
    with redirect_stdout(out):
        stream = tap.streams[name]
        stream.sync()
        stream.finalize_state_progress_markers()
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["record"] for m in messages if m["type"] == "RECORD"]


def activated(messages: list[dict[str, Any]]) -> bool:
    return any(m["type"] == "ACTIVATE_VERSION" for m in messages)


def serve_analytics(requests_mock) -> None:
    """Each campaign's analytics (the activity fingerprint is taken before its figures)."""
    requests_mock.get(re.compile(rf"{re.escape(BASE)}/campaigns/\d+/analytics\b"),
                      json={"id": 1, "sent_count": "3", "open_count": "1"})


def mailbox_page(campaign_id: int, count: int) -> dict[str, Any]:
    return {"ok": True, "data": [
        {"email_account_id": campaign_id * 100 + n, "from_email": f"m{n}@c{campaign_id}.test",
         "sent_count": "3"} for n in range(count)], "total_count": count}


# --- reviewer 1: campaign_mailbox_statistics' odd first page ---------------------------------

@pytest.mark.parametrize("first", [
    {"status_code": 400, "json": {"error": "Invalid"}},
    {"status_code": 403, "json": {"error": "Forbidden for this plan"}},
    {"status_code": 200, "json": ["not", "an", "object"]},
])
def test_mailbox_statistics_odd_first_page_is_one_warning_and_the_sync_goes_on(
        requests_mock, caplog, first):
    tap = make_tap(skip_idle_campaigns=False)
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS)
    serve_analytics(requests_mock)
    requests_mock.get(re.compile(rf"{re.escape(BASE)}/campaigns/\d+/mailbox-statistics"),
                      **first)
    with caplog.at_level(logging.WARNING):
        sent = sync_stream(tap, "campaign_mailbox_statistics")
    warnings = [r for r in caplog.records
                if "campaign_mailbox_statistics: skipped" in r.getMessage()]
    assert len(warnings) == 1
    assert records(sent) == []
    assert not activated(sent)  # nothing read: nothing may be removed


# --- reviewer 2: a refused later page never removes rows -------------------------------------

def test_a_refused_later_page_sends_no_activate_version(requests_mock, caplog):
    tap = make_tap(skip_idle_campaigns=False)
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS)
    serve_analytics(requests_mock)

    def answer(request, context):
        cid = int(re.search(r"/campaigns/(\d+)/", request.url).group(1))
        offset = int(request.qs.get("offset", ["0"])[0])
        if cid == 12 and offset > 0:
            context.status_code = 400
            return {"error": "Invalid offset"}
        page = mailbox_page(cid, 25)
        page["data"] = page["data"][offset:offset + 20]
        return page

    requests_mock.get(re.compile(rf"{re.escape(BASE)}/campaigns/\d+/mailbox-statistics"),
                      json=answer)
    with caplog.at_level(logging.INFO):
        sent = sync_stream(tap, "campaign_mailbox_statistics")
    assert {r["campaign_id"] for r in records(sent)} >= {11}
    assert not activated(sent)  # campaign 12 partial, 13 not asked: their rows must stay
    assert any("no ACTIVATE_VERSION" in r.getMessage() for r in caplog.records)


# --- reviewer 3: a lead left out of a bulk answer is never an empty thread -------------------

BULK = re.compile(rf"{re.escape(BASE)}/campaigns/(\d+)/message-history-for-leads/\w+")
SINGLE = re.compile(rf"{re.escape(BASE)}/campaigns/(\d+)/leads/(\d+)/message-history")


def thread(lead_id: int) -> list[dict[str, Any]]:
    if lead_id % 5 == 0:
        return []
    return [{"type": "SENT", "message_id": f"<{lead_id}@mail.test>",
             "time": "2026-03-01T10:00:00.000Z", "email_body": "hello"}]


def test_a_lead_left_out_of_a_bulk_answer_is_read_alone_not_taken_as_empty(requests_mock):
    tap = make_tap(max_concurrency=1)
    flaky = {47}  # has a message, but this server leaves it out of bulk answers

    def bulk(request, context):
        ids = json.loads(request.body)["lead_ids"]
        return {str(i): {"history": thread(i)} for i in ids if thread(i) and i not in flaky}

    requests_mock.post(BULK, json=bulk)
    requests_mock.get(SINGLE, json=lambda request, context: {
        "history": thread(int(SINGLE.match(request.url).group(2)))})
    stream = tap.streams["lead_message_history"]
    got: set[tuple[int, str]] = set()
    for campaign_id, leads in ((7, list(range(1, 41))), (8, list(range(41, 81)))):
        stream._handed_over[campaign_id] = leads
        got |= {(r["lead_id"], r["message_id"])
                for r in stream.partition_records({"campaign_id": campaign_id}, [])}
    assert (47, "<47@mail.test>") in got
    assert got == {(i, f"<{i}@mail.test>") for i in range(1, 81) if thread(i)}


def test_a_lead_left_out_whose_own_answer_stays_empty_is_a_gap(requests_mock, monkeypatch):
    tap = make_tap(max_concurrency=1)
    requests_mock.post(BULK, json=lambda request, context: {
        str(i): {"history": thread(i)} for i in json.loads(request.body)["lead_ids"]
        if i != 3})
    requests_mock.get(SINGLE, json={})  # lead 3: `200 {}` however often asked
    stream = tap.streams["lead_message_history"]
    stream._handed_over[7] = [1, 2, 3, 4]
    stream._gaps = 0
    got = {r["lead_id"] for r in stream.partition_records({"campaign_id": 7}, [])}
    assert got == {1, 2, 4}
    assert stream._gaps == 1  # the partition's bookmark stays: lead 3 is read again


# --- reviewer 4: a row without its key is an error line, never a collapse --------------------

def test_a_row_without_its_key_is_an_error_line_and_never_collapses_others(
        requests_mock, caplog):
    tap = make_tap()
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:1])
    requests_mock.get(f"{BASE}/campaigns/11/webhooks", json=[
        {"webhook_id": 1, "name": "a"}, {"webhook_id": 2, "name": "b"},
        {"id": 3, "name": "c"}, {"id": 4, "name": "d"}])
    with caplog.at_level(logging.INFO):
        sent = sync_stream(tap, "campaign_webhooks")
    assert sorted(r["id"] for r in records(sent)) == [3, 4]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and all("campaign_webhooks" in r.getMessage() and "id" in r.getMessage()
                          for r in errors)
    assert not activated(sent)  # rows were lost: nothing may be removed


# --- the ACTIVATE_VERSION decision -----------------------------------------------------------

@pytest.mark.parametrize(("config", "sends"), [
    ({}, True),
    ({"client_id": 5}, False),
    ({"campaign_ids": [11]}, False),
])
def test_only_a_sync_of_the_whole_account_activates_a_version(requests_mock, config, sends):
    tap = make_tap(**config)
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS)
    requests_mock.get(re.compile(rf"{re.escape(BASE)}/campaigns/\d+/webhooks"),
                      json=[{"id": 1, "name": "a"}])
    assert activated(sync_stream(tap, "campaigns")) is sends
    assert activated(sync_stream(tap, "campaign_webhooks")) is sends
    # the mailbox list is the account's whatever the campaign filter
    requests_mock.get(f"{BASE}/email-accounts", json=[])
    assert activated(sync_stream(tap, "email_accounts")) is True


def test_a_transient_empty_child_answer_keeps_the_campaign_and_relists_once(
        requests_mock, caplog):
    tap = make_tap()
    listing = requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS)
    requests_mock.get(re.compile(rf"{re.escape(BASE)}/campaigns/\d+/webhooks"),
                      json=[{"id": 1, "name": "a"}])
    requests_mock.get(f"{BASE}/campaigns/12/webhooks", json={})  # twice `200 {}`
    requests_mock.get(f"{BASE}/campaigns/13/webhooks", json={})
    with caplog.at_level(logging.INFO):
        sent = sync_stream(tap, "campaign_webhooks")
    assert {r["campaign_id"] for r in records(sent)} == {11}
    assert not activated(sent)  # 12 and 13 are still listed: their rows must stay
    assert listing.call_count == 2  # the list, and once more for both odd answers


def test_a_campaign_the_list_no_longer_holds_is_deleted_and_the_version_goes_out(
        requests_mock):
    tap = make_tap()
    requests_mock.get(f"{BASE}/campaigns", [{"json": CAMPAIGNS}, {"json": CAMPAIGNS[:2]}])
    requests_mock.get(re.compile(rf"{re.escape(BASE)}/campaigns/\d+/webhooks"),
                      json=[{"id": 1, "name": "a"}])
    requests_mock.get(f"{BASE}/campaigns/13/webhooks", status_code=404,
                      json={"error": "Campaign not found - Invalid campaign_id."})
    sent = sync_stream(tap, "campaign_webhooks")
    assert {r["campaign_id"] for r in records(sent)} == {11, 12}
    assert activated(sent)


# --- tombstones: what a complete answer no longer holds -------------------------------------

def last_state(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return [m["value"] for m in messages if m["type"] == "STATE"][-1]


def test_a_webhook_removed_from_a_live_campaign_gets_a_tombstone(requests_mock):
    # refresh_within_days 1: every run reads each campaign's configuration (the rotation that
    # decides when it is read has tests of its own)
    def make_tap(**config: Any) -> TapSmartlead:
        return globals()["make_tap"](refresh_within_days=1, **config)

    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:1])
    hooks = requests_mock.get(f"{BASE}/campaigns/11/webhooks", json=[
        {"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    first = sync_stream(make_tap(), "campaign_webhooks")
    assert [r.get("_sdc_deleted_at") for r in records(first)] == [None, None]
    hooks.reset()
    requests_mock.get(f"{BASE}/campaigns/11/webhooks", json=[{"id": 2, "name": "b"}])
    tap = TapSmartlead(config=dict(make_tap().config), state=last_state(first),
                       parse_env_config=False)
    sent = sync_stream(tap, "campaign_webhooks")
    second = records(sent)
    assert [(r["id"], r.get("_sdc_deleted_at") is not None) for r in second] == [
        (2, False), (1, True)]
    # the tombstone carries no table version: a later version swap removes it (hard delete)
    versions = [m.get("version") for m in sent if m["type"] == "RECORD"]
    assert versions[0] is not None and versions[1] is None
    # a transient `{}` twice for a listed campaign: no tombstone, nothing forgotten
    requests_mock.get(f"{BASE}/campaigns/11/webhooks", json={})
    third = sync_stream(TapSmartlead(config=dict(make_tap().config), state=last_state(first),
                                     parse_env_config=False), "campaign_webhooks")
    assert records(third) == []


def test_a_campaign_no_longer_listed_gets_a_tombstone_and_a_moved_one_does_not(requests_mock):
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS)
    first = sync_stream(make_tap(client_id=5), "campaigns")
    # 12 moved to another client (still in the account's list), 13 deleted
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:2])
    requests_mock.get(f"{BASE}/campaigns?client_id=5", json=CAMPAIGNS[:1])
    tap = TapSmartlead(config=dict(make_tap(client_id=5).config), state=last_state(first),
                       parse_env_config=False)
    second = records(sync_stream(tap, "campaigns"))
    assert [(r["id"], r.get("_sdc_deleted_at") is not None) for r in second] == [
        (11, False), (13, True)]


# --- account-wide daily tables: a day's answer is complete for that day ---------------------

CATEGORY = "/analytics/lead/category-wise-response"


def categories(*names: str) -> dict[str, Any]:
    return {"ok": True, "data": {"lead_responses_by_category": {"leadResponseGrouping": [
        {"name": name, "sentiment_type": "positive", "total_response": 1} for name in names]}}}


def test_a_key_a_day_no_longer_holds_gets_a_tombstone(requests_mock):
    config = {"start_date": "2026-03-01T00:00:00Z", "analytics_lookback_days": 2}
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:1])
    requests_mock.get(f"{BASE}{CATEGORY}", json=categories("Interested", "Meeting Request"))
    # No day-wise figures to tell active days from quiet ones: every day is asked.
    requests_mock.get(f"{BASE}/analytics/day-wise-overall-stats", status_code=404, json={})
    with time_machine.travel("2026-03-03 12:00:00Z", tick=False):
        first = sync_stream(make_tap(**config), "reply_category_daily")
    assert {(r["date"], r["name"]) for r in records(first)} == {
        (day, name) for day in ("2026-03-01", "2026-03-02", "2026-03-03")
        for name in ("Interested", "Meeting Request")}
    # a reply re-categorised: the day's answer now has one category
    requests_mock.get(f"{BASE}{CATEGORY}", json=categories("Interested"))
    with time_machine.travel("2026-03-04 12:00:00Z", tick=False):
        tap = TapSmartlead(config=dict(make_tap(**config).config), state=last_state(first),
                           parse_env_config=False)
        second = sync_stream(tap, "reply_category_daily")
    deleted = {(r["date"], r["name"]) for r in records(second) if r.get("_sdc_deleted_at")}
    # the days re-read (two days of look-back before the bookmark, 03-03): the gone key leaves
    assert deleted == {(day, "Meeting Request")
                       for day in ("2026-03-01", "2026-03-02", "2026-03-03")}
    kept = last_state(second)["bookmarks"]["reply_category_daily"]["emitted_keys"]
    assert min(kept) >= "2026-03-01" and len(kept) <= 4  # bounded: the look-back days only


def test_a_deleted_campaigns_children_get_tombstones_without_a_request(requests_mock):
    # A daily run reads configuration on the rotation and sends no version, so the rows of a
    # campaign deleted in Smartlead (never listed again) leave by their tombstones.
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:2])
    requests_mock.get(f"{BASE}/campaigns/11/webhooks", json=[{"id": 1, "name": "a"}])
    requests_mock.get(f"{BASE}/campaigns/12/webhooks", json=[{"id": 5}, {"id": 6}])
    first = sync_stream(make_tap(), "campaign_webhooks")
    assert {r["campaign_id"] for r in records(first)} == {11, 12}
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:1])  # 12 deleted
    gone = requests_mock.get(f"{BASE}/campaigns/12/webhooks", status_code=404, json={})
    tap = TapSmartlead(config=dict(make_tap().config), state=last_state(first),
                       parse_env_config=False)
    second = sync_stream(tap, "campaign_webhooks")
    deleted = [(r["campaign_id"], r["id"]) for r in records(second) if r.get("_sdc_deleted_at")]
    assert sorted(deleted) == [(12, 5), (12, 6)]
    assert gone.call_count == 0
    assert "12" not in last_state(second)["bookmarks"]["campaign_webhooks"]["emitted_keys"]
    # a campaign only moved out of this extractor's client is not deleted
    requests_mock.get(f"{BASE}/campaigns", json=CAMPAIGNS[:2])
    requests_mock.get(f"{BASE}/campaigns?client_id=5", json=CAMPAIGNS[:1])
    moved = sync_stream(TapSmartlead(config=dict(make_tap(client_id=5).config),
                                     state=last_state(first), parse_env_config=False),
                        "campaign_webhooks")
    assert not [r for r in records(moved) if r.get("_sdc_deleted_at")]
