"""The account-wide analytics family (``GET /analytics/...``) and per-campaign mailbox figures.

Day streams: one row per day (and per campaign, mailbox, client or reply category), keyed by the
day in the ``timezone`` setting. Each keeps one bookmark (its last day) and every run re-reads
``analytics_lookback_days`` days before it, because replies and bounces land on earlier days
(by send date) after the fact. The account-wide per-day routes are asked for ranges of at most
30 days; the routes that answer one figure per group for a range are asked one day at a time,
and only for the days the account had activity (``AccountDailyStatsStream.active_days``: its
own day-wise figures, one request per 30 days, shared with ``account_daily_stats``). No route
is asked for a day before the oldest campaign was created.

Some accounts or plans lack these routes: a 404, a 400 or an answer whose shape cannot be read
gives one warning for the stream and no more rows from it, and the sync goes on. Each route has
its own limiter under the account's (``route_limits``): a 429 with Retry-After on one of them
pauses that route only (see ``RouteLimitedStream._observe_429`` for a bare one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import requests
from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.activity import FINGERPRINT_KEY
from tap_smartlead.analytics_payloads import analytics_rows, day_of_label
from tap_smartlead.client import PartitionUnavailable, SmartleadStream
from tap_smartlead.coercion import format_timestamp, parse_timestamp
from tap_smartlead.errors import (
    ApiRequestError,
    AuthenticationError,
    NotFoundError,
    UnexpectedResponseError,
)
from tap_smartlead.http_client import ApiCall
from tap_smartlead.paging import OffsetPagedStream
from tap_smartlead.rate_limit import RateLimiter, ServerVerdict, parse_verdict
from tap_smartlead.route_limits import route_limiter
from tap_smartlead.schemas import COUNT, DATE, ID, TEXT, email_counts, record_schema
from tap_smartlead.streams.campaigns import CampaignsStream
from tap_smartlead.streams.mailboxes import EmailAccountsStream
from tap_smartlead.tombstones import (
    DELETED_AT_PROPERTY,
    EMITTED_KEYS,
    gone_keys,
    keep_scope_keys,
    scope_keys,
    tombstone,
)

# The longest range asked of a per-day route (no maximum is documented; one client splits at 30).
MAX_RANGE_DAYS = 30
# How far past today the account-wide answer on which campaigns moved is asked (see
# CampaignDailyStatsStream.campaigns_moved_since).
MOVED_DAYS_AHEAD = 7
# Per day stream, each look-back day's account figures when the day was last read.
DAY_FIGURES_KEY = "day_figures"
MAILBOX_STATISTICS_PAGE_SIZE = 20  # the API answers 400 above 20
# What an account or plan without these routes (or an odd answer) raises once the campaign
# list has answered (so the key is good): a warning, not a failure. For a campaign's route a
# 404 means a deleted campaign instead (skipped as elsewhere).
REFUSED = (ApiRequestError, UnexpectedResponseError, AuthenticationError)
UNAVAILABLE = (NotFoundError, *REFUSED)

RATE = th.NumberType

def rates(*names: str) -> list[th.Property]:
    return [
        th.Property(name, RATE, description='Percent (the API sends "12.34%").') for name in names
    ]


# Every daily row records the zone its day is in (the `timezone` setting): a warehouse can tell
# days of a changed setting apart, and the dbt models warn when they report in another zone.
ZONE_OF_DATE = th.Property("timezone", TEXT, description="The IANA time zone of `date`.")


class RouteLimitedStream(SmartleadStream):
    """A stream whose route has its own limiter under the account's (see route_limits)."""

    @property
    def route_limiter(self) -> RateLimiter:
        per_minute = self.config.get("analytics_requests_per_minute")
        return route_limiter(self.runtime, self.path, int(per_minute) if per_minute else None)

    @override
    def _send_once(
        self, prepared_request: requests.PreparedRequest, *, stream: bool = False
    ) -> requests.Response:
        self.route_limiter.acquire()  # the route's slot first, then the account's
        return super()._send_once(prepared_request, stream=stream)

    @override
    def _settle(self, response: requests.Response, payload: Any, context: Any) -> Any:
        self.route_limiter.observe(parse_verdict(response.status_code, response.headers, payload))
        return super()._settle(response, payload, context)

    @override
    def observe_429(self, verdict: ServerVerdict) -> None:
        """A 429 holds this route (waiting is not failing: HttpStream._send asks again). With
        Retry-After it is this request's own wait: the other routes go on (their own 429s would
        say if the account's budget were spent). A bare 429 does not say whose limit it is, so
        the account's limiter hears it too: if it was the route's, the account's first probe
        (on another route) is accepted at once and it only slows a little for a few windows
        (rate_limit.RateLimiter). The route's own patience ends the sync after too long."""
        self.route_limiter.observe(verdict)
        if verdict.retry_after is None:
            self.runtime.limiter.observe(verdict)
        self.route_limiter.check_patience()


class DailyAnalyticsStream(RouteLimitedStream):
    """An account-wide ``/analytics`` route read day by day (see the module docstring)."""

    replication_key = "date"
    # Rows come oldest day first, but each run re-reads days before the bookmark: the SDK would
    # take that for unsorted data. Unsorted: the bookmark is the last day read, set at the end.
    is_sorted = False
    # Days per request: 1 for routes that answer one figure per group for the whole range.
    days_per_request: ClassVar[int] = 1
    # Where the list is inside ``data`` (older reference); the newer one sends it as ``data``.
    rows_at: ClassVar[tuple[str, ...]] = ()
    # Nested objects whose fields are the row's figures (flattened into the row).
    nested: ClassVar[tuple[str, ...]] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(str(self.config.get("timezone") or "UTC"))

    def first_day(self) -> dt.date:
        origin = max(self.run.start_date.astimezone(self.zone).date(), self.oldest_campaign_day())
        bookmark = self.bookmark(None)
        if not bookmark:
            return origin
        lookback = dt.timedelta(days=int(self.config["analytics_lookback_days"]))
        return max(origin, dt.date.fromisoformat(str(bookmark)[:10]) - lookback)

    def oldest_campaign_day(self) -> dt.date:
        """The day (in ``timezone``) the oldest listed campaign was created: no activity can
        be older. The earliest possible day when no campaign says when it was created."""
        created = [
            parse_timestamp(row.get("created_at"))
            for row in self.sibling(CampaignsStream).listing()
        ]
        known = [when for when in created if when is not None]
        return min(known).astimezone(self.zone).date() if known else dt.date.min

    @override
    def bookmark(self, context: Any) -> Any:
        return self.get_context_state(None).get("replication_key_value")

    def ranges(self) -> list[tuple[dt.date, dt.date]]:
        """The ranges to ask, oldest first, ending today (in ``timezone``); a route asked day
        by day only for the days with activity (all of them if the account cannot say)."""
        today = self.today()
        out = []
        first = self.first_day()
        while first <= today:
            last = min(first + dt.timedelta(days=self.days_per_request - 1), today)
            out.append((first, last))
            first = last + dt.timedelta(days=1)
        if self.days_per_request == 1 and out:
            account = self.sibling(AccountDailyStatsStream)
            first = out[0][0]
            active = account.active_days(first, today)
            if active is not None:
                out = [(day, last) for day, last in out if day in active]
                # The same ranges as active_days' (their answers are shared, no request more).
                return self.changed_days(out, account.figures_by_day(first, today)
                                         if out else None)
        return out

    # Whether a look-back day is asked again only when the account's day-wise figures for it
    # moved (``changed_days``); False: every look-back day, every run.
    lookback_follows_day_figures = True

    def changed_days(
        self, out: list[tuple[dt.date, dt.date]], figures: Mapping[str, str] | None
    ) -> list[tuple[dt.date, dt.date]]:
        """Of the look-back days already read, those whose account figures (by event day and
        by send day) differ from those stored when the day was last read; today, yesterday and
        the days never read are always asked. Keeps this run's figures for the days it reads."""
        self._day_figures = dict(figures or {})
        bookmark = self.bookmark(None)
        if not figures or not bookmark or not self.lookback_follows_day_figures:
            return out
        read_until = dt.date.fromisoformat(str(bookmark)[:10])
        stored = self.stream_state.get(DAY_FIGURES_KEY) or {}
        recent = self.today() - dt.timedelta(days=1)
        return [
            (day, last) for day, last in out
            if day >= recent or day > read_until
            or figures.get(day.isoformat()) is None
            or figures.get(day.isoformat()) != stored.get(day.isoformat())
        ]

    def keep_day_figures(self, first: str, last: str) -> None:
        """After a range's rows are written: its days' account figures, for the next run's
        ``changed_days``; days older than the look-back are dropped."""
        figures = getattr(self, "_day_figures", None)
        if self.days_per_request != 1 or not figures:
            return
        stored = self.stream_state.setdefault(DAY_FIGURES_KEY, {})
        day = dt.date.fromisoformat(first)
        while day <= dt.date.fromisoformat(last):
            if figures.get(day.isoformat()) is not None:
                stored[day.isoformat()] = figures[day.isoformat()]
            day += dt.timedelta(days=1)
        lookback = dt.timedelta(days=int(self.config["analytics_lookback_days"]))
        oldest = (self.today() - lookback).isoformat()
        for stale in [d for d in stored if d < oldest]:
            del stored[stale]
        self.state_manager.is_flushed = False

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    def range_call(self, first: dt.date, last: dt.date) -> ApiCall:
        params: dict[str, Any] = {
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
            "timezone": self.zone.key,
        }
        if self.config.get("campaign_ids"):
            params["campaign_ids"] = ",".join(map(str, self.config["campaign_ids"]))
        if self.config.get("client_id") is not None:
            params["client_ids"] = str(self.config["client_id"])
        return self.call(None, params)

    def rows(self, call: ApiCall, payload: Any) -> list[dict[str, Any]]:
        """The records of one range's answer (dated; nested figures flattened)."""
        first = dt.date.fromisoformat(call.params["start_date"])
        last = dt.date.fromisoformat(call.params["end_date"])
        out = []
        for row in analytics_rows(payload, self.rows_at, call.what):
            record = dict(row)
            for name in self.nested:
                inner = record.pop(name, None)
                if isinstance(inner, Mapping):
                    record = {**inner, **record}
            if self.days_per_request == 1:
                # One day asked: the row is that day's, whatever the API echoes.
                if "date" in record:
                    record["date_label"] = record.pop("date")
                record["date"] = first.isoformat()
            else:
                record["date"] = day_of_label(record.get("date"), first, last, call.what)
            record["timezone"] = self.zone.key
            out.append(self.prepare(record))
        return out

    def prepare(self, row: dict[str, Any]) -> dict[str, Any]:
        return row

    def _answer(self, call: ApiCall) -> Any:
        try:
            return self.rows(call, self.fetch(call))
        except UNAVAILABLE as exc:
            return exc

    @override
    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        # These streams sync first (by name): the campaign list, read once per run anyway,
        # checks campaign_ids and base_url before any record is written.
        self.run.campaign_ids()
        calls = [self.range_call(first, last) for first, last in self.ranges()]
        self.progress.partitions(self.name, "days", len(calls))
        # The first range alone: an account without the route costs one request, not a window.
        answered = iter([(calls[0], self._answer(calls[0]))] if calls else [])
        for call, outcome in itertools.chain(answered, self.fan_out(self._answer, calls[1:])):
            if isinstance(outcome, Exception):
                self.logger.warning(
                    "%s: skipped from %s on (%s); the account or plan may not have %s. "
                    "The other streams go on.",
                    self.name, call.params["start_date"], outcome, self.path,
                )
                return
            rows = sorted(outcome, key=self.order)
            yield from rows
            if self.tombstones_by_day:
                yield from self._day_tombstones(call, rows)
            self.keep_day_figures(call.params["start_date"], call.params["end_date"])
            # Every row up to the range's last day is written: the bookmark may move there
            # even when that day had none (a quiet day is not re-read the next run).
            self.advance_bookmark(
                {self.replication_key: call.params["end_date"]}, context=None
            )
            self.progress.partition_done(self.name)
        # The days left out had no activity: nothing to write, and the bookmark may pass them.
        self.advance_bookmark({self.replication_key: self.today().isoformat()}, context=None)

    @property
    def tombstones_by_day(self) -> bool:
        """A day's answer is complete for that day: a key (a campaign, a mailbox, a client, a
        reply category) it held on an earlier run and no longer holds is gone from that day
        (a reply re-categorised moves its count to another key). Not for one row per day."""
        return tuple(self.primary_keys or ()) != ("date",)

    def _day_tombstones(self, call: ApiCall, rows: list[dict[str, Any]]) -> Iterator[dict]:
        """After a range's answer: a tombstone for each key of its days emitted on an earlier
        run and not in this answer. The state keeps each day's keys for the look-back days
        only (older days are never read again)."""
        state = self.stream_state
        names = tuple(self.primary_keys or ())
        by_day: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            by_day.setdefault(str(row.get("date")), []).append(self.raw_key(row))
        deleted_at = format_timestamp(self.run.started_at)
        day = dt.date.fromisoformat(call.params["start_date"])
        last = dt.date.fromisoformat(call.params["end_date"])
        while day <= last:
            scope = day.isoformat()
            found = by_day.get(scope, [])
            fixed = {"date": scope}
            gone = gone_keys(scope_keys(state, scope, fixed, names), found)
            if gone:
                self.logger.info("%s: %d key(s) of %s are no longer in the API's answer for "
                                 "that day; sent as deleted.", self.name, len(gone), scope)
            for key in gone:
                yield tombstone(names, key, deleted_at)
            keep_scope_keys(state, scope, found or None, fixed, names)
            day += dt.timedelta(days=1)
        # The next run re-reads from its bookmark (today at the latest) less the look-back:
        # older days' keys are never needed again.
        lookback = dt.timedelta(days=int(self.config["analytics_lookback_days"]))
        oldest = (dt.datetime.now(self.zone).date() - lookback).isoformat()
        for stale in [d for d in state.get(EMITTED_KEYS, {}) if d < oldest]:
            keep_scope_keys(state, stale, None)
        self.state_manager.is_flushed = False

    def order(self, row: dict[str, Any]) -> tuple[str, ...]:
        return (str(row.get("date")), *(str(row.get(k)) for k in self.primary_keys or ()))


class AccountDailyStatsStream(DailyAnalyticsStream):
    """``GET /analytics/day-wise-overall-stats``: the account's figures per day, each event
    counted on the day it happened."""

    name = "account_daily_stats"
    path = "/analytics/day-wise-overall-stats"
    primary_keys = ("date",)
    days_per_request = MAX_RANGE_DAYS
    rows_at = ("day_wise_stats",)
    nested = ("email_engagement_metrics",)
    schema = record_schema(
        th.Property("date", DATE, required=True),
        ZONE_OF_DATE,
        th.Property("day_name", TEXT),
        *email_counts("sent", "opened", "replied", "bounced", "unsubscribed"),
    )
    # Counts that make a day active (events on that day: the per-day routes' figures).
    ACTIVITY_COUNTS: ClassVar[tuple[str, ...]] = (
        "sent", "opened", "replied", "bounced", "unsubscribed",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: dict[tuple[str, str], Any] = {}

    @override
    def _answer(self, call: ApiCall) -> Any:
        """A range's rows, asked once per run: the per-day routes plan their days from them."""
        key = (call.params["start_date"], call.params["end_date"])
        if key not in self._answered:
            self._answered[key] = super()._answer(call)
        return self._answered[key]

    def figures_by_day(self, first: dt.date, last: dt.date) -> dict[str, str] | None:
        """Each day's account figures from ``first`` to ``last``, by event day and by send
        day (a reply to an earlier send moves the send day's), as a digest per day; the same
        requests as ``active_days`` (shared). None if the event-day figures cannot say."""
        out: dict[str, str] = {}
        by_send = self.sibling(AccountDailyStatsBySendDateStream)
        while first <= last:
            end = min(first + dt.timedelta(days=MAX_RANGE_DAYS - 1), last)
            rows = self._answer(self.range_call(first, end))
            if isinstance(rows, Exception) or not rows:
                return None
            sent_rows = by_send._answer(by_send.range_call(first, end))
            if isinstance(sent_rows, Exception):
                sent_rows = []
            per_day: dict[str, list[Any]] = {}
            for row in [*rows, *sent_rows]:
                if row.get("date"):
                    per_day.setdefault(str(row["date"])[:10], []).append(
                        sorted((str(k), str(v)) for k, v in row.items()))
            for day, figures in per_day.items():
                material = json.dumps(figures, separators=(",", ":"))
                out[day] = hashlib.sha256(material.encode()).hexdigest()[:12]
            first = end + dt.timedelta(days=1)
        return out

    def active_days(self, first: dt.date, last: dt.date) -> set[dt.date] | None:
        """The days from ``first`` to ``last`` with any event in the account, from the
        day-wise figures (one request per 30 days, the same ranges as this stream's own, so
        the answers are shared); None if the route cannot answer (then every day is asked)."""
        out: set[dt.date] = set()
        while first <= last:
            end = min(first + dt.timedelta(days=MAX_RANGE_DAYS - 1), last)
            rows = self._answer(self.range_call(first, end))
            if isinstance(rows, Exception) or not rows:
                # Unreadable, or no row for a range of days (a transient `{}`): every day is
                # asked rather than none.
                return None
            out.update(
                dt.date.fromisoformat(str(row["date"])[:10])
                for row in rows
                if row.get("date") and any(_positive(row.get(k)) for k in self.ACTIVITY_COUNTS)
            )
            first = end + dt.timedelta(days=1)
        return out


class AccountDailyStatsBySendDateStream(AccountDailyStatsStream):
    """``GET /analytics/day-wise-overall-stats-by-sent-time``: the same per day the emails were
    sent (a reply counts on its email's send day), plus positive replies and leads reached."""

    name = "account_daily_stats_by_send_date"
    path = "/analytics/day-wise-overall-stats-by-sent-time"
    schema = record_schema(
        th.Property("date", DATE, required=True),
        ZONE_OF_DATE,
        th.Property("day_name", TEXT),
        *email_counts(
            "sent", "opened", "replied", "bounced", "unsubscribed", "positive_replied",
            "unique_lead_reached",
        ),
    )


class CampaignDailyStatsStream(DailyAnalyticsStream):
    """``GET /analytics/campaign/overall-stats`` for one day: every campaign with figures that
    day, in one answer (``positive_replied`` among them, which analytics-by-date lacks)."""

    name = "campaign_daily_stats"
    path = "/analytics/campaign/overall-stats"
    primary_keys = ("campaign_id", "date")
    rows_at = ("campaign_wise_performance",)
    field_aliases = {"id": "campaign_id"}
    _moved_warned = False
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("date", DATE, required=True),
        ZONE_OF_DATE,
        th.Property("campaign_name", TEXT),
        *email_counts(
            "sent", "opened", "replied", "bounced", "positive_replied", "unique_lead_count",
            "unique_open_count",
        ),
        *rates("open_rate", "reply_rate", "bounce_rate", "positive_reply_rate"),
        DELETED_AT_PROPERTY,
    )

    def campaigns_moved_since(
        self, since: dt.date, until: dt.date | None = None
    ) -> dict[str, str] | None:
        """The campaigns with a send, open, reply or bounce from ``since`` on, each id (as
        text) with a digest of its figures, in one request: which campaigns an incremental run
        reads (tap_smartlead/activity.py). None, after one warning, where the route is missing
        or its answer cannot be read. UTC days, up to a week after today: a server whose day
        runs ahead of the tap's clock (a time zone, a clock set wrong) still counts, and no
        event lies in the future. With ``until``: the figures of the days up to it only."""
        last = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=MOVED_DAYS_AHEAD)
        if until is not None:
            last = until
        params: dict[str, Any] = {
            "start_date": since.isoformat(), "end_date": last.isoformat(), "timezone": "UTC",
        }
        if self.config.get("campaign_ids"):
            params["campaign_ids"] = ",".join(map(str, self.config["campaign_ids"]))
        if self.config.get("client_id") is not None:
            params["client_ids"] = str(self.config["client_id"])
        call = self.call(None, params)
        try:
            payload = self.fetch(call)
            if not payload:  # an empty body or `{}`: not "no campaign moved"
                raise UnexpectedResponseError(f"An empty answer from {call.what}.")
            rows = analytics_rows(payload, self.rows_at, call.what)
        except UNAVAILABLE as exc:
            if not self._moved_warned:
                self._moved_warned = True
                self.logger.warning(
                    "Could not learn which campaigns moved from %s (%s): each campaign's own "
                    "analytics decide this run, one request per campaign.", self.path, exc,
                )
            return None
        return {
            str(row.get("id", row.get("campaign_id"))): figures_digest(row) for row in rows
        }


def figures_digest(row: Mapping[str, Any]) -> str:
    """12 hex digits of a campaign's figures in the account-wide answer (its name left out)."""
    figures = {str(k): str(v) for k, v in row.items() if k not in ("campaign_name", "name")}
    material = json.dumps(figures, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def _positive(value: Any) -> bool:
    """A count above zero; a value that is no number counts as activity (asked, not lost)."""
    try:
        return float(str(value).strip().rstrip("%")) > 0
    except ValueError:
        return value is not None

class MailboxDailyStatsStream(DailyAnalyticsStream):
    """``GET /analytics/mailbox/name-wise-health-metrics`` for one day: each sending mailbox's
    figures, keyed by ``from_email``; ``email_account_id`` is the mailbox of that address in
    the ``email_accounts`` list (null for an address no longer there)."""

    name = "mailbox_daily_stats"
    path = "/analytics/mailbox/name-wise-health-metrics"
    primary_keys = ("from_email", "date")
    rows_at = ("email_health_metrics",)
    schema = record_schema(
        th.Property("from_email", TEXT, required=True),
        th.Property("date", DATE, required=True),
        ZONE_OF_DATE,
        th.Property("email_account_id", ID),
        *email_counts(
            "sent", "opened", "replied", "positive_replied", "bounced", "unique_lead_count",
            "unique_open_count",
        ),
        *rates("open_rate", "reply_rate", "bounce_rate"),
        DELETED_AT_PROPERTY,
    )

    _ids: dict[str, int] | None = None

    @override
    def prepare(self, row: dict[str, Any]) -> dict[str, Any]:
        if self._ids is None:
            listing = self.sibling(EmailAccountsStream).listing()
            self._ids = {
                str(a.get("from_email")).lower(): a["id"]
                for a in listing if a.get("from_email") and a.get("id") is not None
            }
        address = str(row.get("from_email") or "").lower()
        return {**row, "email_account_id": row.get("email_account_id") or self._ids.get(address)}


class ClientDailyStatsStream(DailyAnalyticsStream):
    """``GET /analytics/client/overall-stats`` for one day: each client's campaigns' figures."""

    name = "client_daily_stats"
    path = "/analytics/client/overall-stats"
    primary_keys = ("client_id", "date")
    rows_at = ("client_wise_performance",)
    nested = ("campaign_stats",)
    schema = record_schema(
        th.Property("client_id", ID, required=True),
        th.Property("date", DATE, required=True),
        ZONE_OF_DATE,
        th.Property("client_name", TEXT),
        th.Property("total_campaigns_count", COUNT),
        *email_counts(
            "sent", "opened", "replied", "positive_replied", "bounced", "unique_lead_count",
            "unique_open_count",
        ),
        th.Property("client_health", TEXT, description="As the API sends it (no unit known)."),
        DELETED_AT_PROPERTY,
    )


class ReplyCategoryDailyStream(DailyAnalyticsStream):
    """``GET /analytics/lead/category-wise-response`` for one day: replies per lead category
    (``name``, as the API names it; leads without a category under the API's own name)."""

    name = "reply_category_daily"
    path = "/analytics/lead/category-wise-response"
    # A reply's category set by hand in the master inbox moves none of the day-wise counts, so
    # every look-back day is asked again (one request a day each), as before those counts
    # decided: a category set within the look-back of its reply's day arrives with the next run.
    lookback_follows_day_figures = False
    primary_keys = ("name", "date")
    rows_at = ("lead_responses_by_category", "leadResponseGrouping")
    schema = record_schema(
        th.Property("name", TEXT, required=True),
        th.Property("date", DATE, required=True),
        ZONE_OF_DATE,
        th.Property("sentiment_type", TEXT, description="positive, negative or null."),
        th.Property("total_response", COUNT),
        th.Property("percentage", RATE, description="Percent of the day's replies."),
        DELETED_AT_PROPERTY,
    )


class CampaignMailboxStatisticsStream(OffsetPagedStream, RouteLimitedStream):
    """``GET /campaigns/{id}/mailbox-statistics``: lifetime figures per sending mailbox of each
    campaign, in pages of at most 20. Incremental runs skip campaigns whose analytics did not
    move since this stream last read them (tap_smartlead/activity.py)."""

    name = "campaign_mailbox_statistics"
    path = "/campaigns/{campaign_id}/mailbox-statistics"
    partition_kind = "campaign"
    primary_keys = ("campaign_id", "email_account_id")
    page_size = MAILBOX_STATISTICS_PAGE_SIZE
    tracks_activity = True
    skips_idle_campaigns = True  # no ACTIVATE_VERSION while idle campaigns are skipped
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("email_account_id", ID, required=True),
        th.Property("from_email", TEXT),
        *email_counts(
            "sent_count", "reply_count", "open_count", "click_count", "bounce_count",
            "sender_bounce_count", "unsubscribed_count",
        ),
    )
    _unavailable = False

    @property
    @override
    def state_partitioning_keys(self) -> list[str] | None:
        return ["campaign_id"]  # each campaign's activity fingerprint, without a bookmark


    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        if self._unavailable or self.run.activity.is_idle(
            context["campaign_id"], self.get_context_state(context)
        ):
            # Not read: its rows stay as last sent, so this sync sends no ACTIVATE_VERSION.
            self.runtime.note_skipped(self.name, context)
            return []
        return [self.first_page(context, time_zone=self.config.get("timezone") or "UTC")]

    @override
    def partition_records(
        self, context: dict | None, answers: Any
    ) -> Iterator[dict[str, Any]]:
        assert context is not None
        try:
            for row in self.rows(context, answers):
                yield {**row, "campaign_id": context["campaign_id"]}
        except UNAVAILABLE as exc:
            # A later page refused: this campaign's rows are partial, and no campaign after it
            # is asked (one warning for the stream); none of them may lose rows.
            self.runtime.note_skipped(self.name, context)
            self._warn_unavailable(exc)

    @override
    def partition_unavailable(self, context: dict, error: Exception) -> None:
        """The first page refused or unreadable: one warning for the stream, the sync goes on."""
        self._warn_unavailable(error)
        self.get_context_state(context).pop(FINGERPRINT_KEY, None)

    @override
    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        yield from super().get_records(context)
        if self._unavailable and context is not None:
            # Not read: the next run must ask this campaign again, whatever its activity.
            self.get_context_state(context).pop(FINGERPRINT_KEY, None)

    def _warn_unavailable(self, error: Exception) -> None:
        if not self._unavailable:
            self._unavailable = True
            self.logger.warning(
                "%s: skipped (%s); the account or plan may not have %s. The other streams "
                "go on.", self.name, error, self.path,
            )

    @override
    def fetch_planned(self, context: dict, plan: Any) -> Any:
        try:
            return super().fetch_planned(context, plan)
        except REFUSED as exc:
            return PartitionUnavailable(exc)
