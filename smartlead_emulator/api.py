"""The GET endpoints: validate query parameters, query the dataset, return API-shaped JSON.

Functions take the dataset, the query parameters (first value of each) and the path ids, and
return the JSON payload; invalid input raises ApiError with the status and message to send.
Callers hold `Dataset.lock`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import render
from .dataset import Dataset
from .models import Campaign, EmailAccount, LeadMap
from .timeutil import UTC, parse_day, parse_instant, to_naive_utc

Params = dict[str, str]

CAMPAIGN_NOT_FOUND = "Campaign not found - Invalid campaign_id."
LEAD_NOT_FOUND = "Lead not found - Invalid lead_id."
RANGE_ERROR = "Invalid start_date & end_date range. Date difference should be max of 30days."
LEAD_STATUSES = ("STARTED", "INPROGRESS", "COMPLETED", "BLOCKED", "PAUSED", "STOPPED")
EMAIL_STATUSES = ("opened", "clicked", "replied", "unsubscribed")


class Raw:
    """A non-JSON answer (the CSV export)."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body = body
        self.content_type = content_type


class Vanished(Exception):
    """A deleted campaign: the server answers `404 {"error": CAMPAIGN_NOT_FOUND}`
    (`404`), `200 {}` (`empty-object`) or a 200 with an empty body (`empty-body`)."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer)
        self.answer = answer


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- parameter parsing -------------------------------------------------------------------


def int_param(params: Params, name: str, default: int | None = None,
              lo: int | None = None, hi: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name} - {raw}") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise ApiError(400, f"Invalid {name} - {raw}. It must be {bounds}.")
    return value


def time_param(params: Params, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_instant(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name} - {raw}. Expected an ISO 8601 timestamp.") from None


def path_id(raw: str, what: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {what} id") from None


def page(params: Params, max_limit: int) -> tuple[int, int]:
    offset = int_param(params, "offset", 0, lo=0)
    limit = int_param(params, "limit", 100, lo=1, hi=max_limit)
    assert offset is not None and limit is not None
    return offset, limit


def live_campaign(ds: Dataset, raw_id: str, child: bool = True) -> Campaign:
    """The campaign a request names; a deleted one raises Vanished. `child`: the request is
    for one of its child endpoints (`/campaigns/{id}/...`), which `--vanish-after` counts."""
    campaign = ds.campaign(path_id(raw_id, "campaign"))
    if campaign is None:
        raise ApiError(404, CAMPAIGN_NOT_FOUND)
    if campaign.vanish_after is not None and not campaign.vanished and child:
        campaign.child_requests += 1
        if campaign.child_requests > campaign.vanish_after:
            campaign.vanished = True  # from now on every endpoint of it answers as deleted
    if campaign.vanished:
        raise Vanished(campaign.vanish_answer or "404")
    return campaign


def is_duplicated(m: LeadMap) -> bool:
    """Live mode serves these lead rows twice in their campaign's listing (deterministic: every
    50th `campaign_lead_map_id`, those ending ...07, ...57), right after themselves."""
    return m.id % 50 == 7


_listing_cache: dict[int, tuple[Campaign, int, list[LeadMap]]] = {}


def listing(ds: Dataset, c: Campaign) -> list[LeadMap]:
    """The rows `/campaigns/{id}/leads` pages over: in live mode with the duplicates.

    Leads are only ever appended, so a cached listing is valid while the length is unchanged.
    """
    if not ds.live:
        return c.leads
    cached = _listing_cache.get(id(c))
    if cached is not None and cached[0] is c and cached[1] == len(c.leads):
        return cached[2]
    rows = [m for m in c.leads for _ in range(2 if is_duplicated(m) else 1)]
    _listing_cache[id(c)] = (c, len(c.leads), rows)
    return rows


# -- campaigns ---------------------------------------------------------------------------


def campaigns(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    client_id = int_param(params, "client_id")
    rows = [c for c in reversed(ds.listed()) if client_id is None or c.client_id == client_id]
    return [render.campaign(ds, c) for c in rows]


def campaign(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    return render.campaign(ds, live_campaign(ds, cid, child=False))


def sequences(ds: Dataset, params: Params, cid: str) -> list[dict[str, Any]]:
    c = live_campaign(ds, cid)
    return [render.sequence(ds, s, c.id) for s in c.sequences]


def webhooks(ds: Dataset, params: Params, cid: str) -> list[dict[str, Any]]:
    c = live_campaign(ds, cid)
    return [render.webhook(ds, w, c.id) for w in c.webhooks]


def campaign_email_accounts(ds: Dataset, params: Params, cid: str) -> list[dict[str, Any]]:
    c = live_campaign(ds, cid)
    return [render.email_account(ds, a, listing=False) for a in c.mailboxes]


def leads(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    offset, limit = page(params, 100)
    created_gt = time_param(params, "created_at_gt")
    sent_gt = time_param(params, "last_sent_time_gt")
    event_gt = time_param(params, "event_time_gt")
    status = params.get("status") or None
    if status is not None and status not in LEAD_STATUSES:
        raise ApiError(400, f"Invalid status - {status}")
    category_id = int_param(params, "lead_category_id")

    def keep(m: LeadMap) -> bool:
        if created_gt is not None and not m.created_at > created_gt:
            return False
        if sent_gt is not None and (m.last_sent_time is None or not m.last_sent_time > sent_gt):
            return False
        if event_gt is not None and (
                m.last_event_time is None or not m.last_event_time > event_gt):
            return False
        if status is not None and m.status != status:
            return False
        return category_id is None or m.category_id == category_id

    unfiltered = all(f is None for f in (created_gt, sent_gt, event_gt, status, category_id))
    served = listing(ds, c)
    rows = served if unfiltered else [m for m in served if keep(m)]
    answer = {
        # Counts the rows served, duplicates included, so offset paging stays consistent.
        "total_leads": str(len(rows)),
        "offset": offset,
        "limit": limit,
        "data": [render.lead_row(ds, m) for m in rows[offset:offset + limit]],
    }
    if offset == 0 and len(rows) > limit:
        delete_while_listed(ds, c, rows[:limit])
    return answer


def delete_while_listed(ds: Dataset, c: Campaign, page_one: list[LeadMap]) -> None:
    """`--delete-leads-mid-listing N`: once per campaign, delete N leads spread over the page
    just served, so that every row after them moves N places towards the start of the listing
    while the client is still reading its later pages."""
    count = min(ds.delete_leads_mid_listing, len(page_one))
    if count <= 0 or c.id in ds.deleted_mid_listing:
        return
    distinct = list({m.id: m for m in page_one}.values())  # a duplicated row is one lead
    step = max(1, len(distinct) // count)
    doomed = distinct[::step][:count]
    ds.deleted_mid_listing[c.id] = [m.id for m in doomed]
    for entry in doomed:
        ds.delete_lead_map(entry)


def leads_export(ds: Dataset, params: Params, cid: str) -> Raw:
    c = live_campaign(ds, cid)
    return Raw(render.export_csv(c, render.export_columns(ds)), "text/csv; charset=utf-8")


def statistics(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    offset, limit = page(params, 1000)
    start = time_param(params, "sent_time_start_date")
    end = time_param(params, "sent_time_end_date")
    seq_number = int_param(params, "email_sequence_number", lo=1, hi=20)
    status = params.get("email_status") or None
    if status is not None and status not in EMAIL_STATUSES:
        raise ApiError(400, f"Invalid email_status - {status}")
    rows = [
        msg for msg in c.messages
        if (start is None or msg.sent_time >= start)
        and (end is None or msg.sent_time <= end)
        and (seq_number is None or msg.sequence.seq_number == seq_number)
        and (status is None
             or (status == "opened" and msg.open_time is not None)
             or (status == "clicked" and msg.click_time is not None)
             or (status == "replied" and msg.reply_time is not None)
             or (status == "unsubscribed" and msg.is_unsubscribed))
    ]
    return {
        "total_stats": str(len(rows)),
        "data": [render.stats_row(ds, msg) for msg in rows[offset:offset + limit]],
        "offset": offset,
        "limit": limit,
    }


def analytics(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    clients = {cl.id: cl for cl in ds.clients}
    return render.analytics(ds, live_campaign(ds, cid), clients)


def day_range(params: Params) -> tuple[date, date]:
    """The required ``start_date`` and ``end_date`` (``YYYY-MM-DD``) of an analytics route."""
    raw_start, raw_end = params.get("start_date"), params.get("end_date")
    if not raw_start or not raw_end:
        raise ApiError(400, "start_date and end_date are required (YYYY-MM-DD)")
    try:
        return parse_day(raw_start), parse_day(raw_end)
    except ValueError:
        raise ApiError(400, "Invalid start_date or end_date. Expected YYYY-MM-DD.") from None


def analytics_by_date(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    start_day, end_day = day_range(params)
    if end_day < start_day or (end_day - start_day).days > 30:
        raise ApiError(400, RANGE_ERROR)
    tz_name = params.get("time_zone") or "UTC"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, f"Invalid time_zone - {tz_name}") from None
    lo = to_naive_utc(datetime.combine(start_day, time(0), tz).astimezone(UTC))
    hi = to_naive_utc(datetime.combine(end_day + timedelta(days=1), time(0), tz).astimezone(UTC))
    return render.analytics_by_date(ds, c, start_day, end_day, lo, hi)


def message_history(ds: Dataset, params: Params, cid: str, lead_id: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    entry = c.leads_by_lead_id.get(path_id(lead_id, "lead"))
    if entry is None:
        raise ApiError(404, LEAD_NOT_FOUND)
    return render.history(ds, entry, time_param(params, "event_time_gt"))


BULK_HISTORY_FORMS = ("live", "reference", "absent")
BULK_HISTORY_CAP = 100


def bulk_history(ds: Dataset, params: Params, cid: str, *, body: Any, form: str = "live",
                 cap: int = BULK_HISTORY_CAP) -> dict[str, Any]:
    """`POST .../message-history-for-leads/<token>` with `{"lead_ids": [...]}`: the threads of
    those leads keyed by lead id, live form `{"<id>": {"history": [...]}}` or the reference's
    `{"data": {"<id>": [...]}}`. `lead_ids: null` is every lead of the campaign (as the
    notes say the API reads it); more than `cap` ids is a 400. A lead not in the campaign is
    left out; a lead without messages has an empty history. `event_time_gt` as per lead."""
    c = live_campaign(ds, cid)
    if not isinstance(body, dict) or "lead_ids" not in body:
        raise ApiError(400, "lead_ids is required")
    raw = body["lead_ids"]
    if raw is None:
        entries = list(c.leads_by_lead_id.values())
    else:
        if not isinstance(raw, list) or not raw or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in raw):
            raise ApiError(400, "lead_ids must be a non-empty array of lead ids")
        if len(raw) > cap:
            raise ApiError(400, f"lead_ids can hold at most {cap} ids")
        entries = [c.leads_by_lead_id[i] for i in dict.fromkeys(raw) if i in c.leads_by_lead_id]
    after = time_param(params, "event_time_gt")
    threads = {str(m.lead.id): render.history(ds, m, after)["history"] for m in entries}
    if form == "reference":
        return {"data": threads}
    return {lead_id: {"history": items} for lead_id, items in threads.items()}


# -- email accounts ----------------------------------------------------------------------


def email_accounts(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    offset, limit = page(params, 100)
    return [render.email_account(ds, a, listing=True) for a in ds.accounts[offset:offset + limit]]


def _account(ds: Dataset, raw_id: str) -> EmailAccount:
    account = ds.accounts_by_id.get(path_id(raw_id, "email account"))
    if account is None:
        raise ApiError(404, "Email account not found!")
    return account


def email_account(ds: Dataset, params: Params, aid: str) -> dict[str, Any]:
    return render.email_account(ds, _account(ds, aid), listing=False)


def warmup_stats(ds: Dataset, params: Params, aid: str) -> dict[str, Any]:
    return render.warmup_stats(ds, _account(ds, aid))


# -- leads, categories, clients ----------------------------------------------------------


def categories(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    return render.categories(ds)


def lead_by_email(ds: Dataset, params: Params) -> dict[str, Any]:
    email = (params.get("email") or "").strip()
    if not email:
        raise ApiError(400, "email is required")
    lead = ds.leads_by_email.get(email.lower())
    if lead is None:
        raise ApiError(404, "Lead not found")
    return render.lead_by_email(ds, lead)


def lead_campaigns(ds: Dataset, params: Params, lead_id: str) -> list[dict[str, Any]]:
    lead = ds.leads_by_id.get(path_id(lead_id, "lead"))
    if lead is None:
        raise ApiError(404, LEAD_NOT_FOUND)
    return render.lead_campaigns(ds, lead)


def clients(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    return [render.client(ds, cl) for cl in ds.clients]
