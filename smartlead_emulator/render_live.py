"""Entities -> the shapes the live API sends (`--shapes live`, the default).

Follows ../shared/smartlead-api-notes.md, section "What the live API actually sends", field by
field, where it differs from the seed (render.py keeps the seed's shapes for `--shapes seed`).
Every endpoint also carries the extra fields listed in `render.UNKNOWN_TO_TAP`.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import render
from .models import (
    Campaign,
    Client,
    EmailAccount,
    Lead,
    LeadMap,
    Message,
    Sequence,
    WarmupDay,
    Webhook,
)
from .names import CATEGORIES, CATEGORY_SENTIMENT, CUSTOM_CATEGORIES
from .timeutil import fmt_ms_z, fmt_us_offset

if TYPE_CHECKING:
    from .dataset import Dataset

CATEGORY_NAMES = render.CATEGORY_NAMES
INTERESTED = 1


# The live API's leads-export columns (read them by header name: the seed's differ), plus one
# column unknown to the tap (render.UNKNOWN_TO_TAP).
EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "campaign_lead_map_id", "status", "category", "is_interested", "created_at",
    "first_name", "last_name", "email", "phone_number", "company_name", "website", "location",
    "custom_fields", "linkedin_profile", "company_url", "is_unsubscribed",
    "unsubscribed_client_id_map", "last_email_sequence_sent", "open_count", "click_count",
    "reply_count", "lead_list_id",
)


def fmt_s_offset(dt: datetime | None) -> str | None:
    """`2023-03-15T09:13:29+00:00`: whole seconds, explicit offset (hand-sent replies)."""
    return None if dt is None else dt.replace(microsecond=0).isoformat() + "+00:00"


def categories() -> list[dict[str, Any]]:
    rows = [{"id": cid, "created_at": created, "name": name,
             "sentiment_type": CATEGORY_SENTIMENT.get(cid), "is_default": True}
            for cid, created, name in CATEGORIES]
    rows += [{"id": cid, "created_at": created, "name": name, "sentiment_type": sentiment,
              "is_default": False}
             for cid, created, name, sentiment in CUSTOM_CATEGORIES]
    return rows


def client(c: Client, user_id: int) -> dict[str, Any]:
    row = render.client(c, user_id)
    del row["client_permission"]
    # Sic, both: the live API spells them this way.
    row["client_permision"] = {"permission": list(c.permission), "retricted_category": [],
                               "can_export": "full_access" in c.permission}
    row["whitelabel_domain"] = f"app.{c.email.split('@')[1]}"
    return row


def campaign(c: Campaign, user_id: int) -> dict[str, Any]:
    track = c.track_settings if isinstance(c.track_settings, list) else [c.track_settings]
    return {
        "id": c.id,
        "user_id": user_id,
        "created_at": fmt_us_offset(c.created_at),
        "updated_at": fmt_us_offset(c.updated_at),
        "status": c.status,
        "name": c.name,
        "track_settings": list(track),
        "scheduler_cron_value": None if c.scheduler is None else {
            **c.scheduler, "days": list(c.scheduler["days"])},
        "min_time_btwn_emails": c.min_time_btwn_emails,
        "max_leads_per_day": c.max_leads_per_day,
        "stop_lead_settings": c.stop_lead_settings,
        "unsubscribe_text": c.unsubscribe_text,
        "parent_campaign_id": c.parent_campaign_id,
        "client_id": c.client_id,
        "enable_ai_esp_matching": c.enable_ai_esp_matching,
        "send_as_plain_text": c.send_as_plain_text,
        "follow_up_percentage": c.follow_up_percentage,
        "is_pinned": c.is_pinned,
        "ooo_settings": {"ignore_ooo_as_reply": c.id % 2 == 0,
                         "auto_reactivate_days": 3 + c.id % 5},
    }


def sequence(s: Sequence, campaign_id: int) -> dict[str, Any]:
    only = s.variants[0]
    return {
        "id": s.id,
        "created_at": fmt_ms_z(s.created_at),
        "updated_at": fmt_ms_z(s.updated_at),
        "email_campaign_id": campaign_id,
        "seq_number": s.seq_number,
        "seq_delay_details": {"delayInDays": s.delay_days, "delayInHours": 0},
        "seq_type": "EMAIL",
        "subject": only.subject if s.variantless else "",
        "email_body": only.email_body if s.variantless else "",
        "sequence_variants": [] if s.variantless else [
            {
                "id": v.id,
                "created_at": fmt_us_offset(v.created_at),
                "updated_at": fmt_us_offset(v.updated_at),
                "is_deleted": False,
                "variant_label": v.label,
                "subject": v.subject,
                "email_body": v.email_body,
                "email_campaign_seq_id": s.id,
                "variant_distribution_percentage": v.distribution,
            }
            for v in s.variants
        ],
    }


def webhook(w: Webhook, campaign_id: int) -> dict[str, Any]:
    return {**render.webhook(w, campaign_id), "is_active": True}


def campaign_count(ds: Dataset, a: EmailAccount) -> int:
    return sum(1 for c in ds.campaigns if not c.vanished and a in c.mailboxes)


def email_account(a: EmailAccount, ds: Dataset, *, listing: bool) -> dict[str, Any]:
    """`listing`: the `/email-accounts` row (short warmup, base64 password); otherwise the
    `/email-accounts/{id}` and `/campaigns/{id}/email-accounts` shape (plaintext password,
    warmup settings inside `warmup_details`)."""
    row = render.email_account(a, ds.user_id, full_warmup=not listing)
    warmup = row["warmup_details"]
    if listing:
        row["password"] = base64.b64encode(a.password.encode()).decode()
    else:
        warmup["is_warmup_blocked"] = a.warmup_blocked_reason is not None
        warmup["blocked_reason"] = a.warmup_blocked_reason
    warmup["smtp_api_secret"] = a.smtp_api_secret
    row["tags"] = [{"tag_id": tid, "tag_name": name, "tag_color": color}
                   for tid, name, color in a.tags]
    row["campaign_count"] = campaign_count(ds, a)
    row["oauth_refresh_token"] = a.oauth_refresh_token
    row["dns_health"] = {"spf": True, "dkim": a.id % 3 != 0, "dmarc": a.id % 2 == 0}
    return row


def warmup_stats(a: EmailAccount, today: date) -> dict[str, Any]:
    out = render.warmup_stats(a, today)
    out["warmup_status"] = a.warmup_status
    for day in out["stats_by_date"]:
        sent = day["sent_count"]
        day["inbox_rate"] = 100 if sent == 0 else round(
            100 * (sent - day["save_from_spam_count"]) / sent)
    return out


def warmup_day(d: WarmupDay) -> dict[str, Any]:
    return render.warmup_day(d)


def unsubscribed_map(m: LeadMap) -> dict[str, Any] | None:
    """Which client (or the account, key "0") the lead unsubscribed from, when it did."""
    if not m.lead.is_unsubscribed:
        return None
    return {str(m.campaign.client_id or 0): True}


def lead(m: LeadMap) -> dict[str, Any]:
    out = render.lead(m.lead)
    out["unsubscribed_client_id_map"] = unsubscribed_map(m)
    out["time_zone"] = time_zone(m.lead)
    return out


def time_zone(ld: Lead) -> str:
    return ("Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Paris")[ld.id % 4]


def lead_by_email(ld: Lead) -> dict[str, Any]:
    return {**render.lead_by_email(ld), "lead_source": "CSV_UPLOAD" if ld.id % 3 else "API"}


def lead_row(m: LeadMap) -> dict[str, Any]:
    return {
        "campaign_lead_map_id": m.id,
        "lead_category_id": m.category_id,
        "status": m.status,
        "created_at": fmt_us_offset(m.created_at),
        "lead_list_id": 9_000 + m.campaign.id % 100,
        "lead": lead(m),
    }


def lead_campaigns(ld: Lead) -> list[dict[str, Any]]:
    maps = sorted(ld.maps, key=lambda m: m.campaign.id)
    return [{"id": m.campaign.id, "status": m.campaign.status, "name": m.campaign.name,
             "lead_status": m.status} for m in maps]


def stats_row(msg: Message) -> dict[str, Any]:
    row = render.stats_row(msg)
    if msg.sequence.variantless:
        row["seq_variant_id"] = None
    row["ignore_reply"] = False
    row["sent_from_email"] = msg.owner.mailbox.from_email
    row["is_ab_winner"] = None if msg.sequence.variantless else msg.variant.label == "A"
    return row


def _click_details(msg: Message) -> dict[str, int]:
    if not msg.click_count:
        return {}
    return {f"https://{msg.owner.lead.company_url or 'example.com'}/pricing": msg.click_count}


def history_items(m: LeadMap) -> list[tuple[datetime, int, dict[str, Any]]]:
    """SENT steps (`...Z` ms), REPLY items (`+00:00` with microseconds) and hand-sent answers
    (`type: SENT`, `email_seq_number: null`, `+00:00` whole seconds): one thread mixes all
    three timestamp forms, as the live API's do."""
    mailbox, address = m.mailbox.from_email, m.lead.email
    seq_of = {msg.stats_id: msg.sequence.seq_number for msg in m.messages}
    items: list[tuple[datetime, int, dict[str, Any]]] = []
    for msg in m.messages:
        items.append((msg.sent_time, 0, {
            "type": "SENT",
            "message_id": msg.message_id,
            "stats_id": msg.stats_id,
            "time": fmt_ms_z(msg.sent_time),
            "email_body": msg.body,
            "subject": msg.subject,
            "from": mailbox,
            "to": address,
            "cc": [],
            "bcc": [],
            "email_seq_number": str(msg.sequence.seq_number),
            "open_count": msg.open_count,
            "click_count": msg.click_count,
            "click_details": _click_details(msg),
            "attachments": [],
            "reply_details": None,
            "is_important": False,
        }))
    for i, rep in enumerate(m.replies):
        items.append((rep.time, 1, {
            "type": "REPLY",
            "message_id": rep.message_id,
            "stats_id": rep.stats_id,
            "time": fmt_us_offset(rep.time),
            "email_body": rep.email_body,
            "subject": rep.subject,
            "from": address,
            "to": mailbox,
            "cc": [f"assistant@{address.split('@')[1]}"] if (m.id + i) % 4 == 0 else [],
            "bcc": [],
            "email_seq_number": str(seq_of.get(rep.stats_id, 1)),
            "open_count": 0,
            "click_count": 0,
            "click_details": {},
            "attachments": [{"name": "signature.png", "size": 4_211}] if m.id % 5 == 0 else [],
            "reply_details": None,
            "is_important": m.category_id == INTERESTED,
        }))
    for sent in m.manual or ():
        items.append((sent.time, 2, {
            "type": "SENT",
            "message_id": sent.message_id,
            "stats_id": sent.stats_id,
            "time": fmt_s_offset(sent.time),
            "email_body": sent.email_body,
            "subject": sent.subject,
            "from": mailbox,
            "to": address,
            "cc": [],
            "bcc": [],
            "email_seq_number": None,
            "open_count": 0,
            "click_count": 0,
            "click_details": {},
            "attachments": [],
            "reply_details": {"in_reply_to": sent.in_reply_to},
            "is_important": False,
        }))
    items.sort(key=lambda t: (t[0], t[1]))
    return items


def history(m: LeadMap, after: datetime | None = None) -> dict[str, Any]:
    """Top-level `from`/`to` describe the first send (mailbox -> lead) only."""
    return {
        "history": [item for when, _, item in history_items(m) if after is None or when > after],
        "from": m.mailbox.from_email,
        "to": m.lead.email,
        "lead_timezone": time_zone(m.lead),
    }


def analytics(c: Campaign, user_id: int, clients: dict[int, Client]) -> dict[str, Any]:
    """Counts as strings except `campaign_lead_stats` (integers); `reply_count` counts leads
    that replied (not reply emails), as the live API's does."""
    out = render.analytics(c, user_id, clients)
    owner = clients.get(c.client_id) if c.client_id is not None else None
    interested = sum(1 for m in c.leads if m.category_id == INTERESTED)
    out.update({
        "reply_count": str(sum(1 for m in c.leads if m.replies)),
        "tags": [{"id": tid, "name": name, "color": color} for tid, name, color in c.tags],
        "client_company_name": owner.name.split()[0] if owner else None,
        "parent_campaign_id": c.parent_campaign_id,
        "send_as_plain_text": c.send_as_plain_text,
        "team_member_id": None if c.client_id is None else 70 + c.client_id,
    })
    out["campaign_lead_stats"].update({
        "paused": 0,
        "interested": interested,
        "revenue": interested * 1_500,
        "skipped": 0,
    })
    return out


def analytics_by_date(
    c: Campaign, user_id: int, start_day: date, end_day: date, lo: datetime, hi: datetime
) -> dict[str, Any]:
    out = render.analytics_by_date(c, user_id, start_day, end_day, lo, hi)

    def inside(t: datetime | None) -> bool:
        return t is not None and lo <= t < hi

    out["unique_sent_count"] = str(sum(
        1 for m in c.leads if any(inside(x.sent_time) for x in m.messages)))
    out["unique_open_count"] = str(sum(
        1 for m in c.leads if any(inside(x.open_time) for x in m.messages)))
    out["unique_click_count"] = str(sum(
        1 for m in c.leads if any(inside(x.click_time) for x in m.messages)))
    out["positive_reply_count"] = str(sum(
        1 for m in c.leads if m.category_id == INTERESTED
        for r in m.replies if inside(r.time)))
    return out

