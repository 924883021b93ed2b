"""The fork server the suite runs the tap through (tests/tap_forkserver.py) gives what a fresh
``tap-smartlead`` process gives: the same bytes on stdout and stderr, the same exit codes, and a
process that signals reach."""

from __future__ import annotations

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


def _blocked_then_signalled(sig: int, fresh: bool) -> int:
    """The exit code of a tap blocked reading its config (a FIFO nobody writes) that gets
    ``sig``: a fresh process or a forked one."""
    fifo = Path(tempfile.mkdtemp()) / "config.json"
    os.mkfifo(fifo)
    with tempfile.TemporaryFile() as err:
        if fresh:
            process = subprocess.Popen([TAP, "--config", str(fifo)], stdout=subprocess.PIPE,
                                       stderr=err, stdin=subprocess.DEVNULL)
        else:
            process = popen_tap(["--config", str(fifo)], stdout=subprocess.PIPE, stderr=err)
        # Started and blocked: once the tap opened the FIFO to read, a writer can open it
        # too (without writing, so the tap waits in its read).
        deadline = time.monotonic() + 60
        writer = None
        while writer is None and time.monotonic() < deadline and process.poll() is None:
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.05)
        assert process.poll() is None
        process.send_signal(sig)
        code = process.wait(timeout=30)
        if writer is not None:
            os.close(writer)
        assert process.stdout is not None
        process.stdout.close()
    return code


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_a_signal_ends_a_forked_tap_as_it_ends_a_fresh_one(sig: int) -> None:
    forked = _blocked_then_signalled(sig, fresh=False)
    assert forked == _blocked_then_signalled(sig, fresh=True)
    if sig == signal.SIGKILL:
        assert forked == -signal.SIGKILL
