"""What the streams of one run share: hand-overs that work in any order, gaps, stopping."""

from __future__ import annotations

import threading
import time

import pytest

from tap_smartlead.errors import SyncStopped
from tap_smartlead.rate_limit import RateLimiter
from tap_smartlead.runtime import SharedRuntime


def runtime() -> SharedRuntime:
    return SharedRuntime(limiter=RateLimiter(10, 2.0), max_concurrency=1)


def test_an_answer_offered_before_its_taker_comes_is_taken_once():
    shared = runtime()
    shared.offer("warmup", 7, {"report": 1})
    assert shared.take("warmup", 7) == {"report": 1}
    assert shared.take("warmup", 7) is None


def test_a_taker_that_came_first_asks_for_itself_and_nothing_is_kept_for_it_later():
    shared = runtime()
    assert shared.take("warmup", 7) is None  # it syncs first: it fetches its own answer
    assert not shared.will_take("warmup", 7)
    shared.offer("warmup", 7, {"report": 1})  # the other stream, later: nobody would take it
    assert shared._offered == {}


def test_a_partition_is_given_up_after_three_answers_stayed_missing():
    shared = runtime()
    partition = {"campaign_id": 5}
    for _ in range(2):
        shared.note_gap("lead_message_history", partition)
    assert not shared.given_up("lead_message_history", partition)
    shared.note_gap("lead_message_history", partition)
    assert shared.given_up("lead_message_history", partition)
    assert not shared.given_up("campaign_leads", partition)


def test_stopping_wakes_a_thread_waiting_out_a_long_retry_after():
    shared = runtime()
    shared.limiter.pause_for(600.0)
    outcome: list[BaseException] = []

    def request() -> None:
        try:
            shared.limiter.acquire()
        except SyncStopped as exc:
            outcome.append(exc)

    worker = threading.Thread(target=request)
    started = time.monotonic()
    worker.start()
    time.sleep(0.2)
    shared.stop()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert outcome and time.monotonic() - started < 5
    with pytest.raises(SyncStopped):
        shared.pause(10.0)
