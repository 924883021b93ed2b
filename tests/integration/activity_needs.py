"""What a day of emulator activity needs from an incremental sync, from the ground truth.

The issue's count: 4 account-level lists (campaigns, mailboxes, categories, clients), 4 per
campaign (analytics, sequences, mailboxes, webhooks), 3 per active campaign (statistics, leads,
analytics window), 1 per mailbox (warmup) and 1 per lead with new messages; plus the two
full-table streams added since, re-read every run: 1 per campaign (the leads export,
`lead_engagement`) and 1 per mailbox (its details, `email_account_details`); and the analytics
streams' look-back (``analytics_needs``). Also the day's new
or changed things, for checking that an incremental run emitted every one of them.
"""

from __future__ import annotations

from typing import Any

# Days a daily run of the analytics streams reads when the tap's clock has not moved since the
# last run (the tests' case: the emulator advances, the machine's day stays): the default
# analytics_lookback_days (7) and the bookmark's day.
ANALYTICS_DAYS = 7 + 1


def analytics_needs(days: int, active: int) -> int:
    """The analytics streams' requests for ``days`` days (README): two account-wide ranges of
    up to 30 days, four routes asked day by day, one mailbox-statistics page per active
    campaign (at most 20 mailboxes each)."""
    return 2 * -(-days // 30) + 4 * days + active


def day_needs(
    before: dict[str, Any], after: dict[str, Any], analytics_days: int = ANALYTICS_DAYS
) -> dict[str, Any]:
    """What the day's activity needs, and what it created, from the emulator's ground truth."""
    old = {c["id"]: c for c in before["campaigns"]}
    active, new_messages, new_leads, changed_leads, changed_stats = [], set(), set(), set(), set()
    leads_with_new_messages = 0
    for campaign in after["campaigns"]:
        cid, was = campaign["id"], old[campaign["id"]]
        if any(campaign[k] != was[k] for k in campaign if k != "email_accounts"):
            active.append(cid)
        old_threads = was["message_history"]
        for lead_id, thread in campaign["message_history"].items():
            seen = {m["message_id"] for m in old_threads.get(lead_id, {}).get("history", [])}
            fresh = {m["message_id"] for m in thread["history"]} - seen
            if fresh:
                leads_with_new_messages += 1
                new_messages |= {(cid, int(lead_id), mid) for mid in fresh}
        old_leads = {r["campaign_lead_map_id"]: r for r in was["leads"]}
        for row in campaign["leads"]:
            previous = old_leads.get(row["campaign_lead_map_id"])
            if previous is None:
                new_leads.add((cid, row["campaign_lead_map_id"]))
            elif previous != row:
                changed_leads.add((cid, row["campaign_lead_map_id"]))
        old_stats = {s["stats_id"]: s for s in was["statistics"]}
        changed_stats |= {(cid, s["stats_id"]) for s in campaign["statistics"]
                          if old_stats.get(s["stats_id"]) != s}
    campaigns, mailboxes = len(after["campaigns"]), len(after["email_accounts"])
    needed = 4 + 5 * campaigns + 3 * len(active) + 2 * mailboxes + leads_with_new_messages
    needed += analytics_needs(analytics_days, len(active))
    return {
        "needed": needed, "active": active, "leads_with_new_messages": leads_with_new_messages,
        "new_messages": new_messages, "new_leads": new_leads, "changed_leads": changed_leads,
        "changed_stats": changed_stats,
    }
