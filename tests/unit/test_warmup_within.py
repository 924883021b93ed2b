"""When a mailbox's warmup report is due with ``warmup_within_days`` (ActivityDetector.read_due):
on its first read, once per N runs spread over the mailboxes, whenever the day it was last read
up to is N or more days old however many runs there were, and on every run with N = 1."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tap_smartlead.activity import REFRESH_KEY, ActivityDetector

KIND = "/email-accounts/{email_account_id}/warmup-stats"
DAY0 = dt.date(2026, 3, 2)


def detector_on(day: int, within: int) -> ActivityDetector:
    """A run's detector (one per run, as the tap makes), its clock on ``DAY0 + day``."""
    return ActivityDetector(lambda cid: None, enabled=True, today=DAY0 + dt.timedelta(days=day),
                            warmup_within=within)


def run(day: int, within: int, states: dict[int, dict[str, Any]]) -> set[int]:
    """One run over every mailbox: which are read; a read moves the bookmark to the day."""
    detector = detector_on(day, within)
    read = set()
    for mailbox, state in states.items():
        due = detector.read_due(KIND, mailbox, [state], within)
        if due:
            state["replication_key_value"] = (DAY0 + dt.timedelta(days=day)).isoformat()
            read.add(mailbox)
        detector.mark_rotation(mailbox, state, due=due, within=within)
    return read


def test_daily_runs_read_each_mailbox_once_per_n_runs_spread_over_the_runs():
    states: dict[int, dict[str, Any]] = {mailbox: {} for mailbox in range(5000, 5300)}
    last = dict.fromkeys(states, 0)
    per_run = []
    for day in range(25):
        read = run(day, 6, states)
        for mailbox in read:
            assert day - last[mailbox] <= 6
            last[mailbox] = day
        per_run.append(len(read))
    assert per_run[0] == 300  # the first read of every mailbox
    assert all(24 - last[m] < 6 for m in states)
    # After the first run: about 300 / 6 = 50 a run, never everything on one run.
    assert max(per_run[1:]) <= 80
    assert sum(per_run[1:7]) <= 300 + 80


def test_runs_days_apart_still_read_a_mailbox_once_its_bookmark_is_n_days_old():
    # Runs on irregular days: the rotation alone (every 6th run) would leave a mailbox 20 days.
    days = [0, 1, 4, 5, 9, 13, 14, 16, 20, 23, 24, 28]
    states: dict[int, dict[str, Any]] = {mailbox: {} for mailbox in range(100, 140)}
    last = dict.fromkeys(states, 0)
    for day in days:
        read = run(day, 6, states)
        for mailbox in states:
            if day - last[mailbox] >= 6:
                assert mailbox in read, (day, mailbox, last[mailbox])
        for mailbox in read:
            last[mailbox] = day


def test_a_mailbox_not_due_by_runs_nor_days_is_skipped_and_due_at_n_days():
    state = {REFRESH_KEY: 1, "replication_key_value": "2026-03-02"}
    assert not detector_on(5, 6).read_due(KIND, 7, [state], 6)  # 5 days, 2 runs of 6
    assert detector_on(6, 6).read_due(KIND, 7, [state], 6)  # 6 days old
    assert detector_on(3, 3).read_due(KIND, 7, [state], 3)


def test_a_mailbox_is_due_on_its_first_read():
    assert detector_on(0, 6).read_due(KIND, 7, [{}], 6)
    # A rotation kept, but no day read yet (its bookmark was never set).
    assert detector_on(0, 6).read_due(KIND, 7, [{REFRESH_KEY: 0}], 6)


def test_with_one_day_every_run_reads_every_mailbox():
    fresh = {REFRESH_KEY: 0, "replication_key_value": "2026-03-02"}
    assert detector_on(0, 1).read_due(KIND, 7, [fresh], 1)
    states: dict[int, dict[str, Any]] = {mailbox: {} for mailbox in range(10)}
    for day in range(4):
        assert run(day, 1, states) == set(states)


@pytest.mark.parametrize("due_in", [0, 1])
def test_both_streams_decide_once_per_run_due_for_either_state(due_in):
    due = {}  # a first read for this stream
    not_due = {REFRESH_KEY: 1, "replication_key_value": "2026-03-05"}
    states = [due, not_due] if due_in == 0 else [not_due, due]
    detector = detector_on(4, 6)
    assert detector.read_due(KIND, 7, states, 6)
    # The second stream asks with only its own (not due) state: the run's answer stands.
    assert detector.read_due(KIND, 7, [not_due], 6)
    # Another mailbox, not due in any state, is skipped by both.
    assert not detector.read_due(KIND, 8, [not_due, dict(not_due)], 6)
    assert not detector.read_due(KIND, 8, [{}], 6)


def test_turning_the_setting_on_spreads_mailboxes_read_on_every_run_until_then():
    # Read yesterday on every run (no rotation kept): not all due at once, about 1 in 6.
    states = {mailbox: {"replication_key_value": "2026-03-02"} for mailbox in range(300)}
    read = run(1, 6, states)
    assert 20 <= len(read) <= 80
    last = dict.fromkeys(states, 0)
    for day in range(1, 13):
        read = read if day == 1 else run(day, 6, states)
        for mailbox in read:
            assert day - last[mailbox] <= 6
            last[mailbox] = day
