"""Hand edits through the control API (``POST /_emulator/edit``): the public routes serve them
from then on, and nothing an email moves moves with them (no event, no analytics count)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from smartlead_emulator.testing import EmulatorError, EmulatorProcess

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=5, now="2024-05-01T12:00:00Z", campaigns=2, leads_per_campaign=10,
                         mailboxes=2, rate_limit="none") as process:
        yield process


def get(emu: EmulatorProcess, path: str, **params: str) -> requests.Response:
    return requests.get(f"{emu.base_url}{path}", params={"api_key": emu.api_key, **params},
                        timeout=10)


def test_a_lead_edited_by_hand_is_served_edited_and_leaves_no_event(emu: EmulatorProcess):
    before = get(emu, "/campaigns/1000/leads", limit="100").json()["data"]
    row = before[0]
    analytics = get(emu, "/campaigns/1000/analytics").json()
    emu.edit("lead", campaign_id=1000, lead_id=row["lead"]["id"], category_id=3,
             status="PAUSED", custom_fields={"Tier": "gold"})
    after = {r["campaign_lead_map_id"]: r
             for r in get(emu, "/campaigns/1000/leads", limit="100").json()["data"]}
    edited = after[row["campaign_lead_map_id"]]
    assert (edited["lead_category_id"], edited["status"]) == (3, "PAUSED")
    assert edited["lead"]["custom_fields"]["Tier"] == "gold"
    # No event: the listing's event filter does not list the lead, the sends do not move.
    since = get(emu, "/campaigns/1000/leads", limit="100",
                event_time_gt="2024-05-01T11:59:00.000Z").json()["data"]
    assert row["campaign_lead_map_id"] not in {r["campaign_lead_map_id"] for r in since}
    moved = get(emu, "/campaigns/1000/analytics").json()
    assert moved["sent_count"] == analytics["sent_count"]
    export = get(emu, "/campaigns/1000/leads-export").text
    assert "gold" in export and "PAUSED" in export


def test_a_sequence_webhook_and_mailbox_edited_by_hand_are_served_edited(emu: EmulatorProcess):
    emu.edit("sequence", campaign_id=1001, seq_number=1, subject="Edited by hand")
    steps = get(emu, "/campaigns/1001/sequences").json()
    first = next(s for s in steps if s["seq_number"] == 1)
    subjects = [first["subject"], *(v["subject"] for v in first["sequence_variants"])]
    assert "Edited by hand" in subjects
    hook = emu.dataset()["campaigns"][0]["webhooks"]
    if hook:
        emu.edit("webhook", campaign_id=1000, webhook_id=hook[0]["id"],
                 webhook_url="https://hooks.example.com/edited")
        urls = [w["webhook_url"] for w in get(emu, "/campaigns/1000/webhooks").json()]
        assert "https://hooks.example.com/edited" in urls
    account = get(emu, "/email-accounts").json()[0]
    emu.edit("mailbox", email_account_id=account["id"], message_per_day=77)
    assert get(emu, f"/email-accounts/{account['id']}").json()["message_per_day"] == 77


@pytest.mark.parametrize("body", [
    {"kind": "nothing"}, {"kind": "lead", "campaign_id": 1000, "lead_id": 1},
    {"kind": "lead", "campaign_id": 99, "lead_id": 1}, {"kind": "mailbox"},
])
def test_an_edit_the_emulator_cannot_make_is_a_400(emu: EmulatorProcess, body: dict):
    kind = body.pop("kind")
    with pytest.raises(EmulatorError, match="400"):
        emu.edit(kind, **body)
