"""The Smartlead emulator in seed mode (`--shapes seed`), black-box: real processes, real HTTP.

Live shapes (the default) are pinned in test_live_shapes.py.

Every test talks to `python -m smartlead_emulator` through `EmulatorProcess`. The shared
emulator runs with `rate_limit="none"` so the suite is not paced by the seed's 10 req / 2 s;
rate-limit, fault and envelope tests start their own processes.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from smartlead_emulator.control import dump
from smartlead_emulator.dataset import Dataset
from smartlead_emulator.testing import EmulatorError, EmulatorProcess

pytestmark = pytest.mark.integration

NOW = "2024-05-01T12:00:00Z"
NOW_DT = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
BASE_OPTIONS: dict[str, Any] = {
    "shapes": "seed", "seed": 7, "now": NOW, "campaigns": 3, "leads_per_campaign": 150,
    "mailboxes": 4,
    "vanishing_campaigns": 1,
}


def ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(rate_limit="none", **BASE_OPTIONS) as process:
        yield process


@pytest.fixture(scope="module")
def truth(emu: EmulatorProcess) -> dict[str, Any]:
    return emu.dataset()


@pytest.fixture(scope="module")
def client() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def get(session: requests.Session, emu: EmulatorProcess, path: str,
        **params: Any) -> requests.Response:
    return session.get(emu.base_url + path, params={"api_key": emu.api_key, **params},
                       timeout=15)


def live_campaigns(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in truth["campaigns"] if not c["vanished"]]


# -- listing, auth, shapes ----------------------------------------------------------------


def test_campaigns_newest_first_and_vanishing_campaigns_404(emu, client, truth):
    response = get(client, emu, "/campaigns")
    assert response.status_code == 200
    ids = [c["id"] for c in response.json()]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    vanished = [c["id"] for c in truth["campaigns"] if c["vanished"]]
    assert vanished and set(vanished) <= set(ids)
    for path in ("", "/leads", "/statistics", "/sequences", "/analytics", "/email-accounts"):
        response = get(client, emu, f"/campaigns/{vanished[0]}{path}")
        assert response.status_code == 404, path
        assert response.json() == {"error": "Campaign not found - Invalid campaign_id."}
    assert get(client, emu, "/campaigns/abc").status_code == 400
    assert get(client, emu, "/campaigns/999999/leads").status_code == 404


def test_auth_wrong_missing_and_no_access_keys(emu, client):
    wrong = client.get(f"{emu.base_url}/campaigns", params={"api_key": "nope"}, timeout=5)
    assert wrong.status_code == 401 and wrong.json() == {"error": "Unauthorized"}
    missing = client.get(f"{emu.base_url}/campaigns", timeout=5)
    assert missing.status_code == 401
    denied = client.get(f"{emu.base_url}/campaigns", params={"api_key": "no-access-key"},
                      timeout=5)
    assert denied.status_code == 403 and denied.json() == {"error": "Access denied"}


def test_leads_pagination_caps_and_string_total(emu, client, truth):
    campaign = live_campaigns(truth)[0]
    cid = campaign["id"]
    for bad in ({"limit": 101}, {"limit": 0}, {"offset": -1}, {"limit": "x"}):
        response = get(client, emu, f"/campaigns/{cid}/leads", **bad)
        assert response.status_code == 400, bad
        assert "error" in response.json()
    seen: list[int] = []
    offset = 0
    while True:
        body = get(client, emu, f"/campaigns/{cid}/leads", offset=offset, limit=100).json()
        assert isinstance(body["total_leads"], str)
        assert body["total_leads"] == str(len(campaign["leads"]))
        assert (body["offset"], body["limit"]) == (offset, 100)
        seen += [row["campaign_lead_map_id"] for row in body["data"]]
        if len(body["data"]) < 100:
            break
        offset += 100
    assert seen == sorted(seen) == [row["campaign_lead_map_id"] for row in campaign["leads"]]
    statuses = {row["status"] for row in campaign["leads"]}
    assert statuses <= {"STARTED", "INPROGRESS", "COMPLETED", "BLOCKED"}
    for row in campaign["leads"]:
        history = campaign["message_history"][str(row["lead"]["id"])]["history"]
        assert (row["status"] == "STARTED") == (not history)


def test_statistics_caps_order_and_filters(emu, client, truth):
    campaign = live_campaigns(truth)[0]
    cid = campaign["id"]
    assert get(client, emu, f"/campaigns/{cid}/statistics", limit=1001).status_code == 400
    assert get(client, emu, f"/campaigns/{cid}/statistics", email_status="bogus").status_code == 400
    body = get(client, emu, f"/campaigns/{cid}/statistics", limit=1000).json()
    assert isinstance(body["total_stats"], str)
    assert body["total_stats"] == str(len(campaign["statistics"]))
    keys = [(ts(r["sent_time"]), r["stats_id"]) for r in body["data"]]
    assert keys == sorted(keys)
    pivot = body["data"][len(body["data"]) // 2]["sent_time"]
    later = get(client, emu, f"/campaigns/{cid}/statistics", limit=1000,
                sent_time_start_date=pivot.replace("T", " ")).json()["data"]
    assert later and all(ts(r["sent_time"]) >= ts(pivot) for r in later)
    assert len(later) == sum(1 for r in body["data"] if ts(r["sent_time"]) >= ts(pivot))
    replied = get(client, emu, f"/campaigns/{cid}/statistics", email_status="replied").json()
    assert all(r["reply_time"] for r in replied["data"])
    assert int(replied["total_stats"]) == sum(1 for r in body["data"] if r["reply_time"])


def test_analytics_strings_and_by_date_range_rules(emu, client, truth):
    cid = live_campaigns(truth)[0]["id"]
    top = get(client, emu, f"/campaigns/{cid}/analytics").json()
    assert isinstance(top["sent_count"], str)
    assert isinstance(top["campaign_lead_stats"]["total"], int)
    too_long = get(client, emu, f"/campaigns/{cid}/analytics-by-date",
                   start_date="2024-03-01", end_date="2024-04-01")
    assert too_long.status_code == 400
    assert too_long.json() == {"error": "Invalid start_date & end_date range. "
                                        "Date difference should be max of 30days."}
    backwards = get(client, emu, f"/campaigns/{cid}/analytics-by-date",
                    start_date="2024-04-10", end_date="2024-04-01")
    assert backwards.status_code == 400
    bad_tz = get(client, emu, f"/campaigns/{cid}/analytics-by-date",
                 start_date="2024-04-01", end_date="2024-04-30", time_zone="Mars/Olympus")
    assert bad_tz.status_code == 400
    ok = get(client, emu, f"/campaigns/{cid}/analytics-by-date", start_date="2024-04-01",
             end_date="2024-04-30", time_zone="Europe/Paris")
    assert ok.status_code == 200
    body = ok.json()
    assert (body["start_date"], body["end_date"]) == ("2024-04-01", "2024-04-30")
    assert all(isinstance(body[k], str) for k in ("sent_count", "open_count", "reply_count"))


def test_leads_filters_return_only_matching_leads(emu, client, truth):
    campaign = live_campaigns(truth)[0]
    cid = campaign["id"]
    rows = campaign["leads"]
    pivot = sorted(ts(r["created_at"]) for r in rows)[len(rows) // 2]
    body = get(client, emu, f"/campaigns/{cid}/leads", created_at_gt=pivot.isoformat()).json()
    expected = [r["campaign_lead_map_id"] for r in rows if ts(r["created_at"]) > pivot]
    assert [r["campaign_lead_map_id"] for r in body["data"]] == expected[:100]
    assert body["total_leads"] == str(len(expected))

    # last_event_time = latest sent/open/click/reply, rebuilt from history + statistics rows.
    stats = {r["stats_id"]: r for r in campaign["statistics"]}
    last_event: dict[int, datetime] = {}
    for row in rows:
        times = []
        for item in campaign["message_history"][str(row["lead"]["id"])]["history"]:
            times.append(ts(item["time"]))
            stat = stats[item["stats_id"]]
            times += [ts(stat[k]) for k in ("open_time", "click_time") if stat[k]]
        if times:
            last_event[row["campaign_lead_map_id"]] = max(times)
    cutoff = NOW_DT - timedelta(days=20)
    got: list[int] = []
    offset = 0
    while True:
        page = get(client, emu, f"/campaigns/{cid}/leads", event_time_gt=cutoff.isoformat(),
                   offset=offset).json()
        got += [r["campaign_lead_map_id"] for r in page["data"]]
        offset += 100
        if offset >= int(page["total_leads"]):
            break
    assert got and got == sorted(k for k, v in last_event.items() if v > cutoff)

    blocked = get(client, emu, f"/campaigns/{cid}/leads", status="BLOCKED").json()["data"]
    assert all(r["status"] == "BLOCKED" for r in blocked)
    assert get(client, emu, f"/campaigns/{cid}/leads", created_at_gt="yesterday").status_code \
        == 400


def test_message_history_event_time_gt(emu, client, truth):
    campaign = live_campaigns(truth)[0]
    lead_id, thread = next((k, v) for k, v in campaign["message_history"].items()
                           if len(v["history"]) >= 2)
    path = f"/campaigns/{campaign['id']}/leads/{lead_id}/message-history"
    full = get(client, emu, path).json()
    assert full == thread
    assert set(full) == {"history", "from", "to"}
    first = full["history"][0]["time"]
    after = get(client, emu, path, event_time_gt=first).json()["history"]
    assert after == [item for item in full["history"] if ts(item["time"]) > ts(first)]
    assert get(client, emu, f"/campaigns/{campaign['id']}/leads/1/message-history") \
        .status_code == 404


def test_email_accounts_leads_by_email_and_categories(emu, client, truth):
    accounts = get(client, emu, "/email-accounts", limit=100).json()
    assert [a["id"] for a in accounts] == sorted(a["id"] for a in accounts)
    assert all("password" in a and "imap_password" in a for a in accounts)
    assert accounts[0]["warmup_details"]["warmup_reputation"].endswith("%")
    assert get(client, emu, "/email-accounts", limit=101).status_code == 400
    warmup = get(client, emu, f"/email-accounts/{accounts[0]['id']}/warmup-stats").json()
    dates = [d["date"] for d in warmup["stats_by_date"]]
    assert len(dates) == 7 and dates[-1] == "2024-05-01"
    assert isinstance(warmup["sent_count"], str)
    lead = live_campaigns(truth)[0]["leads"][0]["lead"]
    by_email = get(client, emu, "/leads/", email=lead["email"]).json()
    assert by_email["id"] == str(lead["id"])
    assert get(client, emu, "/leads/", email="nobody@nowhere.example").status_code == 404
    categories = get(client, emu, "/leads/fetch-categories").json()
    assert [c["id"] for c in categories] == [1, 2, 3, 4, 5, 6, 7]
    memberships = get(client, emu, f"/leads/{lead['id']}/campaigns").json()
    assert live_campaigns(truth)[0]["id"] in [c["id"] for c in memberships]
    assert set(memberships[0]) == {"id", "status", "name"}


def test_campaigns_client_filter_and_config_validation(emu, client, truth):
    owned = [c for c in truth["campaigns"] if c["client_id"] is not None]
    if owned:
        client_id = owned[0]["client_id"]
        rows = get(client, emu, "/campaigns", client_id=client_id).json()
        assert rows and all(c["client_id"] == client_id for c in rows)
    with pytest.raises(EmulatorError):
        emu.configure(fault_kinds="meteor")
    with pytest.raises(EmulatorError):
        emu.configure(fault_rate=2)
    assert emu.configure()["rate_limit"] == "none"


def test_keep_alive_and_content_length(emu):
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        for _ in range(3):
            conn.request("GET", f"/api/v1/campaigns?api_key={emu.api_key}")
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200
            assert int(response.getheader("Content-Length")) == len(body)
            assert response.getheader("Connection") != "close"
        assert conn.sock is not None  # still the same open socket after three requests
    finally:
        conn.close()


def test_stats_use_path_templates(emu, client, truth):
    emu.reset_stats()
    cid = live_campaigns(truth)[0]["id"]
    get(client, emu, f"/campaigns/{cid}/leads")
    get(client, emu, f"/campaigns/{cid}/leads", limit=500)
    stats = emu.stats()
    assert stats["requests"] == 2
    assert stats["by_path"] == {"/campaigns/{id}/leads": 2}
    assert stats["by_status"] == {"200": 1, "400": 1}


# -- envelopes, determinism ---------------------------------------------------------------


ENVELOPED_PATHS = ("/client", "/campaigns/{cid}/sequences", "/campaigns/{cid}/webhooks",
                   "/campaigns/{cid}/email-accounts", "/leads/fetch-categories")


def envelope_shapes(emu: EmulatorProcess, session: requests.Session) -> dict[str, str]:
    cid = get(session, emu, "/campaigns").json()[-1]["id"]
    shapes = {}
    for template in ENVELOPED_PATHS:
        body = get(session, emu, template.format(cid=cid)).json()
        if isinstance(body, list):
            shapes[template] = "bare"
        else:
            assert body["ok"] is True and isinstance(body["data"], list)
            shapes[template] = "ok"
    return shapes


def test_envelope_modes(emu, client):
    mixed = envelope_shapes(emu, client)
    assert [p for p, s in mixed.items() if s == "ok"] == ["/client",
                                                          "/campaigns/{cid}/sequences"]
    for mode in ("ok", "bare"):
        with EmulatorProcess(rate_limit="none", envelope=mode, shapes="seed", campaigns=1,
                             leads_per_campaign=5, now=NOW) as other:
            assert set(envelope_shapes(other, client).values()) == {mode}


def test_same_seed_and_now_give_identical_bytes(emu, client, truth):
    cid = live_campaigns(truth)[0]["id"]
    paths = (f"/campaigns/{cid}/leads", f"/campaigns/{cid}/statistics", "/email-accounts")
    with EmulatorProcess(rate_limit="none", **BASE_OPTIONS) as twin:
        for path in paths:
            assert get(client, emu, path).content == get(client, twin, path).content, path
    with EmulatorProcess(rate_limit="none", **{**BASE_OPTIONS, "seed": 8}) as other:
        assert get(client, emu, paths[0]).content != get(client, other, paths[0]).content


# -- advance ------------------------------------------------------------------------------


def test_advance_creates_day_of_activity():
    with EmulatorProcess(rate_limit="none", shapes="seed", seed=3, now=NOW, campaigns=2,
                         leads_per_campaign=300, mailboxes=2) as emu, requests.Session() as s:
        before = emu.dataset()
        assert emu.advance(1) == {"now": "2024-05-02T12:00:00+00:00"}
        after = emu.dataset()
        old_now, new_now = NOW_DT, NOW_DT + timedelta(days=1)
        old_stats = {r["stats_id"]: r for c in before["campaigns"] for r in c["statistics"]}
        new_rows = changed = 0
        for b, a in zip(before["campaigns"], after["campaigns"], strict=True):
            old_ids = {r["campaign_lead_map_id"] for r in b["leads"]}
            added = [r for r in a["leads"] if r["campaign_lead_map_id"] not in old_ids]
            assert len(added) >= max(1, len(b["leads"]) // 50)
            assert all(old_now < ts(r["created_at"]) <= new_now for r in added)
            assert all(r["status"] == "STARTED" for r in added)
            page = get(s, emu, f"/campaigns/{a['id']}/leads", created_at_gt=NOW).json()
            assert [r["campaign_lead_map_id"] for r in page["data"]] == \
                [r["campaign_lead_map_id"] for r in added]
            for row in a["statistics"]:
                old = old_stats.get(row["stats_id"])
                if old is None:
                    new_rows += 1
                    assert old_now < ts(row["sent_time"]) <= new_now
                elif old != row:
                    changed += 1
                    assert ts(row["sent_time"]) > new_now - timedelta(days=5)
                    for key in ("open_time", "click_time", "reply_time"):
                        if row[key] != old[key]:
                            assert old_now < ts(row[key]) <= new_now
        assert new_rows > 0 and changed > 0
        # Updated leads show up through event_time_gt from the previous clock.
        cid = after["campaigns"][0]["id"]
        touched = get(s, emu, f"/campaigns/{cid}/leads", event_time_gt=NOW).json()
        assert int(touched["total_leads"]) > 0
        account = str(after["email_accounts"][0]["id"])
        assert len(after["warmup"][account]) == len(before["warmup"][account]) + 1
        warmup = get(s, emu, f"/email-accounts/{account}/warmup-stats").json()
        assert warmup["stats_by_date"][-1]["date"] == "2024-05-02"


def test_advance_two_days_equals_two_single_days():
    # In-process: the per-day RNG makes the activity independent of how days are batched.
    start = NOW_DT.replace(tzinfo=None)
    once, twice = (Dataset(seed=5, now=start, campaigns=2, leads_per_campaign=80)
                   for _ in range(2))
    once.advance(2)
    twice.advance(1)
    twice.advance(1)
    assert dump(once) == dump(twice)


# -- rate limits --------------------------------------------------------------------------


def test_seed_rate_limit_burst_of_15():
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=5) as emu:
        barrier = threading.Barrier(15)
        results: list[requests.Response] = []
        lock = threading.Lock()

        def fire() -> None:
            barrier.wait()
            response = requests.get(f"{emu.base_url}/campaigns",
                                    params={"api_key": emu.api_key}, timeout=10)
            with lock:
                results.append(response)

        threads = [threading.Thread(target=fire) for _ in range(15)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        limited = [r for r in results if r.status_code == 429]
        assert len(limited) >= 5
        assert all(r.json() == {"error": "Rate limit exceeded"} for r in limited)
        assert all("X-RateLimit-Limit" not in r.headers and "Retry-After" not in r.headers
                   for r in results)
        stats = emu.stats()
        assert stats["rate_limited"] == len(limited)
        assert 1 <= stats["max_in_window"] <= 10


def test_header_policy_headers_and_retry_after():
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=5, rate_limit="header",
                         rate_limit_requests=5, rate_limit_window=3) as emu, \
            requests.Session() as s:
        started = time.time()
        remaining = []
        for _ in range(5):
            response = get(s, emu, "/campaigns")
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "5"
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
            reset = int(response.headers["X-RateLimit-Reset"])
            assert started + 3 - 1 <= reset <= time.time() + 3 + 1
        assert remaining == [4, 3, 2, 1, 0]
        limited = get(s, emu, "/campaigns")
        assert limited.status_code == 429
        retry_after = int(limited.headers["Retry-After"])
        assert 1 <= retry_after <= 3
        assert limited.json() == {"error": {"code": "RATE_LIMIT_EXCEEDED",
                                            "retry_after": retry_after}}
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        time.sleep(retry_after)
        assert get(s, emu, "/campaigns").status_code == 200
        assert emu.stats()["max_in_window"] == 5


# -- faults -------------------------------------------------------------------------------


def raw_get(emu: EmulatorProcess, path: str) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    conn.request("GET", f"/api/v1{path}?api_key={emu.api_key}")
    response = conn.getresponse()
    try:
        return response, response.read()
    finally:
        conn.close()


def test_each_fault_kind_is_observable():
    with EmulatorProcess(now=NOW, campaigns=1, leads_per_campaign=20, rate_limit="none",
                         fault_rate=1.0, fault_kinds="500", slow_seconds=0.5) as emu:
        response, body = raw_get(emu, "/campaigns")
        assert response.status == 500 and json.loads(body) == {"error": "Internal Server Error"}

        for kind in ("502", "503"):
            emu.configure(fault_kinds=kind)
            response, body = raw_get(emu, "/campaigns")
            assert response.status == int(kind)
            assert response.getheader("Content-Type").startswith("text/html")
            assert b"<pre>" in body

        emu.configure(fault_kinds="reset")
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            raw_get(emu, "/campaigns")

        emu.configure(fault_kinds="truncated")
        with pytest.raises(http.client.IncompleteRead):
            raw_get(emu, "/campaigns")

        emu.configure(fault_kinds="badjson")
        response, body = raw_get(emu, "/campaigns")
        assert response.status == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)

        emu.configure(fault_kinds="slow")
        started = time.monotonic()
        response, body = raw_get(emu, "/campaigns")
        assert time.monotonic() - started >= 0.5
        assert response.status == 200 and isinstance(json.loads(body), list)

        faults = emu.stats()["faults"]
        assert faults == {"500": 1, "502": 1, "503": 1, "reset": 1, "truncated": 1,
                          "badjson": 1, "slow": 1}
        emu.configure(fault_rate=0.0)
        response, body = raw_get(emu, "/campaigns")
        assert response.status == 200 and json.loads(body)
