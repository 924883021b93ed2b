"""Fixtures of the integration tests.

- ``emulator(**options)`` starts ``smartlead-emulator`` as a subprocess (options become flags,
  see ``smartlead_emulator.testing``) and stops it after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess


@pytest.fixture
def emulator() -> Iterator[Callable[..., EmulatorProcess]]:
    """Factory: ``emu = emulator(seed=1, rate_limit="none")``; each closed after the test."""
    started: list[EmulatorProcess] = []

    def start(**options: Any) -> EmulatorProcess:
        emu = EmulatorProcess(**options)
        started.append(emu)
        return emu

    yield start
    for emu in reversed(started):
        emu.close()
