"""Thirty daily runs with changes made by hand, which send no email: each arrives within the
bound (``refresh_within_days``), in active and in idle campaigns.

The emulator (2 of 4 campaigns sending every day, the other 2 finished) advances one day before
each run and the tap's clock (time-machine, the tap in this process: scripts/bench_schedule.py)
is moved with it; each run takes the state the previous one wrote. On days 3, 10, 17 and 24 a
user edits, in an active and in an idle campaign, a lead's category, status and custom fields
(no event: the leads listing's ``event_time_gt`` does not list the lead, the analytics do not
move), a sequence's copy, a webhook's URL and a mailbox's signature; in the active campaign
also the lead's row of the leads export (read with activity only). The runs' records are
merged by primary key (what an upserting target keeps). After each run every pending edit is
looked for in that merge; each must be there within ``BOUND`` runs of the edit (the edit day's
run counts as the first). At the end the edited tables equal the emulator's truth, key for key
and in the edited values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from scripts.bench_schedule import run_at
from smartlead_emulator.testing import EmulatorProcess

pytestmark = pytest.mark.integration

DAYS = 30  # runs on days 0..30
BOUND = 5  # refresh_within_days
EDIT_DAYS = (3, 10, 17, 24)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
ACTIVE, IDLE = 0, 3  # campaigns by position: the first 2 of 4 send every day
KEYS = {
    "campaign_leads": ("campaign_id", "campaign_lead_map_id"),
    "lead_engagement": ("campaign_id", "campaign_lead_map_id"),
    "campaign_sequences": ("campaign_id", "id"),
    "campaign_webhooks": ("campaign_id", "id"),
    "email_account_details": ("id",),
}
Warehouse = dict[str, dict[tuple[str, ...], dict[str, Any]]]


@dataclass
class Edit:
    day: int
    what: str
    arrived: Callable[[Warehouse], bool]
    arrival_day: int | None = None


def key(*values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def edit_leads(emu: EmulatorProcess, truth: dict[str, Any], day: int) -> list[Edit]:
    edits = []
    categories = [c["id"] for c in truth["categories"]]
    for position in (ACTIVE, IDLE):
        campaign = truth["campaigns"][position]
        lead = campaign["leads"][day % len(campaign["leads"])]
        category = categories[(day + position) % len(categories)]
        status = "PAUSED" if position == ACTIVE else "STOPPED"
        fields = {"edited_on": f"day {day}"}
        done = emu.edit("lead", campaign_id=campaign["id"], lead_id=lead["lead"]["id"],
                        category_id=category, status=status, custom_fields=fields)
        row_key = key(campaign["id"], done["campaign_lead_map_id"])

        def in_leads(tables: Warehouse, row_key: tuple[str, ...] = row_key,
                     category: int = category, status: str = status,
                     fields: dict[str, str] = fields) -> bool:
            row = tables["campaign_leads"].get(row_key)
            return row is not None and (
                str(row.get("lead_category_id")) == str(category)
                and row.get("status") == status
                and (row.get("lead") or {}).get("custom_fields", {}).get("edited_on")
                == fields["edited_on"]
            )

        def in_export(tables: Warehouse, row_key: tuple[str, ...] = row_key,
                      status: str = status, fields: dict[str, str] = fields) -> bool:
            row = tables["lead_engagement"].get(row_key)
            return row is not None and row.get("status") == status and (
                (row.get("custom_fields") or {}).get("edited_on") == fields["edited_on"])

        kind = "active" if position == ACTIVE else "idle"
        edits.append(Edit(day, f"campaign_leads: lead {row_key} in the {kind} campaign",
                          in_leads))
        if position == ACTIVE:
            # The leads export is downloaded for campaigns with activity only (not on the
            # rotation): an idle campaign's export rows keep the values of its last activity,
            # and campaign_leads carries the edit there.
            edits.append(Edit(day, f"lead_engagement: lead {row_key} in the {kind} campaign",
                              in_export))
    return edits


def edit_configuration(emu: EmulatorProcess, truth: dict[str, Any], day: int) -> list[Edit]:
    campaign = truth["campaigns"][IDLE]
    step = campaign["sequences"][0]
    subject = f"Edited on day {day}"
    emu.edit("sequence", campaign_id=campaign["id"], seq_number=step["seq_number"],
             subject=subject, email_body=f"<p>{subject}</p>")
    step_key = key(campaign["id"], step["id"])
    edits = [Edit(day, f"campaign_sequences: step {step_key}", lambda t: any(
        subject in (v.get("subject") or "") for v in
        [t["campaign_sequences"].get(step_key) or {},
         *((t["campaign_sequences"].get(step_key) or {}).get("sequence_variants") or [])]))]
    hooked = next(c for c in truth["campaigns"] if c["webhooks"])
    hook = hooked["webhooks"][0]
    url = f"https://hooks.example.com/day-{day}"
    emu.edit("webhook", campaign_id=hooked["id"], webhook_id=hook["id"], webhook_url=url)
    hook_key = key(hooked["id"], hook["id"])
    edits.append(Edit(day, f"campaign_webhooks: {hook_key}", lambda t: (
        t["campaign_webhooks"].get(hook_key) or {}).get("webhook_url") == url))
    mailbox = truth["email_accounts"][day % len(truth["email_accounts"])]
    signature = f"Sent by hand, day {day}"
    emu.edit("mailbox", email_account_id=mailbox["id"], signature=signature)
    edits.append(Edit(day, f"email_account_details: {mailbox['id']}", lambda t: (
        t["email_account_details"].get(key(mailbox["id"])) or {}).get("signature") == signature))
    return edits


@pytest.fixture(scope="module")
def schedule() -> tuple[list[Edit], Warehouse, dict[str, Any], list[int]]:
    tables: Warehouse = {stream: {} for stream in KEYS}
    edits: list[Edit] = []
    requests: list[int] = []
    with EmulatorProcess(seed=23, now=START.isoformat(), campaigns=4, leads_per_campaign=12,
                         mailboxes=3, clients=1, active_campaigns=2, rate_limit="none") as emu:
        config = {"api_key": emu.api_key, "base_url": emu.base_url,
                  "rate_limit_requests": 1000, "rate_limit_window_seconds": 1,
                  "refresh_within_days": BOUND}
        state: dict[str, Any] = {}
        for day in range(DAYS + 1):
            if day:
                emu.advance(days=1)
            if day in EDIT_DAYS:
                truth = emu.dataset()
                edits += edit_leads(emu, truth, day) + edit_configuration(emu, truth, day)
            emu.reset_stats()
            for message in run_at(START + dt.timedelta(days=day), config, state):
                if message["type"] == "STATE":
                    state = message["value"]
                elif message["type"] == "RECORD" and message["stream"] in KEYS:
                    record = message["record"]
                    tables[message["stream"]][key(*(record[k] for k in KEYS[message["stream"]]))] \
                        = record
            requests.append(emu.stats()["requests"])
            for edit in edits:
                if edit.arrival_day is None and edit.arrived(tables):
                    edit.arrival_day = day
        truth = emu.dataset()
    return edits, tables, truth, requests


def test_every_hand_edit_arrives_within_the_bound(schedule):
    edits, _, _, _ = schedule
    assert len(edits) == len(EDIT_DAYS) * 6
    late = [f"{e.what} edited on day {e.day}: "
            + ("never arrived" if e.arrival_day is None else f"arrived on day {e.arrival_day}")
            for e in edits if e.arrival_day is None or e.arrival_day - e.day >= BOUND]
    assert late == []


def test_the_edited_tables_end_equal_to_the_account(schedule):
    _, tables, truth, _ = schedule
    leads = {key(c["id"], row["campaign_lead_map_id"]): row
             for c in truth["campaigns"] for row in c["leads"]}
    assert set(tables["campaign_leads"]) == set(leads)
    differing = [
        k for k, row in leads.items()
        if (str(tables["campaign_leads"][k].get("lead_category_id")),
            tables["campaign_leads"][k].get("status"),
            (tables["campaign_leads"][k].get("lead") or {}).get("custom_fields"))
        != (str(row.get("lead_category_id")), row.get("status"),
            (row.get("lead") or {}).get("custom_fields"))
    ]
    assert differing == []
    assert set(tables["lead_engagement"]) == set(leads)
    steps = {key(c["id"], s["id"]): s for c in truth["campaigns"] for s in c["sequences"]}
    assert {k: r.get("subject") for k, r in tables["campaign_sequences"].items()} == {
        k: s.get("subject") for k, s in steps.items()}
    hooks = {key(c["id"], w["id"]): w["webhook_url"] for c in truth["campaigns"]
             for w in c["webhooks"]}
    assert {k: r.get("webhook_url") for k, r in tables["campaign_webhooks"].items()} == hooks
    details = {key(aid): a.get("signature") for aid, a in truth["email_account_details"].items()}
    assert {k: r.get("signature") for k, r in tables["email_account_details"].items()} == details


def test_a_quiet_account_costs_a_fraction_of_its_size_per_day(schedule):
    """The runs between the first (a full sync) and the last read about 1/BOUND of the idle
    configuration a day, not all of it: no daily run asks as much as the first."""
    _, _, _, requests = schedule
    assert max(requests[1:]) < requests[0]
