"""Schema drift: the API adds fields, sends null where it sent a value, sends integers as strings,
and switches between its two list envelopes. The tap must neither crash nor lose a field (a new
top-level field lands in `extra_fields`, a new nested one stays in its object, every record,
every time; a credential-like one never appears), and declared fields must arrive with their
declared types.

A small proxy of this test's own (``http.server``) stands between the tap and a real emulator and
rewrites the emulator's answers for several endpoints; everything else passes through.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jsonschema
import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.faults.helpers import emulator_options, run_tap_watched, summary, utc_now
from tests.integration.expected import expected_keys, secrets_of
from tests.integration.tap_runner import PRIMARY_KEYS, TapRun, tap_config

pytestmark = pytest.mark.integration

START = utc_now() - dt.timedelta(days=60)
# A credential-like field the API might start sending: unknown to the tap, so never emitted.
DRIFT_SECRET = "drift-refresh-token-9c2b7e4f1a"
# New top-level fields; none is in any stream's schema.
NEW_FIELDS = ("brand_new_setting", "ai_rewrite", "retry_policy", "engagement_score",
              "tracking_pixel", "ai_insights", "oauth_refresh_token")
# A new field inside sequence_variants items, objects whose schema allows additional properties.
NEW_NESTED_FIELD = "variant_score"


def as_string(row: dict[str, Any], key: str) -> None:
    if row.get(key) is not None:
        row[key] = str(row[key])


def rows_of(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return payload["data"]
    return payload if isinstance(payload, list) else []


def drift_campaigns(payload: Any, ids: tuple[str, ...]) -> Any:
    for index, row in enumerate(rows_of(payload)):
        if index % 2 == 0:  # a new field on some rows only
            row["brand_new_setting"] = {"level": index, "enabled": True}
        row["client_id"] = None
        as_string(row, "max_leads_per_day")
        row["follow_up_percentage"] = 40  # a number where "40%" was
    return payload


def drift_sequences(payload: Any, ids: tuple[str, ...]) -> Any:
    rows = rows_of(payload)
    for index, sequence in enumerate(rows):
        as_string(sequence, "seq_number")
        sequence["ai_rewrite"] = {"model": "x", "on": index % 2 == 0}
        if index == 0:
            sequence["seq_delay_details"] = None
        if int(ids[0]) % 2:
            as_string(sequence, "id")  # a primary key as a string
        for variant in sequence.get("sequence_variants") or []:
            variant["variant_score"] = 0.5  # unknown field in a nested object
    # Both envelopes in one sync: bare for even campaign ids, {"ok", "data"} for odd ones.
    return {"ok": True, "data": rows} if int(ids[0]) % 2 else rows


def drift_webhooks(payload: Any, ids: tuple[str, ...]) -> Any:
    rows = rows_of(payload)
    for row in rows:
        row["retry_policy"] = "exponential"
    return {"ok": True, "data": rows} if int(ids[0]) % 2 else rows


def drift_leads(payload: Any, ids: tuple[str, ...]) -> Any:
    for row in rows_of(payload):
        as_string(row, "campaign_lead_map_id")
        row["lead_category_id"] = None
        row["engagement_score"] = 7
        if isinstance(row.get("lead"), dict):
            row["lead"]["phone_number"] = 5551234
    return payload


def drift_statistics(payload: Any, ids: tuple[str, ...]) -> Any:
    for row in rows_of(payload):
        as_string(row, "open_count")
        as_string(row, "sequence_number")
        row["is_bounced"] = None
        row["tracking_pixel"] = "px-1"
    return payload


def drift_analytics(payload: Any, ids: tuple[str, ...]) -> Any:
    for key, value in list(payload.items()):
        if key.endswith("_count") and isinstance(value, str) and value.isdigit():
            payload[key] = int(value)  # integers where the API sends strings
    payload["reply_count"] = None
    payload["ai_insights"] = {"summary": "fine"}
    return payload


def drift_mailboxes(payload: Any, ids: tuple[str, ...]) -> Any:
    for row in rows_of(payload):
        row["oauth_refresh_token"] = DRIFT_SECRET
        as_string(row, "message_per_day")
    return payload


def drift_clients(payload: Any, ids: tuple[str, ...]) -> Any:
    return rows_of(payload)  # bare, where the emulator uses the envelope


DRIFTS: list[tuple[re.Pattern[str], Callable[[Any, tuple[str, ...]], Any]]] = [
    (re.compile(r"^/campaigns/?$"), drift_campaigns),
    (re.compile(r"^/campaigns/(\d+)/sequences/?$"), drift_sequences),
    (re.compile(r"^/campaigns/(\d+)/webhooks/?$"), drift_webhooks),
    (re.compile(r"^/campaigns/(\d+)/leads/?$"), drift_leads),
    (re.compile(r"^/campaigns/(\d+)/statistics/?$"), drift_statistics),
    (re.compile(r"^/campaigns/(\d+)/analytics/?$"), drift_analytics),
    (re.compile(r"^/campaigns/(\d+)/email-accounts/?$"), drift_mailboxes),
    (re.compile(r"^/email-accounts/?$"), drift_mailboxes),
    (re.compile(r"^/client/?$"), drift_clients),
]


class DriftProxy:
    """Forwards GETs to the emulator and rewrites the JSON of the endpoints in DRIFTS."""

    def __init__(self, upstream_root: str) -> None:
        proxy = self
        self.upstream_root = upstream_root
        self.drifted: dict[str, int] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, content_type, body = proxy.forward(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def forward(self, path_and_query: str) -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(self.upstream_root + path_and_query, timeout=30) as resp:
                status, body = resp.status, resp.read()
                content_type = resp.headers.get("Content-Type", "application/json")
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type", "application/json"), err.read()
        path = path_and_query.split("?", 1)[0].removeprefix("/api/v1")
        for pattern, drift in DRIFTS:
            match = pattern.match(path)
            if match and status == 200:
                payload = drift(json.loads(body), match.groups())
                self.drifted[pattern.pattern] = self.drifted.get(pattern.pattern, 0) + 1
                return status, "application/json", json.dumps(payload).encode()
        return status, content_type, body

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def drifted() -> Iterator[tuple[TapRun, dict[str, Any], list[str], DriftProxy]]:
    with EmulatorProcess(**emulator_options(seed=13, campaigns=3, leads_per_campaign=12,
                                            mailboxes=3, rate_limit="none")) as emu:
        proxy = DriftProxy(emu.root_url)
        try:
            config = {**tap_config(emu, start_date=START.isoformat()), "base_url": proxy.base_url}
            run = run_tap_watched(config)
            dataset = emu.dataset()
            yield run, dataset, [*secrets_of(dataset, emu.api_key), DRIFT_SECRET], proxy
        finally:
            proxy.close()


def undeclared(record: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """Paths of fields in ``record`` its schema does not declare (where it lists properties and
    does not explicitly allow others)."""
    found: list[str] = []
    if isinstance(record, dict):
        properties = schema.get("properties")
        if properties is not None and not schema.get("additionalProperties"):
            found += [f"{where}.{k}" for k in record if k not in properties]
        for key, value in record.items():
            if properties and key in properties:
                found += undeclared(value, properties[key], f"{where}.{key}")
    elif isinstance(record, list):
        items = schema.get("items") or {}
        for value in record:
            found += undeclared(value, items, f"{where}[]")
    return found


def test_drifted_answers_did_reach_the_tap_and_it_did_not_crash(drifted, leak_scan):
    run, _, secrets, proxy = drifted
    leak_scan(secrets, run)
    assert run.returncode == 0, summary(run)
    assert len(proxy.drifted) == len(DRIFTS), proxy.drifted


def test_new_fields_are_kept_in_extra_fields_and_records_fit_their_schema(drifted, leak_scan):
    """Nothing the API adds is lost: new top-level fields land in the declared ``extra_fields``
    column (so every record still fits its schema), except credentials, which never appear."""
    run, _, secrets, _ = drifted
    leak_scan(secrets, run)
    for stream, rows in run.records.items():
        schema = run.schemas[stream]
        extra = sorted({path for row in rows for path in undeclared(row, schema)})
        assert not extra, f"{stream}: {extra}"
    kept = {
        name
        for rows in run.records.values()
        for row in rows
        for name in (row.get("extra_fields") or {})
    }
    credentials = {"oauth_refresh_token"}
    assert kept >= set(NEW_FIELDS) - credentials
    text = run.stdout.decode()
    assert [name for name in credentials if name in text] == []


def test_unknown_nested_fields_follow_the_schema_the_same_way_in_every_record(
    drifted, leak_scan
):
    """Nested objects declare ``additionalProperties: true`` (the SDK's default for ObjectType):
    an unknown field there passes, and then in every record, not in some."""
    run, _, secrets, _ = drifted
    leak_scan(secrets, run)
    items = run.schemas["campaign_sequences"]["properties"]["sequence_variants"]["items"]
    variants = [v for s in run.records["campaign_sequences"] for v in s["sequence_variants"]]
    assert variants
    carried = [NEW_NESTED_FIELD in v for v in variants]
    if items.get("additionalProperties"):
        assert all(carried), f"{carried.count(False)} of {len(carried)} variants dropped it"
    else:
        assert not any(carried)


def test_every_record_validates_against_its_declared_schema(drifted, leak_scan):
    run, _, secrets, _ = drifted
    leak_scan(secrets, run)
    for stream, rows in run.records.items():
        validator = jsonschema.Draft7Validator(run.schemas[stream])
        errors = [
            f"{list(e.path)}: {e.message}" for row in rows for e in validator.iter_errors(row)
        ]
        assert not errors, f"{stream}: {errors[:5]}"


def test_integers_sent_as_strings_arrive_as_integers_and_nulls_as_nulls(drifted, leak_scan):
    run, _, secrets, _ = drifted
    leak_scan(secrets, run)
    campaigns = run.records["campaigns"]
    assert all(c["client_id"] is None for c in campaigns)
    assert all(c["follow_up_percentage"] == 40 for c in campaigns)
    assert all(isinstance(c["max_leads_per_day"], int) for c in campaigns
               if c.get("max_leads_per_day") is not None)
    for sequence in run.records["campaign_sequences"]:
        assert isinstance(sequence["id"], int) and isinstance(sequence["seq_number"], int)
    for lead in run.records["campaign_leads"]:
        assert isinstance(lead["campaign_lead_map_id"], int)
        assert lead["lead_category_id"] is None
        assert lead["lead"]["phone_number"] == "5551234"
    for row in run.records["campaign_statistics"]:
        assert isinstance(row["open_count"], int) and row["is_bounced"] is None
    for row in run.records["campaign_analytics"]:
        assert isinstance(row["sent_count"], int) and row["reply_count"] is None
    for row in run.records["email_accounts"] + run.records["campaign_email_accounts"]:
        assert row.get("message_per_day") is None or isinstance(row["message_per_day"], int)


def test_drift_and_both_envelopes_lose_no_record(drifted, leak_scan):
    run, dataset, secrets, _ = drifted
    leak_scan(secrets, run)
    expected = expected_keys(dataset, START)
    assert {s: run.keys(s) for s in PRIMARY_KEYS} == expected
    for stream in PRIMARY_KEYS:
        assert len(run.records[stream]) == len(expected[stream]), f"{stream}: duplicates"
