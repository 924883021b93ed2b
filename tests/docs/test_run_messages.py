"""What a failing run says, as the README promises: one line naming the setting or the request.

Run as a user runs it: the console script in a subprocess, against the emulator for the
answers that need a server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartlead_emulator.testing import EmulatorProcess

TAP = str(Path(sys.executable).parent / "tap-smartlead")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(campaigns=1, leads_per_campaign=2, mailboxes=1,
                         rate_limit="none") as emu:
        yield emu


def _run(config: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return subprocess.run([TAP, "--config", str(path)], capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)


def _problem_lines(stderr: str) -> list[str]:
    """Lines that are not the SDK's routine INFO lines."""
    return [line for line in stderr.splitlines() if "| INFO " not in line]


def test_config_problems_are_one_line(tmp_path: Path) -> None:
    result = _run({"api_key": "x", "max_concurrency": 0, "start_date": "nope"}, tmp_path)
    assert result.returncode == 1
    lines = _problem_lines(result.stderr)
    assert lines == [
        "tap-smartlead: error: max_concurrency must be at least 1, got 0. start_date 'nope' "
        "is not an ISO 8601 date or date-time."
    ], result.stderr


@pytest.mark.parametrize(("key", "status"), [("wrong-key", "401")])
def test_a_rejected_key_names_the_request(emulator: EmulatorProcess, tmp_path: Path,
                                          key: str, status: str) -> None:
    result = _run({"api_key": key, "base_url": emulator.base_url}, tmp_path)
    assert result.returncode == 1
    lines = _problem_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tap-smartlead: error: GET /api/v1/campaigns: "), lines
    assert status in lines[0]
    # Not announced as the failure of whichever stream happened to run first.
    assert "An unhandled error occurred" not in result.stderr
    assert key not in result.stderr


def test_a_healthy_sync_warns_about_nothing(emulator: EmulatorProcess, tmp_path: Path) -> None:
    # No "Stream is assumed to be unsorted" for the daily analytics streams on every run
    # (why: tap_smartlead/tap.py, _SupersededSdkLines; the README's Limits say what an
    # interrupt costs them), and every stream's last progress line before the summary.
    result = _run({"api_key": emulator.api_key, "base_url": emulator.base_url,
                   "rate_limit_requests": 1000, "rate_limit_window_seconds": 1,
                   "progress_interval_seconds": 1}, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if "| WARNING" in line]
    assert not warnings, warnings
    assert "unsorted" not in result.stderr
    progress = [line.split("progress: ", 1)[1] for line in result.stderr.splitlines()
                if "progress: " in line]
    assert progress[-1].startswith("sync finished:")
    streams_with_lines = {line.split(":", 1)[0] for line in progress[:-1]}
    assert "account_daily_stats" in streams_with_lines
    assert "campaigns" in streams_with_lines
