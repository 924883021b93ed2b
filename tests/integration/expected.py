"""What the tap should emit, derived from the emulator's ground truth (``/_emulator/dataset``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from smartlead_emulator.timeutil import parse_instant

EPOCH = dt.date(1970, 1, 1)


def instant(text: Any) -> dt.datetime | None:
    """An API timestamp in UTC, read by the emulator's own parser (never the tap's), or None."""
    try:
        return parse_instant(str(text)).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def window_starts(start_date: dt.date, today: dt.date, days: int) -> list[dt.date]:
    """The first days of the analytics windows from the one holding ``start_date`` to the one
    holding ``today``, as docs/design.md states the rule: windows of ``days`` days counted from
    1970-01-01 (written here again, independently of tap_smartlead/windows.py)."""
    first = start_date - dt.timedelta(days=(start_date - EPOCH).days % days)
    return [first + dt.timedelta(days=n * days) for n in range((today - first).days // days + 1)]


def expected_keys(
    dataset: dict[str, Any], start_date: dt.datetime, window_days: int = 30
) -> dict[str, set[tuple]]:
    live = [c for c in dataset["campaigns"] if not c.get("vanished")]
    today = dt.datetime.now(dt.timezone.utc).date()
    # A first sync reads statistics, messages and analytics windows from the first day of the
    # analytics window that holds start_date.
    first_day = dt.datetime.combine(window_starts(start_date.date(), today, window_days)[0],
                                    dt.time(), tzinfo=dt.timezone.utc)
    keys: dict[str, set[tuple]] = {
        "campaigns": {(c["id"],) for c in dataset["campaigns"]},
        "campaign_sequences": {(c["id"], s["id"]) for c in live for s in c["sequences"]},
        "campaign_leads": {(c["id"], r["campaign_lead_map_id"]) for c in live for r in c["leads"]},
        "campaign_statistics": {
            (c["id"], s["stats_id"])
            for c in live
            for s in c["statistics"]
            if instant(s["sent_time"]) >= first_day
        },
        "campaign_analytics": {(c["id"],) for c in live},
        # From the window holding the campaign's creation (or start_date, if later): no
        # campaign has figures from before it existed (docs/requests.md).
        "campaign_analytics_by_date": {
            (c["id"], first.isoformat())
            for c in live
            for first in window_starts(
                max(start_date.date(), instant(c["created_at"]).date()), today, window_days
            )
        },
        "lead_message_history": {
            (c["id"], int(lead_id), m["message_id"])
            for c in live
            for lead_id, thread in c["message_history"].items()
            for m in thread["history"]
            if instant(m["time"]) > first_day - dt.timedelta(seconds=1)
        },
        "email_accounts": {(a["id"],) for a in dataset["email_accounts"]},
        "warmup_stats": {
            (int(account_id), day["date"])
            for account_id, days in dataset["warmup"].items()
            for day in sorted(days, key=lambda d: d["date"])[-7:]
            if day["date"] >= start_date.date().isoformat()
        },
        "lead_categories": {(c["id"],) for c in dataset["categories"]},
        "campaign_email_accounts": {
            (c["id"], a["id"]) for c in live for a in c["email_accounts"]
        },
        "campaign_webhooks": {(c["id"], w["id"]) for c in live for w in c["webhooks"]},
        "clients": {(c["id"],) for c in dataset["clients"]},
        "lead_engagement": {
            (c["id"], int(row[c["leads_export"]["columns"].index("campaign_lead_map_id")]))
            for c in live
            for row in c["leads_export"]["rows"]
        },
        "warmup_totals": {
            (int(account_id), max(day["date"] for day in days[-7:]))
            for account_id, days in dataset["warmup"].items()
            if days
        },
        "email_account_details": {(a["id"],) for a in dataset["email_accounts"]},
    }
    # No analytics day before the oldest listed campaign was created (docs/requests.md).
    created = [instant(c.get("created_at")) for c in dataset["campaigns"]]
    oldest = min((when for when in created if when is not None), default=None)
    first_analytics_day = max(start_date.date(), oldest.date()) if oldest else start_date.date()
    keys.update(analytics_keys(dataset, first_analytics_day, today))
    return keys


def analytics_keys(
    dataset: dict[str, Any], first: dt.date, today: dt.date
) -> dict[str, set[tuple]]:
    """The analytics streams' keys for the tap's days ``first``..``today`` (UTC): every day for
    the account streams, the groups the emulator's ground truth lists on each day for the rest,
    and every mailbox of every campaign for the lifetime figures."""
    truth = dataset["analytics_keys"]
    days = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]

    def within(kind: str) -> set[tuple]:
        return {(group, day) for day, group in truth.get(kind, [])
                if first.isoformat() <= day <= today.isoformat()}

    return {
        "account_daily_stats": {(day.isoformat(),) for day in days},
        "account_daily_stats_by_send_date": {(day.isoformat(),) for day in days},
        "campaign_daily_stats": within("campaign_days"),
        "mailbox_daily_stats": within("mailbox_days"),
        "client_daily_stats": within("client_days"),
        "reply_category_daily": within("category_days"),
        "campaign_mailbox_statistics": {
            (c["id"], a["id"]) for c in dataset["campaigns"] if not c.get("vanished")
            for a in c["email_accounts"]
        },
    }


def secrets_of(dataset: dict[str, Any], api_key: str) -> list[str]:
    """The API key and every credential a mailbox carries: SMTP/IMAP passwords (plaintext and
    the list route's base64 form) and, in live mode, the credential-like fields the tap has
    never heard of (`oauth_refresh_token`, `warmup_details.smtp_api_secret`)."""
    found = {api_key}
    accounts = list(dataset["email_accounts"])
    accounts += dataset.get("email_account_details", {}).values()
    for campaign in dataset["campaigns"]:
        accounts += campaign["email_accounts"]
    for account in accounts:
        for name in ("password", "imap_password", "oauth_refresh_token"):
            if account.get(name):
                found.add(account[name])
        warmup = account.get("warmup_details") or {}
        if warmup.get("smtp_api_secret"):
            found.add(warmup["smtp_api_secret"])
    return sorted(s for s in found if len(s) >= 4)


def assert_no_secret(secrets: list[str], **outputs: bytes | str) -> None:
    for where, data in outputs.items():
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{len(leaked)} secret(s) found in {where}"
