"""Mailboxes (email accounts) and their daily warmup statistics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from singer_sdk import typing as th
from typing_extensions import override

from tap_smartlead.client import (
    ApiCall,
    ListedOnceStream,
    SmartleadStream,
    list_payload,
    object_payload,
)
from tap_smartlead.schemas import COUNT, EMAIL_ACCOUNT_PROPERTIES, ID, MAILBOX_CREDENTIALS

EMAIL_ACCOUNTS_PAGE_SIZE = 100  # the API's cap


class EmailAccountsStream(ListedOnceStream):
    """``GET /email-accounts``: bare arrays of at most 100, walked until a short page."""

    name = "email_accounts"
    path = "/email-accounts"
    primary_keys = ("id",)
    omitted_fields = MAILBOX_CREDENTIALS
    schema = th.PropertiesList(*EMAIL_ACCOUNT_PROPERTIES).to_dict()

    @override
    def fetch_listing(self) -> list[dict[str, Any]]:
        """Every mailbox of the account, credentials already removed."""
        mailboxes: list[dict[str, Any]] = []
        offset = 0
        while True:
            call = ApiCall(self.path, {"offset": offset, "limit": EMAIL_ACCOUNTS_PAGE_SIZE})
            page = list_payload(self.fetch(call), "GET /email-accounts")
            mailboxes += [self.without_credentials(row) for row in page]
            offset += len(page)
            if len(page) < EMAIL_ACCOUNTS_PAGE_SIZE:
                return mailboxes


class WarmupStatsStream(SmartleadStream):
    """Daily warmup counts per mailbox. The API shows only the last 7 days, so every run keeps
    the days it sees (from the bookmark's day on, which is re-read because it may be partial)."""

    name = "warmup_stats"
    path = "/email-accounts/{email_account_id}/warmup-stats"
    partition_kind = "email_account"
    primary_keys = ("email_account_id", "date")
    replication_key = "date"
    is_sorted = False
    schema = th.PropertiesList(
        th.Property("email_account_id", ID, required=True),
        th.Property("date", th.DateType, required=True),
        th.Property("id", ID),
        th.Property("sent_count", COUNT),
        th.Property("reply_count", COUNT),
        th.Property("save_from_spam_count", COUNT),
    ).to_dict()

    @override
    def partition_calls(self, context: dict | None) -> list[ApiCall]:
        assert context is not None
        return [ApiCall(f"/email-accounts/{context['email_account_id']}/warmup-stats")]

    @override
    def partition_records(
        self, context: dict | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        assert context is not None
        floor = self._tap.start_date().date().isoformat()  # type: ignore[attr-defined]
        bookmark = self.bookmark(context)
        if bookmark:
            floor = max(floor, str(bookmark)[:10])
        what = "GET /email-accounts/{id}/warmup-stats"
        for _, payload in answers:
            report = object_payload(payload, what, required="stats_by_date")
            for day in list_payload(report["stats_by_date"], what):
                date = str(day.get("date", ""))[:10]
                if date and date >= floor:
                    yield {**day, "email_account_id": context["email_account_id"], "date": date}


