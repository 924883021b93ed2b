#!/usr/bin/env python3
"""`make bench` (agency): what a day costs on an account of many mostly idle campaigns.

The emulator's agency account: 300 campaigns of 67 leads (20,100 leads), 200 mailboxes, of which
only the first 30 campaigns get activity when the clock advances (the rest are finished and
idle). Steps, each with the real tap as a subprocess against a real emulator:

1. a full sync without client-side limit (requests, wall time, state bytes, peak RSS);
2. the emulator advances one day; from its ground truth before and after, what the day's activity
   needs: 4 account-level lists, 4 per campaign (analytics, sequences, mailboxes, webhooks),
   3 per active campaign (statistics, leads, analytics window), 1 per mailbox (warmup) and 1 per
   lead with new messages;
3. an incremental sync from the full sync's state: requests against that need, and whether every
   new message, late reply (statistics row updated), new lead and changed lead arrived;
4. with ``--timed``, the same incremental sync again from the same state at the seed's limit
   (10 per 2 s) and at the live API's 200 per minute with bare 429s, both on the tap's defaults:
   wall time, utilisation, 429s.

Wall time of a full sync at a limit is its request count divided by the limit's rate (a
lower bound; ~24,000 requests take 80 minutes at the seed's 5 per second): printed as such, not
measured.
"""

from __future__ import annotations

import argparse
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
from tests.integration.activity_needs import day_needs  # noqa: E402

TAP = str(Path(sys.executable).parent / "tap-smartlead")
NO_LIMIT = {"rate_limit_requests": 100000, "rate_limit_window_seconds": 1}
SEED_PER_SECOND = 10 / 2
LIVE_PER_SECOND = 200 / 60


@dataclass
class Run:
    requests: int
    rate_limited: int
    succeeded: int
    wall: float
    peak_rss_mb: float
    state_bytes: int
    state: dict[str, Any]
    records: dict[str, list[dict[str, Any]]]
    returncode: int
    stderr_tail: str


def run_tap(emu: EmulatorProcess, config: dict[str, Any], state: dict | None, tmp: Path,
            *, keep_records: bool = True) -> Run:
    (tmp / "config.json").write_text(json.dumps({
        "api_key": emu.api_key, "base_url": emu.base_url, **config}))
    cmd = [TAP, "--config", str(tmp / "config.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        cmd += ["--state", str(tmp / "state.json")]
    emu.reset_stats()
    with open(tmp / "out", "wb") as out, open(tmp / "err", "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
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
        peak_rss_mb=usage.ru_maxrss / 1024,
        state_bytes=len(json.dumps(last_state, separators=(",", ":"))),
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
    control("POST", "/advance?days=1")
    needs = day_needs(before, control("GET", "/dataset"))
    print(json.dumps({k: sorted(v) if isinstance(v, set) else v for k, v in needs.items()}))


def utilisation(run: Run, per_second: float) -> float:
    return run.succeeded / run.wall / per_second


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--active", type=int, default=30)
    parser.add_argument("--leads-per-campaign", type=int, default=67)
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--timed", action="store_true",
                        help="also time the incremental run at the seed limit and at 200/min")
    parser.add_argument("--tap-config", default="{}",
                        help="extra tap settings (JSON), e.g. '{\"skip_idle_campaigns\": false}'")
    parser.add_argument("--advance-and-measure", metavar="ROOT_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.advance_and_measure:
        advance_and_measure(args.advance_and_measure)
        return 0
    extra = json.loads(args.tap_config)
    account = {"campaigns": args.campaigns, "leads_per_campaign": args.leads_per_campaign,
               "mailboxes": args.mailboxes, "active_campaigns": args.active}
    rows: list[str] = []
    with EmulatorProcess(seed=1, rate_limit="none", startup_timeout=600, **account) as emu, \
            tempfile.TemporaryDirectory(prefix="tap-smartlead-agency-") as tmp:
        work = Path(tmp)
        print(f"agency account: {account}", file=sys.stderr, flush=True)
        print("full sync (no limit) ...", file=sys.stderr, flush=True)
        full = run_tap(emu, {**NO_LIMIT, **extra}, None, work, keep_records=False)
        if full.returncode:
            print(full.stderr_tail, file=sys.stderr)
            return 1
        needs = advance_one_day(emu)
        print("incremental sync (no limit) ...", file=sys.stderr, flush=True)
        incremental = run_tap(emu, {**NO_LIMIT, **extra}, full.state, work)
        missing = missing_from(incremental, needs)
        timed: list[tuple[str, Run, float]] = []
        if args.timed:
            for policy, per_second in (("seed", SEED_PER_SECOND), ("live", LIVE_PER_SECOND)):
                emu.configure(rate_limit=policy)
                print(f"incremental sync, {policy} limit, tap defaults ...", file=sys.stderr,
                      flush=True)
                timed.append((policy, run_tap(emu, extra, full.state, work), per_second))

    rows.append("| run | requests | 429s | wall s | utilisation | state bytes | peak RSS MB "
                "| exit |")
    rows.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, run in (("full, no limit", full), ("1-day incremental, no limit", incremental)):
        rows.append(f"| {name} | {run.requests} | {run.rate_limited} | {run.wall:.1f} | n/a "
                    f"| {run.state_bytes} | {run.peak_rss_mb:.0f} | {run.returncode} |")
    for policy, run, per_second in timed:
        label = "seed 10/2s" if policy == "seed" else "live 200/min, bare 429"
        rows.append(f"| 1-day incremental, {label} | {run.requests} | {run.rate_limited} "
                    f"| {run.wall:.1f} | {utilisation(run, per_second):.2f} | {run.state_bytes} "
                    f"| {run.peak_rss_mb:.0f} | {run.returncode} |")
    print(f"\nAgency account {account} (emulator seed 1), one day between the runs.\n")
    print("\n".join(rows))
    print(f"\nthe day's activity: {len(needs['active'])} active campaigns, "
          f"{needs['leads_with_new_messages']} leads with new messages, "
          f"{len(needs['new_messages'])} new messages, {len(needs['new_leads'])} new leads, "
          f"{len(needs['changed_stats'])} new or updated statistics rows")
    print(f"requests the day needs: {needs['needed']}; incremental made {incremental.requests} "
          f"= {incremental.requests / needs['needed']:.2f}x")
    print(f"full sync at a limit (requests / rate, a lower bound): seed 10/2s "
          f"{full.requests / SEED_PER_SECOND / 60:.0f} min, 200/min "
          f"{full.requests / LIVE_PER_SECOND / 60:.0f} min")
    print(f"incremental at a limit (requests / rate, a lower bound): seed 10/2s "
          f"{incremental.requests / SEED_PER_SECOND:.0f} s, 200/min "
          f"{incremental.requests / LIVE_PER_SECOND:.0f} s")
    print(f"not emitted by the incremental run: {missing}")
    for policy, run, _ in timed:
        timed_missing = missing_from(run, needs)
        print(f"not emitted at the {policy} limit: {timed_missing}")
        missing = {k: v + timed_missing[k] for k, v in missing.items()}
    ok = all(r.returncode == 0 for r in (full, incremental, *(t[1] for t in timed)))
    return 0 if ok and not any(missing.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
