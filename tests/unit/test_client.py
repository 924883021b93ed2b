"""The base stream's HTTP behaviour, against requests-mock."""

from __future__ import annotations

import json

import pytest
import requests

from tap_smartlead import http_client
from tap_smartlead.errors import (
    AuthenticationError,
    RateLimitedTooLongError,
    RetriesExhaustedError,
    SyncStopped,
    UnexpectedResponseError,
)
from tap_smartlead.http_client import ApiCall
from tap_smartlead.payloads import list_payload, object_payload
from tap_smartlead.redaction import redact
from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"
KEY = "unit-test-key-0042"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(http_client, "RETRY_BASE_SECONDS", 0.001)
    monkeypatch.setattr(http_client, "RETRY_CAP_SECONDS", 0.002)


@pytest.fixture
def tap():
    return TapSmartlead(
        config={"api_key": KEY, "base_url": BASE, "max_concurrency": 1},
        parse_env_config=False,
    )


def test_bare_array_and_ok_envelope_are_both_lists():
    assert list_payload([{"id": 1}], "x") == [{"id": 1}]
    assert list_payload({"ok": True, "data": [{"id": 1}]}, "x") == [{"id": 1}]


@pytest.mark.parametrize("payload", [{"ok": True}, {"rows": []}, "success", None, [1, 2]])
def test_any_other_list_shape_fails_loudly(payload):
    with pytest.raises(UnexpectedResponseError):
        list_payload(payload, "GET /client/")


def test_object_payload_requires_its_key():
    assert object_payload({"history": []}, "x", required="history") == {"history": []}
    with pytest.raises(UnexpectedResponseError):
        object_payload([{"history": []}], "x", required="history")


def test_api_key_travels_as_query_parameter(tap, requests_mock):
    requests_mock.get(f"{BASE}/leads/fetch-categories", json=[])
    tap.streams["lead_categories"].fetch(ApiCall("/leads/fetch-categories"))
    assert requests_mock.last_request.qs["api_key"] == [KEY.lower()]


def test_wrong_key_is_one_clear_error_without_the_key(tap, requests_mock):
    requests_mock.get(f"{BASE}/campaigns", status_code=401, json={"error": "Unauthorized"})
    with pytest.raises(AuthenticationError) as caught:
        tap.streams["campaigns"].fetch(ApiCall("/campaigns"))
    assert "401" in str(caught.value) and "api_key" in str(caught.value)
    assert KEY not in str(caught.value)
    assert requests_mock.call_count == 1  # no retry storm


def test_plan_without_api_access_is_403_error(tap, requests_mock):
    requests_mock.get(f"{BASE}/campaigns", status_code=403, json={"error": "Access denied"})
    with pytest.raises(AuthenticationError, match="403"):
        tap.streams["campaigns"].fetch(ApiCall("/campaigns"))


def test_server_errors_and_bad_json_are_retried(tap, requests_mock):
    requests_mock.get(
        f"{BASE}/client/",
        [
            {"status_code": 500, "json": {"error": "Internal Server Error"}},
            {"status_code": 502, "text": "<html><pre>Bad gateway</pre></html>"},
            {"status_code": 200, "text": '{"data": ['},
            {"status_code": 200, "json": [{"id": 6}]},
        ],
    )
    assert tap.streams["clients"].fetch(ApiCall("/client/")) == [{"id": 6}]
    assert requests_mock.call_count == 4


def test_retry_after_is_handed_to_the_shared_limiter(tap, requests_mock, monkeypatch):
    seen = []
    monkeypatch.setattr(tap.runtime.limiter, "observe", seen.append)
    requests_mock.get(
        f"{BASE}/client/",
        [
            {"status_code": 429, "headers": {"Retry-After": "3"}, "json": {}},
            {"status_code": 200, "json": []},
        ],
    )
    assert tap.streams["clients"].fetch(ApiCall("/client/")) == []
    assert [v.retry_after for v in seen] == [3.0, None]


def test_retries_are_bounded_and_the_final_error_hides_the_url(tap, requests_mock):
    url_with_key = f"{BASE}/campaigns?api_key={KEY}"
    requests_mock.get(
        f"{BASE}/campaigns",
        exc=requests.exceptions.ConnectionError(f"Max retries exceeded with url: {url_with_key}"),
    )
    with pytest.raises(RetriesExhaustedError) as caught:
        tap.streams["campaigns"].fetch(ApiCall("/campaigns"))
    assert requests_mock.call_count == http_client.MAX_TRIES
    assert KEY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_mailbox_credentials_are_neither_emitted_nor_declared(tap):
    for name in ("email_accounts", "campaign_email_accounts"):
        stream = tap.streams[name]
        assert "password" not in stream.schema["properties"]
        assert "imap_password" not in stream.schema["properties"]
        row = stream.post_process(
            {"id": 1, "password": "potato-secret", "imap_password": "gogo-secret", "type": "SMTP"}
        )
        assert row == {"id": 1, "type": "SMTP"}
        nested = stream.post_process({"id": 1, "warmup_details": {"smtp_api_secret": "zz-secret"}})
        assert "zz-secret" not in json.dumps(nested)
        assert "potato-secret" not in json.dumps(row)


def test_bare_strings_and_html_pages_with_200_are_retried(tap, requests_mock):
    requests_mock.get(
        f"{BASE}/client/",
        [
            {"status_code": 200, "json": "Something went wrong"},
            {"status_code": 200, "text": "<html><body>Cloudflare</body></html>"},
            {"status_code": 200, "json": [{"id": 6}]},
        ],
    )
    assert tap.streams["clients"].fetch(ApiCall("/client/")) == [{"id": 6}]
    assert requests_mock.call_count == 3


DELETED_ANSWERS = [{"status_code": 404, "json": {"error": "Campaign not found"}},
                   {"status_code": 200, "json": {}},
                   {"status_code": 200, "text": ""}]


@pytest.mark.parametrize("answer", DELETED_ANSWERS)
def test_a_deleted_parent_is_believed_only_when_a_second_ask_agrees(tap, requests_mock, answer):
    requests_mock.get(f"{BASE}/campaigns/7/sequences", **answer)
    stream = tap.streams["campaign_sequences"]
    call = ApiCall("/campaigns/7/sequences")
    assert stream.fetch_first_answer(call) is http_client.MISSING
    assert requests_mock.call_count == 2


@pytest.mark.parametrize("answer", DELETED_ANSWERS)
def test_a_first_answer_that_was_missing_once_is_read_on_the_second_ask(
    tap, requests_mock, answer
):
    requests_mock.get(f"{BASE}/campaigns/7/sequences", [answer, {"json": [{"id": 3}]}])
    stream = tap.streams["campaign_sequences"]
    assert stream.fetch_first_answer(ApiCall("/campaigns/7/sequences")) == [{"id": 3}]


@pytest.mark.parametrize("answer", DELETED_ANSWERS)
def test_a_later_answer_missing_is_transient_and_asked_again(tap, requests_mock, answer):
    url = f"{BASE}/campaigns/7/leads/9/message-history"
    requests_mock.get(url, [answer, answer, answer, {"json": {"history": []}}])
    stream = tap.streams["lead_message_history"]
    call = ApiCall("/campaigns/7/leads/9/message-history")
    assert stream.fetch_later_answer(call, {"campaign_id": 7}) == {"history": []}
    assert requests_mock.call_count == 4


def test_a_later_answer_that_stays_missing_is_a_gap_after_a_bounded_number_of_asks(
    tap, requests_mock
):
    requests_mock.get(f"{BASE}/campaigns/7/leads/9/message-history", json={})
    stream = tap.streams["lead_message_history"]
    call = ApiCall("/campaigns/7/leads/9/message-history")
    assert stream.fetch_later_answer(call, {"campaign_id": 7}) is http_client.GAP
    assert requests_mock.call_count == 4


def test_waiting_on_429s_spends_no_retry_attempt(tap, requests_mock):
    # Twice as many 429s as the retry budget for errors allows, then an answer.
    limited = {"status_code": 429, "headers": {"Retry-After": "0"}, "json": {"error": "slow"}}
    requests_mock.get(f"{BASE}/client/", [limited] * 16 + [{"json": [{"id": 6}]}])
    assert tap.streams["clients"].fetch(ApiCall("/client/")) == [{"id": 6}]
    assert requests_mock.call_count == 17


def test_429s_past_the_limiters_patience_end_in_one_line_naming_the_limit(tap, requests_mock):
    requests_mock.get(f"{BASE}/client/", status_code=429, json={"error": "Rate limit exceeded"})
    tap.runtime.limiter.patience_seconds = 0.0
    with pytest.raises(RateLimitedTooLongError) as caught:
        tap.streams["clients"].fetch(ApiCall("/client/"))
    message = str(caught.value)
    assert "\n" not in message
    assert "rate limit answered 429 to every request" in message
    assert "configured: 10 per 2s" in message
    assert requests_mock.call_count == 1


def test_a_stopped_runtime_starts_no_request_and_wakes_waiting_threads(tap, requests_mock):
    requests_mock.get(f"{BASE}/client/", json=[])
    tap.runtime.limiter.pause_for(600.0)  # a Retry-After of ten minutes
    tap.runtime.stop()
    with pytest.raises(SyncStopped):
        tap.streams["clients"].fetch(ApiCall("/client/"))
    assert requests_mock.call_count == 0


def test_unknown_top_level_fields_go_to_extra_fields_and_are_named_once(tap):
    stream = tap.streams["clients"]
    row = stream.post_process({"id": 1, "name": "A", "brand_new": {"x": 1}, "other": 2})
    assert row == {"id": 1, "name": "A", "extra_fields": {"brand_new": {"x": 1}, "other": 2}}
    stream.post_process({"id": 2, "brand_new": 3})
    assert stream._extra_names == {"brand_new", "other"}  # logged once, when the stream ends


def test_seed_spellings_are_read_into_the_live_names(tap):
    clients = tap.streams["clients"]
    row = clients.post_process({"id": 1, "client_permission": {"permission": ["reply_only"]}})
    assert row["client_permision"] == {"permission": ["reply_only"]}
    sequences = tap.streams["campaign_sequences"]
    step = sequences.prepare({"id": 2, "seq_delay_details": {"delay_in_days": 3}})
    row = sequences.post_process({**step, "seq_variants": [{"id": 9, "variant_label": "A"}]})
    assert row["seq_delay_details"] == {"delayInDays": 3}
    assert row["sequence_variants"] == [{"id": 9, "variant_label": "A"}]
    assert "extra_fields" not in row


def test_user_fields_named_like_secrets_are_data_and_mailbox_secrets_are_not(tap):
    custom = {"Key Account": "yes", "Secret Santa": "santa-07", "Token Budget": 1200,
              "Sort Key": "K0000009"}
    leads = tap.streams["campaign_leads"]
    row = leads.post_process({"campaign_id": 1, "campaign_lead_map_id": 2,
                              "lead": {"id": 3, "custom_fields": custom}})
    assert row["lead"]["custom_fields"] == custom
    history = tap.streams["lead_message_history"]
    message = history.post_process({"campaign_id": 1, "lead_id": 3, "message_id": "m",
                                    "click_details": {"https://x.io/?token=abc": 2}})
    assert message["click_details"] == {"https://x.io/?token=abc": 2}
    assert redact("santa-07 K0000009 1200") == "santa-07 K0000009 1200"  # not registered
    mailbox = tap.streams["email_account_details"].post_process(
        {"id": 4, "warmup_details": {"integration": {"client_secret": "deep-secret-1"}}}
    )
    assert mailbox == {"id": 4, "warmup_details": {"integration": {}}}
    assert redact("x deep-secret-1") == "x ***"


def test_cc_and_bcc_are_lists_of_addresses_whatever_form_the_api_sends(tap):
    history = tap.streams["lead_message_history"]
    base = {"campaign_id": 1, "lead_id": 3, "message_id": "m"}
    seed = history.post_process({**base, "cc": "a@x.io, b@y.io", "bcc": ""})
    assert (seed["cc"], seed["bcc"]) == (["a@x.io", "b@y.io"], [])
    live = history.post_process({**base, "cc": ["boss@acme.example"], "bcc": []})
    assert (live["cc"], live["bcc"]) == (["boss@acme.example"], [])
    assert history.schema["properties"]["cc"]["type"] == ["array", "null"]
    assert history.schema["properties"]["cc"]["items"]["type"] == ["string"]


def test_a_listing_that_loses_rows_while_it_is_read_is_read_again(tap, requests_mock):
    # 250 leads; 4 of the first page are deleted right after it was served, so the 4 rows
    # after it move into the first page's range. A hand-written listing, not the tap's pager.
    before = list(range(250))
    after = [n for n in before if n not in (10, 30, 50, 70)]
    deleted = {"done": False}

    def page(request, context):
        offset = int(request.qs["offset"][0])
        rows = after if deleted["done"] else before
        if offset == 0:
            deleted["done"] = True
        return {"total_leads": str(len(rows)), "offset": offset, "limit": 100,
                "data": [{"campaign_lead_map_id": n, "lead": {"id": n}}
                         for n in rows[offset:offset + 100]]}

    requests_mock.get(f"{BASE}/campaigns/7/leads", json=page)
    stream = tap.streams["campaign_leads"]
    first = stream.first_page({"campaign_id": 7})
    answer = stream.fetch(first)
    ids = {row["campaign_lead_map_id"] for row in stream.rows({"campaign_id": 7},
                                                              [(first, answer)])}
    assert set(after) <= ids
    assert {100, 101, 102, 103} <= ids  # the rows that crossed into the first page
