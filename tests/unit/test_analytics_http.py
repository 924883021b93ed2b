"""The analytics streams over HTTP: a 429 on a route is that route's; a refused route warns once."""

from __future__ import annotations

import pytest

from tap_smartlead import http_client
from tap_smartlead.http_client import ApiCall
from tap_smartlead.rate_limit import ServerVerdict, parse_verdict
from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"
CAMPAIGNS = "/analytics/campaign/overall-stats"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(http_client, "RETRY_BASE_SECONDS", 0.001)


@pytest.fixture
def tap():
    return TapSmartlead(
        config={"api_key": "unit-key-77", "base_url": BASE, "max_concurrency": 1},
        parse_env_config=False,
    )


def test_a_429_on_an_analytics_route_goes_to_that_routes_limiter_only(
    tap, requests_mock, monkeypatch
):
    account: list[ServerVerdict] = []
    route: list[ServerVerdict] = []
    campaigns = tap.streams["campaign_daily_stats"]
    monkeypatch.setattr(tap.runtime.limiter, "observe", account.append)
    monkeypatch.setattr(campaigns.route_limiter, "observe", route.append)
    requests_mock.get(f"{BASE}{CAMPAIGNS}", [
        {"status_code": 429, "headers": {"Retry-After": "30"}, "json": {}},
        {"status_code": 200, "json": {"ok": True, "data": {"campaign_wise_performance": []}}},
    ])
    assert campaigns.fetch(ApiCall(CAMPAIGNS)) == {
        "ok": True, "data": {"campaign_wise_performance": []}}
    assert [v.status_code for v in route] == [429, 200]
    assert [v.status_code for v in account] == [200]  # the account never saw the 429


def test_a_retry_after_pauses_the_route_and_not_the_account_or_other_routes(tap, requests_mock):
    campaigns = tap.streams["campaign_daily_stats"]
    mailboxes = tap.streams["mailbox_daily_stats"]
    requests_mock.get(f"{BASE}{CAMPAIGNS}", status_code=429, headers={"Retry-After": "600"},
                      json={})
    # One request and what HttpStream._send does with its 429 (the next ask would wait 600 s).
    response = campaigns._send_once(campaigns.build_prepared_request(
        method="GET", url=f"{BASE}{CAMPAIGNS}", params={}, headers={}))
    assert response.status_code == 429
    campaigns.observe_429(parse_verdict(429, response.headers, {}))
    assert campaigns.route_limiter is not mailboxes.route_limiter
    assert campaigns.route_limiter._delay_locked(campaigns.route_limiter._clock()) > 500
    assert mailboxes.route_limiter._delay_locked(mailboxes.route_limiter._clock()) == 0
    assert tap.runtime.limiter._delay_locked(tap.runtime.limiter._clock()) == 0


def test_a_per_minute_setting_paces_each_analytics_route_on_its_own():
    tap = TapSmartlead(
        config={"api_key": "unit-key-77", "base_url": BASE, "analytics_requests_per_minute": 10},
        parse_env_config=False,
    )
    limiter = tap.streams["client_daily_stats"].route_limiter
    assert (limiter.max_requests, limiter.window_seconds) == (10, 60.0)
    assert tap.runtime.limiter.max_requests == 10  # the account's default, 10 per 2 s
    assert tap.runtime.limiter.window_seconds == 2.0


def test_a_bare_429_on_an_analytics_route_is_heard_by_the_account_too(
    tap, requests_mock, monkeypatch
):
    account: list[ServerVerdict] = []
    route: list[ServerVerdict] = []
    clients = tap.streams["client_daily_stats"]
    monkeypatch.setattr(tap.runtime.limiter, "observe", account.append)
    monkeypatch.setattr(clients.route_limiter, "observe", route.append)
    path = "/analytics/client/overall-stats"
    requests_mock.get(f"{BASE}{path}", [
        {"status_code": 429, "json": {"error": "Rate limit exceeded"}},  # whose? it won't say
        {"status_code": 200, "json": {"ok": True, "data": []}},
    ])
    assert clients.fetch(ApiCall(path)) == {"ok": True, "data": []}
    assert [v.status_code for v in route] == [429, 200]
    assert [v.status_code for v in account] == [429, 200]


@pytest.mark.parametrize("status", [400, 403, 404])
def test_an_analytics_route_the_plan_refuses_gives_one_warning_and_no_rows(
    tap, requests_mock, caplog, status
):
    requests_mock.get(f"{BASE}/campaigns", json=[])  # the key is good: the list answers
    # The account's day-wise figures cannot say which days were active: every day is asked.
    requests_mock.get(f"{BASE}/analytics/day-wise-overall-stats", status_code=404, json={})
    requests_mock.get(f"{BASE}/analytics/client/overall-stats", status_code=status,
                      json={"error": "not on this plan"})
    with caplog.at_level("WARNING"):
        rows = list(tap.streams["client_daily_stats"].get_records(None))
    assert rows == []
    warnings = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(warnings) == 1 and "client_daily_stats" in warnings[0]
    # The list, the day-wise figures, then one day: not every day of the range.
    assert requests_mock.call_count == 3
