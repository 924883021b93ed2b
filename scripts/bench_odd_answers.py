"""The odd answers of issue 16, measured against the emulator: what each costs the sync.

    python scripts/bench_odd_answers.py [--tap PATH] [transient ratelimit deletions]

- ``transient``: 5% of child answers (a campaign's routes, one lead's thread) are a `200 {}`
  for campaigns and leads that exist; one sync under them, then a clean incremental run from its
  state. Prints, per table, the rows of the emulator's truth that neither run emitted.
- ``ratelimit``: ``max_concurrency: 1`` on the tap's defaults against the live API's limit
  (200 requests per 60 s, bare 429s); once on a fresh window, once on a window another
  integration has just filled. Prints the exit code, the requests, the share answered 429 and
  the rows missing.
- ``leads-query``: a full sync, a day of activity, an incremental sync: the requests of the
  leads endpoint per active campaign in the incremental run (campaign_leads' queries, which
  also list lead_message_history's active leads, sends included).
- ``sigterm``: SIGTERM 2 s into a sync whose workers wait out a Retry-After of up to a minute
  (8 requests per minute with headers); prints how long the process took to end, its exit code,
  and what a run resumed from its last STATE (no limit) leaves missing.
- ``deletions``: 4 leads of each of 3 campaigns (450 leads each) deleted right after the first
  page of their listing was served. Prints the surviving leads ``campaign_leads`` missed.

``--tap`` runs another build of the tap (e.g. a wrapper around an older checkout) against
this checkout's emulator, to measure "before" figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from smartlead_emulator.testing import EmulatorProcess
from tests.integration import tap_runner
from tests.integration.expected import expected_keys
from tests.integration.tap_runner import PRIMARY_KEYS, TapRun, merged, run_tap

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
START = NOW - dt.timedelta(days=60)


def config(emu: EmulatorProcess, **overrides: Any) -> dict[str, Any]:
    return tap_runner.tap_config(emu, start_date=START.isoformat(), **overrides)


def missing(runs: list[TapRun], dataset: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per table: (rows of the truth no run emitted, rows of the truth)."""
    want = expected_keys(dataset, START)
    got = merged(runs)
    return {
        stream: (len(want[stream] - set(got[stream])), len(want[stream]))
        for stream in PRIMARY_KEYS
    }


def show_missing(table: dict[str, tuple[int, int]]) -> None:
    lost = {stream: counts for stream, counts in table.items() if counts[0]}
    if not lost:
        print("  every row of the truth emitted")
    for stream, (gone, total) in sorted(lost.items()):
        print(f"  {stream}: {gone} of {total} never emitted")


def transient() -> None:
    account = {"seed": 16, "campaigns": 4, "leads_per_campaign": 300, "mailboxes": 3,
               "rate_limit": "none", "now": NOW.isoformat()}
    with EmulatorProcess(**account, transient_empty_rate=0.05, fault_seed=3) as emu:
        first = run_tap(config(emu))
        empty = emu.stats()["faults"].get("empty", 0)
        emu.configure(transient_empty_rate=0.0)
        second = run_tap(config(emu), state=first.last_state)
        dataset = emu.dataset()
    print(f"transient 200 {{}} at 5%: {empty} such answers; exit codes {first.returncode}, "
          f"{second.returncode}")
    show_missing(missing([first, second], dataset))


def ratelimit(fill: bool) -> None:
    account = {"seed": 16, "campaigns": 2, "leads_per_campaign": 100, "mailboxes": 2,
               "rate_limit": "live", "now": NOW.isoformat()}
    with EmulatorProcess(**account) as emu:
        if fill:
            emu.fill_rate_limit()
        run = run_tap(
            {"api_key": emu.api_key, "base_url": emu.base_url, "start_date": START.isoformat(),
             "max_concurrency": 1},
            timeout=1800,
        )
        stats = emu.stats()
        dataset = emu.dataset()
    share = stats["rate_limited"] / max(1, stats["requests"])
    error = [line for line in run.stderr_text.splitlines() if "error:" in line][-1:]
    filled = " (window filled by another integration)" if fill else ""
    print(f"max_concurrency 1, 200/min bare 429{filled}: "
          f"exit {run.returncode} after {run.wall_seconds:.0f} s, {stats['requests']} requests, "
          f"{stats['rate_limited']} answered 429 ({share:.1%}) {error}")
    show_missing(missing([run], dataset))


def deletions() -> None:
    account = {"seed": 16, "campaigns": 3, "leads_per_campaign": 450, "mailboxes": 3,
               "rate_limit": "none", "now": NOW.isoformat(), "delete_leads_mid_listing": 4}
    with EmulatorProcess(**account) as emu:
        run = run_tap(config(emu))
        dataset = emu.dataset()
    deleted = sum(len(c["deleted_mid_listing"]) for c in dataset["campaigns"])
    survivors = {(c["id"], r["campaign_lead_map_id"]) for c in dataset["campaigns"]
                 for r in c["leads"]}
    missed = survivors - run.keys("campaign_leads")
    print(f"{deleted} leads deleted mid-listing: exit {run.returncode}; {len(missed)} of "
          f"{len(survivors)} surviving leads never emitted")


def leads_query() -> None:
    account = {"seed": 16, "campaigns": 6, "leads_per_campaign": 60, "mailboxes": 3,
               "rate_limit": "none", "now": NOW.isoformat(), "active_campaigns": 4}
    with EmulatorProcess(**account) as emu:
        first = run_tap(config(emu))
        emu.advance(days=1)
        emu.reset_stats()
        second = run_tap(config(emu), state=first.last_state)
        stats = emu.stats()
        dataset = emu.dataset()
    leads = stats["by_path"].get("/campaigns/{id}/leads", 0)
    histories = stats["by_path"].get("/campaigns/{id}/leads/{lead_id}/message-history", 0)
    active = account["active_campaigns"]
    print(f"incremental run, {active} active of {account['campaigns']} campaigns: exit "
          f"{second.returncode}; {leads} leads-endpoint requests ({leads / active:.1f} per "
          f"active campaign), {histories} thread requests, {stats['requests']} in all")
    show_missing(missing([first, second], dataset))


def sigterm() -> None:
    from tests.faults import helpers

    account = {"seed": 16, "campaigns": 3, "leads_per_campaign": 40, "mailboxes": 3,
               "rate_limit": "header", "rate_limit_requests": 8, "rate_limit_window": 60,
               "now": NOW.isoformat()}
    helpers.TAP = tap_runner.TAP
    with EmulatorProcess(**account) as emu:
        trigger = helpers.Trigger(
            "campaign_analytics", 1, lambda p: helpers.kill_quietly(p, signal.SIGTERM), 2.0
        )
        stopped = helpers.run_tap_watched(config(emu), watch=trigger, timeout=600)
        ended = time.monotonic()
        emu.configure(rate_limit="none")
        resumed = run_tap(config(emu), state=stopped.last_state)
        dataset = emu.dataset()
    took = ended - trigger.fired_at if trigger.fired_at else float("nan")
    print(f"SIGTERM while waiting on the limit: exit {stopped.returncode} {took:.1f} s after "
          f"the signal; resumed run exit {resumed.returncode}")
    show_missing(missing([stopped, resumed], dataset))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tap", help="the tap-smartlead executable to measure")
    parser.add_argument("scenarios", nargs="*",
                        default=["transient", "ratelimit", "ratelimit-filled", "leads-query",
                                 "sigterm", "deletions"])
    args = parser.parse_args()
    if args.tap:
        tap_runner.TAP = args.tap
    for scenario in args.scenarios:
        if scenario == "transient":
            transient()
        elif scenario == "ratelimit":
            ratelimit(fill=False)
        elif scenario == "ratelimit-filled":
            ratelimit(fill=True)
        elif scenario == "leads-query":
            leads_query()
        elif scenario == "sigterm":
            sigterm()
        elif scenario == "deletions":
            deletions()
        else:
            parser.error(f"unknown scenario {scenario}")


if __name__ == "__main__":
    main()
