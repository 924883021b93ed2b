"""Threads in bulk (tap_smartlead/threads.py) through lead_message_history, against requests-mock:
both answer forms, batches, a missing endpoint, 400s, leads left out of an answer."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from tap_smartlead.tap import TapSmartlead

BASE = "http://smartlead.test/api/v1"
KEY = "unit-test-key-0042"
BULK = re.compile(rf"{re.escape(BASE)}/campaigns/(\d+)/message-history-for-leads/"
                  r"bbfbdsFGHlBr76ruhjvh6fhHL")
SINGLE = re.compile(rf"{re.escape(BASE)}/campaigns/(\d+)/leads/(\d+)/message-history")


@pytest.fixture
def tap():
    return TapSmartlead(
        # start_date before the hand-written threads (they are emitted from the first sync's
        # start: lead_message_history.thread_origin)
        config={"api_key": KEY, "base_url": BASE, "max_concurrency": 4,
                "start_date": "2026-01-01",
                "rate_limit_requests": 100000, "rate_limit_window_seconds": 1},
        parse_env_config=False,
    )


def messages(lead_id: int) -> list[dict[str, Any]]:
    """The hand-written thread of a lead: none for ids divisible by 5, else one or two."""
    count = 0 if lead_id % 5 == 0 else 1 + lead_id % 2
    return [{"type": "SENT", "message_id": f"<{lead_id}.{n}@mail.test>",
             "time": f"2026-03-0{n + 1}T10:00:00.000Z", "from": "me@mail.test",
             "to": f"lead{lead_id}@acme.test", "email_body": f"body {n}"} for n in range(count)]


def expected(campaign_id: int, lead_ids: list[int]) -> set[tuple[int, int, str]]:
    return {(campaign_id, lead_id, m["message_id"]) for lead_id in lead_ids
            for m in messages(lead_id)}


class Server:
    """The bulk and per-lead endpoints, answering the threads of ``messages``."""

    def __init__(self, requests_mock, *, form: str = "live", cap: int | None = None,
                 bulk_status: int | None = None, bulk_body: Any = None,
                 keep: int | None = None, leave_out_empty: bool = False,
                 refuse: frozenset[int] = frozenset(), single_status: int | None = None):
        self.form, self.cap, self.keep, self.leave_out_empty = form, cap, keep, leave_out_empty
        self.bulk_status, self.bulk_body, self.refuse = bulk_status, bulk_body, refuse
        self.single_status = single_status
        self.bulk_bodies: list[Any] = []
        self.bulk_params: list[dict[str, list[str]]] = []
        self.singles: list[int] = []
        requests_mock.post(BULK, json=self.bulk)
        requests_mock.get(SINGLE, json=self.single)

    def bulk(self, request, context):
        body = json.loads(request.body)
        self.bulk_bodies.append(body)
        self.bulk_params.append(request.qs)
        if self.bulk_status is not None:
            context.status_code = self.bulk_status
            return {"error": "Not found"}
        if self.bulk_body is not None:
            return self.bulk_body
        ids = body["lead_ids"]
        if (self.cap is not None and len(ids) > self.cap) or self.refuse & set(ids):
            context.status_code = 400
            return {"error": "Invalid lead_ids"}
        if self.keep is not None:
            ids = ids[:self.keep]  # a server that silently truncates to its cap
        if self.leave_out_empty:
            ids = [i for i in ids if messages(i)]
        if self.form == "reference":
            return {"data": {str(i): messages(i) for i in ids}}
        return {str(i): {"history": messages(i)} for i in ids}

    def single(self, request, context):
        lead_id = int(SINGLE.match(request.url).group(2))
        self.singles.append(lead_id)
        if self.single_status is not None:
            context.status_code = self.single_status
            return {"error": "Campaign not found - Invalid campaign_id."}
        return {"history": messages(lead_id), "from": "me@mail.test", "to": "x@acme.test"}

    @property
    def batches(self) -> list[list[int]]:
        return [body["lead_ids"] for body in self.bulk_bodies]


def sync(tap, campaign_id: int, lead_ids: list[int]) -> set[tuple[int, int, str]]:
    """lead_message_history's records for one campaign whose active leads are ``lead_ids``."""
    stream = tap.streams["lead_message_history"]
    stream._handed_over[campaign_id] = list(lead_ids)  # as campaign_leads' queries hand them
    records = stream.partition_records({"campaign_id": campaign_id}, [])
    return {(r["campaign_id"], r["lead_id"], r["message_id"]) for r in records}


LEADS = list(range(1, 251))


@pytest.mark.parametrize("form", ["live", "reference"])
def test_both_answer_forms_give_every_thread_in_batches_of_at_most_100(tap, requests_mock, form):
    server = Server(requests_mock, form=form)
    assert sync(tap, 7, LEADS) == expected(7, LEADS)
    assert sorted(len(batch) for batch in server.batches) == [50, 100, 100]
    assert sorted(i for batch in server.batches for i in batch) == LEADS
    assert server.singles == []
    # whole threads, as the per-lead endpoint is asked (no event_time_gt), never lead_ids: null
    assert not any("event_time_gt" in params for params in server.bulk_params)
    assert all(isinstance(batch, list) and batch for batch in server.batches)


@pytest.mark.parametrize("status", [404, 405, 501])
def test_a_missing_endpoint_is_said_once_and_then_every_lead_is_asked_alone(
        tap, requests_mock, caplog, status):
    server = Server(requests_mock, bulk_status=status)
    with caplog.at_level(logging.WARNING):
        assert sync(tap, 7, LEADS) == expected(7, LEADS)
        asked_in_bulk = len(server.bulk_bodies)
        assert sync(tap, 8, LEADS[:30]) == expected(8, LEADS[:30])
    assert len(server.bulk_bodies) == asked_in_bulk  # nothing more in bulk this run
    assert asked_in_bulk <= 3  # the batches already in flight when the first answer came
    assert sorted(server.singles) == sorted(LEADS + LEADS[:30])
    warnings = [r for r in caplog.records if "bulk message-history endpoint" in r.getMessage()]
    assert len(warnings) == 1 and str(status) in warnings[0].getMessage()


@pytest.mark.parametrize("answer", [
    [{"history": []}],
    {"ok": True, "data": []},
    {"history": [], "from": "me@mail.test"},
    {"1": "no thread here"},
])
def test_an_answer_not_keyed_by_lead_id_means_the_endpoint_is_not_there(
        tap, requests_mock, answer):
    server = Server(requests_mock, bulk_body=answer)
    assert sync(tap, 7, LEADS[:40]) == expected(7, LEADS[:40])
    assert sorted(server.singles) == LEADS[:40]
    assert tap.streams["lead_message_history"].thread_reader.bulk is False


def test_a_deleted_campaigns_404_keeps_the_bulk_endpoint_for_the_next_campaign(
        tap, requests_mock):
    server = Server(requests_mock, bulk_status=404, single_status=404)
    assert sync(tap, 7, LEADS[:20]) == set()  # the campaign is gone: no thread, no error
    assert tap.streams["lead_message_history"].thread_reader.bulk is True
    server.bulk_status = server.single_status = None
    assert sync(tap, 8, LEADS[:20]) == expected(8, LEADS[:20])
    assert server.batches[-1] == LEADS[:20]


def test_batches_over_the_servers_cap_are_split_and_the_cap_is_kept(tap, requests_mock):
    server = Server(requests_mock, cap=30)
    assert sync(tap, 7, LEADS) == expected(7, LEADS)
    accepted = [batch for batch in server.batches if len(batch) <= 30]
    assert sorted(i for batch in accepted for i in batch) == LEADS
    assert server.singles == []
    # Once both halves of a refused 100 were refused again and their halves taken, the run
    # asks 25 at a time: a second campaign costs one request per 25 leads.
    before = len(server.bulk_bodies)
    assert sync(tap, 8, LEADS[:100]) == expected(8, LEADS[:100])
    assert len(server.bulk_bodies) - before == 4


def test_a_lead_the_bulk_endpoint_refuses_is_asked_alone_and_the_rest_in_bulk(
        tap, requests_mock):
    server = Server(requests_mock, refuse=frozenset({37}))
    assert sync(tap, 7, LEADS[:100]) == expected(7, LEADS[:100])
    assert server.singles == [37]
    assert tap.streams["lead_message_history"].thread_reader.batch_size == 100


def test_a_server_that_truncates_batches_loses_no_thread(tap, requests_mock):
    server = Server(requests_mock, keep=40)
    assert sync(tap, 7, LEADS) == expected(7, LEADS)
    assert server.singles == []


def test_a_server_that_leaves_out_empty_threads_has_them_read_alone(tap, requests_mock):
    server = Server(requests_mock, leave_out_empty=True)
    assert sync(tap, 7, LEADS) == expected(7, LEADS)
    assert sync(tap, 8, LEADS) == expected(8, LEADS)
    # three batches per campaign, and one re-ask of the left-out leads before it is learned
    # (batches already in flight when it was learned may re-ask once each)
    assert 6 < len(server.bulk_bodies) <= 6 + 3
    # a lead left out is never taken to have an empty thread: the per-lead endpoint says so
    assert sorted(server.singles) == sorted(2 * [lead for lead in LEADS if not messages(lead)])


def test_lead_ids_listed_as_strings_are_sent_as_integers(tap, requests_mock):
    server = Server(requests_mock)
    assert sync(tap, 7, ["3", "4"]) == {(7, lead, m["message_id"]) for lead in ("3", "4")
                                       for m in messages(int(lead))}
    assert server.batches == [[3, 4]]


class EmptyOnce(Server):
    """A bulk endpoint whose first ``empties`` answers are `200 {}` (the live API's odd answer
    for a campaign that exists), then real threads."""

    def __init__(self, requests_mock, empties: int) -> None:
        super().__init__(requests_mock)
        self.empties = empties

    def bulk(self, request, context):
        if self.empties > 0:
            self.empties -= 1
            self.bulk_bodies.append(json.loads(request.body))
            return {}
        return super().bulk(request, context)


def test_a_transient_empty_bulk_answer_is_asked_again_not_read_as_empty_threads(
        tap, requests_mock):
    server = EmptyOnce(requests_mock, empties=1)
    assert sync(tap, 7, LEADS[:40]) == expected(7, LEADS[:40])
    assert server.batches == [LEADS[:40], LEADS[:40]]
    assert server.singles == []


def test_a_bulk_answer_empty_twice_asks_the_batchs_leads_alone(tap, requests_mock):
    server = EmptyOnce(requests_mock, empties=2)
    assert sync(tap, 7, LEADS[:40]) == expected(7, LEADS[:40])
    assert sorted(server.singles) == LEADS[:40]
    # no verdict on the endpoint: the next campaign is asked in bulk again
    assert tap.streams["lead_message_history"].thread_reader.bulk is True
    assert sync(tap, 8, LEADS[:10]) == expected(8, LEADS[:10])
    assert server.batches[-1] == LEADS[:10]
