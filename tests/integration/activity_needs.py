"""What a sync of emulator data needs, from the ground truth: a day's activity, a full sync.

A day: 4 account-level lists (campaigns, mailboxes, categories, clients), 4 per campaign
(analytics, sequences, mailboxes, webhooks), 4 per active campaign (statistics, leads, analytics
window, the leads export of `lead_engagement`), 2 per mailbox (warmup, details) and, per active
campaign, one bulk thread request per 100 leads with new messages (`leads_with_new_messages`
says what one request per lead would need instead). Also the day's new or changed things, for
checking that an incremental run emitted every one of them. Plus the analytics streams'
look-back (``analytics_needs``).
"""

from __future__ import annotations

import math
from typing import Any

THREADS_PER_REQUEST = 100  # lead ids in one bulk thread request (tap_smartlead/threads.py)
STATISTICS_PER_PAGE = 1000  # the statistics endpoint's cap
LEADS_PER_PAGE = 100

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
    leads_with_new_messages = thread_batches = 0
    for campaign in after["campaigns"]:
        cid, was = campaign["id"], old[campaign["id"]]
        if any(campaign[k] != was[k] for k in campaign if k != "email_accounts"):
            active.append(cid)
        old_threads = was["message_history"]
        threaded = 0
        for lead_id, thread in campaign["message_history"].items():
            seen = {m["message_id"] for m in old_threads.get(lead_id, {}).get("history", [])}
            fresh = {m["message_id"] for m in thread["history"]} - seen
            if fresh:
                threaded += 1
                new_messages |= {(cid, int(lead_id), mid) for mid in fresh}
        leads_with_new_messages += threaded
        thread_batches += math.ceil(threaded / THREADS_PER_REQUEST)
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
    needed = 4 + 4 * campaigns + 4 * len(active) + 2 * mailboxes + thread_batches
    needed += analytics_needs(analytics_days, len(active))
    return {
        "needed": needed, "active": active, "leads_with_new_messages": leads_with_new_messages,
        "thread_batches": thread_batches,
        "new_messages": new_messages, "new_leads": new_leads, "changed_leads": changed_leads,
        "changed_stats": changed_stats,
    }


def full_sync_needs(truth: dict[str, Any], windows: int) -> int:
    """Requests a full sync of ``truth`` needs with the bulk thread endpoint: the account-level
    lists (campaigns, categories, clients, the mailbox pages), per campaign its analytics,
    sequences, mailboxes, webhooks, export, statistics pages of 1,000, leads pages (served rows,
    the live listing's duplicates included) and one thread request per 100 leads, per mailbox
    its details and warmup; plus ``windows``, the analytics windows since the start date (one
    request each, counted by the caller from its run)."""
    mailboxes = len(truth["email_accounts"])
    needed = 3 + math.ceil((mailboxes + 1) / LEADS_PER_PAGE) + 2 * mailboxes + windows
    for campaign in truth["campaigns"]:
        served = len(campaign["leads"]) + len(campaign.get("duplicate_lead_map_ids", []))
        # A first page is asked even when it comes back empty.
        needed += 5 + max(1, math.ceil(len(campaign["statistics"]) / STATISTICS_PER_PAGE))
        needed += max(1, math.ceil(served / LEADS_PER_PAGE))
        needed += math.ceil(len(campaign["message_history"]) / THREADS_PER_REQUEST)
    return needed
