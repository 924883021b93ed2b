"""Leads, their per-email statistics and their message threads: the large, incremental streams.

Each is partitioned by campaign, so the state holds one bookmark per campaign whatever the number
of leads; server-side filters keep incremental runs small. Each stream's incremental rule is in
its own docstring.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any

from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.client import Ready
from tap_smartlead.coercion import format_timestamp, parse_timestamp
from tap_smartlead.http_client import GAP, ApiCall
from tap_smartlead.paging import OffsetPagedStream, ReadRows
from tap_smartlead.payloads import list_payload, object_payload
from tap_smartlead.schemas import (
    ADDRESSES,
    COUNT,
    EXTRA_FIELDS,
    ID,
    JSON_LIST,
    JSON_OBJECT,
    JSON_VALUE,
    TEXT,
    TIMESTAMP,
    open_object,
    record_schema,
)
from tap_smartlead.threads import ThreadReader

LEADS_PAGE_SIZE = 100  # the API's cap
STATISTICS_PAGE_SIZE = 1000  # the API's cap, read one page at a time (max_in_flight)


def iso_param(value: dt.datetime) -> str:
    """ISO 8601 with milliseconds and ``Z``, as the leads and history filters take it."""
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def statistics_param(value: dt.datetime) -> str:
    """The statistics filters' documented form: ``2023-10-16 10:33:02.000Z``."""
    return iso_param(value).replace("T", " ")


class PagedCampaignStream(OffsetPagedStream):
    """A per-campaign endpoint paged with ``offset``/``limit`` (one bookmark per campaign)."""

    partition_kind = "campaign"


LEAD_SCHEMA = open_object(
    th.Property("id", ID),
    th.Property("first_name", TEXT),
    th.Property("last_name", TEXT),
    th.Property("email", TEXT),
    th.Property("phone_number", TEXT, description="A number, a string or null in the API."),
    th.Property("company_name", TEXT),
    th.Property("website", TEXT),
    th.Property("location", TEXT),
    # custom_fields are the user's own: an open object.
    th.Property("custom_fields", JSON_OBJECT),
    th.Property("linkedin_profile", TEXT),
    th.Property("company_url", TEXT),
    th.Property("is_unsubscribed", th.BooleanType),
    th.Property("unsubscribed_client_id_map", JSON_OBJECT),
    th.Property("created_at", TIMESTAMP),
)


class CampaignLeadsStream(PagedCampaignStream):
    """Each lead of each campaign, with its status and category.

    Incremental: new leads (``created_at_gt`` the newest ``created_at`` seen) and leads with
    activity (``event_time_gt`` the time the previous run checked, kept in the state as
    ``activity_checked_at``), each less ``incremental_overlap_minutes``. The active-leads query
    also serves ``lead_message_history`` when both are selected (one query for both).
    """

    name = "campaign_leads"
    path = "/campaigns/{campaign_id}/leads"
    primary_keys = ("campaign_id", "campaign_lead_map_id")
    replication_key = "created_at"
    is_sorted = False
    total_key = "total_leads"
    page_size = LEADS_PAGE_SIZE
    # Pages (and next campaigns' first pages) ahead of the writer: one per worker is enough to
    # keep them busy; more only holds more pages of a large campaign in memory.
    max_in_flight = 8
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("campaign_lead_map_id", ID, required=True),
        th.Property("lead_id", ID, description="lead.id, at the top level for joins."),
        th.Property("email", TEXT, description="lead.email, at the top level for joins."),
        th.Property("status", TEXT),
        th.Property("created_at", TIMESTAMP),
        th.Property("lead_category_id", ID),
        th.Property("lead", LEAD_SCHEMA),
    )

    ACTIVITY_MARKER = "activity_checked_at"
    tracks_activity = True
    # A category, status or custom field set by hand is no event: every campaign's whole
    # listing is read again on the rotation (tap_smartlead/activity.py).
    rotates = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._checked_at: dict[Any, str] = {}
        # campaign -> the queries whose leads lead_message_history takes as its active leads
        self._shared_with_history: dict[Any, list[ApiCall]] = {}

    @override
    def plan_partition(self, context: dict) -> Any:
        handed = self.runtime.take(LEAD_ROWS, context["campaign_id"])
        if handed is not None:  # lead_message_history synced first and read this plan for us
            return Ready(handed)
        return super().plan_partition(context)

    def shared_with_history(self, campaign_id: Any) -> list[ApiCall] | None:
        """The queries of this campaign's plan that also list lead_message_history's active
        leads (None: the plan has none of them)."""
        return self._shared_with_history.get(campaign_id)

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        state = self.get_context_state(context)
        created_since = parse_timestamp(self.bookmark(context))
        if created_since is not None and self.run.activity.only_got_leads(
            context["campaign_id"], state
        ):
            # Only leads were added (tap_smartlead/signals.py): the new leads alone. The event
            # mark stays (no event was read), so the next active run reads from it.
            return [self.first_page(
                context, created_at_gt=iso_param(created_since - self.run.overlap))]
        if self.skips_partition(context, refresh_only=False):
            return []  # no lead was added or had an event since they were last read; not due
        # Taken before the first request: activity after this is the next run's business.
        self._checked_at[context["campaign_id"]] = format_timestamp(
            dt.datetime.now(dt.timezone.utc)
        )
        activity_since = parse_timestamp(state.get(self.ACTIVITY_MARKER))
        history = self.sibling(LeadMessageHistoryStream)
        wanted, history_since = history.active_leads_wanted(context)
        refresh = self.run.activity.enabled and self.run.activity.refresh_due(state)
        if created_since is None or activity_since is None or refresh:
            every_lead = self.first_page(context)
            if wanted and history_since is not None:
                # The rotation's whole listing, and the history's own active leads beside it.
                active = self.first_page(context, event_time_gt=iso_param(history_since))
                sent = self.first_page(context, last_sent_time_gt=iso_param(history_since))
                self._shared_with_history[context["campaign_id"]] = [active, sent]
                return [every_lead, active, sent]
            if wanted and history_since is None:
                self._shared_with_history[context["campaign_id"]] = [every_lead]
            return [every_lead]
        overlap = self.run.overlap
        since = activity_since - overlap
        if wanted and history_since is not None:
            # One query for both: the leads with any event since the older of the two marks.
            since = min(since, history_since)
        active = self.first_page(context, event_time_gt=iso_param(since))
        # New leads have no event yet: the event filter alone would not list them.
        new = self.first_page(context, created_at_gt=iso_param(created_since - overlap))
        if not wanted or history_since is None:
            return [active, new]
        # History's own query also asks for the leads sent to since its mark (a send may not
        # be an "event" on the live API): so does the shared one, or those leads are missed.
        sent = self.first_page(context, last_sent_time_gt=iso_param(history_since))
        self._shared_with_history[context["campaign_id"]] = [active, sent]
        return [active, sent, new]

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        campaign_id = context["campaign_id"]
        shared = self._shared_with_history.pop(campaign_id, [])
        active_leads: dict[Any, None] = {}  # lead ids in order, once each
        for call, payload in answers:
            for row in self.rows(context, [(call, payload)]):
                if call in shared:
                    active_leads.update(dict.fromkeys(lead_ids([row])))
                yield self.flatten(row, context)  # a lead both new and active: emit_once
        checked = self._checked_at.pop(campaign_id, None)
        if checked is not None:
            self.get_context_state(context)[self.ACTIVITY_MARKER] = checked
        if shared and not self._gaps:
            # Handed over only when complete: with an answer missing, history asks for itself.
            self.runtime.offer(ACTIVE_LEADS, campaign_id, list(active_leads))

    @staticmethod
    def flatten(row: dict[str, Any], context: dict) -> dict[str, Any]:
        lead = row.get("lead") if isinstance(row.get("lead"), dict) else {}
        return {
            **row,
            "campaign_id": context["campaign_id"],
            "lead_id": lead.get("id"),
            "email": lead.get("email"),
        }


class CampaignStatisticsStream(PagedCampaignStream):
    """One row per email sent. The live API keys rows by ``stats_id``; a row without one (the
    seed's example has none) gets ``synthetic:<hash>`` of its lead email, step and send time,
    the same on every run, so it is upserted, never duplicated.

    Incremental: ``sent_time_start_date`` = bookmark less ``statistics_lookback_days``, so
    opens, clicks and replies that arrive after a send update its row.
    """

    name = "campaign_statistics"
    path = "/campaigns/{campaign_id}/statistics"
    primary_keys = ("campaign_id", "stats_id")
    replication_key = "sent_time"
    is_sorted = False
    total_key = "total_stats"
    page_size = STATISTICS_PAGE_SIZE
    # One page at a time: a page holds up to 1,000 emails with their HTML bodies, and pages in
    # flight (a campaign's later pages, the next campaigns' first) are what made peak memory
    # grow with the account (measured: scripts/bench.py scenarios 4a and 4b).
    max_in_flight = 1
    tracks_activity = True
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("stats_id", TEXT, required=True),
        th.Property("lead_name", TEXT),
        th.Property("lead_email", TEXT),
        th.Property("lead_category", TEXT),
        th.Property("sequence_number", th.IntegerType),
        th.Property("email_campaign_seq_id", ID),
        th.Property("seq_variant_id", ID),
        th.Property("email_subject", TEXT),
        th.Property("email_message", TEXT),
        th.Property("sent_time", TIMESTAMP),
        th.Property("open_time", TIMESTAMP),
        th.Property("click_time", TIMESTAMP),
        th.Property("reply_time", TIMESTAMP),
        th.Property("open_count", COUNT),
        th.Property("click_count", COUNT),
        th.Property("is_unsubscribed", th.BooleanType),
        th.Property("is_bounced", th.BooleanType),
        th.Property("ignore_reply", th.BooleanType),
    )

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        if self.run.activity.is_idle(
            context["campaign_id"], self.get_context_state(context)
        ):
            return []  # no send, open, click, reply, bounce or unsubscribe since the last read
        bookmark = parse_timestamp(self.bookmark(context))
        if bookmark is None:
            since = self.run.first_day
        else:
            lookback = dt.timedelta(days=int(self.config["statistics_lookback_days"]))
            since = bookmark - lookback
        return [self.first_page(context, sent_time_start_date=statistics_param(since))]

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        for row in self.rows(context, answers):
            yield {
                **row,
                "campaign_id": context["campaign_id"],
                "stats_id": row.get("stats_id") or synthetic_key(row, *SYNTHETIC_STATS_KEY),
            }


class LeadMessageHistoryStream(PagedCampaignStream):
    """One record per message of each lead's thread.

    Each message keeps its own ``from``, ``to``, ``cc`` and ``bcc`` (a REPLY is from the lead to
    the mailbox); the thread's top-level ``from``/``to`` describe its first send and only fill a
    message that lacks them. ``email_seq_number`` is the sequence step (an integer; null for a
    reply sent by hand from the master inbox, which the API lists as ``SENT``).

    Incremental: history is asked only for leads with activity since the bookmark less the
    overlap (``event_time_gt`` / ``last_sent_time_gt`` on the leads endpoint, or the list
    ``campaign_leads`` made in its own query); each such lead's whole thread is read again,
    because a message's open and click counts change after it was sent. Messages are emitted
    from the campaign's ``thread_origin`` (where its first sync started, kept in the state);
    each message's key is stable across runs (``message_keys``).
    """

    name = "lead_message_history"
    path = "/campaigns/{campaign_id}/leads/{lead_id}/message-history"
    primary_keys = ("campaign_id", "lead_id", "message_id")
    replication_key = "time"
    is_sorted = False
    total_key = "total_leads"
    page_size = LEADS_PAGE_SIZE
    schema = record_schema(
        th.Property("campaign_id", ID, required=True),
        th.Property("lead_id", ID, required=True),
        th.Property("message_id", TEXT, required=True),
        th.Property("type", TEXT, description="SENT or REPLY"),
        th.Property("stats_id", TEXT),
        th.Property("time", TIMESTAMP),
        th.Property("subject", TEXT),
        th.Property("email_body", TEXT),
        th.Property("from", TEXT),
        th.Property("to", TEXT),
        th.Property("cc", ADDRESSES, description="Addresses; the API sends a list (the seed "
                    "one comma-separated string), always a list here."),
        th.Property("bcc", ADDRESSES, description="As cc."),
        th.Property("email_seq_number", COUNT),
        th.Property("open_count", COUNT),
        th.Property("click_count", COUNT),
        th.Property("click_details", JSON_VALUE),
        th.Property("attachments", JSON_LIST),
        th.Property("reply_details", JSON_VALUE),
    )

    tracks_activity = True
    ORIGIN_MARKER = "thread_origin"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # campaign -> its active leads, as campaign_leads' queries listed them in this run
        self._handed_over: dict[Any, list[Any]] = {}
        # campaign -> the queries of campaign_leads' plan that list this stream's active leads
        # (read here for campaign_leads, which syncs later: plan_for_leads)
        self._reading_for_leads: dict[Any, list[ApiCall]] = {}

    @cached_property
    def thread_reader(self) -> ThreadReader:
        """The run's threads, in bulk while the server serves the bulk endpoint."""
        return ThreadReader(self)

    def active_leads_wanted(self, context: dict) -> tuple[bool, dt.datetime | None]:
        """Whether this run will ask for the campaign's active leads and has not yet, and
        since when (None: every lead), so that campaign_leads can list them in its queries."""
        campaign_id = context["campaign_id"]
        if (
            not self.selected
            or not self.runtime.will_take(ACTIVE_LEADS, campaign_id)
            or self.run.activity.is_idle(campaign_id, self.get_context_state(context))
        ):
            return False, None
        bookmark = parse_timestamp(self.bookmark(context))
        if bookmark is None:
            return True, None
        return True, bookmark - self.run.overlap

    @override
    def post_process(self, row: dict, context: dict | None = None) -> dict | None:
        return super().post_process(
            {**row, "cc": address_list(row.get("cc")), "bcc": address_list(row.get("bcc"))},
            context,
        )

    @override
    def plan_partition(self, context: dict) -> Any:
        self.run.activity.before_read(context["campaign_id"])  # the digest before any read
        reading = self.plan_for_leads(context)
        if reading is not None:
            return reading
        handed = self.runtime.take(ACTIVE_LEADS, context["campaign_id"])
        if isinstance(handed, list):  # campaign_leads' queries listed them: none of our own
            self._handed_over[context["campaign_id"]] = handed
            return []
        return super().plan_partition(context)

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        leads = CampaignLeadsStream.path  # the active leads are listed by the leads endpoint
        bookmark = parse_timestamp(self.bookmark(context))
        if bookmark is None:
            # First sync of this campaign: every lead.
            calls = [self.first_page(context, leads)]
        else:
            since = bookmark - self.run.overlap
            # Leads that were sent to, or had any other event, since the bookmark (less an
            # overlap).
            calls = [
                self.first_page(context, leads, event_time_gt=iso_param(since)),
                self.first_page(context, leads, last_sent_time_gt=iso_param(since)),
            ]
        if self.run.activity.is_idle(
            context["campaign_id"], self.get_context_state(context)
        ):
            return []  # no message was sent or received since the last read
        return calls

    def plan_for_leads(self, context: dict) -> list[ApiCall] | None:
        """campaign_leads' plan of this campaign, when it syncs after this stream and its plan
        holds this stream's active leads (one query for both, whichever syncs first): its
        answers are read here and handed over to it whole (``read_for_leads``)."""
        campaign_id = context["campaign_id"]
        leads = self.sibling(CampaignLeadsStream)
        if not (leads.selected and self.runtime.will_take(LEAD_ROWS, campaign_id)
                and self.runtime.will_take(ACTIVE_LEADS, campaign_id)):
            return None  # not selected, or it planned this campaign already
        calls = leads.partition_calls(context)
        shared = leads.shared_with_history(campaign_id)
        if not shared:
            return None  # it skips the campaign, or this stream does: each plans its own
        self.runtime.take(ACTIVE_LEADS, campaign_id)  # nothing to hand over later
        self._reading_for_leads[campaign_id] = shared
        return calls

    def read_for_leads(
        self, context: dict, answers: list[tuple[ApiCall, Any]], shared: list[ApiCall]
    ) -> list[Any]:
        """Every row of campaign_leads' queries (all pages), kept for it (on disk past a size),
        and this stream's active leads among them; handed over only when complete."""
        active: dict[Any, None] = {}
        read = []
        for call, payload in answers:
            rows = self.rows(context, [(call, payload)])
            if call in shared:
                rows = _noting_leads(rows, active)
            read.append((call, ReadRows(rows)))
        if not self._gaps:  # with a page missing, campaign_leads asks for itself
            self.runtime.offer(LEAD_ROWS, context["campaign_id"], read)
        return list(active)

    def active_lead_ids(self, context: dict, answers: list[tuple[ApiCall, Any]]) -> Iterator[Any]:
        handed = self._handed_over.pop(context["campaign_id"], None)
        if handed is not None:
            yield from handed
            return
        shared = self._reading_for_leads.pop(context["campaign_id"], None)
        if shared is not None:
            yield from self.read_for_leads(context, answers, shared)
            return
        # Once each, though the event and the sent queries (and a listing read again) overlap.
        yield from dict.fromkeys(lead_ids(self.rows(context, answers)))

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        campaign_id = context["campaign_id"]
        # An active lead's WHOLE thread is read again, not only its new messages: a message's
        # open_count and click_count change after it was sent, and the opens and clicks are what
        # made the lead active. Whole, not "since start_date": the default start_date moves
        # every day, and a thread cut at a moving point loses its oldest messages, which can
        # move a shared message_id to another message (see message_keys).
        origin = self.thread_origin(context)

        def history_of(lead_id: Any) -> Any:
            call = self.call({"campaign_id": campaign_id, "lead_id": lead_id})
            return self.fetch_later_answer(call, context)

        what = self.what
        leads = self.active_lead_ids(context, answers)
        for lead_id, payload in self.thread_reader.threads(context, leads, {}, history_of):
            if payload is GAP:  # deleted mid-sync, or a transient `{}` that stayed: read again
                self.note_gap(context, self.call({**context, "lead_id": lead_id}))
                continue
            thread = object_payload(payload, what, required="history")
            messages = thread["history"]
            if not isinstance(messages, list):
                messages = list_payload(messages, what)
            messages = [message for message in messages if isinstance(message, dict)]
            for message, key in zip(messages, message_keys(messages), strict=True):
                sent_at = parse_timestamp(message.get("time"))
                if sent_at is not None and sent_at <= origin:
                    continue  # before the campaign's first sync started
                if key != message.get("message_id") and message.get("message_id"):
                    # The API's id, shared with an earlier message of the thread, stays here.
                    message = {**message, EXTRA_FIELDS: {"message_id": message["message_id"]}}
                yield {
                    **message,
                    "campaign_id": campaign_id,
                    "lead_id": lead_id,
                    "message_id": key,
                    "from": message.get("from") or thread.get("from"),
                    "to": message.get("to") or thread.get("to"),
                }

    def thread_origin(self, context: dict) -> dt.datetime:
        """The earliest message time this campaign's threads are emitted from: where its first
        sync started (``RunContext.first_day``), kept in its state, so that neither the default
        start_date (which moves every day) nor an edited one changes what a thread holds."""
        state = self.get_context_state(context)
        origin = parse_timestamp(state.get(self.ORIGIN_MARKER))
        if origin is None:
            origin = self.run.first_day - dt.timedelta(seconds=1)
            state[self.ORIGIN_MARKER] = format_timestamp(origin)
        return origin


def message_keys(messages: list[dict[str, Any]]) -> list[str]:
    """Each message's key, from the thread's messages in any order.

    A message keeps the API's ``message_id`` unless an earlier message of its thread (by
    ``time``) carries the same id (the seed's example threads share one id across three
    messages); then, like a message without an id, it gets ``synthetic:`` and a hash of its own
    id, type, stats_id and time. Threads only grow by newer messages and are always read
    whole, so the earliest holder of an id stays the earliest, and every key is the same on
    every run whatever else the answer holds.
    """
    own = [synthetic_key(_canonical_time(message), *SYNTHETIC_MESSAGE_KEY) for message in messages]
    earliest: dict[str, int] = {}
    for index, message in enumerate(messages):
        message_id = message.get("message_id")
        if not message_id:
            continue
        holder = earliest.get(message_id)
        if holder is None or _order(messages[index], own[index]) < _order(
            messages[holder], own[holder]
        ):
            earliest[message_id] = index
    return [
        str(message["message_id"]) if earliest.get(message.get("message_id")) == index
        else own[index]
        for index, message in enumerate(messages)
    ]


def _canonical_time(message: dict[str, Any]) -> dict[str, Any]:
    # One message's time comes as "...978Z" or "...978000+00:00" (the live API mixes them):
    # its key must not depend on which.
    parsed = parse_timestamp(message.get("time"))
    return message if parsed is None else {**message, "time": format_timestamp(parsed)}


def _order(message: dict[str, Any], own_key: str) -> tuple[dt.datetime, str]:
    earliest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return (parse_timestamp(message.get("time")) or earliest, own_key)


def address_list(value: Any) -> list[str] | None:
    """A message's ``cc``/``bcc`` as a list of addresses: the live API sends a list, the seed
    one comma-separated string (``""`` for none)."""
    if value is None or isinstance(value, list):
        return value
    return [part.strip() for part in str(value).split(",") if part.strip()]


# campaign_leads -> lead_message_history: the active leads its queries listed (runtime.offer).
ACTIVE_LEADS = "active_leads"
# lead_message_history -> campaign_leads, when history syncs first: campaign_leads' queries,
# read whole (ReadRows), so that neither order asks them twice.
LEAD_ROWS = "lead_rows"


def _noting_leads(rows: Iterable[dict[str, Any]], active: dict[Any, None]) -> Iterator[dict]:
    for row in rows:
        active.update(dict.fromkeys(lead_ids([row])))
        yield row


def lead_ids(rows: Iterable[dict[str, Any]]) -> Iterator[Any]:
    """The lead ids of rows of the leads listing (``lead.id``), in order."""
    for row in rows:
        lead = row.get("lead")
        if isinstance(lead, dict) and lead.get("id") is not None:
            yield lead["id"]


# What a synthetic key hashes, for rows the API sent without their own key.
SYNTHETIC_STATS_KEY = ("lead_email", "email_campaign_seq_id", "sequence_number", "sent_time")
SYNTHETIC_MESSAGE_KEY = ("message_id", "type", "stats_id", "time")


def synthetic_key(row: dict[str, Any], *fields: str) -> str:
    """A stable key for a row the API sent without its own (``synthetic:`` and 32 hex digits of
    a hash of ``fields``, as sent), so every run upserts it instead of adding a copy."""
    basis = json.dumps([str(row.get(name) or "").strip().lower() for name in fields])
    return "synthetic:" + hashlib.sha256(basis.encode()).hexdigest()[:32]
