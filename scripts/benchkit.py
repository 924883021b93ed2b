"""What every benchmark needs: the checkout on the path, the tap run as a subprocess against an
emulator and measured.

`run_tap` writes the config (and state) to a directory, runs `tap-smartlead` with stdout to a
file, and returns what the emulator counted (requests, by status and path, 429s) next to what the
process cost: wall time, CPU seconds and peak RSS. Peak RSS twice: the tap's own ``VmHWM`` (its
memory's high-water mark since ``exec``, read from ``/proc/<pid>/status`` every 0.1 s until it
exits) and ``wait4``'s ``ru_maxrss``, which Linux carries over from the process that spawned it
(this one) across ``exec``; with a small parent the two agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smartlead_emulator.testing import EmulatorProcess  # noqa: E402

TAP = str(Path(sys.executable).parent / "tap-smartlead")
NO_LIMIT = {"rate_limit_requests": 100000, "rate_limit_window_seconds": 1}
SAMPLE_SECONDS = 0.1


@dataclass
class TapRun:
    returncode: int
    wall: float
    cpu: float
    peak_rss_mb: float  # the tap's own (VmHWM)
    maxrss_mb: float  # wait4's ru_maxrss
    requests: int  # what the emulator served
    succeeded: int
    rate_limited: int
    by_path: dict[str, int]
    records: Counter = field(default_factory=Counter)  # per stream
    requests_by_stream: Counter = field(default_factory=Counter)  # the tap's request metrics
    state: dict[str, Any] = field(default_factory=dict)  # the last STATE's value
    stderr: str = ""

    @property
    def state_bytes(self) -> int:
        return len(json.dumps(self.state, separators=(",", ":")))


def own_peak_rss_kb(pid: int) -> int | None:
    """The process's VmHWM in kB (None once it has exited: a zombie has no memory)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def wait_measured(process: subprocess.Popen[bytes]) -> tuple[int, Any, int]:
    """Wait for ``process``: its wait status, its rusage, and its own peak RSS in kB (the last
    VmHWM read before it exited; VmHWM only grows)."""
    peak = 0
    while True:
        sample = own_peak_rss_kb(process.pid)
        if sample is not None:
            peak = max(peak, sample)
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, peak
        time.sleep(SAMPLE_SECONDS)


def run_tap(emu: EmulatorProcess, config: dict[str, Any], workdir: Path,
            state: dict[str, Any] | None = None, *, tap: str = TAP) -> TapRun:
    """One run of the tap against ``emu`` (its counters reset first); ``config`` gets the
    emulator's key and URL."""
    (workdir / "config.json").write_text(json.dumps({
        "api_key": emu.api_key, "base_url": emu.base_url, **config}))
    cmd = [tap, "--config", str(workdir / "config.json")]
    if state is not None:
        (workdir / "state.json").write_text(json.dumps(state))
        cmd += ["--state", str(workdir / "state.json")]
    emu.reset_stats()
    out_path, err_path = workdir / "out", workdir / "err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.monotonic()
        process = subprocess.Popen(cmd, stdout=out, stderr=err)
        status, usage, peak_kb = wait_measured(process)
        wall = time.monotonic() - started
    stats = emu.stats()
    run = TapRun(
        returncode=os.waitstatus_to_exitcode(status),
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak_kb / 1024,
        maxrss_mb=usage.ru_maxrss / 1024,
        requests=stats["requests"],
        succeeded=sum(n for code, n in stats.get("by_status", {}).items()
                      if code.startswith("2")),
        rate_limited=stats.get("rate_limited", 0),
        by_path=stats.get("by_path", {}),
        stderr=err_path.read_text(errors="replace"),
    )
    with open(out_path, "rb") as out:
        for line in out:
            if line.startswith(b'{"type":"RECORD"'):
                run.records[json.loads(line)["stream"]] += 1
            elif line.startswith(b'{"type":"STATE"'):
                run.state = json.loads(line)["value"]
    for line in run.stderr.splitlines():
        if '"metric":"http_request_duration"' in line:
            metric = json.loads(line.split("METRIC: ", 1)[1])
            run.requests_by_stream[metric["tags"]["stream"]] += 1
    return run
