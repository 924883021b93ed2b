"""Threads in bulk and one lead at a time give the same records, full and incremental.

One emulator account (live shapes: hand-sent answers, mixed timestamp forms, the listing's
duplicate rows) synced on every path the bulk thread endpoint can take: the live answer form,
the reference's form, a server whose batch cap is under the tap's batches (400s, split), and a
server without the endpoint (the per-lead path, as before). Then a day of activity and the
incremental run from the same state on the bulk and the per-lead path.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.expected import expected_keys
from tests.integration.tap_runner import PRIMARY_KEYS, TapRun, run_tap, tap_config

pytestmark = pytest.mark.integration

START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)).replace(microsecond=0)
ACCOUNT = {"seed": 17, "campaigns": 3, "leads_per_campaign": 130, "mailboxes": 2}
SINGLE = "/campaigns/{id}/leads/{lead_id}/message-history"
BULK = "/campaigns/{id}/message-history-for-leads/bbfbdsFGHlBr76ruhjvh6fhHL"
PATHS = {
    "live": {"bulk_history": "live"},
    "reference": {"bulk_history": "reference"},
    "cap 30": {"bulk_history": "live", "bulk_history_cap": 30},
    "per lead": {"bulk_history": "absent"},
}


@pytest.fixture(scope="module")
def synced() -> dict[str, Any]:
    with EmulatorProcess(**ACCOUNT, rate_limit="none") as emu:
        config = tap_config(emu, start_date=START.isoformat())
        truth = emu.dataset()
        full: dict[str, tuple[TapRun, dict[str, Any]]] = {}
        for name, options in PATHS.items():
            emu.configure(**options)
            emu.reset_stats()
            full[name] = (run_tap(config), emu.stats())
        emu.advance(days=1)
        state = full["live"][0].last_state
        incremental: dict[str, tuple[TapRun, dict[str, Any]]] = {}
        for name in ("live", "per lead"):
            emu.configure(**PATHS[name])
            emu.reset_stats()
            incremental[name] = (run_tap(config, state=state), emu.stats())
    return {"truth": truth, "full": full, "incremental": incremental}


def test_every_run_succeeds(synced):
    for run, _ in [*synced["full"].values(), *synced["incremental"].values()]:
        assert run.returncode == 0, run.stderr_text[-2000:]


@pytest.mark.parametrize("path", ["live", "reference", "cap 30"])
@pytest.mark.parametrize("stream", sorted(PRIMARY_KEYS))
def test_a_full_sync_in_bulk_emits_what_the_per_lead_path_emits(synced, path, stream):
    bulk, _ = synced["full"][path]
    per_lead, _ = synced["full"]["per lead"]
    assert bulk.by_key(stream) == per_lead.by_key(stream)


@pytest.mark.parametrize("stream", sorted(PRIMARY_KEYS))
def test_an_incremental_run_in_bulk_emits_what_the_per_lead_path_emits(synced, stream):
    bulk, _ = synced["incremental"]["live"]
    per_lead, _ = synced["incremental"]["per lead"]
    assert bulk.by_key(stream) == per_lead.by_key(stream)


def test_every_message_of_the_emulator_arrives(synced):
    run, _ = synced["full"]["live"]
    assert run.keys("lead_message_history") == expected_keys(
        synced["truth"], START)["lead_message_history"]


def test_bulk_asks_one_request_per_100_leads_and_none_per_lead(synced):
    leads = [len(c["leads"]) for c in synced["truth"]["campaigns"]]
    _, stats = synced["full"]["live"]
    assert stats["by_path"].get(SINGLE, 0) == 0
    assert stats["by_path"][BULK] == sum(math.ceil(n / 100) for n in leads)
    assert stats["threads_in_bulk"] == sum(leads)
    _, per_lead = synced["full"]["per lead"]
    assert per_lead["by_path"][SINGLE] == sum(leads)


def test_a_cap_under_the_batch_is_learned_once_per_run(synced):
    leads = sum(len(c["leads"]) for c in synced["truth"]["campaigns"])
    _, stats = synced["full"]["cap 30"]
    assert stats["by_path"].get(SINGLE, 0) == 0
    refused = stats["by_status"].get("400", 0)
    # 100 -> 50, 50 -> 25 x 4 on the first batch, then batches of 25 (a few in flight before)
    assert refused <= 3 + 3 * 4, stats["by_status"]
    assert stats["by_path"][BULK] - refused <= math.ceil(leads / 25) + 3 * 2
