#!/usr/bin/env python3
"""Request economy of incremental syncs: requests per stream for a full and an incremental run.

Starts an emulator (default account unless told otherwise), runs a full sync, advances the
emulator's clock one day (new leads, messages, replies, opens, a warmup day), runs an
incremental sync from the full run's state, and prints requests per stream for both, plus the
state's size. The counts come from the tap's own request metrics (one per HTTP request, retries
included) and are checked against the emulator's counter.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402

TAP = str(Path(sys.executable).parent / "tap-smartlead")
NO_LIMIT = {"rate_limit_requests": 100000, "rate_limit_window_seconds": 1}


def sync(config: dict[str, Any], state: dict | None, tmp: Path) -> tuple[Counter, dict, int]:
    """Run the tap; return requests per stream, the last state and its size in bytes."""
    (tmp / "config.json").write_text(json.dumps(config))
    cmd = [TAP, "--config", str(tmp / "config.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state))
        cmd += ["--state", str(tmp / "state.json")]
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode:
        sys.exit(f"the tap failed:\n{done.stderr.decode()[-3000:]}")
    requests: Counter = Counter()
    for line in done.stderr.decode().splitlines():
        if '"metric":"http_request_duration"' in line:
            metric = json.loads(line.split("METRIC: ", 1)[1])
            requests[metric["tags"]["stream"]] += 1
    last_state_line = [
        line for line in done.stdout.decode().splitlines() if line.startswith('{"type":"STATE"')
    ][-1]
    state_value = json.loads(last_state_line)["value"]
    return requests, state_value, len(json.dumps(state_value, separators=(",", ":")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=5)
    parser.add_argument("--leads-per-campaign", type=int, default=200)
    parser.add_argument("--mailboxes", type=int, default=8)
    parser.add_argument("--shapes", default="live", help="the emulator's answers: live or seed")
    parser.add_argument("--start-date", help="the tap's start_date (default: the tap's own)")
    args = parser.parse_args()
    account = {
        "campaigns": args.campaigns,
        "leads_per_campaign": args.leads_per_campaign,
        "mailboxes": args.mailboxes,
    }
    with EmulatorProcess(seed=1, rate_limit="none", shapes=args.shapes, **account) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        config = {"api_key": emu.api_key, "base_url": emu.base_url, **NO_LIMIT}
        if args.start_date:
            config["start_date"] = args.start_date
        emu.reset_stats()
        full, state, full_state_bytes = sync(config, None, Path(tmp))
        full_served = emu.stats()["requests"]
        emu.advance(days=1)
        emu.reset_stats()
        incremental, _, incremental_state_bytes = sync(config, state, Path(tmp))
        incremental_served = emu.stats()["requests"]

    print(f"Account: {account} (emulator seed 1, {args.shapes} shapes), one day of activity "
          "between the runs.\n")
    print("| stream | full run | incremental run |\n|---|---:|---:|")
    for stream in sorted(set(full) | set(incremental)):
        print(f"| {stream} | {full[stream]} | {incremental[stream]} |")
    total_full, total_incremental = sum(full.values()), sum(incremental.values())
    print(f"| **total** | **{total_full}** | **{total_incremental}** |")
    print(f"\nincremental / full = {total_incremental / total_full:.1%}")
    print(f"requests the emulator served: full {full_served}, incremental {incremental_served}")
    print(f"state size: {full_state_bytes} bytes after the full run, "
          f"{incremental_state_bytes} bytes after the incremental run")
    return 0 if (total_full, total_incremental) == (full_served, incremental_served) else 1


if __name__ == "__main__":
    raise SystemExit(main())
