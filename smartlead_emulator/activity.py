"""`advance()`: move the clock one day at a time and create that day's activity.

Invariants the tap's incremental logic relies on (and tests check):
- idle campaigns (`--active-campaigns`) do not change at all: no lead, message or count moves;
- every new event time t satisfies old_clock < t <= new_clock (inside the advanced day);
- replies, opens and clicks only touch messages sent within the 5 days before the new clock,
  so a sync re-reading the last 7 days of statistics sees every updated row;
- statistics rows are updated in place (same `stats_id`): `open_time`/`click_time` keep the
  first open/click and the counts grow; a lead's `last_sent_time` and `last_event_time` follow
  its newest sent/open/click/reply.

Each day draws from `Random("<seed>:advance:<day number>:...")`, so advancing 2 days at once
gives the same data as advancing 1 day twice.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

from .dataset import Dataset, between
from .models import Campaign, LeadMap, Message
from .timeutil import DAY

P_NEW_LEADS = 0.02  # of the campaign's current leads, at least one
P_NEXT_STEP = 0.05  # of contacted leads still in sequence (and of not-yet-started leads)
P_BOUNCE = 0.02
P_REPLY = 0.02  # of messages sent in the last RECENT days
P_OPEN = 0.10
P_CLICK = 0.03  # of opened recent messages
P_MANUAL = 0.4  # of today's replies get a hand-sent answer (live mode)
RECENT = timedelta(days=5)


def advance(ds: Dataset, days: int) -> datetime:
    with ds.lock:
        for _ in range(days):
            ds.days_advanced += 1
            start, end = ds.now, ds.now + DAY
            for campaign in ds.campaigns:
                if ds.is_active(campaign):  # idle campaigns do not change at all
                    _campaign_day(ds, campaign, start, end)
            for account in ds.accounts:
                rng = ds.rng("advance", ds.days_advanced, "warmup", account.id)
                account.warmup_days.append(ds.warmup_day(rng, end.date()))
            ds.now = end
        return ds.now


def _can_continue(entry: LeadMap) -> bool:
    """Still in sequence: not finished, not bounced, not replied, not unsubscribed."""
    return (
        len(entry.messages) < len(entry.campaign.sequences)
        and not (entry.messages and entry.messages[-1].is_bounced)
        and not entry.replies
        and not entry.lead.is_unsubscribed
    )


def _campaign_day(ds: Dataset, campaign: Campaign, start: datetime, end: datetime) -> None:
    rng = ds.rng("advance", ds.days_advanced, campaign.id)
    # Decide who gets mail before adding today's leads, so new leads start un-contacted.
    senders = [e for e in campaign.leads if _can_continue(e) and rng.random() < P_NEXT_STEP]

    new_count = max(1, int(len(campaign.leads) * P_NEW_LEADS))
    span_us = int((end - start).total_seconds() * 1_000_000)
    # Strictly after `start`, at most `end`, sorted so map ids grow with creation time.
    for offset in sorted(rng.randint(1, span_us) for _ in range(new_count)):
        ds.add_lead_map(rng, campaign, start + timedelta(microseconds=offset), None)

    for entry in senders:
        when = between(rng, max(start, entry.last_sent_time or start), end)
        if when is None:
            continue
        msg = ds.send(rng, entry, when)
        if rng.random() < P_BOUNCE:
            msg.is_bounced = True
    campaign.messages.sort(key=lambda m: (m.sent_time, m.stats_id))

    todays_replies = []
    for msg in _recent(campaign, end):
        if msg.is_bounced:
            continue
        if msg.reply_time is None and rng.random() < P_REPLY:
            when = between(rng, max(start, msg.sent_time), end)
            if when is not None:
                todays_replies.append((msg.owner, ds.reply(rng, msg, when)))
        if rng.random() < P_OPEN:
            when = between(rng, max(start, msg.sent_time), end)
            if when is not None:
                # The row keeps its first open (as Smartlead's statistics do); later opens only
                # count, and move the lead's last_event_time.
                if msg.open_time is None:
                    msg.open_time = when
                msg.open_count += 1
                msg.events.append(("OPEN", when))
                msg.owner.touch(when)
        if msg.open_time is not None and rng.random() < P_CLICK:
            when = between(rng, max(start, msg.sent_time, msg.open_time), end)
            if when is not None:
                if msg.click_time is None:
                    msg.click_time = when
                msg.click_count += 1
                msg.events.append(("CLICK", when))
                msg.owner.touch(when)
    if ds.live:  # hand-sent answers to some of today's replies (own RNG: seed mode unchanged)
        mrng = ds.rng("advance", ds.days_advanced, "manual", campaign.id)
        for entry, rep in todays_replies:
            if mrng.random() < P_MANUAL:
                when = between(mrng, rep.time, end)
                if when is not None and when.replace(microsecond=0) > rep.time:
                    ds.manual_send(mrng, entry, rep, when.replace(microsecond=0), end)


def _recent(campaign: Campaign, end: datetime) -> list[Message]:
    """Messages sent within RECENT before the new clock (the list is sorted by sent_time)."""
    cutoff = end - RECENT
    first = bisect.bisect_right(campaign.messages, cutoff, key=lambda m: m.sent_time)
    return campaign.messages[first:]
