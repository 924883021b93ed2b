"""The fork server the suite runs the tap through (tests/tap_forkserver.py) gives what a fresh
``tap-smartlead`` process gives: the same bytes on stdout and stderr, the same exit codes, and a
process that signals reach."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.tap_forkserver import TAP, popen_tap, run_tap_command

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("args", [
    ["--about", "--format", "json"],
    ["--help"],
    ["--config", "/nonexistent/config.json"],  # the tap's one-line error, exit 1
    ["--config", "{}", "--discover", "--nope"],  # click's usage error, exit 2
], ids=["about", "help", "missing_config", "usage_error"])
def test_a_forked_run_writes_and_exits_as_a_fresh_process(args: list[str]) -> None:
    fresh = subprocess.run([TAP, *args], capture_output=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    forked = run_tap_command(args, timeout=120)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode, fresh.stdout, fresh.stderr)


def test_the_child_gets_the_callers_environment_cwd_and_stdin(tmp_path: Path) -> None:
    script = tmp_path / "echo-script"
    script.write_text(
        f"#!{sys.executable}\nimport os, sys\nif __name__ == '__main__':\n"
        "    data = sys.stdin.buffer.read()\n"
        "    print(os.environ.get('FORKED_MARK'), os.getcwd(), len(data), sys.argv[1:])\n"
        "    sys.exit(7)\n")
    script.chmod(0o755)
    result = run_tap_command(["a", "b"], tap=str(script), env={"FORKED_MARK": "here"},
                             cwd=str(tmp_path), input=b"x" * 300_000)
    assert result.returncode == 7
    assert result.stdout.decode().split() == ["here", str(tmp_path), "300000", "['a',", "'b']"]


def test_a_signal_reaches_the_forked_tap_and_its_exit_code_says_so() -> None:
    with tempfile.TemporaryFile() as err:
        # A config file that is a FIFO nobody writes keeps the tap blocked reading it.
        fifo = Path(tempfile.mkdtemp()) / "config.json"
        os.mkfifo(fifo)
        process = popen_tap(["--config", str(fifo)], stdout=subprocess.PIPE, stderr=err)
        time.sleep(1.0)
        assert process.poll() is None
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        assert json.dumps(process.args)  # the command line is kept, as Popen keeps it
