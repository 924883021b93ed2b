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
