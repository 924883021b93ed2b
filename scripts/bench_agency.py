#!/usr/bin/env python3
"""`make bench` (agency): what a day costs on an account of many mostly idle campaigns.

The emulator's agency account: 300 campaigns of 67 leads (20,100 leads), 200 mailboxes, of which
only the first 30 campaigns get activity when the clock advances (the rest are finished and
idle). Steps, each with the real tap as a subprocess against a real emulator:

1. a full sync without client-side limit (requests, requests per lead, wall time, state bytes,
   peak RSS), against what the data needs (tests/integration/activity_needs.full_sync_needs);
   then the same full sync on a server without the bulk thread endpoint (one thread request per
   lead, the emulator's ``bulk_history: absent``);
2. the emulator advances one day; from its ground truth before and after, what the day's activity
   needs (tests/integration/activity_needs.day_needs);
3. an incremental sync from the full sync's state: requests against that need, and whether every
   new message, late reply (statistics row updated), new lead and changed lead arrived;
4. with ``--timed``, the same incremental sync again from the same state at the seed's limit
   (10 per 2 s) and at the live API's 200 per minute with bare 429s, both on the tap's defaults:
   wall time, utilisation, 429s;
5. with ``--timed-full``, a full sync at the live API's 200 per minute with bare 429s on the
   tap's defaults (about 20 minutes with the bulk endpoint). Without it, the wall time of a full
   sync at a limit is printed as its request count divided by the limit's rate (a lower bound),
   not measured: so is the full sync without the bulk endpoint (two hours at 200 per minute).

Peak RSS is the tap process's own: its ``VmHWM`` (the high-water mark of its own memory since
``exec``), read from ``/proc/<pid>/status`` every 0.1 s until it exits. ``wait4``'s
``ru_maxrss``, printed beside it, is not the tap's alone: Linux carries the high-water mark of
the process that spawned it (this benchmark, which keeps every earlier run's records) into the
child across ``exec``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402

# The tap's peak RSS is sampled the same way as every other benchmark's (scripts/benchkit.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import wait_measured  # noqa: E402

from tests.integration.activity_needs import day_needs, full_sync_needs  # noqa: E402

TAP = str(Path(sys.executable).parent / "tap-smartlead")
WINDOWS_PATH = "/campaigns/{id}/analytics-by-date"
NO_LIMIT = {"rate_limit_requests": 100000, "rate_limit_window_seconds": 1}
SEED_PER_SECOND = 10 / 2
LIVE_PER_SECOND = 200 / 60
# The rate-limit guide's plans: (name, requests per minute, requests per hour), per key.
PLANS = (("Standard", 60, 1000), ("Pro", 120, 3000))


def minutes_at(requests: int, per_minute: int, per_hour: int) -> float:
    """Minutes a run of ``requests`` takes at a plan's limits, from an empty budget: full
    hours of ``per_hour`` requests, then the rest at ``per_minute``."""
    full_hours = max(0, (requests - 1) // per_hour)
    return full_hours * 60 + (requests - full_hours * per_hour) / per_minute


def plan_line(label: str, requests: int) -> str:
    return f"{label}: {requests} requests; " + "; ".join(
        f"{name} ({per_minute}/min, {per_hour:,}/hour): "
        f"{minutes_at(requests, per_minute, per_hour):.1f} min, "
        f"{requests / per_hour:.2f} of the hourly quota"
        for name, per_minute, per_hour in PLANS
    )


@dataclass
class Run:
    requests: int
    rate_limited: int
    succeeded: int
    wall: float
    peak_rss_mb: float  # the tap's own (VmHWM)
    maxrss_mb: float  # wait4's ru_maxrss: includes the spawning process's high-water mark
    state_bytes: int
    by_path: dict[str, int]
    state: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]
    returncode: int
    stderr_tail: str


def run_tap(emu: EmulatorProcess, config: dict[str, Any], state: dict | None, tmp: Path,
            *, keep_records: bool = True, tap: str = TAP) -> Run:
    (tmp / "config.json").write_text(json.dumps({
        "api_key": emu.api_key, "base_url": emu.base_url, **config}))
    cmd = [tap, "--config", str(tmp / "config.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        cmd += ["--state", str(tmp / "state.json")]
    emu.reset_stats()
    with open(tmp / "out", "wb") as out, open(tmp / "err", "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen(cmd, stdout=out, stderr=err)
        status, usage, peak_kb = wait_measured(process)
        wall = time.monotonic() - started
    stats = emu.stats()
    records: dict[str, list[dict[str, Any]]] = {}
    last_state: dict[str, Any] = {}
    with open(tmp / "out", "rb") as out:
        for line in out:
            if keep_records and line.startswith(b'{"type":"RECORD"'):
                message = json.loads(line)
                records.setdefault(message["stream"], []).append(message["record"])
            elif line.startswith(b'{"type":"STATE"'):
                last_state = json.loads(line)["value"]
    succeeded = sum(n for code, n in stats["by_status"].items() if code.startswith("2"))
    return Run(
        requests=stats["requests"],
        rate_limited=stats["rate_limited"],
        succeeded=succeeded,
        wall=wall,
        peak_rss_mb=peak_kb / 1024,
        maxrss_mb=usage.ru_maxrss / 1024,
        state_bytes=len(json.dumps(last_state, separators=(",", ":"))),
        by_path=stats["by_path"],
        state=last_state,
        records=records,
        returncode=os.waitstatus_to_exitcode(status),
        stderr_tail=(tmp / "err").read_text(errors="replace")[-2000:],
    )


def missing_from(run: Run, needs: dict[str, Any]) -> dict[str, int]:
    """How many of the day's new or changed things the incremental run did not emit."""
    def keys(stream: str, *columns: str) -> set[tuple]:
        return {tuple(r[c] for c in columns) for r in run.records.get(stream, [])}

    history = keys("lead_message_history", "campaign_id", "lead_id", "message_id")
    leads = keys("campaign_leads", "campaign_id", "campaign_lead_map_id")
    stats = keys("campaign_statistics", "campaign_id", "stats_id")
    return {
        "new messages": len(needs["new_messages"] - history),
        "new leads": len(needs["new_leads"] - leads),
        "changed leads": len(needs["changed_leads"] - leads),
        "new or updated statistics rows": len(needs["changed_stats"] - stats),
    }


def advance_one_day(emu: EmulatorProcess) -> dict[str, Any]:
    """Advance the emulator a day and return what that day needs (``day_needs``).

    The two ground-truth dumps of 20,000 leads with their threads take ~300 MB of Python
    objects. They are read in a child process: a tap forked from a parent that big would report
    the parent's RSS as its own peak (ru_maxrss keeps the high-water mark from before exec).
    """
    done = subprocess.run(
        [sys.executable, __file__, "--advance-and-measure", emu.root_url],
        capture_output=True, check=True,
    )
    raw = json.loads(done.stdout)
    return {key: set(map(tuple, value)) if isinstance(value, list) and key != "active"
            else value for key, value in raw.items()}


def advance_and_measure(root_url: str) -> None:
    """The child of ``advance_one_day``: dumps, advance, dumps, needs as JSON on stdout."""
    def control(method: str, path: str) -> Any:
        request = urllib.request.Request(f"{root_url}/_emulator{path}", method=method,
                                         data=b"{}" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read())

    before = control("GET", "/dataset")
    leads = sum(len(c["leads"]) for c in before["campaigns"])
    full = full_sync_needs(before, windows=0)
    control("POST", "/advance?days=1")
    after = control("GET", "/dataset")
    needs = day_needs(before, after)
    needs.update(full_needed_without_windows=full, leads=leads,
                 warmup_days=warmup_days(after) - warmup_days(before))
    print(json.dumps({k: sorted(v) if isinstance(v, set) else v for k, v in needs.items()}))


def warmup_days(dump: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (mailbox id, date) of the emulator's warmup history."""
    return {(aid, day["date"]) for aid, days in dump["warmup"].items() for day in days}


def warmup_line(runs: list[tuple[int, Run, dict[str, Any]]]) -> str:
    """The warmup days the emulator added on the bench's days: emitted by warmup_stats on or
    after their day, or still pending in the report's 7-day window (read within
    warmup_within_days), or lost (out of the window, never emitted)."""
    emitted: set[tuple[str, str]] = set()
    new: set[tuple[str, str]] = set()
    for _, run, needs in runs:
        new |= needs["warmup_days"]
        emitted |= {(str(r["email_account_id"]), r["date"])
                    for r in run.records.get("warmup_stats", [])}
    last = max(date for _, date in new) if new else ""
    window = (dt.date.fromisoformat(last) - dt.timedelta(days=6)).isoformat() if last else ""
    pending = {key for key in new - emitted if key[1] >= window}
    return (f"warmup days added on the bench's days: {len(new)}; emitted {len(new & emitted)}, "
            f"pending in the 7-day window {len(pending)}, lost {len(new - emitted - pending)}")


def utilisation(run: Run, per_second: float) -> float:
    return run.succeeded / run.wall / per_second


def row(name: str, run: Run, leads: int, per_second: float | None) -> str:
    util = f"{utilisation(run, per_second):.2f}" if per_second else "n/a"
    return (f"| {name} | {run.requests} | {run.requests / leads:.3f} | {run.rate_limited} "
            f"| {run.wall:.1f} | {util} | {run.state_bytes} | {run.peak_rss_mb:.0f} "
            f"| {run.maxrss_mb:.0f} | {run.returncode} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--active", type=int, default=30)
    parser.add_argument("--leads-per-campaign", type=int, default=67)
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--timed", action="store_true",
                        help="also time the incremental run at the seed limit and at 200/min")
    parser.add_argument("--timed-full", action="store_true",
                        help="also time a full sync at 200/min with bare 429s (~20 min)")
    parser.add_argument("--tap", default=TAP, help="the tap executable (default: this venv's)")
    parser.add_argument("--tap-config", default="{}",
                        help="extra tap settings (JSON), e.g. '{\"skip_idle_campaigns\": false}'")
    parser.add_argument("--days", type=int, default=1,
                        help="daily incremental runs after the full sync (default 1)")
    parser.add_argument("--skip-per-lead", action="store_true",
                        help="leave out the full sync without the bulk thread endpoint")
    parser.add_argument("--warmup-within-days", type=int, metavar="N",
                        help="the incremental runs' warmup_within_days (default: the tap's, 1)")
    parser.add_argument("--advance-and-measure", metavar="ROOT_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.advance_and_measure:
        advance_and_measure(args.advance_and_measure)
        return 0
    extra = json.loads(args.tap_config)
    account = {"campaigns": args.campaigns, "leads_per_campaign": args.leads_per_campaign,
               "mailboxes": args.mailboxes, "active_campaigns": args.active}
    with EmulatorProcess(seed=1, rate_limit="none", startup_timeout=600, **account) as emu, \
            tempfile.TemporaryDirectory(prefix="tap-smartlead-agency-") as tmp:
        work = Path(tmp)

        def sync(label: str, config: dict[str, Any], state: dict | None, **options: Any) -> Run:
            print(f"{label} ...", file=sys.stderr, flush=True)
            run = run_tap(emu, config, state, work, tap=args.tap, **options)
            if run.returncode:
                print(run.stderr_tail, file=sys.stderr)
            return run

        print(f"agency account: {account}", file=sys.stderr, flush=True)
        full = sync("full sync (no limit)", {**NO_LIMIT, **extra}, None, keep_records=False)
        if full.returncode:
            return 1
        per_lead = full
        if not args.skip_per_lead:
            emu.configure(bulk_history="absent")
            per_lead = sync("full sync (no limit), no bulk thread endpoint",
                            {**NO_LIMIT, **extra}, None, keep_records=False)
            emu.configure(bulk_history="live")
        needs = advance_one_day(emu)
        leads = needs["leads"]
        full_need = needs["full_needed_without_windows"] + full.by_path.get(WINDOWS_PATH, 0)
        daily = {**NO_LIMIT, **extra}
        if args.warmup_within_days is not None:
            daily["warmup_within_days"] = args.warmup_within_days
        incremental = sync("incremental sync (no limit)", daily, full.state)
        missing = missing_from(incremental, needs)
        later: list[tuple[int, Run, dict[str, Any]]] = []
        state = incremental.state
        for day in range(2, args.days + 1):  # the days after: what a day costs in the long run
            day_needs_ = advance_one_day(emu)
            run = sync(f"incremental sync, day {day} (no limit)", daily, state)
            later.append((day, run, day_needs_))
            state = run.state
        timed: list[tuple[str, Run, float]] = []
        if args.timed:
            for policy, per_second in (("seed", SEED_PER_SECOND), ("live", LIVE_PER_SECOND)):
                emu.configure(rate_limit=policy)  # a new limiter: its window starts empty
                timed.append((policy, sync(f"incremental sync, {policy} limit, tap defaults",
                                           extra, full.state), per_second))
        timed_full: Run | None = None
        if args.timed_full:
            emu.configure(rate_limit="live")
            timed_full = sync("full sync, live limit, tap defaults", extra, None,
                              keep_records=False)

    rows = ["| run | requests | per lead | 429s | wall s | utilisation | state bytes "
            "| peak RSS MB (tap's VmHWM) | wait4 ru_maxrss MB | exit |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            row("full, no limit", full, leads, None),
            row("full, no limit, no bulk thread endpoint", per_lead, leads, None),
            row("1-day incremental, no limit", incremental, leads, None)]
    for policy, run, per_second in timed:
        label = "seed 10/2s" if policy == "seed" else "live 200/min, bare 429"
        rows.append(row(f"1-day incremental, {label}", run, leads, per_second))
    if timed_full is not None:
        rows.append(row("full, live 200/min, bare 429", timed_full, leads, LIVE_PER_SECOND))
    print(f"\nAgency account {account} (emulator seed 1, {leads} leads), one day between the "
          f"runs; tap: {args.tap}\n")
    print("\n".join(rows))
    print(f"\nfull sync: {full.requests} requests = {full.requests / leads:.3f} per lead; the "
          f"data needs {full_need} = {full.requests / full_need:.2f}x; without the bulk thread "
          f"endpoint {per_lead.requests} = {per_lead.requests / leads:.3f} per lead")
    for name, run in (("with the bulk endpoint", full), ("without it", per_lead)):
        print(f"full sync at 200/min {name}: computed (requests / rate, a lower bound) "
              f"{run.requests / LIVE_PER_SECOND / 60:.1f} min")
    if timed_full is not None:
        print(f"full sync at 200/min with the bulk endpoint, measured: {timed_full.wall / 60:.1f} "
              f"min, {timed_full.requests} requests, {timed_full.rate_limited} answered 429, "
              f"utilisation {utilisation(timed_full, LIVE_PER_SECOND):.2f}")
    print(f"\nthe day's activity: {len(needs['active'])} active campaigns, "
          f"{needs['leads_with_new_messages']} leads with new messages "
          f"({needs['thread_batches']} bulk thread requests), "
          f"{len(needs['new_messages'])} new messages, {len(needs['new_leads'])} new leads, "
          f"{len(needs['changed_stats'])} new or updated statistics rows")
    print(f"requests the day needs: {needs['needed']}; incremental made {incremental.requests} "
          f"= {incremental.requests / needs['needed']:.2f}x")
    print(f"incremental at a limit (requests / rate, a lower bound): seed 10/2s "
          f"{incremental.requests / SEED_PER_SECOND:.0f} s, 200/min "
          f"{incremental.requests / LIVE_PER_SECOND:.0f} s")
    print(f"not emitted by the incremental run: {missing}")
    print("\nrequests of the incremental run per route:")
    for path, count in sorted(incremental.by_path.items(), key=lambda item: -item[1]):
        print(f"  {count:5d}  {path}")
    print("\nat the plans' limits (a lower bound: requests / rate, hours waited for the quota):")
    print(plan_line("one-day incremental", incremental.requests))
    for day, run, day_needs_ in later:
        day_missing = missing_from(run, day_needs_)
        print(plan_line(f"day {day} incremental", run.requests)
              + f"; {len(day_needs_['active'])} active; not emitted: {day_missing}")
        print(f"  requests of day {day} per route:")
        for path, count in sorted(run.by_path.items(), key=lambda item: -item[1]):
            print(f"    {count:5d}  {path}")
        if any(day_missing.values()) or run.returncode:
            missing = {k: v + day_missing[k] for k, v in missing.items()}
    print(warmup_line([(1, incremental, needs), *later]))
    print(plan_line("full sync", full.requests))
    for policy, run, _ in timed:
        timed_missing = missing_from(run, needs)
        print(f"not emitted at the {policy} limit: {timed_missing}")
        missing = {k: v + timed_missing[k] for k, v in missing.items()}
    runs = (full, per_lead, incremental, *(t[1] for t in timed),
            *([timed_full] if timed_full else []))
    ok = all(r.returncode == 0 for r in runs)
    return 0 if ok and not any(missing.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
