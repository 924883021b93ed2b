"""Every route's answer, in both shapes (`live` and the documented reference's `seed`), stays
byte-for-byte what was recorded in answers_digest.json: a refactoring of the renderer must not
change one byte of any answer.

The answers are computed in process (the API functions over a fixed dataset, serialised as the
server serialises them), so this runs in about a second. A deliberate change of a shape: re-record
with `python -m tests.emulator.test_answers_unchanged` and say in the commit which routes moved.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from smartlead_emulator import api, control
from smartlead_emulator.dataset import Dataset

DIGESTS = Path(__file__).with_name("answers_digest.json")
NOW = datetime(2024, 5, 1, 12, 0)
SHAPES = ("live", "seed")


def dataset(shapes: str) -> Dataset:
    """A small dataset with every kind of object the renderer shows: deleted (vanishing)
    campaigns, a day of new activity (hand-sent answers in live mode) and a campaign deleted
    through the control API (a lead's campaign list in each shape)."""
    ds = Dataset(seed=11, now=NOW, campaigns=4, leads_per_campaign=60, mailboxes=4, clients=3,
                 vanishing_campaigns=2, shapes=shapes)
    ds.advance(1)
    regular = [c for c in ds.campaigns if not c.vanished]
    ds.delete_campaign(regular[-1].id)
    return ds


def body(payload: Any) -> bytes:
    if isinstance(payload, api.Raw):
        return payload.content_type.encode() + b"\n" + payload.body
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def answers(ds: Dataset) -> Iterator[tuple[str, bytes]]:
    """(route, answer) for every route and every id the dataset has (errors included)."""

    def call(route: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[str, bytes]:
        try:
            return route, body(func(ds, *args, **kwargs))
        except api.ApiError as exc:
            return route, f"{exc.status} {exc.message}".encode()
        except api.Vanished as exc:
            return route, f"vanished {exc.answer}".encode()

    yield call("/campaigns", api.campaigns, {})
    for c in ds.campaigns:
        cid = str(c.id)
        yield call("/campaigns/{id}", api.campaign, {}, cid)
        yield call("/campaigns/{id}/sequences", api.sequences, {}, cid)
        yield call("/campaigns/{id}/webhooks", api.webhooks, {}, cid)
        yield call("/campaigns/{id}/email-accounts", api.campaign_email_accounts, {}, cid)
        for offset in ("0", "50", "100"):
            yield call("/campaigns/{id}/leads", api.leads, {"offset": offset, "limit": "50"}, cid)
        yield call("/campaigns/{id}/leads-export", api.leads_export, {}, cid)
        yield call("/campaigns/{id}/statistics", api.statistics, {"limit": "1000"}, cid)
        yield call("/campaigns/{id}/analytics", api.analytics, {}, cid)
        yield call("/campaigns/{id}/analytics-by-date", api.analytics_by_date,
                   {"start_date": "2024-04-05", "end_date": "2024-05-01",
                    "time_zone": "America/New_York"}, cid)
        for entry in c.leads:
            yield call("/campaigns/{id}/leads/{lead_id}/message-history", api.message_history,
                       {}, cid, str(entry.lead.id))
        yield call("/campaigns/{id}/message-history-for-leads", api.bulk_history, {}, cid,
                   body={"lead_ids": None})
    yield call("/email-accounts", api.email_accounts, {})
    for a in ds.accounts:
        yield call("/email-accounts/{id}", api.email_account, {}, str(a.id))
        yield call("/email-accounts/{id}/warmup-stats", api.warmup_stats, {}, str(a.id))
    yield call("/leads/fetch-categories", api.categories, {})
    for lead in ds.leads_by_id.values():
        yield call("/leads", api.lead_by_email, {"email": lead.email})
        yield call("/leads/{lead_id}/campaigns", api.lead_campaigns, {}, str(lead.id))
    yield call("/client", api.clients, {})
    yield "control: dataset dump", body(control.dump(ds))


def digests(shapes: str) -> dict[str, str]:
    hashes: dict[str, Any] = {}
    for route, answer in answers(dataset(shapes)):
        hashes.setdefault(route, hashlib.sha256()).update(answer + b"\0")
    return {route: h.hexdigest() for route, h in sorted(hashes.items())}


@pytest.mark.parametrize("shapes", SHAPES)
def test_every_route_answers_the_recorded_bytes(shapes: str) -> None:
    recorded = json.loads(DIGESTS.read_text())[shapes]
    now = digests(shapes)
    changed = sorted(r for r in recorded.keys() | now.keys() if recorded.get(r) != now.get(r))
    assert changed == [], f"{shapes} answers changed on: {changed}"


if __name__ == "__main__":  # re-record (a deliberate change of a shape)
    DIGESTS.write_text(json.dumps({s: digests(s) for s in SHAPES}, indent=1) + "\n")
    sys.exit(0)
