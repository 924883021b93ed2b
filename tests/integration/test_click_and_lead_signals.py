"""Campaigns whose only activity since the last run is a lead added, a click or a repeat open:
the account-wide figures (`/analytics/campaign/overall-stats`) do not move for them, and after a
full sync no campaign counts as recently active; the activities feed and the new leads
(tap_smartlead/signals.py) still get them read on the next run. Where either route is missing
or odd, one warning and the run goes on as before.

Every expectation comes from the emulator's ground truth before and after its day: which
campaigns the account-wide figures do not show moving, their new leads and changed statistics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.activity_needs import day_needs
from tests.integration.tap_runner import run_tap, tap_config

pytestmark = pytest.mark.integration

# Every campaign active; few leads each, so several of them get a lead and no send on the day.
ACCOUNT = {"seed": 2, "campaigns": 8, "active_campaigns": 8, "leads_per_campaign": 25,
           "mailboxes": 2}
ACTIVITIES_WARNING = "Could not read GET /campaigns/all-leads-activities"
LEADS_WARNING = "Could not read GET /leads/all"


def figures(emu: EmulatorProcess, now: dt.date) -> dict[int, dict[str, Any]]:
    """Each campaign's figures in the account-wide answer, over the same days around ``now``
    before and after the emulator's day."""
    answer = requests.get(emu.url(
        "/analytics/campaign/overall-stats", start_date=(now - dt.timedelta(days=30)).isoformat(),
        end_date=(now + dt.timedelta(days=7)).isoformat(), timezone="UTC"), timeout=30).json()
    return {row["id"]: row for row in answer["data"]["campaign_wise_performance"]}


@pytest.fixture(scope="module")
def day() -> Any:
    with EmulatorProcess(**ACCOUNT, rate_limit="none") as emu:
        config = tap_config(emu)
        full = run_tap(config)
        before = emu.dataset()
        now = dt.date.fromisoformat(before["now"][:10])
        moved_before = figures(emu, now)
        emu.advance(days=1)
        after, moved_after = emu.dataset(), figures(emu, now)
        needs = day_needs(before, after)
        quiet = {cid for cid in needs["active"] if moved_before.get(cid) == moved_after.get(cid)}
        runs = {}
        for name, forms in (("data", {"leads_activities": "data", "leads_all": "live"}),
                            ("list", {"leads_activities": "list", "leads_all": "live"}),
                            ("absent", {"leads_activities": "absent", "leads_all": "absent"}),
                            ("odd", {"leads_activities": "odd", "leads_all": "live"})):
            emu.configure(**forms)
            emu.reset_stats()
            runs[name] = (run_tap(config, state=full.last_state), emu.stats())
        emu.configure(leads_activities="data", leads_all="live")
    return {"full": full, "needs": needs, "quiet": quiet, "runs": runs, "after": after}


def test_the_day_has_campaigns_the_account_wide_figures_do_not_show(day):
    """The scenario's precondition: campaigns that got a lead (and one a changed statistics
    row: a click or a repeat open) without a send, open, reply or bounce."""
    quiet = day["quiet"]
    assert quiet
    assert {cid for cid, _ in day["needs"]["new_leads"]} & quiet
    assert {cid for cid, _ in day["needs"]["changed_stats"]} & quiet


@pytest.mark.parametrize("shape", ["data", "list"])
def test_their_new_leads_and_changed_statistics_arrive_on_the_next_run(day, shape):
    run, _ = day["runs"][shape]
    assert run.returncode == 0, run.stderr_text[-2000:]
    quiet, needs = day["quiet"], day["needs"]
    leads = {(r["campaign_id"], r["campaign_lead_map_id"]) for r in run.records["campaign_leads"]}
    stats = {(r["campaign_id"], r["stats_id"]) for r in run.records["campaign_statistics"]}
    assert {k for k in needs["new_leads"] if k[0] in quiet} <= leads
    assert {k for k in needs["changed_stats"] if k[0] in quiet} <= stats
    # The export (lead_engagement) and the analytics totals carry the new leads too.
    engaged = {(r["campaign_id"], r["campaign_lead_map_id"])
               for r in run.records["lead_engagement"]}
    assert {k for k in needs["new_leads"] if k[0] in quiet} <= engaged
    totals = {r["campaign_id"]: r for r in run.records["campaign_analytics"]}
    truth = {c["id"]: c["analytics"] for c in day["after"]["campaigns"]}
    for cid in quiet:
        assert int(totals[cid]["total_count"]) == int(truth[cid]["total_count"])
    assert ACTIVITIES_WARNING not in run.stderr_text and LEADS_WARNING not in run.stderr_text


def test_a_campaign_that_only_got_leads_asks_no_statistics_or_threads(day):
    """Only the reads a new lead changes: its new leads, its analytics, its export."""
    run, stats = day["runs"]["data"]
    leads_only = day["quiet"] - {cid for cid, _ in day["needs"]["changed_stats"]}
    assert leads_only
    asked = {r["campaign_id"] for r in run.records["campaign_statistics"]}
    assert not leads_only & asked
    # one leads query each (the new leads), beside the active ones' three
    assert stats["by_path"]["/leads/{lead_id}/campaigns"] == len(day["needs"]["new_leads"])
    assert stats["by_path"]["/leads/all"] == 1
    assert stats["by_path"]["/campaigns/all-leads-activities"] == 1


@pytest.mark.parametrize("form", ["absent", "odd"])
def test_without_the_routes_one_warning_each_and_the_sync_goes_on(day, form):
    run, _ = day["runs"][form]
    assert run.returncode == 0, run.stderr_text[-2000:]
    assert run.stderr_text.count(ACTIVITIES_WARNING) == 1
    assert run.stderr_text.count(LEADS_WARNING) == (1 if form == "absent" else 0)
    # Every campaign the account-wide figures show moving is read as before.
    moved = set(day["needs"]["active"]) - day["quiet"]
    leads = {(r["campaign_id"], r["campaign_lead_map_id"]) for r in run.records["campaign_leads"]}
    assert {k for k in day["needs"]["new_leads"] if k[0] in moved} <= leads
    if form == "absent":
        # What the signals add: without them, the quiet campaigns' new leads wait (for their
        # next send, open, reply or bounce, or the rotation), as before.
        assert not {k for k in day["needs"]["new_leads"] if k[0] in day["quiet"]} <= leads
