"""Run the real tap as a subprocess and read what it wrote, for the integration tests."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TAP = shutil.which("tap-smartlead", path=str(Path(sys.executable).parent)) or "tap-smartlead"

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "campaigns": ("id",),
    "campaign_sequences": ("campaign_id", "id"),
    "campaign_leads": ("campaign_id", "campaign_lead_map_id"),
    "campaign_statistics": ("campaign_id", "stats_id"),
    "campaign_analytics": ("campaign_id",),
    "campaign_analytics_by_date": ("campaign_id", "start_date"),
    "lead_message_history": ("campaign_id", "lead_id", "message_id"),
    "email_accounts": ("id",),
    "warmup_stats": ("email_account_id", "date"),
    "lead_categories": ("id",),
    "campaign_email_accounts": ("campaign_id", "id"),
    "campaign_webhooks": ("campaign_id", "id"),
    "clients": ("id",),
    "lead_engagement": ("campaign_id", "campaign_lead_map_id"),
    "warmup_totals": ("email_account_id", "date"),
    "email_account_details": ("id",),
    "account_daily_stats": ("date",),
    "account_daily_stats_by_send_date": ("date",),
    "campaign_daily_stats": ("campaign_id", "date"),
    "mailbox_daily_stats": ("from_email", "date"),
    "client_daily_stats": ("client_id", "date"),
    "reply_category_daily": ("name", "date"),
    "campaign_mailbox_statistics": ("campaign_id", "email_account_id"),
}
# Streams of endpoints the seed does not document (the account-wide analytics family): the
# seed-examples emulator answers them 404, and the tap skips them with a warning.
BEYOND_THE_SEED = frozenset({
    "account_daily_stats", "account_daily_stats_by_send_date", "campaign_daily_stats",
    "mailbox_daily_stats", "client_daily_stats", "reply_category_daily",
    "campaign_mailbox_statistics",
})


@dataclass
class TapRun:
    returncode: int
    stdout: bytes
    stderr: bytes
    state_file_bytes: bytes = b""
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict[str, Any]] = field(default_factory=list)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    message_bytes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    wall_seconds: float = 0.0

    @property
    def last_state(self) -> dict[str, Any] | None:
        return self.states[-1] if self.states else None

    def keys(self, stream: str) -> set[tuple]:
        return {record_key(stream, r) for r in self.records.get(stream, [])}

    def by_key(self, stream: str) -> dict[tuple, dict[str, Any]]:
        return {record_key(stream, r): r for r in self.records.get(stream, [])}

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")


def merged(runs: list[TapRun]) -> dict[str, dict[tuple, dict]]:
    """What a warehouse that upserts on primary keys holds after these runs, in order."""
    tables: dict[str, dict[tuple, dict]] = {stream: {} for stream in PRIMARY_KEYS}
    for run in runs:
        for stream in PRIMARY_KEYS:
            tables[stream].update(run.by_key(stream))
    return tables


def record_key(stream: str, record: dict[str, Any]) -> tuple:
    return tuple(record.get(k) for k in PRIMARY_KEYS[stream])


def parse_messages(stdout: bytes, run: TapRun) -> None:
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue  # a line cut short by SIGKILL
        kind = message.get("type")
        run.message_bytes[kind] += len(line) + 1
        if kind == "RECORD":
            run.records[message["stream"]].append(message["record"])
        elif kind == "STATE":
            run.states.append(message["value"])
        elif kind == "SCHEMA":
            run.schemas[message["stream"]] = message["schema"]


HISTORY_PATH = "/campaigns/{id}/leads/{lead_id}/message-history"


def threads_asked(stats: dict[str, Any]) -> int:
    """Lead threads a run asked the emulator for (``stats``: its counters): one at a time on
    the per-lead endpoint, or answered by the bulk endpoint."""
    return stats["by_path"].get(HISTORY_PATH, 0) + stats.get("threads_in_bulk", 0)


def tap_config(emu: Any, **overrides: Any) -> dict[str, Any]:
    config = {
        "api_key": emu.api_key,
        "base_url": emu.base_url,
        "rate_limit_requests": 1000,
        "rate_limit_window_seconds": 1,
    }
    config.update(overrides)
    return config


def run_tap(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 300,
    kill_after: float | None = None,
    kill_signal: int = signal.SIGKILL,
) -> TapRun:
    """Run ``tap-smartlead --config`` (and ``--state``); optionally kill it after a delay.
    The tap is a process of its own, forked from one that imported it
    (tests/tap_forkserver.py)."""
    from tests.tap_forkserver import popen_tap

    with tempfile.TemporaryDirectory(prefix="tap-smartlead-test-") as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        cmd = [TAP, "--config", str(config_path), *args]
        if state is not None:
            state_path = Path(tmp) / "state.json"
            state_path.write_text(json.dumps(state))
            cmd += ["--state", str(state_path)]
        started = time.monotonic()
        with open(Path(tmp) / "out", "wb") as out, open(Path(tmp) / "err", "wb") as err:
            process = popen_tap(cmd[1:], stdout=out, stderr=err)
            try:
                if kill_after is not None:
                    try:
                        process.wait(timeout=kill_after)
                    except subprocess.TimeoutExpired:
                        process.send_signal(kill_signal)
                returncode = process.wait(timeout=timeout)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        run = TapRun(
            returncode=returncode,
            stdout=(Path(tmp) / "out").read_bytes(),
            stderr=(Path(tmp) / "err").read_bytes(),
            wall_seconds=time.monotonic() - started,
        )
    parse_messages(run.stdout, run)
    return run
