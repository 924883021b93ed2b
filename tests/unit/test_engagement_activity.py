"""lead_engagement follows the activity rule: an idle campaign's export is not downloaded,
and such a stream sends ACTIVATE_VERSION only when every export was read."""

from __future__ import annotations

import pytest

from tap_smartlead.activity import FINGERPRINT_KEY, REFRESH_KEY, fingerprint
from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"
ANALYTICS = {"id": 7, "status": "ACTIVE", "sent_count": "14", "open_count": "3",
             "reply_count": "1", "campaign_lead_stats": {"total": 8, "inprogress": 2}}


def engagement(**config):
    tap = TapSmartlead(config={"api_key": "unit-key", "base_url": BASE, "max_concurrency": 1,
                               **config}, parse_env_config=False)
    return tap.streams["lead_engagement"]


@pytest.fixture(autouse=True)
def analytics(requests_mock):
    requests_mock.get(f"{BASE}/campaigns/7/analytics", json=ANALYTICS)
    requests_mock.get(f"{BASE}/campaigns/8/analytics", json={**ANALYTICS, "id": 8})


def read_before(stream, campaign_id: int, analytics: dict) -> dict:
    context = {"campaign_id": campaign_id}
    state = stream.get_context_state(context)
    state[FINGERPRINT_KEY] = fingerprint(analytics)
    state[REFRESH_KEY] = 0  # refreshed on the last run: not due in the rotation
    return context


def test_an_idle_campaigns_export_is_not_downloaded():
    stream = engagement()
    assert stream.partition_calls(read_before(stream, 7, ANALYTICS)) == []


def test_a_campaign_whose_counts_moved_is_downloaded():
    stream = engagement()
    context = read_before(stream, 7, {**ANALYTICS, "open_count": "2"})
    [call] = stream.partition_calls(context)
    assert call.path == "/campaigns/7/leads-export" and call.download


def test_each_campaign_keeps_its_own_fingerprint():
    stream = engagement()
    read_before(stream, 7, ANALYTICS)
    assert stream.partition_calls({"campaign_id": 8}) != []  # never read: not idle


def test_every_export_is_downloaded_without_skipping():
    stream = engagement(skip_idle_campaigns=False)
    assert stream.partition_calls(read_before(stream, 7, ANALYTICS)) != []


@pytest.mark.parametrize(("config", "sends"), [
    # Skipping idle campaigns: a version is stamped, and sent only if no export was skipped
    # (the run decides after its reads: test_an_idle_export_skipped_sends_no_version).
    ({}, True),
    ({"skip_idle_campaigns": False}, True),
    ({"skip_idle_campaigns": False, "emit_activate_version_messages": False}, False),
])
def test_activate_version_only_when_every_export_is_read(config, sends):
    assert engagement(**config)._sends_activate_version is sends


def test_an_idle_export_skipped_sends_no_version():
    stream = engagement()
    assert stream.partition_calls(read_before(stream, 7, ANALYTICS)) == []  # idle: skipped
    assert stream._incomplete_read() is not None  # so no ACTIVATE_VERSION after the records
