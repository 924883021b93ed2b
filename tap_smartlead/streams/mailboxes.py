"""Mailboxes (email accounts): the list, each one's details, and their warmup statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.activity import REFRESH_KEY
from tap_smartlead.client import ListedOnceStream, Ready, SmartleadStream
from tap_smartlead.http_client import ApiCall
from tap_smartlead.paging import OffsetPagedStream
from tap_smartlead.payloads import list_payload, object_payload
from tap_smartlead.schemas import COUNT, DATE, EMAIL_ACCOUNT_PROPERTIES, ID, record_schema

EMAIL_ACCOUNTS_PAGE_SIZE = 100  # the API's cap


class EmailAccountsStream(OffsetPagedStream, ListedOnceStream):
    """``GET /email-accounts``: bare arrays of at most 100 (no total), walked until a short
    page; also the list every per-mailbox stream iterates."""

    name = "email_accounts"
    path = "/email-accounts"
    carries_mailboxes = True
    primary_keys = ("id",)
    page_size = EMAIL_ACCOUNTS_PAGE_SIZE
    schema = record_schema(*EMAIL_ACCOUNT_PROPERTIES)

    @override
    def fetch_listing(self) -> list[dict[str, Any]]:
        """Every mailbox of the account (credentials are removed when records are written)."""
        first = self.first_page(None)
        return [row for page in self.pages(None, first, self.fetch(first)) for row in page]


class EmailAccountDetailsStream(SmartleadStream):
    """``GET /email-accounts/{id}``: one mailbox with its warmup settings and block state
    (``warmup_details.reply_rate``, ``is_warmup_blocked``, ``blocked_reason``, min/max counts),
    which the list route leaves out. One request per mailbox, none when not selected."""

    name = "email_account_details"
    path = "/email-accounts/{email_account_id}"
    partition_kind = "email_account"
    carries_mailboxes = True
    primary_keys = ("id",)
    # email_account_id: the partition's key, which the SDK adds to each record now that every
    # mailbox keeps its place in the rotation (the same value as id).
    schema = record_schema(*EMAIL_ACCOUNT_PROPERTIES, th.Property("email_account_id", ID))
    # A mailbox's settings change by hand, not with email: read on the rotation (every mailbox
    # once per refresh_within_days runs, and on its first sync); rows stay as last read.
    rotates = True
    skips_idle_campaigns = True

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        activity = self.run.activity
        if activity.enabled and not activity.refresh_due(self.get_context_state(context)):
            self.runtime.note_skipped(self.name, context)
            return []
        return [self.call(context)]

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        for call, payload in answers:
            account = object_payload(payload, call.what)
            yield {**account, "id": account.get("id") or context["email_account_id"]}


class SharedWarmupReport(SmartleadStream):
    """A stream of the warmup endpoint's answers. warmup_stats and warmup_totals read the same
    report per mailbox: whichever syncs a mailbox first fetches it and offers it to the other
    (if selected), which takes it instead of asking again. Nothing depends on which of the two
    the SDK syncs first, or whether the other is selected at all.

    ``warmup_within_days`` (W, default 1: every run): a mailbox's report is read when due
    (ActivityDetector.read_due): on its first read, once per W runs (a rotation spread over the
    mailboxes), and whenever its bookmark day is W or more days old. The report shows 7 days,
    so runs at most 7 - W days apart lose no day. Both streams decide once per run per mailbox,
    from both their states; a mailbox not due costs no request, emits nothing and keeps its
    bookmark."""

    path = "/email-accounts/{email_account_id}/warmup-stats"
    partition_kind = "email_account"
    # On a rotation of warmup_within_days runs (mark_rotation below), not refresh_within_days.
    rotates = True
    # The other stream of the same answers (a stream's name, for the offers' kind).
    other: ClassVar[str]

    def read_due(self, context: dict) -> bool:
        """Whether this run reads the mailbox's report (the same answer for both streams)."""
        activity = self.run.activity
        streams = [self, self.tap.streams.get(self.other)]
        states = [stream.get_context_state(context) for stream in streams
                  if stream is not None and stream.selected]
        return activity.read_due(self.path, context["email_account_id"], states,
                                 activity.warmup_within)

    @override
    def plan_partition(self, context: dict) -> Any:
        if not self.read_due(context):
            self.runtime.note_skipped(self.name, context)
            return []
        handed = self.runtime.take(f"{self.path} for {self.name}", context["email_account_id"])
        if handed is not None:
            return Ready(handed)
        return super().plan_partition(context)

    @override
    def partition_fetched(self, context: dict, plan: Any, answers: Any) -> Any:
        other = self.tap.streams.get(self.other)
        if plan and not isinstance(plan, Ready) and other is not None and other.selected:
            key = context["email_account_id"]
            self.runtime.offer(f"{self.path} for {self.other}", key, answers)
        return answers

    @override
    def mark_rotation(self, context: dict, state: dict[str, Any]) -> None:
        activity = self.run.activity
        if activity.warmup_within <= 1:
            state.pop(REFRESH_KEY, None)  # read on every run: no rotation to keep
            return
        activity.mark_rotation(context["email_account_id"], state, due=self.read_due(context),
                               within=activity.warmup_within)


def warmup_report(call: ApiCall, payload: Any) -> dict[str, Any]:
    return object_payload(payload, call.what, required="stats_by_date")


def warmup_days(report: dict[str, Any]) -> list[dict[str, Any]]:
    return list_payload(report["stats_by_date"], f"GET {WarmupStatsStream.path}")


class WarmupStatsStream(SharedWarmupReport):
    """Daily warmup counts per mailbox. The API shows only the last 7 days, so every run keeps
    the days it sees (from the bookmark's day on, which is re-read because it may be partial)."""

    name = "warmup_stats"
    other = "warmup_totals"
    primary_keys = ("email_account_id", "date")
    replication_key = "date"
    is_sorted = False
    schema = record_schema(
        th.Property("email_account_id", ID, required=True),
        th.Property("date", DATE, required=True),
        th.Property("id", ID),
        th.Property("sent_count", COUNT),
        th.Property("reply_count", COUNT),
        th.Property("save_from_spam_count", COUNT),
    )

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        floor = self.run.start_date.date().isoformat()
        bookmark = self.bookmark(context)
        if bookmark:
            floor = max(floor, str(bookmark)[:10])
        for call, payload in answers:
            report = warmup_report(call, payload)
            for day in warmup_days(report):
                date = str(day.get("date", ""))[:10]
                if date and date >= floor:
                    yield {**day, "email_account_id": context["email_account_id"], "date": date}


class WarmupTotalsStream(SharedWarmupReport):
    """The warmup endpoint's 7-day totals (sent, spam, inbox, received): the deliverability
    figure. One row per mailbox per day the sync sees them (the day is the last date of the
    report's ``stats_by_date``, the server's today), so the history accumulates run after run.
    One request per mailbox for both warmup streams (SharedWarmupReport)."""

    name = "warmup_totals"
    other = "warmup_stats"
    primary_keys = ("email_account_id", "date")
    replication_key = "date"
    is_sorted = False
    schema = record_schema(
        th.Property("email_account_id", ID, required=True),
        th.Property("date", DATE, required=True, description="The report's last day."),
        th.Property("id", ID, description="The mailbox's id, as the API repeats it."),
        th.Property("sent_count", COUNT),
        th.Property("spam_count", COUNT),
        th.Property("inbox_count", COUNT),
        th.Property("warmup_email_received_count", COUNT),
    )

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        aid = context["email_account_id"]
        for report in (warmup_report(call, payload) for call, payload in answers):
            days = warmup_days(report)
            dates = sorted(str(day.get("date", ""))[:10] for day in days if day.get("date"))
            today = dates[-1] if dates else dt.datetime.now(dt.timezone.utc).date().isoformat()
            totals = {k: v for k, v in report.items() if k != "stats_by_date"}
            yield {**totals, "email_account_id": aid, "date": today}


