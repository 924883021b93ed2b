"""Campaigns and what hangs off each campaign: sequences, mailboxes, webhooks, analytics."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.client import ListedOnceStream, SmartleadStream
from tap_smartlead.coercion import format_timestamp, parse_timestamp
from tap_smartlead.errors import ConfigurationError
from tap_smartlead.http_client import MISSING, ApiCall
from tap_smartlead.payloads import list_payload, object_payload
from tap_smartlead.schemas import (
    ANALYTICS_COUNTS,
    COUNT,
    DATE,
    EMAIL_ACCOUNT_PROPERTIES,
    ID,
    TEXT,
    TIMESTAMP,
    UNIQUE_COUNTS,
    campaign_summary_properties,
    email_counts,
    list_of,
    open_object,
    record_schema,
)
from tap_smartlead.tombstones import (
    DELETED_AT_PROPERTY,
    gone_keys,
    keep_scope_keys,
    scope_keys,
    tombstone,
)
from tap_smartlead.windows import window_start, windows_from


class CampaignsStream(ListedOnceStream):
    """``GET /campaigns``: one bare array; also the list every per-campaign stream iterates."""

    name = "campaigns"
    path = "/campaigns"
    primary_keys = ("id",)
    schema = record_schema(
        th.Property("id", ID, required=True),
        th.Property("user_id", ID),
        th.Property("created_at", TIMESTAMP),
        th.Property("updated_at", TIMESTAMP),
        th.Property("status", TEXT),
        th.Property("name", TEXT),
        th.Property(
            "track_settings",
            th.ArrayType(TEXT),
            description="The API sends a string or a list of strings; always a list here.",
        ),
        th.Property(
            "scheduler_cron_value",
            open_object(
                th.Property("tz", TEXT),
                th.Property("days", th.ArrayType(th.IntegerType)),
                th.Property("startHour", TEXT),
                th.Property("endHour", TEXT),
            ),
            description="An object on the live API; the seed's JavaScript-literal string is "
            'parsed, and text that is no object at all is kept as {"raw": text}.',
        ),
        th.Property("min_time_btwn_emails", th.IntegerType),
        th.Property("max_leads_per_day", th.IntegerType),
        th.Property("stop_lead_settings", TEXT),
        th.Property("unsubscribe_text", TEXT),
        th.Property("client_id", ID),
        th.Property("enable_ai_esp_matching", th.BooleanType),
        th.Property("send_as_plain_text", th.BooleanType),
        th.Property("follow_up_percentage", th.NumberType),
        th.Property("parent_campaign_id", ID),
        DELETED_AT_PROPERTY,
    )

    _relisted: frozenset[Any] | None = None

    @property
    @override
    def scoped_by_campaigns(self) -> bool:
        return True  # client_id and campaign_ids narrow the list itself

    _account_ids: frozenset[str] | None = None

    def in_account(self, campaign_id: Any) -> bool:
        """Whether the account's whole list holds the campaign: a list narrowed by
        ``client_id`` or ``campaign_ids`` says nothing of the campaigns it leaves out (one
        more request only when narrowed, once per run)."""
        if self._account_ids is None:
            narrowed = self.config.get("client_id") is not None or self.config.get("campaign_ids")
            rows = self._account_list(per_client=False) if narrowed else self.listing()
            self._account_ids = frozenset(str(row.get("id")) for row in rows)
        return str(campaign_id) in self._account_ids

    def still_listed(self, campaign_id: Any) -> bool:
        """Whether ``GET /campaigns``, asked again now, still lists the campaign (asked once per
        run: after a child's answer said it was gone). Only the list says a campaign is
        deleted; a child's `200 {}` or 404 may be transient."""
        if self._relisted is None:
            self.logger.info("Reading the campaign list again to tell a deleted campaign from "
                             "an odd answer.")
            self._relisted = frozenset(str(row.get("id")) for row in self._account_list())
        return str(campaign_id) in self._relisted

    @override
    def get_records(self, context: dict | None) -> Iterable[dict[str, Any]]:
        """The list, then a tombstone for each campaign this extractor listed before (its
        state says so) that the list no longer holds: deleted in Smartlead."""
        listed = []
        for row in super().get_records(context):
            listed.append((row.get("id"),))
            yield row
        if self.config.get("campaign_ids"):
            return  # a backfill's list is not the account's: it says nothing of the others
        client = self.config.get("client_id")
        scope = "account" if client is None else f"client_id {client}"
        gone = gone_keys(scope_keys(self.stream_state, scope, {}, self.primary_keys), listed)
        if gone and client is not None:
            # Gone from the client's list may mean moved to another client: only a campaign
            # the account's list no longer holds is deleted.
            account = {str(row.get("id")) for row in self._account_list(per_client=False)}
            gone = [key for key in gone if str(key[0]) not in account]
        deleted_at = format_timestamp(self.run.started_at)
        for key in gone:
            self.logger.info("campaigns: campaign %s is no longer listed: sent as deleted.",
                             key[0])
            yield tombstone(self.primary_keys, key, deleted_at)
        keep_scope_keys(self.stream_state, scope, listed, {}, self.primary_keys)
        self.state_manager.is_flushed = False

    @override
    def fetch_listing(self) -> list[dict[str, Any]]:
        """The account's campaigns, filtered by ``client_id`` and ``campaign_ids``."""
        rows = self._account_list()
        wanted = self.config.get("campaign_ids")
        if not wanted:
            return rows
        present = {row.get("id") for row in rows}
        missing = [cid for cid in wanted if cid not in present]
        if missing:
            raise ConfigurationError(
                "campaign_ids names campaigns this account does not have"
                + (" (for this client_id)" if self.config.get("client_id") is not None else "")
                + f": {', '.join(map(str, missing))}"
            )
        return [row for row in rows if row.get("id") in set(wanted)]

    def _account_list(self, *, per_client: bool = True) -> list[dict[str, Any]]:
        """``GET /campaigns`` (of ``client_id``, if set and ``per_client``)."""
        params = {}
        if per_client and self.config.get("client_id") is not None:
            params["client_id"] = self.config["client_id"]
        call = self.call(None, params)
        return list_payload(self.fetch(call), call.what)


class CampaignChildStream(SmartleadStream):
    """A per-campaign endpoint answered by one request (a list, or one object)."""

    partition_kind = "campaign"
    returns_list: ClassVar[bool] = True

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        for call, payload in answers:
            rows = list_payload(payload, call.what, single_ok=True) if self.returns_list else [
                object_payload(payload, call.what)
            ]
            for row in rows:
                yield self.prepare({**row, "campaign_id": context["campaign_id"]})

    def prepare(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row as the stream emits it (before typing); streams with odd shapes override."""
        return row


class CampaignConfigurationStream(CampaignChildStream):
    """A campaign's configuration (sequences, mailboxes, webhooks): nothing an email does
    changes it, so incremental runs read it on the rotation only (every campaign once per
    ``refresh_within_days`` runs, and on its first sync); its rows stay as last read."""

    rotates = True
    skips_idle_campaigns = True

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        if self.skips_partition(context, refresh_only=True):
            return []
        return [self.call(context)]


class CampaignSequencesStream(CampaignConfigurationStream):
    """Steps with their A/B variants. The live API reads ``sequence_variants`` and
    ``seq_delay_details.delayInDays``; the seed prints the write forms ``seq_variants`` and
    ``delay_in_days``, which are read into the live names. A step without variants has
    ``sequence_variants: []`` and its subject and body on the step."""

    name = "campaign_sequences"
    path = "/campaigns/{campaign_id}/sequences"
    primary_keys = ("campaign_id", "id")
    keeps_tombstones = True
    field_aliases = {"seq_variants": "sequence_variants"}
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("id", ID, required=True),
        th.Property("created_at", TIMESTAMP),
        th.Property("updated_at", TIMESTAMP),
        th.Property("email_campaign_id", ID),
        th.Property("seq_number", th.IntegerType),
        th.Property("subject", TEXT),
        th.Property("email_body", TEXT),
        th.Property("seq_delay_details", open_object(th.Property("delayInDays", COUNT))),
        th.Property(
            "sequence_variants",
            list_of(
                open_object(
                    th.Property("id", ID),
                    th.Property("created_at", TIMESTAMP),
                    th.Property("updated_at", TIMESTAMP),
                    th.Property("is_deleted", th.BooleanType),
                    th.Property("subject", TEXT),
                    th.Property("email_body", TEXT),
                    th.Property("email_campaign_seq_id", ID),
                    th.Property("variant_label", TEXT),
                    th.Property("variant_distribution_percentage", th.NumberType),
                )
            ),
        ),
        DELETED_AT_PROPERTY,
    )

    @override
    def prepare(self, row: dict[str, Any]) -> dict[str, Any]:
        delay = row.get("seq_delay_details")
        if isinstance(delay, dict) and "delay_in_days" in delay and "delayInDays" not in delay:
            delay = dict(delay)
            delay["delayInDays"] = delay.pop("delay_in_days")
            row = {**row, "seq_delay_details": delay}
        return row


class CampaignEmailAccountsStream(CampaignConfigurationStream):
    name = "campaign_email_accounts"
    path = "/campaigns/{campaign_id}/email-accounts"
    carries_mailboxes = True
    primary_keys = ("campaign_id", "id")
    keeps_tombstones = True
    schema = record_schema(
        th.Property("campaign_id", ID, required=True), *EMAIL_ACCOUNT_PROPERTIES,
        DELETED_AT_PROPERTY,
    )


class CampaignWebhooksStream(CampaignConfigurationStream):
    name = "campaign_webhooks"
    path = "/campaigns/{campaign_id}/webhooks"
    primary_keys = ("campaign_id", "id")
    keeps_tombstones = True
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("id", ID, required=True),
        th.Property("name", TEXT),
        th.Property("created_at", TIMESTAMP),
        th.Property("updated_at", TIMESTAMP),
        th.Property("webhook_url", TEXT),
        th.Property("email_campaign_id", ID),
        th.Property("event_types", th.ArrayType(TEXT)),
        th.Property("categories", th.ArrayType(TEXT)),
        DELETED_AT_PROPERTY,
    )


class CampaignAnalyticsStream(CampaignChildStream):
    """A campaign's lifetime totals. Incremental runs read the campaigns that moved and, on
    the rotation, every campaign (a lead paused or categorised by hand moves its lead counts
    without any email)."""

    name = "campaign_analytics"
    path = "/campaigns/{campaign_id}/analytics"
    returns_list = False
    tracks_activity = True
    rotates = True
    skips_idle_campaigns = True
    primary_keys = ("campaign_id",)
    keeps_tombstones = True  # a deleted campaign's row leaves by its tombstone
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("id", ID),
        *campaign_summary_properties(),
        *email_counts(*ANALYTICS_COUNTS, "sequence_count", *UNIQUE_COUNTS),
        th.Property(
            "tags",
            list_of(
                open_object(
                    th.Property("id", ID), th.Property("name", TEXT), th.Property("color", TEXT)
                )
            ),
        ),
        th.Property("client_id", ID),
        th.Property("client_name", TEXT),
        th.Property("client_email", TEXT),
        th.Property("client_company_name", TEXT),
        th.Property("parent_campaign_id", ID),
        th.Property("send_as_plain_text", th.BooleanType),
        th.Property(
            "campaign_lead_stats",
            open_object(
                *email_counts(
                    "total", "notStarted", "inprogress", "paused", "completed", "stopped",
                    "blocked", "interested",
                ),
                th.Property("revenue", th.NumberType),
            ),
        ),
        DELETED_AT_PROPERTY,
    )

    def fetch_analytics(self, campaign_id: Any) -> Any:
        """``GET /campaigns/{id}/analytics`` (or MISSING): for this stream and for the activity
        detector, which asks for it first and shares it (one request per campaign per run)."""
        context = {"campaign_id": campaign_id}
        return self.fetch_first_answer(self.call(context), context)

    @override
    def plan_partition(self, context: dict) -> Any:
        # A lead added moves the campaign's lead counts (tap_smartlead/signals.py).
        if self.run.activity.only_got_leads(context["campaign_id"],
                                            self.get_context_state(context)):
            return [self.call(context)]
        if self.skips_partition(context, refresh_only=False):
            return []
        return [self.call(context)]

    @override
    def fetch_planned(self, context: dict, plan: Any) -> Any:
        if not isinstance(plan, list) or not plan:
            return super().fetch_planned(context, plan)
        payload = self.run.activity.analytics(context["campaign_id"])
        return MISSING if payload is MISSING else [(plan[0], payload)]


class CampaignAnalyticsByDateStream(CampaignChildStream):
    """One record per campaign per window of ``analytics_window_days``, on a fixed calendar.

    Windows are counted from 1970-01-01 (tap_smartlead/windows.py), never from start_date: the
    same day is in the same window (same key) on every run. The first sync starts with the
    window that holds start_date (``RunContext.first_day``, where statistics and messages
    start too). Each run fetches again the bookmarked window (the latest
    one loaded: it held today on the last run, and its last days' counts may have grown since)
    and every window after it; the one holding today ends today. A changed window size applies
    from the bookmarked window's end (see ``windows_from``).
    """

    name = "campaign_analytics_by_date"
    path = "/campaigns/{campaign_id}/analytics-by-date"
    returns_list = False
    primary_keys = ("campaign_id", "start_date")
    replication_key = "start_date"
    is_sorted = False
    tracks_activity = True
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("start_date", DATE, required=True),
        th.Property("end_date", DATE),
        th.Property("timezone", TEXT, description="The IANA time zone of the window's days."),
        th.Property("id", ID),
        *campaign_summary_properties(),
        *email_counts(*ANALYTICS_COUNTS, *UNIQUE_COUNTS),
    )

    def windows(self, context: dict) -> list[tuple[dt.date, dt.date]]:
        days = int(self.config["analytics_window_days"])
        today = self.run.today()
        bookmark = self.bookmark(context)
        if not bookmark:
            # Not before the window holding the campaign's creation: earlier windows are empty.
            first = max(self.run.first_day.date(), self.created_window(context, days))
            return self.plan_figures(context, windows_from(first, today, days))
        resume_from = dt.date.fromisoformat(str(bookmark)[:10])
        windows = windows_from(resume_from, today, days)
        state = self.get_context_state(context)
        if self.run.activity.is_idle(context["campaign_id"], state):
            # Nothing happened since the bookmarked window was fetched: its counts stand. A
            # window that began since is still fetched (its key is new).
            return self.plan_figures(context, [w for w in windows if w[0] > resume_from])
        # A server whose days lag the tap's clock (a time zone, a clock set wrong) still counts
        # sends in the window before the bookmarked one for a few days after the tap's clock
        # left it: the windows loaded before the bookmark that end within the last
        # ``analytics_lookback_days`` days are read again, each with the days it was loaded
        # with (the same key, whatever the window size was then), unless the campaign's
        # figures for their days are those of the last read (``earlier_unchanged``).
        earlier = [w for w in self.recent_windows(state, resume_from) if w[1] >= self.horizon()]
        if earlier and self.earlier_unchanged(context, state, (earlier[0][0], earlier[-1][1])):
            earlier = []
        return earlier + windows

    FIGURES_KEY = "recent_windows_figures"

    def plan_figures(
        self, context: dict, windows: list[tuple[dt.date, dt.date]]
    ) -> list[tuple[dt.date, dt.date]]:
        """``windows`` (to be read), after noting the figures of the earlier windows they will
        leave within the look-back (stored with them once read, compared on the next run)."""
        state = self.get_context_state(context)
        starts = {str(d)[:10] for d in state.get(self.RECENT_KEY, [])}
        starts |= {start.isoformat() for start, _ in windows}
        if self.bookmark(context):
            starts.add(str(self.bookmark(context))[:10])
        if starts:
            latest = dt.date.fromisoformat(max(starts))
            earlier = [w for w in self.recent_windows({self.RECENT_KEY: sorted(starts)}, latest)
                       if w[1] >= self.horizon()]
            if earlier:
                self.earlier_unchanged(context, state, (earlier[0][0], earlier[-1][1]))
        return windows

    def earlier_unchanged(
        self, context: dict, state: dict[str, Any], days: tuple[dt.date, dt.date]
    ) -> bool:
        """Whether the campaign's figures for ``days`` (the earlier windows still in the
        look-back) in the account-wide answer (``/analytics/campaign/overall-stats``, one request
        per run for every campaign) are those stored after the last read of those windows: then
        no send, open, reply or bounce landed in them since. Asked before the reads, and stored
        after them (``keep_recent_windows``); not known (the route unavailable, or every
        campaign read on every run): False."""
        if not self.run.activity.enabled:
            return False
        figures = self.figures_between(*days)
        if figures is None:
            return False
        mark = f"{days[0]}..{days[1]}:{figures.get(str(context['campaign_id']), '0' * 12)}"
        self._planned_figures[context["campaign_id"]] = mark
        return state.get(self.FIGURES_KEY) == mark

    def figures_between(self, first: dt.date, last: dt.date) -> dict[str, str] | None:
        """Every campaign's figures digest for ``first``..``last``: one request per range and
        run, shared by the campaigns (planned on several threads)."""
        with self._figures_lock:
            if (first, last) not in self._figures:
                daily = self.tap.streams["campaign_daily_stats"]
                self._figures[(first, last)] = daily.campaigns_moved_since(first, until=last)
            return self._figures[(first, last)]

    RECENT_KEY = "recent_windows"

    def horizon(self) -> dt.date:
        """The earliest day a lagging server may still count a send on."""
        return self.run.today() - dt.timedelta(days=int(self.config["analytics_lookback_days"]))

    def recent_windows(
        self, state: dict[str, Any], bookmark: dt.date
    ) -> list[tuple[dt.date, dt.date]]:
        """The windows loaded before ``bookmark`` that the state keeps (``recent_windows``: their
        first days; loaded windows follow each other without gap, so each ends the day before
        the next begins)."""
        starts = sorted({dt.date.fromisoformat(str(d)[:10]) for d in state.get(self.RECENT_KEY, [])
                         if str(d)[:10] < bookmark.isoformat()})
        if not starts:
            return []
        ends = [*starts[1:], bookmark]
        return [(start, end - dt.timedelta(days=1))
                for start, end in zip(starts, ends, strict=True)]

    def keep_recent_windows(self, context: dict, loaded: list[str]) -> None:
        """After a partition's windows are emitted: keep the first days of the windows before
        the (new) bookmark that end within the look-back, for the next run to read again."""
        state = self.get_context_state(context)
        starts = {str(d)[:10] for d in state.get(self.RECENT_KEY, [])} | set(loaded)
        if self.bookmark(context):
            starts.add(str(self.bookmark(context))[:10])
        if not starts:
            return
        bookmark_day = dt.date.fromisoformat(max(starts))  # the latest window loaded
        kept = [
            (start, end)
            for start, end in self.recent_windows({self.RECENT_KEY: sorted(starts)}, bookmark_day)
            if end >= self.horizon()
        ]
        planned = self._planned_figures.pop(context["campaign_id"], None)
        if kept:
            state[self.RECENT_KEY] = [start.isoformat() for start, _ in kept]
        else:
            state.pop(self.RECENT_KEY, None)
        if kept and planned and planned.startswith(f"{kept[0][0]}..{kept[-1][1]}:"):
            state[self.FIGURES_KEY] = planned  # the same days next run: compared then
        else:
            state.pop(self.FIGURES_KEY, None)  # unknown: the next run reads them again

    def created_window(self, context: dict, days: int) -> dt.date:
        """The first day of the calendar window holding the campaign's creation (the
        earliest day when the listing does not say when it was created)."""
        if self._created is None:
            self._created = {
                row.get("id"): parse_timestamp(row.get("created_at"))
                for row in self.sibling(CampaignsStream).listing()
            }
        created = self._created.get(context["campaign_id"])
        return window_start(created.date(), days) if created is not None else dt.date.min

    _created: dict[Any, dt.datetime | None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._figures: dict[tuple[dt.date, dt.date], dict[str, str] | None] = {}
        self._figures_lock = threading.Lock()
        # campaign -> the figures mark asked before its reads, stored once they are done
        self._planned_figures: dict[Any, str] = {}

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        return [
            self.call(context, {
                "start_date": first.isoformat(), "end_date": last.isoformat(),
                "time_zone": self.config.get("timezone") or "UTC",  # the day boundary
            })
            for first, last in self.windows(context)
        ]

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        loaded = []
        for call, payload in answers:
            row = object_payload(payload, call.what)
            # The window we asked for is the key, whatever the API echoes.
            yield {
                **row,
                "campaign_id": context["campaign_id"],
                "start_date": call.params["start_date"],
                "end_date": call.params["end_date"],
                "timezone": call.params["time_zone"],
            }
            loaded.append(call.params["start_date"])
        self.keep_recent_windows(context, loaded)
