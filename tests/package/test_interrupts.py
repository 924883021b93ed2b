"""Ctrl-C or SIGTERM during the suite leaves no server and no temporary folder behind.

A probe test holding the suite's shared fixtures (the throwaway PostgreSQL of
tests/conftest.py and an emulator) runs in a pytest of its own, in its own process group (as a
terminal runs it) and with a private TMPDIR; once its fixtures are up, the whole group gets
the signal, as Ctrl-C or a CI cancel sends it. Then nothing may be left: no process whose
command line names the private folder, nothing in it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, find_postgres_bin

PROBE = '''
import os, time
from pathlib import Path
from smartlead_emulator.testing import EmulatorProcess

def test_probe(postgres):
    with EmulatorProcess(campaigns=1, leads_per_campaign=1, mailboxes=1, rate_limit="none"):
        Path(os.environ["PROBE_READY"]).write_text("up")
        time.sleep(300)
'''


def _leftovers(private: Path) -> tuple[list[str], list[str]]:
    ps = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout
    processes = [line.strip() for line in ps.splitlines() if str(private) in line]
    folders = sorted(p.name for p in private.iterdir())
    return processes, folders


@pytest.mark.postgres
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_suite_leaves_nothing_behind(signum: int, tmp_path: Path) -> None:
    if find_postgres_bin() is None:
        pytest.skip("PostgreSQL not found")
    # Directly under /tmp and world-readable: PostgreSQL runs as its own user when the suite
    # runs as root, and cannot enter pytest's private tmp_path.
    private = Path(tempfile.mkdtemp(prefix="tap-smartlead-interrupt-"))
    private.chmod(0o755)
    try:
        _interrupt_the_probe(signum, private, tmp_path)
    finally:
        # After a failure: stop what the probe left (a PostgreSQL server stops on SIGINT).
        for line in _leftovers(private)[0]:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(line.split()[0]), signal.SIGINT)
        shutil.rmtree(private, ignore_errors=True)


def _interrupt_the_probe(signum: int, private: Path, tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    ready = tmp_path / "ready"

    def new_group_with_default_signals() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background job inherits it ignored
        os.setsid()

    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(probe), "-q", "-p", "no:cacheprovider",
         "-p", "tests.conftest", "--rootdir", str(tmp_path)],
        cwd=REPO_ROOT, preexec_fn=new_group_with_default_signals,
        env={**os.environ, "TMPDIR": str(private), "PROBE_READY": str(ready),
             "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert process.poll() is None, process.communicate()[0][-3000:]
            assert time.monotonic() < deadline, "the probe's fixtures did not come up"
            time.sleep(0.2)
        processes, folders = _leftovers(private)
        assert processes and folders, "the probe runs nothing to leave behind"
        os.killpg(process.pid, signum)
        output = process.communicate(timeout=120)[0]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0, output[-3000:]
    processes, folders = _leftovers(private)
    assert not processes, processes
    assert not folders, folders
