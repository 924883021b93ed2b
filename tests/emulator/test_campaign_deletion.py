"""Deleting a campaign through the control API: it leaves /campaigns and the ground truth, and
each of its endpoints answers what the live API has answered for a deleted campaign."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from smartlead_emulator.testing import EmulatorError, EmulatorProcess

pytestmark = pytest.mark.integration

CHILDREN = ("", "/leads", "/statistics", "/sequences", "/analytics", "/email-accounts",
            "/webhooks", "/leads-export")


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=5, now="2024-05-01T12:00:00Z", campaigns=5, leads_per_campaign=10,
                         mailboxes=2, rate_limit="none") as process:
        yield process


def get(emu: EmulatorProcess, path: str, **params: str) -> requests.Response:
    return requests.get(f"{emu.base_url}{path}", params={"api_key": emu.api_key, **params},
                        timeout=10)


def listed(emu: EmulatorProcess) -> list[int]:
    return [c["id"] for c in get(emu, "/campaigns").json()]


@pytest.mark.parametrize(
    ("campaign", "answer", "status", "body"),
    [
        (1001, "404", 404, b'{"error":"Campaign not found - Invalid campaign_id."}'),
        (1002, "empty-object", 200, b"{}"),
        (1003, "empty-body", 200, b""),
    ],
)
def test_a_deleted_campaign_leaves_the_listing_and_answers_as_deleted(
    emu, campaign, answer, status, body
):
    assert campaign in listed(emu)
    assert emu.delete_campaign(campaign, answer=answer) == {"deleted": campaign, "answer": answer}
    assert campaign not in listed(emu)
    for child in CHILDREN:
        response = get(emu, f"/campaigns/{campaign}{child}")
        assert (response.status_code, response.content) == (status, body), child
    response = get(emu, f"/campaigns/{campaign}/analytics-by-date",
                   start_date="2024-04-01", end_date="2024-04-30")
    assert (response.status_code, response.content) == (status, body)
    truth = emu.dataset()
    assert campaign in truth["deleted_campaigns"]
    assert campaign not in [c["id"] for c in truth["campaigns"]]


def test_a_deleted_campaign_gets_no_activity_and_the_others_do(emu):
    emu.delete_campaign(1000)
    before = {c["id"]: len(c["leads"]) for c in emu.dataset()["campaigns"]}
    assert sorted(before) == [1004]
    emu.advance(days=2)
    after = emu.dataset()
    assert after["deleted_campaigns"] == [1000, 1001, 1002, 1003]
    assert [(c["id"], len(c["leads"]) > before[c["id"]]) for c in after["campaigns"]] == [
        (1004, True)
    ]
    assert get(emu, "/campaigns/1000/statistics").status_code == 404


def test_deleting_an_unknown_or_deleted_campaign_or_with_an_unknown_answer_is_refused(emu):
    with pytest.raises(EmulatorError, match="404"):
        emu.delete_campaign(4242)
    with pytest.raises(EmulatorError, match="404"):
        emu.delete_campaign(1001)  # deleted above
    with pytest.raises(EmulatorError, match="400"):
        emu.delete_campaign(1000 + 3, answer="teapot")
