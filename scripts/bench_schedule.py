"""Daily runs on the default settings, the tap's clock moved a day per run: what an upserting
warehouse holds afterwards, table by table, against the emulator's truth.

    python scripts/bench_schedule.py --days 4          # 4 daily runs (day 0..3)
    PYTHONPATH=/path/to/other/checkout python scripts/bench_schedule.py --days 4

The tap runs in this process under time-machine (at the emulator's clock), the emulator one day
further before each run; each run gets the state the previous one wrote. The "warehouse" is the
runs' records merged by primary key (what target-postgres' upsert keeps), without Postgres, so
the script also runs against older checkouts (the second form: PYTHONPATH picks the tap and
emulator code). Printed: rows per table against the truth for the streams whose truth is plain
(every lead, every statistics row since the first run's start date), and per campaign the
analytics windows (how many overlap another) and their sent_count summed against the emails
sent in the days they cover. tests/warehouse/test_daily_schedule.py asserts the same on 31
runs into PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import time_machine

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout's code wins

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402
from tap_smartlead.tap import TapSmartlead, close_runtimes  # noqa: E402

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
KEYS = {"campaign_leads": ("campaign_id", "campaign_lead_map_id"),
        "campaign_statistics": ("campaign_id", "stats_id"),
        "campaign_analytics_by_date": ("campaign_id", "start_date")}


def run_at(clock: dt.datetime, config: dict[str, Any], state: dict[str, Any],
           catalog: dict[str, Any] | None = None, reverse: bool = False) -> list[dict]:
    """One sync in this process with the tap's clock at ``clock``: its messages. ``reverse``:
    the streams synced in the opposite order (the SDK syncs them in ``Tap.streams``'s)."""
    out = io.StringIO()
    with time_machine.travel(clock, tick=True):
        tap = TapSmartlead(config=config, state=state, catalog=catalog, parse_env_config=False)
        if reverse:
            items = dict(reversed(tap.streams.items()))
            tap.streams.clear()
            tap.streams.update(items)
        try:
            with contextlib.redirect_stdout(out):
                tap.sync_all()
        finally:
            close_runtimes()
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=4, help="daily runs (day 0 .. days-1)")
    parser.add_argument("--campaigns", type=int, default=3)
    parser.add_argument("--leads", type=int, default=15)
    args = parser.parse_args()
    tables: dict[str, dict[tuple, dict]] = {stream: {} for stream in KEYS}
    with EmulatorProcess(seed=23, now=START.isoformat(), campaigns=args.campaigns,
                         leads_per_campaign=args.leads, mailboxes=2, clients=1,
                         rate_limit="none") as emu:
        config = {"api_key": emu.api_key, "base_url": emu.base_url,
                  "rate_limit_requests": 1000, "rate_limit_window_seconds": 1}
        state: dict[str, Any] = {}
        for day in range(args.days):
            if day:
                emu.advance(days=1)
            for message in run_at(START + dt.timedelta(days=day), config, state):
                if message["type"] == "STATE":
                    state = message["value"]
                elif message["type"] == "RECORD" and message["stream"] in KEYS:
                    record = message["record"]
                    key = tuple(str(record[k]) for k in KEYS[message["stream"]])
                    tables[message["stream"]][key] = record
        truth = emu.dataset()
    # The first run's default start date, and the first day of its 30-day analytics window
    # (counted from 1970-01-01), where this version's first sync starts reading statistics.
    start_date = (START - dt.timedelta(days=90)).replace(hour=0)
    first_day = start_date - dt.timedelta(days=(start_date.date() - dt.date(1970, 1, 1)).days % 30)
    print(f"{args.days} daily runs on the defaults (start_date unset), "
          f"{sys.modules['tap_smartlead'].__file__}")
    leads = {(str(c["id"]), str(r["campaign_lead_map_id"]))
             for c in truth["campaigns"] for r in c["leads"]}
    print(f"  campaign_leads         warehouse {len(tables['campaign_leads']):>5}  "
          f"truth {len(leads):>5}")
    sent = {since: sum(1 for c in truth["campaigns"] for s in c["statistics"]
                       if instant(s["sent_time"]) >= since) for since in (start_date, first_day)}
    print(f"  campaign_statistics    warehouse {len(tables['campaign_statistics']):>5}  truth "
          f"{sent[start_date]:>5} since {start_date.date()}, {sent[first_day]} since "
          f"{first_day.date()}")
    print("  campaign_analytics_by_date, per campaign:")
    for campaign in truth["campaigns"]:
        windows = sorted(
            (dt.date.fromisoformat(r["start_date"]), dt.date.fromisoformat(r["end_date"]),
             int(r.get("sent_count") or 0))
            for (cid, _), r in tables["campaign_analytics_by_date"].items()
            if cid == str(campaign["id"]))
        overlapping = sum(1 for a, b in itertools.pairwise(windows) if b[0] <= a[1])
        days = {a + dt.timedelta(days=n) for a, b, _ in windows for n in range((b - a).days + 1)}
        sent = sum(1 for s in campaign["statistics"] if instant(s["sent_time"]).date() in days)
        print(f"    {campaign['id']}: {len(windows)} windows, {overlapping} overlapping the next; "
              f"sent_count summed {sum(w[2] for w in windows)}, sent in their days {sent}")


if __name__ == "__main__":
    main()
