"""No order between streams: each stream gets the same rows, and a run makes no more requests,
whatever order the streams sync in and whichever others are selected.

Each scenario runs against its own emulator of the same account and clock (the same answers):
a first sync, a day of activity, an incremental sync from the first one's state. The tap runs
in-process so that the order of its streams (the SDK syncs them in the order of ``Tap.streams``)
can be changed before the sync, as a future SDK or a catalog might order them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tap_smartlead.tap import TapSmartlead, close_runtimes
from tests.integration.tap_runner import PRIMARY_KEYS, record_key, tap_config

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0).isoformat()
ACCOUNT = {"seed": 27, "campaigns": 3, "leads_per_campaign": 14, "mailboxes": 3,
           "rate_limit": "none", "now": NOW}
# The streams that hand answers to one another (tap_smartlead/streams/leads.py, mailboxes.py,
# analytics.py): each is also synced alone.
PAIRS = ("campaign_leads", "lead_message_history", "warmup_stats", "warmup_totals",
         "account_daily_stats", "campaign_daily_stats")


@dataclass
class Outcome:
    """What two runs (first and incremental) wrote and cost."""

    rows: dict[str, dict[tuple, dict[str, Any]]] = field(default_factory=dict)  # last by key
    requests: list[int] = field(default_factory=list)  # the emulator's count, per run


Arrange = Callable[[TapSmartlead], None]


def _sync(emu: EmulatorProcess, arrange: Arrange, state: dict | None, out: Outcome) -> dict:
    emu.reset_stats()
    tap = TapSmartlead(config=tap_config(emu, max_concurrency=4), state=state)
    arrange(tap)
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            tap.sync_all()
    finally:
        close_runtimes()
    out.requests.append(emu.stats()["requests"])
    last_state: dict = {}
    for line in buffer.getvalue().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            stream = message["stream"]
            record = message["record"]
            out.rows.setdefault(stream, {})[record_key(stream, record)] = record
        elif message["type"] == "STATE":
            last_state = message["value"]
    return last_state


def scenario(arrange: Arrange) -> Outcome:
    out = Outcome()
    with EmulatorProcess(**ACCOUNT) as emu:
        state = _sync(emu, arrange, None, out)
        emu.advance(days=1)
        _sync(emu, arrange, state, out)
    return out


def reorder(key: Callable[[list[str]], list[str]]) -> Arrange:
    """Sync the streams in another order: the SDK syncs them in ``Tap.streams``'s order."""
    def arrange(tap: TapSmartlead) -> None:
        streams = tap.streams
        order = key(list(streams))
        items = {name: streams[name] for name in order}
        streams.clear()
        streams.update(items)
    return arrange


def only(*names: str) -> Arrange:
    def arrange(tap: TapSmartlead) -> None:
        for name, stream in tap.streams.items():
            stream.selected = name in names
    return arrange


def comparable(rows: dict[tuple, dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Rows without what differs by when they were read (the time a tombstone was made)."""
    return {key: {k: v for k, v in row.items() if k != "_sdc_deleted_at"}
            for key, row in rows.items()}


@pytest.fixture(scope="module")
def alphabetical() -> Outcome:
    return scenario(lambda tap: None)


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_any_sync_order_gives_the_same_rows_for_the_same_requests(alphabetical, order):
    if order == "reversed":
        outcome = scenario(reorder(lambda names: names[::-1]))
    else:
        outcome = scenario(reorder(lambda names: random.Random(27).sample(names, len(names))))
    assert set(outcome.rows) == set(alphabetical.rows) == set(PRIMARY_KEYS)
    for stream in PRIMARY_KEYS:
        assert comparable(outcome.rows[stream]) == comparable(alphabetical.rows[stream]), stream
    assert outcome.requests == alphabetical.requests


@pytest.mark.parametrize("stream", PAIRS)
def test_a_stream_selected_alone_gets_the_same_rows_for_no_more_requests(alphabetical, stream):
    alone = scenario(only(stream))
    assert set(alone.rows) == {stream}
    assert comparable(alone.rows[stream]) == comparable(alphabetical.rows[stream])
    for run, requests in enumerate(alone.requests):
        assert requests <= alphabetical.requests[run], (stream, run)


def test_streams_that_share_answers_cost_less_together_than_apart_in_either_order():
    pair = only("campaign_leads", "lead_message_history")
    together = scenario(pair)
    backwards = scenario(lambda tap: (pair(tap), reorder(lambda names: names[::-1])(tap)))
    leads = scenario(only("campaign_leads"))
    history = scenario(only("lead_message_history"))
    assert backwards.requests == together.requests
    for stream in ("campaign_leads", "lead_message_history"):
        assert comparable(backwards.rows[stream]) == comparable(together.rows[stream]), stream
    for run in range(2):
        assert together.requests[run] < leads.requests[run] + history.requests[run], run
