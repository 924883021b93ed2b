#!/usr/bin/env python3
"""What the BigQuery tests add to the suite, in seconds.

    .venv/bin/python scripts/bench_bigquery.py [--uncached | --cold] [--pytest]

Times each step of tests/warehouse/test_target_bigquery.py's fixtures the way the test runs
them: the two venvs (cached: reused from the venv cache; ``--uncached``: built into an empty
venv cache, uv's download cache still warm; ``--cold``: with an empty uv cache too, every
wheel downloaded from PyPI, as on a fresh CI machine), the emulator and token stub starting,
each sync's tap run, its load through z3-target-bigquery and its read-back, each ``dbt build``.
``--pytest`` also runs the test module itself and reports its wall time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402
from tests.integration.tap_runner import run_tap, tap_config  # noqa: E402
from tests.warehouse.bigquery.stack import (  # noqa: E402
    TAP_STREAM_MAPS,
    BigQueryStack,
    BigQueryVenvs,
)
from tests.warehouse.bigquery.sync import ACCOUNT, DATASET, dbt_build  # noqa: E402

STEPS: list[tuple[str, float]] = []


def timed(name: str, step: Callable[[], Any]) -> Any:
    started = time.monotonic()
    result = step()
    STEPS.append((name, time.monotonic() - started))
    print(f"  {name:<40} {STEPS[-1][1]:7.1f} s", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uncached", action="store_true",
                        help="build both venvs from PyPI into an empty cache")
    parser.add_argument("--cold", action="store_true",
                        help="--uncached, and an empty uv cache (download every wheel)")
    parser.add_argument("--pytest", action="store_true", help="also time the test module")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bigquery-") as tmp:
        if args.uncached or args.cold:
            os.environ["SMARTLEAD_TEST_VENV_CACHE"] = str(Path(tmp) / "venvs")
        if args.cold:
            os.environ["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
        mode = "cold" if args.cold else "uncached" if args.uncached else "cached"
        print(f"BigQuery test steps ({mode} venvs)")
        venvs = timed("venvs (emulator + target)", BigQueryVenvs.ensure)
        stack = BigQueryStack(venvs, Path(tmp) / "work")
        timed("emulator + token stub start", stack.__enter__)
        try:
            with EmulatorProcess(rate_limit="none", **ACCOUNT) as emu:
                state = None
                for name in ("full", "incremental"):
                    tap = timed(f"{name}: tap run", lambda state=state: run_tap(
                        tap_config(emu, stream_maps=TAP_STREAM_MAPS), state=state))
                    timed(f"{name}: load (8 target processes)",
                          lambda tap=tap: stack.load(tap.stdout, DATASET))
                    timed(f"{name}: read every table back", lambda: stack.tables(DATASET))
                    timed(f"{name}: dbt build",
                          lambda name=name: dbt_build(stack, DATASET, f"bench_{name}"))
                    state = tap.last_state
                    emu.advance(days=1)
        finally:
            stack.close()
        print(f"  {'total':<40} {sum(s for _, s in STEPS):7.1f} s")
        if args.pytest:
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "tests/warehouse/test_target_bigquery.py"],
                cwd=ROOT, capture_output=True, text=True,
            )
            print(f"pytest tests/warehouse/test_target_bigquery.py: "
                  f"{time.monotonic() - started:.1f} s, {result.stdout.strip().splitlines()[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
