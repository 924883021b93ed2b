"""The emulator's bulk thread endpoint: both forms, `event_time_gt`, `lead_ids: null`, the cap,
and a server without it. Expected threads come from the ground-truth dump."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from smartlead_emulator.testing import EmulatorProcess

pytestmark = pytest.mark.integration

BULK = "/campaigns/{id}/message-history-for-leads/bbfbdsFGHlBr76ruhjvh6fhHL"


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(rate_limit="none", seed=5, campaigns=2, leads_per_campaign=150,
                         mailboxes=2) as process:
        yield process


@pytest.fixture(scope="module")
def campaign(emu: EmulatorProcess) -> dict[str, Any]:
    return emu.dataset()["campaigns"][0]


@pytest.fixture
def form(emu: EmulatorProcess) -> Iterator[Any]:
    yield lambda name, **more: emu.configure(bulk_history=name, **more)
    emu.configure(bulk_history="live", bulk_history_cap=100)


def post(emu: EmulatorProcess, campaign_id: int, body: Any, **params: Any) -> requests.Response:
    return requests.post(emu.url(BULK.format(id=campaign_id), **params), json=body, timeout=30)


def test_live_form_holds_each_leads_thread_as_the_per_lead_endpoint_does(emu, campaign):
    ids = [int(i) for i in list(campaign["message_history"])[:100]]
    answer = post(emu, campaign["id"], {"lead_ids": ids}).json()
    assert answer == {str(i): {"history": campaign["message_history"][str(i)]["history"]}
                      for i in ids}


def test_reference_form_is_data_keyed_by_lead_id_with_bare_lists(emu, campaign, form):
    form("reference")
    ids = [int(i) for i in list(campaign["message_history"])[:10]]
    answer = post(emu, campaign["id"], {"lead_ids": ids}).json()
    assert answer == {"data": {str(i): campaign["message_history"][str(i)]["history"]
                               for i in ids}}


def test_event_time_gt_filters_each_thread(emu, campaign):
    lead_id, thread = next((k, v) for k, v in campaign["message_history"].items()
                           if len(v["history"]) >= 2)
    first = thread["history"][0]["time"]
    answer = post(emu, campaign["id"], {"lead_ids": [int(lead_id)]}, event_time_gt=first).json()

    def when(item: dict) -> datetime:
        return datetime.fromisoformat(item["time"].replace("Z", "+00:00"))

    assert answer[lead_id]["history"] == [
        item for item in thread["history"] if when(item) > when(thread["history"][0])]


def test_lead_ids_null_is_every_lead_of_the_campaign(emu, campaign):
    answer = post(emu, campaign["id"], {"lead_ids": None}).json()
    assert set(answer) == set(campaign["message_history"])


def test_a_lead_not_in_the_campaign_is_left_out(emu, campaign):
    known = int(next(iter(campaign["message_history"])))
    assert set(post(emu, campaign["id"], {"lead_ids": [known, 1]}).json()) == {str(known)}


def test_more_ids_than_the_cap_and_malformed_bodies_are_400(emu, campaign, form):
    ids = [int(i) for i in campaign["message_history"]]
    assert post(emu, campaign["id"], {"lead_ids": ids[:101]}).status_code == 400
    form("live", bulk_history_cap=20)
    assert post(emu, campaign["id"], {"lead_ids": ids[:21]}).status_code == 400
    assert post(emu, campaign["id"], {"lead_ids": ids[:20]}).status_code == 200
    for body in ({}, {"lead_ids": []}, {"lead_ids": ["x"]}, [1, 2]):
        assert post(emu, campaign["id"], body).status_code == 400, body


def test_absent_answers_404_like_an_unknown_route_and_get_is_405(emu, campaign, form):
    ids = [int(next(iter(campaign["message_history"])))]
    assert requests.get(emu.url(BULK.format(id=campaign["id"])), timeout=30).status_code == 405
    form("absent")
    answer = post(emu, campaign["id"], {"lead_ids": ids})
    assert answer.status_code == 404 and answer.json() == {"error": "Not found"}


def test_threads_answered_in_bulk_are_counted(emu, campaign):
    ids = [int(i) for i in list(campaign["message_history"])[:7]]
    emu.reset_stats()
    post(emu, campaign["id"], {"lead_ids": ids})
    assert emu.stats()["threads_in_bulk"] == 7
