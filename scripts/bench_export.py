#!/usr/bin/env python3
"""How long the emulator takes to answer `GET /campaigns/{id}/leads-export` at 50,000 leads.

Starts a real emulator (5 campaigns x 10,000 leads, live shapes unless --shapes says otherwise)
and times whole HTTP exports of one campaign (wall time of the request, body read).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=5)
    parser.add_argument("--leads-per-campaign", type=int, default=10_000)
    parser.add_argument("--shapes", default="live")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    with EmulatorProcess(campaigns=args.campaigns, leads_per_campaign=args.leads_per_campaign,
                         shapes=args.shapes, rate_limit="none", startup_timeout=120) as emu:
        print(f"emulator ready in {time.perf_counter() - started:.2f} s "
              f"({args.campaigns} x {args.leads_per_campaign} leads, {args.shapes})")
        times, size, rows = [], 0, 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with urllib.request.urlopen(emu.url("/campaigns/1000/leads-export"), timeout=60) as r:
                body = r.read()
            times.append(time.perf_counter() - t0)
            size, rows = len(body), body.count(b"\r\n") - 1
        print(f"leads-export of campaign 1000: {rows} rows, {size / 1e6:.1f} MB, "
              f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              f"over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
