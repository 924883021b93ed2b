#!/usr/bin/env python3
"""The benchmarks' one entry point.

    scripts/bench.py                 `make bench`: limits, then agency --timed --timed-full
    scripts/bench.py NAME [ARGS...]  one benchmark; ARGS are its own (NAME --help lists them)
    scripts/bench.py --list          the benchmarks

Each benchmark is a module of scripts/ with a `main()` that reads its arguments from the command
line (benchkit.py holds what they share: the tap run against an emulator and measured). Figures:
docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

# name -> (module, what it measures)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "limits": ("bench_limits", "rate limits and concurrency: utilisation, 429s, CPU, peak RSS"),
    "agency": ("bench_agency", "a day on an agency account of many idle campaigns"),
    "incremental": ("bench_incremental", "requests per stream, full and incremental run"),
    "analytics": ("bench_analytics", "the analytics streams' requests against their formula"),
    "odd-answers": ("bench_odd_answers", "what the API's odd answers cost a sync"),
    "schedule": ("bench_schedule", "daily runs on the defaults against the truth"),
    "export": ("bench_export", "the emulator's leads-export at 50,000 leads"),
    "bigquery": ("bench_bigquery", "what the BigQuery tests add to the suite"),
}
MAKE_BENCH: tuple[tuple[str, ...], ...] = (("limits",), ("agency", "--timed", "--timed-full"))


def run(name: str, args: list[str]) -> int:
    module = importlib.import_module(BENCHMARKS[name][0])
    sys.argv = [f"bench.py {name}", *args]  # the module's argparse reads them
    status = module.main()
    return status if isinstance(status, int) else 0


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if argv[:1] == ["--list"]:
        for name, (module, what) in BENCHMARKS.items():
            print(f"{name:<12} {what} (scripts/{module}.py)")
        return 0
    if not argv:
        failed = [step for step in MAKE_BENCH if run(step[0], list(step[1:]))]
        return 1 if failed else 0
    if argv[0] not in BENCHMARKS:
        print(f"bench.py: unknown benchmark {argv[0]!r}; one of: {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    return run(argv[0], argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
