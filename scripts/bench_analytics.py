#!/usr/bin/env python3
"""Requests the analytics streams add to a full sync and to a daily run, measured and by formula.

Starts an emulator (the default account unless told otherwise), runs a full sync, then a daily
run: the emulator advances one day (new activity in its campaigns) and the analytics streams'
bookmarks are moved back one day, as they would stand if the full sync had run yesterday (the
tap's clock is the machine's). Prints, per analytics stream, the requests of both runs (the
tap's own request metrics, one per HTTP request) next to the README's formula:

    full:  2 x ceil(D / 30) + 4 x D + sum over campaigns of ceil(mailboxes / 20)
    daily: 2 x ceil(W / 30) + 4 x W + the same sum over the campaigns with activity

with D the days from start_date to today and W = analytics_lookback_days + 2 (the look-back,
the bookmark's day and today).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_incremental import NO_LIMIT, sync  # noqa: E402

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402

ACCOUNT_RANGE_STREAMS = ("account_daily_stats", "account_daily_stats_by_send_date")
DAY_STREAMS = ("campaign_daily_stats", "mailbox_daily_stats", "client_daily_stats",
               "reply_category_daily")
PER_CAMPAIGN = "campaign_mailbox_statistics"
STREAMS = (*ACCOUNT_RANGE_STREAMS, *DAY_STREAMS, PER_CAMPAIGN)


def predicted(days: int, mailbox_pages: int) -> dict[str, int]:
    return {**dict.fromkeys(ACCOUNT_RANGE_STREAMS, math.ceil(days / 30)),
            **dict.fromkeys(DAY_STREAMS, days), PER_CAMPAIGN: mailbox_pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=5)
    parser.add_argument("--active-campaigns", type=int, default=None)
    parser.add_argument("--leads-per-campaign", type=int, default=200)
    parser.add_argument("--mailboxes", type=int, default=8)
    parser.add_argument("--start-days-ago", type=int, default=90)
    parser.add_argument("--lookback", type=int, default=7)
    args = parser.parse_args()
    account = {"campaigns": args.campaigns, "leads_per_campaign": args.leads_per_campaign,
               "mailboxes": args.mailboxes, "active_campaigns": args.active_campaigns}
    today = dt.datetime.now(dt.timezone.utc).date()
    start = today - dt.timedelta(days=args.start_days_ago)
    with EmulatorProcess(seed=1, rate_limit="none", **account) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        config = {"api_key": emu.api_key, "base_url": emu.base_url, **NO_LIMIT,
                  "start_date": start.isoformat(), "analytics_lookback_days": args.lookback}
        dataset = emu.dataset()
        pages = {c["id"]: math.ceil(len(c["email_accounts"]) / 20)
                 for c in dataset["campaigns"] if not c["vanished"]}
        full, state, _ = sync(config, None, Path(tmp))
        for stream in (*ACCOUNT_RANGE_STREAMS, *DAY_STREAMS):
            entry = state["bookmarks"][stream]
            entry["replication_key_value"] = (
                dt.date.fromisoformat(entry["replication_key_value"]) - dt.timedelta(days=1)
            ).isoformat()
        emu.advance(days=1)
        daily, _, _ = sync(config, state, Path(tmp))
    active = args.campaigns if args.active_campaigns is None else args.active_campaigns
    active_pages = sum(sorted(pages.values())[:active]) if active < len(pages) else sum(
        pages.values())
    expect_full = predicted((today - start).days + 1, sum(pages.values()))
    expect_daily = predicted(args.lookback + 2, active_pages)
    print(f"Account: {account} (emulator seed 1), start_date {start}, "
          f"analytics_lookback_days {args.lookback}.\n")
    print("| stream | full sync | formula | daily run | formula |\n|---|---:|---:|---:|---:|")
    for stream in STREAMS:
        print(f"| {stream} | {full[stream]} | {expect_full[stream]} | {daily[stream]} | "
              f"{expect_daily[stream]} |")
    measured_full = sum(full[s] for s in STREAMS)
    measured_daily = sum(daily[s] for s in STREAMS)
    print(f"| **added** | **{measured_full}** | **{sum(expect_full.values())}** | "
          f"**{measured_daily}** | **{sum(expect_daily.values())}** |")
    others_full = sum(n for s, n in full.items() if s not in STREAMS)
    others_daily = sum(n for s, n in daily.items() if s not in STREAMS)
    print(f"\nthe other streams: full {others_full}, daily {others_daily}")
    agree = all(full[s] == expect_full[s] for s in STREAMS) and all(
        daily[s] == expect_daily[s] for s in STREAMS if s != PER_CAMPAIGN)
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
