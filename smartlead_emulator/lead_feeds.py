"""Two account-wide lead routes of Smartlead's newer reference, answered from the dataset.

- `GET /leads/all?limit=&lastSeenLeadId=`: every lead of the account, newest first by lead id
  (lead ids are the account's, not a campaign's), `limit` 1..1000 (default 100), the cursor
  camelCase (`last_seen_lead_id` answers 400, so do `offset` and `page`). Answer (as the
  official CLI and a third party that ran it live describe it): `{"ok": true, "data":
  {"leads": [...], "lastSeenLeadId": <the page's last id, or null>, "totalCount": n}}`. No
  campaign id on a lead; `GET /leads/{lead_id}/campaigns` says which campaigns hold it.
- `GET /campaigns/all-leads-activities?event_time_from=&event_time_to=&offset=&limit=`: each
  lead of a campaign with an email event in the range (ISO 8601, both ends included), with its
  `activities[]` (SENT, OPEN, CLICK, REPLY, BOUNCE with their times), `limit` 1..1000
  (default 100), offset paging. The reference's two pages disagree on the answer: `data`
  (`{"ok": true, "data": [...], "hasMore": bool}`) or `list` (the rows as a bare JSON list,
  no `hasMore`). Limited to 10 requests a minute (a bare 429) on top of the account's limit.

Forms (`--leads-all`, `--leads-activities`, or `POST /_emulator/config`): `absent` answers
404 as for an account without the route; `odd` (activities) answers `{"ok": true}`.
"""

from __future__ import annotations

from typing import Any

from .api import ApiError, Params, int_param, time_param
from .dataset import Dataset
from .global_analytics import RouteLimit
from .render import lead

LEADS_ALL_FORMS = ("live", "absent")
ACTIVITIES_FORMS = ("data", "list", "odd", "absent")
MAX_LIMIT = 1000
ACTIVITIES_PER_MINUTE = 10
LEADS_ALL = "/leads/all"
ACTIVITIES = "/campaigns/all-leads-activities"


def leads_all(ds: Dataset, params: Params, *, form: str = "live") -> dict[str, Any]:
    if form == "absent":
        raise ApiError(404, "Cannot GET /api/v1/leads/all")
    for rejected in ("last_seen_lead_id", "offset", "page"):
        if rejected in params:
            raise ApiError(400, f'"{rejected}" is not allowed')
    limit = int_param(params, "limit", 100, lo=1, hi=MAX_LIMIT)
    cursor = int_param(params, "lastSeenLeadId", None, lo=0)
    assert limit is not None
    ids = sorted(ds.leads_by_id, reverse=True)
    if cursor is not None:
        ids = [i for i in ids if i < cursor]
    rows = []
    for lead_id in ids[:limit]:
        ld = ds.leads_by_id[lead_id]
        domain = ld.email.rsplit("@", 1)[-1]
        rows.append({
            **lead(ld),
            "created_at": ld.created_at.isoformat(timespec="milliseconds") + "Z",
            "email_domain": domain,
            "seg_type": None,
            "source": "CSV_UPLOAD" if ld.id % 3 else "API",
            "category_ids": sorted({m.category_id for m in ld.maps if m.category_id}),
            "email_campaign_leads_mappings_count": len(ld.maps),
        })
    last = rows[-1]["id"] if rows else None
    return {"ok": True, "data": {"leads": rows, "lastSeenLeadId": last,
                                 "totalCount": len(ds.leads_by_id)}}


def _activities(msg: Any, lo: Any, hi: Any) -> list[dict[str, Any]]:
    found: set[tuple[str, Any]] = {("SENT", msg.sent_time)}
    if msg.is_bounced:
        found.add(("BOUNCE", msg.sent_time))
    for kind, when in (("OPEN", msg.open_time), ("CLICK", msg.click_time),
                       ("REPLY", msg.reply_time), *msg.events):
        if when is not None:
            found.add((kind, when))
    return [
        {"activity_type": kind, "activity_time": when.isoformat(timespec="milliseconds") + "Z",
         "stats_id": msg.stats_id, "sequence_number": msg.sequence.seq_number}
        for kind, when in sorted(found, key=lambda item: (item[1], item[0]))
        if (lo is None or when >= lo) and (hi is None or when <= hi)
    ]


class LeadFeeds:
    """The two routes bound to an emulator's forms and the activities route's own limit."""

    def __init__(self, leads_all_form: str = "live", activities_form: str = "data",
                 per_minute: int = ACTIVITIES_PER_MINUTE) -> None:
        self.leads_all_form = leads_all_form
        self.activities_form = activities_form
        self.route_limit = RouteLimit(per_minute, 60.0) if per_minute > 0 else None

    def leads_all(self, ds: Dataset, params: Params) -> dict[str, Any]:
        return leads_all(ds, params, form=self.leads_all_form)

    def activities(self, ds: Dataset, params: Params) -> Any:
        form = self.activities_form
        if form == "absent":
            raise ApiError(404, "Cannot GET /api/v1/campaigns/all-leads-activities")
        if self.route_limit is not None:
            self.route_limit.check("all-leads-activities")
        lo = time_param(params, "event_time_from")
        hi = time_param(params, "event_time_to")
        offset = int_param(params, "offset", 0, lo=0)
        limit = int_param(params, "limit", 100, lo=1, hi=MAX_LIMIT)
        assert offset is not None and limit is not None
        if form == "odd":
            return {"ok": True}
        rows = []
        for campaign in ds.campaigns:
            if campaign.vanished:
                continue
            for entry in campaign.leads:
                activities = [a for msg in entry.messages for a in _activities(msg, lo, hi)]
                if not activities:
                    continue
                activities.sort(key=lambda a: a["activity_time"])
                rows.append({
                    "lead_id": entry.lead.id, "email": entry.lead.email,
                    "campaign_lead_map_id": entry.id, "campaign_id": campaign.id,
                    "campaign_name": campaign.name, "activities": activities,
                })
        chunk = rows[offset:offset + limit]
        if form == "list":
            return chunk
        return {"ok": True, "data": chunk, "hasMore": offset + limit < len(rows)}
