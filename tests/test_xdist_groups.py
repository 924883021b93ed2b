"""Tests that share a module's fixture stay on one pytest-xdist worker (`make test WORKERS=2`).

tests/conftest.py marks every test using a module-scoped fixture with an ``xdist_group`` named
for its module, and ``--dist loadgroup`` sends a group to one worker. When pytest and
pytest-xdist disagree on how a group reaches the scheduler (pytest 9.2 against xdist 3.8), the
marks are silently ignored and a module's tests that build on each other's changes to their
shared emulator fail on two workers, though each passes alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Five tests on one module-scoped emulator, each building on what the one before deleted.
CHAINED = "tests/emulator/test_campaign_deletion.py"


def test_a_modules_chained_tests_pass_on_two_workers_because_they_share_one():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", CHAINED, "-n", "2", "--dist", "loadgroup", "-v",
         "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    workers = {line.split("]", 1)[0] for line in done.stdout.splitlines()
               if line.startswith("[gw") and "PASSED" in line}
    assert len(workers) == 1, done.stdout[-3000:]
