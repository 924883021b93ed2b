"""Worker threads only make requests and parse answers: the SDK's state (which its StateWriter
deep-copies on the main thread) and the streams' plans are touched on the main thread only.

The tap runs in-process against the emulator with several workers, a first sync and an
incremental one (the activity detector and the rotation plan from the state), while every way
into the state is watched for the thread it is used from.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

import pytest
from singer_sdk import Stream

from smartlead_emulator.testing import EmulatorProcess
from tap_smartlead.tap import TapSmartlead, close_runtimes
from tests.integration.tap_runner import tap_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=27, campaigns=3, leads_per_campaign=12, mailboxes=3,
                         rate_limit="none") as process:
        yield process


@pytest.fixture
def state_threads(monkeypatch) -> list[str]:
    """The names of the threads the streams' state was reached from."""
    seen: list[str] = []
    lock = threading.Lock()

    def watch(name: str) -> None:
        original = getattr(Stream, name)
        if isinstance(original, property):
            def getter(self: Stream) -> Any:
                with lock:
                    seen.append(threading.current_thread().name)
                return original.fget(self)
            monkeypatch.setattr(Stream, name, property(getter))
        else:
            def method(self: Stream, *args: Any, **kwargs: Any) -> Any:
                with lock:
                    seen.append(threading.current_thread().name)
                return original(self, *args, **kwargs)
            monkeypatch.setattr(Stream, name, method)

    for name in ("get_context_state", "stream_state", "tap_state", "state_manager"):
        watch(name)
    return seen


def sync(config: dict[str, Any], state: dict[str, Any] | None = None) -> dict[str, Any]:
    tap = TapSmartlead(config=config, state=state)
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            tap.sync_all()
    finally:
        close_runtimes()
    states = [json.loads(line)["value"] for line in out.getvalue().splitlines()
              if line.startswith('{"type":"STATE"')]
    return states[-1]


def test_the_state_is_touched_only_on_the_main_thread(emu, state_threads):
    config = tap_config(emu, max_concurrency=4)
    state = sync(config)
    emu.advance(days=1)
    sync(config, state)
    main = threading.main_thread().name
    assert len(state_threads) > 100  # the watch saw the sync
    assert {name for name in state_threads if name != main} == set()
