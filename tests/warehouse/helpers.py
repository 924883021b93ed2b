"""What the warehouse tests share: the streams' keys, running the tap, comparing values."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.tap_runner import PRIMARY_KEYS

# The 13 streams and their primary keys, as the issue fixes them (one table for all tests).
STREAM_KEYS: dict[str, tuple[str, ...]] = PRIMARY_KEYS

Key = tuple[str, ...]


def tap_config(emu: EmulatorProcess, start_date: str) -> dict[str, Any]:
    """Settings for an emulator started with ``rate_limit="none"``: no client-side throttling."""
    return {
        "api_key": emu.api_key,
        "base_url": emu.base_url,
        "start_date": start_date,
        "rate_limit_requests": 1000,
        "rate_limit_window_seconds": 1,
    }


def meltano_tap_env(config: dict[str, Any]) -> dict[str, str]:
    """The same settings as Meltano environment overrides (``TAP_SMARTLEAD_<SETTING>``)."""
    return {f"TAP_SMARTLEAD_{name.upper()}": str(value) for name, value in config.items()}


def start_date_days_ago(days: int) -> str:
    """A fixed start date for one test run (the tap's default moves with the wall clock)."""
    return (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=days)).isoformat()


def normalize(value: Any) -> str:
    """One spelling for a key value, whichever side it comes from (JSON, DuckDB, PostgreSQL)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def key_of(stream: str, row: dict[str, Any]) -> Key:
    return tuple(normalize(row[column]) for column in STREAM_KEYS[stream])


@dataclass
class TapOutput:
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    key_properties: dict[str, list[str]] = field(default_factory=dict)
    states: list[dict[str, Any]] = field(default_factory=list)

    def keys(self, stream: str) -> set[Key]:
        return {key_of(stream, record) for record in self.records.get(stream, [])}


def tap_executable() -> str:
    return (shutil.which("tap-smartlead", path=str(Path(sys.executable).parent))
            or shutil.which("tap-smartlead") or "tap-smartlead")


def run_tap(config: dict[str, Any], workdir: Path, timeout: float = 300) -> TapOutput:
    """``tap-smartlead --config`` as a subprocess (forked from one that imported the tap:
    tests/tap_forkserver.py); its Singer messages, parsed."""
    from tests.tap_forkserver import run_tap_command

    config_path = workdir / "tap-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    result = run_tap_command(["--config", str(config_path)], tap=tap_executable(),
                             timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"tap-smartlead exited {result.returncode}:\n"
                             f"{result.stderr.decode(errors='replace')[-10000:]}")
    output = TapOutput()
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        if message["type"] == "RECORD":
            output.records[message["stream"]].append(message["record"])
        elif message["type"] == "SCHEMA":
            output.key_properties[message["stream"]] = list(message.get("key_properties") or [])
        elif message["type"] == "STATE":
            output.states.append(message["value"])
    return output


def format_counts(title: str, columns: list[str], rows: dict[str, list[Any]]) -> str:
    """A small aligned table for the test log."""
    width = max(len(name) for name in rows) if rows else 10
    lines = [title, f"  {'table':<{width}}  " + "  ".join(f"{c:>10}" for c in columns)]
    for name, values in rows.items():
        lines.append(f"  {name:<{width}}  " + "  ".join(f"{v!s:>10}" for v in values))
    return "\n".join(lines)
