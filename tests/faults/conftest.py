"""The fault suite's shared guard: every test scans every tap run it looks at for secrets.

``leak_scan(secrets, *runs)`` asserts that no secret (the API key in use, every mailbox password
the emulator serves, and any other value the test adds) appears in any byte those runs wrote. The
fixture is autouse: a test of this suite that never calls it fails at teardown, so a new test
cannot forget the scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from tests.faults.helpers import assert_run_leaks_nothing
from tests.integration.tap_runner import TapRun


class LeakScan:
    def __init__(self) -> None:
        self.runs_scanned = 0

    def __call__(self, secrets: Iterable[str], *runs: TapRun) -> None:
        secrets = list(secrets)
        for index, run in enumerate(runs):
            assert_run_leaks_nothing(secrets, run, what=f"run {index + 1}")
            self.runs_scanned += 1


@pytest.fixture(autouse=True)
def leak_scan() -> Iterator[LeakScan]:
    scan = LeakScan()
    yield scan
    assert scan.runs_scanned > 0, "this test did not scan the tap's output for secrets"
