"""The GET endpoints: validate query parameters, query the dataset, return API-shaped JSON.

Functions take the dataset, the query parameters (first value of each) and the path ids, and
return the JSON payload; invalid input raises ApiError with the status and message to send.
Callers hold `Dataset.lock`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import render
from .dataset import Dataset
from .models import Campaign, EmailAccount, LeadMap
from .names import CATEGORIES
from .timeutil import UTC, parse_day, parse_instant, to_naive_utc

Params = dict[str, str]

CAMPAIGN_NOT_FOUND = "Campaign not found - Invalid campaign_id."
LEAD_NOT_FOUND = "Lead not found - Invalid lead_id."
RANGE_ERROR = "Invalid start_date & end_date range. Date difference should be max of 30days."
LEAD_STATUSES = ("STARTED", "INPROGRESS", "COMPLETED", "BLOCKED", "PAUSED", "STOPPED")
EMAIL_STATUSES = ("opened", "clicked", "replied", "unsubscribed")


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


def live_campaign(ds: Dataset, raw_id: str) -> Campaign:
    campaign = ds.campaign(path_id(raw_id, "campaign"))
    if campaign is None or campaign.vanished:
        raise ApiError(404, CAMPAIGN_NOT_FOUND)
    return campaign


# -- campaigns ---------------------------------------------------------------------------


def campaigns(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    client_id = int_param(params, "client_id")
    rows = [c for c in reversed(ds.campaigns) if client_id is None or c.client_id == client_id]
    return [render.campaign(c, ds.user_id) for c in rows]


def campaign(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    return render.campaign(live_campaign(ds, cid), ds.user_id)


def sequences(ds: Dataset, params: Params, cid: str) -> list[dict[str, Any]]:
    c = live_campaign(ds, cid)
    return [render.sequence(s, c.id) for s in c.sequences]


def webhooks(ds: Dataset, params: Params, cid: str) -> list[dict[str, Any]]:
    c = live_campaign(ds, cid)
    return [render.webhook(w, c.id) for w in c.webhooks]


def campaign_email_accounts(ds: Dataset, params: Params, cid: str) -> list[dict[str, Any]]:
    c = live_campaign(ds, cid)
    return [render.email_account(a, ds.user_id, full_warmup=True) for a in c.mailboxes]


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
    rows = c.leads if unfiltered else [m for m in c.leads if keep(m)]
    return {
        "total_leads": str(len(rows)),
        "offset": offset,
        "limit": limit,
        "data": [render.lead_row(m) for m in rows[offset:offset + limit]],
    }


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
        "data": [render.stats_row(msg) for msg in rows[offset:offset + limit]],
        "offset": offset,
        "limit": limit,
    }


def analytics(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    clients = {cl.id: cl for cl in ds.clients}
    return render.analytics(live_campaign(ds, cid), ds.user_id, clients)


def analytics_by_date(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    raw_start, raw_end = params.get("start_date"), params.get("end_date")
    if not raw_start or not raw_end:
        raise ApiError(400, "start_date and end_date are required (YYYY-MM-DD)")
    try:
        start_day, end_day = parse_day(raw_start), parse_day(raw_end)
    except ValueError:
        raise ApiError(400, "Invalid start_date or end_date. Expected YYYY-MM-DD.") from None
    if end_day < start_day or (end_day - start_day).days > 30:
        raise ApiError(400, RANGE_ERROR)
    tz_name = params.get("time_zone") or "UTC"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, f"Invalid time_zone - {tz_name}") from None
    lo = to_naive_utc(datetime.combine(start_day, time(0), tz).astimezone(UTC))
    hi = to_naive_utc(datetime.combine(end_day + timedelta(days=1), time(0), tz).astimezone(UTC))
    return render.analytics_by_date(c, ds.user_id, start_day, end_day, lo, hi)


def message_history(ds: Dataset, params: Params, cid: str, lead_id: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    entry = c.leads_by_lead_id.get(path_id(lead_id, "lead"))
    if entry is None:
        raise ApiError(404, LEAD_NOT_FOUND)
    return render.history(entry, time_param(params, "event_time_gt"))


# -- email accounts ----------------------------------------------------------------------


def email_accounts(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    offset, limit = page(params, 100)
    return [render.email_account(a, ds.user_id, full_warmup=False)
            for a in ds.accounts[offset:offset + limit]]


def _account(ds: Dataset, raw_id: str) -> EmailAccount:
    account = ds.accounts_by_id.get(path_id(raw_id, "email account"))
    if account is None:
        raise ApiError(404, "Email account not found!")
    return account


def email_account(ds: Dataset, params: Params, aid: str) -> dict[str, Any]:
    return render.email_account(_account(ds, aid), ds.user_id, full_warmup=True)


def warmup_stats(ds: Dataset, params: Params, aid: str) -> dict[str, Any]:
    return render.warmup_stats(_account(ds, aid), ds.now.date())


# -- leads, categories, clients ----------------------------------------------------------


def categories(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    return [render.category(entry) for entry in CATEGORIES]


def lead_by_email(ds: Dataset, params: Params) -> dict[str, Any]:
    email = (params.get("email") or "").strip()
    if not email:
        raise ApiError(400, "email is required")
    lead = ds.leads_by_email.get(email.lower())
    if lead is None:
        raise ApiError(404, "Lead not found")
    return render.lead_by_email(lead)


def lead_campaigns(ds: Dataset, params: Params, lead_id: str) -> list[dict[str, Any]]:
    lead = ds.leads_by_id.get(path_id(lead_id, "lead"))
    if lead is None:
        raise ApiError(404, LEAD_NOT_FOUND)
    found = sorted((m.campaign for m in lead.maps), key=lambda c: c.id)
    return [{"id": c.id, "status": c.status, "name": c.name} for c in found]


def clients(ds: Dataset, params: Params) -> list[dict[str, Any]]:
    return [render.client(cl, ds.user_id) for cl in ds.clients]
