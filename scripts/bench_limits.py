#!/usr/bin/env python3
"""The rate-limit scenarios (`scripts/bench.py limits`): how close to the API's limit the tap
runs, and what it costs.

Every scenario starts a fresh emulator (a real HTTP server on 127.0.0.1), runs the real
`tap-smartlead` as a subprocess (benchkit.run_tap) and reads the emulator's request counters and
the tap process's resource usage: CPU seconds from `os.wait4`, peak RSS as the tap's own `VmHWM`
(sampled from `/proc/<pid>/status` by benchkit). `wait4`'s `ru_maxrss` is printed beside it but
is not the tap's alone: Linux carries the spawning process's (this script's) high-water mark over
`exec`, so it never reads below this script's own peak.

utilisation = successful requests per wall second / the limit's requests per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchkit import NO_LIMIT, EmulatorProcess, TapRun, run_tap


@dataclass
class Scenario:
    name: str
    account: dict[str, Any]
    emulator: dict[str, Any]
    tap: dict[str, Any] = field(default_factory=dict)
    limit_per_second: float | None = None


@dataclass
class Result:
    scenario: Scenario
    run: TapRun
    log_lines: list[str]

    @property
    def utilisation(self) -> float | None:
        if self.scenario.limit_per_second is None:
            return None
        return self.run.succeeded / self.run.wall / self.scenario.limit_per_second


def run_scenario(scenario: Scenario) -> Result:
    with EmulatorProcess(seed=1, startup_timeout=600, **scenario.account,
                         **scenario.emulator) as emu, \
            tempfile.TemporaryDirectory(prefix="tap-smartlead-bench-") as tmp:
        run = run_tap(emu, scenario.tap, Path(tmp))
    interesting = [line for line in run.stderr.splitlines()
                   if "limit" in line.lower() and ("detected" in line or "Server" in line)]
    return Result(scenario=scenario, run=run, log_lines=interesting[:3])


def scenarios(quick: bool, sweep: bool) -> list[Scenario]:
    scale = 0.25 if quick else 1.0

    def account(campaigns: int, leads: int, mailboxes: int) -> dict[str, Any]:
        return {
            "campaigns": campaigns,
            "leads_per_campaign": max(5, int(leads * scale)),
            "mailboxes": mailboxes,
        }

    seed_300ms = {"latency_ms": 300, "rate_limit": "seed"}
    header_300ms = {"latency_ms": 300, "rate_limit": "header"}
    limited = account(2, 100, 4)
    result = [
        Scenario("1a full, 300 ms, seed limit 10/2s, max_concurrency=1", limited, seed_300ms,
                 {"max_concurrency": 1}, 5.0),
        Scenario("1b full, 300 ms, seed limit 10/2s, default concurrency", limited, seed_300ms,
                 {}, 5.0),
    ]
    if sweep:
        result += [
            Scenario(f"1c full, 300 ms, seed limit, max_concurrency={n}", limited, seed_300ms,
                     {"max_concurrency": n}, 5.0)
            for n in (2, 4, 16)
        ]
    faults = {**seed_300ms, "fault_rate": 0.1, "fault_kinds": "all", "slow_seconds": 5}
    result += [
        Scenario("5  full, 300 ms, seed limit, 10% faults (all kinds; timeout 2 s)", limited,
                 faults, {"request_timeout_seconds": 2}, 5.0),
        Scenario("2  full, 300 ms, header policy 60/min (tap configured 10/2s)",
                 account(1, 100, 2), header_300ms, {}, 1.0),
        # Threads one lead at a time (a server without the bulk endpoint): enough requests to
        # meet the server's limit.
        Scenario("6  full, 300 ms, live 200/min bare 429 (tap configured 10/2s), threads per lead",
                 account(2, 350, 4),
                 {"latency_ms": 300, "rate_limit": "live", "bulk_history": "absent"}, {}, 200 / 60),
        Scenario("3  full, no latency, no limit (CPU cost)", account(5, 200, 8),
                 {"rate_limit": "none"}, NO_LIMIT),
        Scenario("4a peak RSS, 5,000 leads, no limit", account(5, 1000, 8),
                 {"rate_limit": "none"}, NO_LIMIT),
        Scenario("4b peak RSS, 50,000 leads, no limit", account(5, 10000, 8),
                 {"rate_limit": "none"}, NO_LIMIT),
    ]
    return result


def table(results: list[Result]) -> str:
    header = (
        "| scenario | requests | wall s | utilisation | 429s | tap CPU / wall "
        "| peak RSS MB (tap's VmHWM) | wait4 ru_maxrss MB | records/s | records / CPU s "
        "| exit |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for result in results:
        r, records = result.run, sum(result.run.records.values())
        util = f"{result.utilisation:.2f}" if result.utilisation is not None else "n/a"
        rows.append(
            f"| {result.scenario.name} | {r.requests} | {r.wall:.1f} | {util} "
            f"| {r.rate_limited} | {r.cpu / r.wall:.3f} | {r.peak_rss_mb:.0f} | {r.maxrss_mb:.0f} "
            f"| {records / r.wall:.0f} | {records / r.cpu:.0f} | {r.returncode} |"
        )
    return header + "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quarter-size accounts")
    parser.add_argument("--sweep", action="store_true", help="also max_concurrency 2, 4, 16")
    parser.add_argument("--only", help="run scenarios whose name contains this text")
    args = parser.parse_args()
    results = []
    for scenario in scenarios(args.quick, args.sweep):
        if args.only and args.only not in scenario.name:
            continue
        print(f"running: {scenario.name} ...", file=sys.stderr, flush=True)
        result = run_scenario(scenario)
        results.append(result)
        for line in result.log_lines:
            print(f"    tap said: {line[:200]}", file=sys.stderr)
    print(f"\nMeasured against the emulator on {os.cpu_count()} cores "
          f"({sys.platform}, Python {sys.version.split()[0]}):\n")
    print(table(results))
    by_name = {r.scenario.name[:2]: r.run for r in results}
    if "1a" in by_name and "1b" in by_name:
        print(f"\nwall-time ratio max_concurrency=1 / default: "
              f"{by_name['1a'].wall / by_name['1b'].wall:.2f}")
    if "1b" in by_name and "5 " in by_name:
        print(f"wall-time ratio 10% faults / fault-free: "
              f"{by_name['5 '].wall / by_name['1b'].wall:.2f}")
    if "4a" in by_name and "4b" in by_name:
        print(f"peak RSS (tap's VmHWM) 50,000 leads / 5,000 leads: "
              f"{by_name['4b'].peak_rss_mb / by_name['4a'].peak_rss_mb:.2f}")
    return 0 if all(r.run.returncode == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
