"""What the account-wide figures do not count: clicks (any email event) and leads added.

``GET /analytics/campaign/overall-stats`` (tap_smartlead/activity.py) lists the campaigns with a
send, an open, a reply or a bounce. Two account-wide routes of Smartlead's newer reference say
what it does not; both are read once per run, and where either is missing, refused or answers
a shape the tap cannot read, one warning and the run decides as before (each recently active
campaign's own analytics, the rotation for the rest):

- ``GET /campaigns/all-leads-activities`` (``event_time_from``, ``event_time_to``, ``offset``,
  ``limit`` up to 1,000, 10 requests a minute): each lead of a campaign with an email event in
  the range and its ``activities[]``. The reference's two pages disagree on the answer: the
  rows as a bare list, or under ``data`` with ``hasMore``; both are read. A campaign with any
  row is active (a click alone included), from the time of its latest activity.
- ``GET /leads/all`` (``limit`` up to 1,000, ``lastSeenLeadId``: newest lead first): the leads
  created since a time (their ``created_at``), then for each ``GET /leads/{id}/campaigns``:
  which campaigns got a lead. A lead that already existed in the account and was added to
  another campaign keeps its id and creation time: not seen here (the rotation reads it).

Both are signals: they emit no record. Each is capped (pages, new leads); past a cap the
signal says nothing this run (the same fallback, logged once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tap_smartlead.coercion import parse_timestamp
from tap_smartlead.errors import (
    ApiRequestError,
    AuthenticationError,
    NotFoundError,
    RetriesExhaustedError,
    UnexpectedResponseError,
)
from tap_smartlead.http_client import ApiCall

ACTIVITIES_PATH = "/campaigns/all-leads-activities"
LEADS_ALL_PATH = "/leads/all"
LEAD_CAMPAIGNS_PATH = "/leads/{lead_id}/campaigns"
PAGE_SIZE = 1000
# At most this many pages of activities a run (10,000 leads with an event): past it, the
# signal is not used this run (at 10 requests a minute, a longer feed costs more than it saves).
MAX_ACTIVITY_PAGES = 10
# At most this many leads created since the last run are looked up (one request each).
MAX_NEW_LEADS = 100
# What makes a signal say nothing this run (its route is unverified: a server error that
# outlasts the retries there is no reason to fail the sync).
UNAVAILABLE = (NotFoundError, ApiRequestError, UnexpectedResponseError, AuthenticationError,
               RetriesExhaustedError)

_T = TypeVar("_T")
Fetch = Callable[[ApiCall], Any]
Call = Callable[[str, Mapping[str, Any]], ApiCall]


class SignalUnavailable(Exception):
    """The route cannot say this run (missing, refused, an odd answer, or past its cap)."""


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def activity_rows(payload: Any) -> tuple[list[Mapping[str, Any]], bool | None]:
    """The rows of one answer and its ``hasMore`` (None: the answer does not say), from either
    shape; SignalUnavailable for anything else."""
    if isinstance(payload, list):
        rows, more = payload, None
    elif isinstance(payload, Mapping) and isinstance(payload.get("data"), list):
        rows = payload["data"]
        more = payload.get("hasMore", payload.get("has_more"))
        more = bool(more) if isinstance(more, bool) else None
    else:
        raise SignalUnavailable(f"an answer without rows ({type(payload).__name__})")
    if not all(isinstance(row, Mapping) for row in rows):
        raise SignalUnavailable("rows that are not objects")
    return rows, more


def latest_activity(row: Mapping[str, Any]) -> dt.datetime | None:
    """The latest activity time of a row (its activities' times, or the row's own)."""
    times = []
    activities = row.get("activities")
    for item in activities if isinstance(activities, list) else []:
        if isinstance(item, Mapping):
            for key in ("activity_time", "time", "event_time", "created_at"):
                when = parse_timestamp(item.get(key))
                if when is not None:
                    times.append(when)
                    break
    for key in ("activity_time", "event_time", "last_event_time"):
        when = parse_timestamp(row.get(key))
        if when is not None:
            times.append(when)
    return max(times) if times else None


def campaigns_with_activity(
    fetch: Fetch, call: Call, since: dt.datetime, until: dt.datetime
) -> dict[str, dt.datetime]:
    """Campaign id (as text) -> its latest email event from ``since`` to ``until``."""
    out: dict[str, dt.datetime] = {}
    offset = 0
    for _ in range(MAX_ACTIVITY_PAGES):
        params = {"event_time_from": _iso(since), "event_time_to": _iso(until),
                  "offset": offset, "limit": PAGE_SIZE}
        rows, more = activity_rows(fetch(call(ACTIVITIES_PATH, params)))
        for row in rows:
            campaign = row.get("campaign_id")
            if campaign is None:
                raise SignalUnavailable("a row without campaign_id")
            when = latest_activity(row) or until
            key = str(campaign)
            out[key] = max(out.get(key, when), when)
        if more is False or (more is None and len(rows) < PAGE_SIZE) or not rows:
            return out
        offset += len(rows)
    raise SignalUnavailable(f"more than {MAX_ACTIVITY_PAGES * PAGE_SIZE} leads with activity")


def new_leads(
    fetch: Fetch, call: Call, since: dt.datetime, after_id: int | None = None
) -> tuple[list[tuple[int, dt.datetime]], int | None]:
    """The leads newer than lead ``after_id`` (lead ids only grow: no clock involved) or, when
    no id is known, created after ``since``, newest first; and the account's newest lead id."""
    found: list[tuple[int, dt.datetime]] = []
    top: int | None = None
    cursor = None
    for _ in range(MAX_NEW_LEADS // PAGE_SIZE + 2):
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if cursor is not None:
            params["lastSeenLeadId"] = cursor
        payload = fetch(call(LEADS_ALL_PATH, params))
        data = payload.get("data") if isinstance(payload, Mapping) else None
        leads = data.get("leads") if isinstance(data, Mapping) else None
        if not isinstance(leads, list):
            raise SignalUnavailable("an answer without data.leads")
        for lead in leads:
            lead_id = _int(lead.get("id")) if isinstance(lead, Mapping) else None
            created = parse_timestamp(lead.get("created_at")) if isinstance(lead, Mapping) \
                else None
            if lead_id is None or (created is None and after_id is None):
                raise SignalUnavailable("a lead without id or created_at")
            top = lead_id if top is None else max(top, lead_id)
            older = lead_id <= after_id if after_id is not None else created <= since
            if older:
                return found, top
            found.append((lead_id, created or since))
            if len(found) > MAX_NEW_LEADS:
                raise SignalUnavailable(f"more than {MAX_NEW_LEADS} new leads")
        cursor = data.get("lastSeenLeadId")
        if not leads or cursor is None:
            return found, top
    return found, top


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def campaigns_with_new_leads(
    fetch: Fetch, call: Call, since: dt.datetime, after_id: int | None = None
) -> tuple[dict[str, tuple[dt.datetime, int]], int | None]:
    """Campaign id (as text) -> (the creation time, the id) of its newest lead among those
    ``new_leads`` finds; and the account's newest lead id."""
    out: dict[str, tuple[dt.datetime, int]] = {}
    leads, top = new_leads(fetch, call, since, after_id)
    for lead_id, created in leads:
        payload = fetch(call(LEAD_CAMPAIGNS_PATH.format(lead_id=lead_id), {}))
        rows = payload.get("data") if isinstance(payload, Mapping) else payload
        if not isinstance(rows, list):
            raise SignalUnavailable("a lead's campaigns that are no list")
        for row in rows:
            campaign = row.get("id", row.get("campaign_id")) if isinstance(row, Mapping) \
                else None
            if campaign is None:
                raise SignalUnavailable("a lead's campaign without id")
            key = str(campaign)
            out[key] = max(out.get(key, (created, lead_id)), (created, lead_id))
    return out, top


def guarded(what: str, logger: logging.Logger, read: Callable[[], _T]) -> _T | None:
    """``read()``, or None after one warning (per call: the detector asks once per run)."""
    try:
        return read()
    except (SignalUnavailable, *UNAVAILABLE) as exc:
        logger.warning(
            "Could not read %s (%s): campaigns whose only activity was what it reports are "
            "read with their next send, open, reply or bounce, or on the rotation.", what, exc,
        )
        return None
