"""The account-wide analytics family (`GET /analytics/...`) and per-campaign mailbox statistics.

Every figure is computed from the same messages the statistics rows are, so the endpoints agree
with each other and with the per-campaign streams:

- a message is *sent* on the local day of its `sent_time`, *opened* on that of its `open_time`,
  *replied* on that of its `reply_time` (only `reply_time` marks a reply, as in the statistics
  rows); a bounce and an unsubscribe count on the day of the send (the data keeps no other time);
- "by event date" counts each event on its own day; "by send date" counts every event of a
  message on the day the message was sent (replies and bounces land on earlier days later);
- a reply is *positive* when its lead's category has `sentiment_type: positive`;
- the campaigns' and mailboxes' figures for a day add up to the account's for that day, and
  each client's to its campaigns'.

Two shapes: `live` (the default; the newer reference's: `{"ok": true, "data": [...]}`, ISO dates)
and `reference` (the older reference's examples: `{"success": true, "message": ..., "data":
{"day_wise_stats": [...]}}`, days labelled `"20 Apr"` without a year). With `missing` every
`/analytics` route answers 404, as for an account or plan without them.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .api import ApiError, Params, day_range, live_campaign, page
from .dataset import Dataset
from .models import Campaign, EmailAccount, Message
from .names import CATEGORIES, CATEGORY_SENTIMENT
from .timeutil import UTC, to_naive_utc

SHAPES = ("live", "reference")
ANALYTICS_NOT_FOUND = "Cannot GET /api/v1/analytics"
SUCCESS_MESSAGE = "Analytics fetched successfully"
MAILBOX_STATS_MAX_LIMIT = 20
UNCATEGORISED = "Uncategorized"
MAILBOX_COUNTS = ("sent_count", "reply_count", "open_count", "click_count", "bounce_count",
                  "sender_bounce_count", "unsubscribed_count")


@dataclass
class Figures:
    """Counts of one group (the account, a campaign, a mailbox, a client) over some days."""

    sent: int = 0
    opened: int = 0
    clicked: int = 0
    replied: int = 0
    positive_replied: int = 0
    bounced: int = 0
    unsubscribed: int = 0
    leads: set[int] = field(default_factory=set)  # leads sent to
    opened_leads: set[int] = field(default_factory=set)

    def active(self) -> bool:
        return bool(self.sent or self.opened or self.replied or self.bounced)


def rate(part: int, whole: int) -> str:
    """The API's `"x.xx%"`."""
    return f"{(100.0 * part / whole) if whole else 0.0:.2f}%"


def health(fig: Figures) -> dict[str, Any]:
    """The counts and `"x.xx%"` rates the campaign and mailbox routes share."""
    return {
        "sent": fig.sent, "opened": fig.opened, "replied": fig.replied,
        "positive_replied": fig.positive_replied, "bounced": fig.bounced,
        "unique_lead_count": len(fig.leads), "unique_open_count": len(fig.opened_leads),
        "open_rate": rate(fig.opened, fig.sent), "reply_rate": rate(fig.replied, fig.sent),
        "bounce_rate": rate(fig.bounced, fig.sent),
    }


def day_label(day: date) -> str:
    """The older reference's label: `"20 Apr"` (no year)."""
    return f"{day.day:02d} {day.strftime('%b')}"


# -- query parameters ----------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    start: date
    end: date
    tz: ZoneInfo
    campaign_ids: frozenset[int] | None
    client_ids: frozenset[int] | None

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def day_of(self, when: datetime | None) -> date | None:
        """The local day of a naive-UTC time, if it lies within the range."""
        if when is None:
            return None
        local = when.replace(tzinfo=UTC).astimezone(self.tz).date()
        return local if self.start <= local <= self.end else None

    def bounds(self) -> tuple[datetime, datetime]:
        lo = datetime.combine(self.start, time(0), self.tz).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(0), self.tz).astimezone(UTC)
        return to_naive_utc(lo), to_naive_utc(hi)


def _ids(params: Params, name: str) -> frozenset[int] | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return frozenset(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ApiError(400, f"Invalid {name} - {raw}") from None


def query(params: Params, *, tz_required: bool = False) -> Query:
    start, end = day_range(params)
    if end < start:
        raise ApiError(400, "end_date must not be before start_date")
    tz_name = params.get("timezone") or params.get("time_zone")
    if not tz_name and tz_required:
        raise ApiError(400, "timezone is required")
    try:
        tz = ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiError(400, f"Invalid timezone - {tz_name}") from None
    return Query(start, end, tz, _ids(params, "campaign_ids"), _ids(params, "client_ids"))


# -- the figures -----------------------------------------------------------------------------


def campaigns_of(ds: Dataset, q: Query) -> list[Campaign]:
    return [
        c for c in ds.campaigns
        if not c.vanished
        and (q.campaign_ids is None or c.id in q.campaign_ids)
        and (q.client_ids is None or c.client_id in q.client_ids)
    ]


def positive(msg: Message) -> bool:
    return CATEGORY_SENTIMENT.get(msg.owner.category_id or 0) == "positive"


def _add(fig: Figures, msg: Message, *, sent: bool, opened: bool, clicked: bool,
         replied: bool) -> None:
    lead = msg.owner.lead.id
    if sent:
        fig.sent += 1
        fig.leads.add(lead)
        fig.bounced += msg.is_bounced
        fig.unsubscribed += msg.is_unsubscribed
    if opened:
        fig.opened += 1
        fig.opened_leads.add(lead)
    if clicked:
        fig.clicked += 1
    if replied:
        fig.replied += 1
        fig.positive_replied += positive(msg)


def events(ds: Dataset, q: Query, *, by_send_date: bool = False
           ) -> Iterator[tuple[date, Campaign, Message, dict[str, bool]]]:
    """(day, campaign, message, which of its events count on that day) in the range."""
    for c in campaigns_of(ds, q):
        for msg in c.messages:
            sent_day = q.day_of(msg.sent_time)
            if by_send_date:
                if sent_day is not None:
                    yield sent_day, c, msg, {
                        "sent": True, "opened": msg.open_time is not None,
                        "clicked": msg.click_time is not None,
                        "replied": msg.reply_time is not None}
                continue
            marks: dict[date, dict[str, bool]] = defaultdict(
                lambda: {"sent": False, "opened": False, "clicked": False, "replied": False})
            for name, when in (("sent", msg.sent_time), ("opened", msg.open_time),
                               ("clicked", msg.click_time), ("replied", msg.reply_time)):
                day = q.day_of(when)
                if day is not None:
                    marks[day][name] = True
            for day, mark in marks.items():
                yield day, c, msg, mark


def figures_by(ds: Dataset, q: Query, key: Any, *, by_send_date: bool = False
               ) -> dict[tuple[date, Any], Figures]:
    """Figures per (day, group) where ``key(campaign, message)`` names the group."""
    out: dict[tuple[date, Any], Figures] = defaultdict(Figures)
    for day, c, msg, mark in events(ds, q, by_send_date=by_send_date):
        _add(out[(day, key(c, msg))], msg, **mark)
    return out


def account_days(ds: Dataset, q: Query, *, by_send_date: bool) -> list[tuple[date, Figures]]:
    found = figures_by(ds, q, lambda c, m: None, by_send_date=by_send_date)
    return [(day, found.get((day, None), Figures())) for day in q.days()]


def _mailbox(msg: Message) -> EmailAccount:
    return msg.owner.mailbox


# -- the answers ----------------------------------------------------------------------------


def envelope(shape: str, key: str | None, rows: Any) -> dict[str, Any]:
    if shape == "reference":
        data = rows if key is None else {key: rows}
        return {"success": True, "message": SUCCESS_MESSAGE, "data": data}
    return {"ok": True, "data": rows}


def _day_row(day: date, fig: Figures, shape: str, *, by_send_date: bool) -> dict[str, Any]:
    metrics: dict[str, Any] = {"sent": fig.sent, "opened": fig.opened, "replied": fig.replied,
                               "bounced": fig.bounced, "unsubscribed": fig.unsubscribed}
    if by_send_date:
        metrics["positive_replied"] = fig.positive_replied
        metrics["unique_lead_reached"] = len(fig.leads)
    return {
        "date": day_label(day) if shape == "reference" else day.isoformat(),
        "day_name": day.strftime("%A"),
        "email_engagement_metrics": metrics,
    }


class RouteLimit:
    """A limit of each /analytics route's own (the reference lists 10 per minute on some):
    at most ``requests`` accepted per route in any ``window`` seconds, else a bare 429."""

    def __init__(self, requests: int, window: float) -> None:
        if requests < 1 or window <= 0:
            raise ValueError("the analytics route limit needs requests >= 1 and a window > 0")
        self.requests = requests
        self.window = window
        self._starts: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, route: str) -> None:
        now = monotonic()
        with self._lock:
            starts = self._starts[route]
            while starts and starts[0] <= now - self.window:
                starts.popleft()
            if len(starts) >= self.requests:
                raise ApiError(429, "Rate limit exceeded")
            starts.append(now)

    def clear(self) -> None:
        """The emulator's clock moved on by days: every window of the limit is over."""
        with self._lock:
            self._starts.clear()


class GlobalAnalytics:
    """The routes, bound to the emulator's analytics options (shape, missing, route limit)."""

    def __init__(self, shape: str = "live", missing: bool = False,
                 route_limit: RouteLimit | None = None) -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown analytics shape {shape!r}")
        self.shape = shape
        self.missing = missing
        self.route_limit = route_limit

    def _guard(self, route: str) -> None:
        if self.missing:
            raise ApiError(404, ANALYTICS_NOT_FOUND)
        if self.route_limit is not None:
            self.route_limit.check(route)

    def day_wise(self, ds: Dataset, params: Params) -> dict[str, Any]:
        self._guard("day_wise")
        q = query(params)
        rows = [_day_row(d, f, self.shape, by_send_date=False)
                for d, f in account_days(ds, q, by_send_date=False)]
        return envelope(self.shape, "day_wise_stats", rows)

    def day_wise_by_sent_time(self, ds: Dataset, params: Params) -> dict[str, Any]:
        self._guard("day_wise_by_sent_time")
        q = query(params, tz_required=True)
        rows = [_day_row(d, f, self.shape, by_send_date=True)
                for d, f in account_days(ds, q, by_send_date=True)]
        return envelope(self.shape, "day_wise_stats", rows)

    def campaign_overall(self, ds: Dataset, params: Params) -> dict[str, Any]:
        self._guard("campaign_overall")
        q = query(params)
        found = total_by(ds, q, lambda c, m: c.id)
        rows = []
        for c in campaigns_of(ds, q):
            fig = found.get(c.id)
            if fig is None or not fig.active():
                continue
            rows.append({"id": c.id, "campaign_name": c.name, **health(fig),
                         "positive_reply_rate": rate(fig.positive_replied, fig.replied)})
        # The older reference shows this one in the `ok` envelope, the list under a key.
        return {"ok": True, "data": {"campaign_wise_performance": rows}}

    def mailbox_health(self, ds: Dataset, params: Params) -> dict[str, Any]:
        self._guard("mailbox_health")
        q = query(params)
        found = total_by(ds, q, lambda c, m: _mailbox(m).id)
        rows = []
        for account in ds.accounts:
            fig = found.get(account.id)
            if fig is None or not fig.active():
                continue
            rows.append({"from_email": account.from_email, **health(fig)})
        return envelope(self.shape, "email_health_metrics", rows)

    def client_overall(self, ds: Dataset, params: Params) -> dict[str, Any]:
        self._guard("client_overall")
        q = query(params)
        found = total_by(ds, q, lambda c, m: c.client_id)
        rows = []
        for client in ds.clients:
            fig = found.get(client.id)
            if fig is None or not fig.active():
                continue
            campaigns = [c for c in campaigns_of(ds, q) if c.client_id == client.id]
            rows.append({
                "client_id": client.id, "client_name": client.name,
                "total_campaigns_count": str(len(campaigns)),
                "campaign_stats": {
                    "sent": fig.sent, "opened": fig.opened, "replied": fig.replied,
                    "positive_replied": fig.positive_replied, "bounced": fig.bounced,
                    "client_health": rate(fig.sent - fig.bounced, fig.sent),
                    "unique_lead_count": len(fig.leads),
                    "unique_open_count": len(fig.opened_leads),
                },
            })
        return envelope(self.shape, "client_wise_performance", rows)

    def category_responses(self, ds: Dataset, params: Params) -> dict[str, Any]:
        self._guard("category_responses")
        q = query(params)
        counts: dict[int | None, int] = defaultdict(int)
        for _, _, msg, mark in events(ds, q):
            if mark["replied"]:
                counts[msg.owner.category_id] += 1
        total = sum(counts.values())
        names = {cid: name for cid, _, name in CATEGORIES}
        grouping = [
            {"total_response": counts[cid],
             "name": names.get(cid, UNCATEGORISED) if cid is not None else UNCATEGORISED,
             "sentiment_type": CATEGORY_SENTIMENT.get(cid) if cid is not None else None,
             "percentage": rate(counts[cid], total)}
            for cid in sorted(counts, key=lambda k: (k is None, k or 0))
        ]
        if self.shape == "reference":
            body = {"lead_responses_by_category": {
                "filter": [g["name"] for g in grouping], "leadResponseGrouping": grouping}}
            return {"success": True, "message": SUCCESS_MESSAGE, "data": body}
        return {"ok": True, "data": grouping}


def total_by(ds: Dataset, q: Query, key: Any) -> dict[Any, Figures]:
    """Figures per group over the whole range, by event date."""
    out: dict[Any, Figures] = defaultdict(Figures)
    for _, c, msg, mark in events(ds, q):
        _add(out[key(c, msg)], msg, **mark)
    return out


# -- per campaign ---------------------------------------------------------------------------


def mailbox_rows(ds: Dataset, c: Campaign, q: Query | None) -> list[dict[str, Any]]:
    """Lifetime (or, with ``q``, the range's) figures per sending mailbox of a campaign."""
    lo, hi = q.bounds() if q is not None else (None, None)
    order: list[EmailAccount] = list(c.mailboxes)
    per = {account.id: dict.fromkeys(MAILBOX_COUNTS, 0) for account in order}
    for msg in c.messages:
        if lo is not None and hi is not None and not lo <= msg.sent_time < hi:
            continue
        account = _mailbox(msg)
        if account.id not in per:  # leads keep the mailbox they were given
            order.append(account)
            per[account.id] = dict.fromkeys(MAILBOX_COUNTS, 0)
        counts = per[account.id]
        counts["sent_count"] += 1
        counts["reply_count"] += msg.reply_time is not None
        counts["open_count"] += msg.open_time is not None
        counts["click_count"] += msg.click_time is not None
        counts["bounce_count"] += msg.is_bounced
        counts["unsubscribed_count"] += msg.is_unsubscribed
    return [{"email_account_id": a.id, "from_email": a.from_email, **per[a.id]} for a in order]


def mailbox_statistics(ds: Dataset, params: Params, cid: str) -> dict[str, Any]:
    c = live_campaign(ds, cid)
    offset, limit = page(params, MAILBOX_STATS_MAX_LIMIT)
    q = query(params) if params.get("start_date") and params.get("end_date") else None
    rows = mailbox_rows(ds, c, q)
    return {"ok": True, "data": rows[offset:offset + limit]}


# -- the truth, for tests ------------------------------------------------------------------


def truth(ds: Dataset, params: Params) -> dict[str, Any]:
    """What each route answers for every day of the range, as plain rows (the control API's
    `GET /_emulator/analytics`): tests count warehouse rows and check sums against it."""
    q = query(params)
    ga = GlobalAnalytics("live")
    per_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for day in q.days():
        one = {**params, "start_date": day.isoformat(), "end_date": day.isoformat(),
               "timezone": q.tz.key}
        for name, route in (("campaign", ga.campaign_overall), ("mailbox", ga.mailbox_health),
                            ("client", ga.client_overall), ("category", ga.category_responses)):
            payload = route(ds, one)["data"]
            rows = payload["campaign_wise_performance"] if name == "campaign" else payload
            per_day[name] += [{**row, "date": day.isoformat()} for row in rows]
    return {
        "start_date": q.start.isoformat(),
        "end_date": q.end.isoformat(),
        "timezone": q.tz.key,
        "account_by_event_date": ga.day_wise(ds, params)["data"],
        "account_by_send_date": ga.day_wise_by_sent_time(
            ds, {**params, "timezone": q.tz.key})["data"],
        **{f"{name}_days": rows for name, rows in per_day.items()},
        "campaign_mailboxes": [
            {"campaign_id": c.id, **row}
            for c in ds.campaigns if not c.vanished for row in mailbox_rows(ds, c, None)
        ],
    }


DEFAULT = GlobalAnalytics()
_OPTIONS: weakref.WeakKeyDictionary[Dataset, GlobalAnalytics] = weakref.WeakKeyDictionary()


def configure(ds: Dataset, shape: str, *, missing: bool = False,
              route_limit: RouteLimit | None = None) -> None:
    """Set a dataset's analytics options (``--analytics-shapes``, ``--analytics-missing``,
    ``--analytics-route-limit``)."""
    _OPTIONS[ds] = GlobalAnalytics(shape, missing, route_limit)


def clear_route_limit(ds: Dataset) -> None:
    """Empty the windows of the dataset's analytics route limit (the clock moved on)."""
    found = _OPTIONS.get(ds)
    if found is not None and found.route_limit is not None:
        found.route_limit.clear()


def keys_by_day(ds: Dataset) -> dict[str, Any]:
    """The groups with figures on each UTC day from the first send to the clock's day, for
    the ground-truth dump (one pass over the messages: agency accounts dump it too)."""
    first = min((m.sent_time for c in ds.campaigns for m in c.messages), default=ds.now)
    q = Query(first.date(), ds.now.date(), ZoneInfo("UTC"), None, None)
    clients = {c.id for c in ds.clients}
    names = {cid: name for cid, _, name in CATEGORIES}
    groups: dict[str, set[tuple[str, Any]]] = defaultdict(set)
    figures: dict[tuple[str, date, Any], Figures] = defaultdict(Figures)
    for day, c, msg, mark in events(ds, q):
        category = msg.owner.category_id
        for kind, group in (("campaign_days", c.id), ("mailbox_days", _mailbox(msg).from_email),
                            ("client_days", c.client_id)):
            _add(figures[(kind, day, group)], msg, **mark)
        if mark["replied"]:
            groups["category_days"].add((day.isoformat(), names.get(category, UNCATEGORISED)
                                         if category is not None else UNCATEGORISED))
    for (kind, day, group), fig in figures.items():
        if fig.active() and (kind != "client_days" or group in clients):
            groups[kind].add((day.isoformat(), group))
    return {"first_day": q.start.isoformat(), "timezone": "UTC",
            **{kind: sorted(pairs, key=str) for kind, pairs in groups.items()}}


def options(ds: Dataset) -> GlobalAnalytics:
    return _OPTIONS.get(ds, DEFAULT)


def _handler(method: str) -> Callable[[Dataset, Params], dict[str, Any]]:
    def handle(ds: Dataset, params: Params) -> dict[str, Any]:
        return getattr(options(ds), method)(ds, params)

    handle.__name__ = method
    return handle


# (path template, handler) of every route this module serves (appended to server.ROUTES).
ROUTES: tuple[tuple[str, Callable[..., dict[str, Any]]], ...] = (
    ("/analytics/day-wise-overall-stats", _handler("day_wise")),
    ("/analytics/day-wise-overall-stats-by-sent-time", _handler("day_wise_by_sent_time")),
    ("/analytics/campaign/overall-stats", _handler("campaign_overall")),
    ("/analytics/mailbox/name-wise-health-metrics", _handler("mailbox_health")),
    ("/analytics/client/overall-stats", _handler("client_overall")),
    ("/analytics/lead/category-wise-response", _handler("category_responses")),
    ("/campaigns/{id}/mailbox-statistics", mailbox_statistics),
)
