"""Entities -> API JSON shapes, following the seed document field by field.

Where the seed shows a number as a string (`total_leads`, analytics counts, warmup totals,
lead-by-email `id`) it is a string here too; timestamps use the form the seed shows for each
object (`...Z` milliseconds or `+00:00` microseconds).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

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
from .names import CATEGORIES
from .timeutil import fmt_ms_z, fmt_us_offset

CATEGORY_NAMES = {cid: name for cid, _, name in CATEGORIES}

# Live mode (`--shapes live`) adds these fields, which no Smartlead document names, to every
# endpoint (rendered by render_live.py). Paths are relative to the response body: `a.b` is key
# `b` of object `a`, `[]` is "each item of this list". `leads-export` lists CSV column names.
# Tests assert that they arrive and that the tap keeps them. The two credential-like ones on
# email accounts (`oauth_refresh_token`, `warmup_details.smtp_api_secret`) are secrets: the
# ground-truth dump carries them, so tests can check they never leak.
UNKNOWN_TO_TAP: dict[str, list[str]] = {
    "/campaigns": ["[].is_pinned", "[].ooo_settings"],
    "/campaigns/{id}": ["is_pinned", "ooo_settings"],
    "/campaigns/{id}/sequences": ["[].seq_type", "[].seq_delay_details.delayInHours"],
    "/campaigns/{id}/leads": ["data[].lead_list_id", "data[].lead.time_zone"],
    "/campaigns/{id}/leads-export": ["lead_list_id"],
    "/campaigns/{id}/statistics": ["data[].sent_from_email", "data[].is_ab_winner"],
    "/campaigns/{id}/analytics": ["team_member_id", "campaign_lead_stats.skipped"],
    "/campaigns/{id}/analytics-by-date": ["positive_reply_count"],
    "/campaigns/{id}/leads/{lead_id}/message-history": ["history[].is_important",
                                                        "lead_timezone"],
    "/campaigns/{id}/email-accounts": ["[].oauth_refresh_token", "[].dns_health",
                                       "[].warmup_details.smtp_api_secret"],
    "/campaigns/{id}/webhooks": ["[].is_active"],
    "/email-accounts": ["[].oauth_refresh_token", "[].dns_health",
                        "[].warmup_details.smtp_api_secret"],
    "/email-accounts/{id}": ["oauth_refresh_token", "dns_health",
                             "warmup_details.smtp_api_secret"],
    "/email-accounts/{id}/warmup-stats": ["warmup_status", "stats_by_date[].inbox_rate"],
    "/leads/fetch-categories": ["[].is_default"],
    "/leads": ["lead_source"],
    "/leads/{lead_id}/campaigns": ["[].lead_status"],
    "/client": ["[].whitelabel_domain", "[].client_permision.can_export"],
}

# The credential-like unknown fields (paths as above): secrets, never to be emitted.
SECRET_UNKNOWN_FIELDS: tuple[str, ...] = ("oauth_refresh_token", "warmup_details.smtp_api_secret")


def category(entry: tuple[int, str, str]) -> dict[str, Any]:
    cid, created_at, name = entry
    return {"id": cid, "created_at": created_at, "name": name}


def client(c: Client, user_id: int) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "uuid": c.uuid,
        "created_at": fmt_ms_z(c.created_at),
        "user_id": user_id,
        "logo": c.logo,
        "logo_url": c.logo_url,
        "client_permission": {"permission": list(c.permission), "restricted_category": []},
    }


def campaign(c: Campaign, user_id: int) -> dict[str, Any]:
    return {
        "id": c.id,
        "user_id": user_id,
        "created_at": fmt_us_offset(c.created_at),
        "updated_at": fmt_us_offset(c.updated_at),
        "status": c.status,
        "name": c.name,
        "track_settings": list(c.track_settings) if isinstance(c.track_settings, list)
        else c.track_settings,
        "scheduler_cron_value": c.scheduler_cron_value,
        "min_time_btwn_emails": c.min_time_btwn_emails,
        "max_leads_per_day": c.max_leads_per_day,
        "stop_lead_settings": c.stop_lead_settings,
        "unsubscribe_text": c.unsubscribe_text,
        "client_id": c.client_id,
        "enable_ai_esp_matching": c.enable_ai_esp_matching,
        "send_as_plain_text": c.send_as_plain_text,
        "follow_up_percentage": f"{c.follow_up_percentage}%",
    }


def sequence(s: Sequence, campaign_id: int) -> dict[str, Any]:
    return {
        "id": s.id,
        "created_at": fmt_ms_z(s.created_at),
        "updated_at": fmt_ms_z(s.updated_at),
        "email_campaign_id": campaign_id,
        "seq_number": s.seq_number,
        "subject": s.subject,
        "email_body": s.email_body,
        "sequence_variants": [
            {
                "id": v.id,
                "created_at": fmt_us_offset(v.created_at),
                "updated_at": fmt_us_offset(v.updated_at),
                "is_deleted": False,
                "subject": v.subject,
                "email_body": v.email_body,
                "email_campaign_seq_id": s.id,
                "variant_label": v.label,
            }
            for v in s.variants
        ],
    }


def webhook(w: Webhook, campaign_id: int) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "created_at": fmt_ms_z(w.created_at),
        "updated_at": fmt_ms_z(w.updated_at),
        "webhook_url": w.webhook_url,
        "email_campaign_id": campaign_id,
        "event_types": list(w.event_types),
        "categories": list(w.categories),
    }


def email_account(a: EmailAccount, user_id: int, *, full_warmup: bool) -> dict[str, Any]:
    """The list endpoint shows the short `warmup_details`, by-id and per-campaign the full one."""
    warmup: dict[str, Any] = {"id": a.warmup_id, "status": a.warmup_status}
    total_sent = sum(d.sent_count for d in a.warmup_days)
    total_spam = sum(d.save_from_spam_count for d in a.warmup_days)
    if full_warmup:
        warmup.update({
            "created_at": fmt_us_offset(a.warmup_created_at),
            "reply_rate": a.warmup_reply_rate,
            "warmup_key_id": a.warmup_key_id,
            "blocked_reason": None,
            "total_sent_count": total_sent,
            "total_spam_count": total_spam,
            "warmup_max_count": a.warmup_max_count,
            "warmup_min_count": a.warmup_min_count,
            "is_warmup_blocked": False,
            "max_email_per_day": a.warmup_max_count,
            "warmup_reputation": f"{a.warmup_reputation}%",
        })
    else:
        warmup.update({
            "total_sent_count": total_sent,
            "total_spam_count": total_spam,
            "warmup_reputation": f"{a.warmup_reputation}%",
        })
    return {
        "id": a.id,
        "created_at": fmt_us_offset(a.created_at),
        "updated_at": fmt_us_offset(a.updated_at),
        "user_id": user_id,
        "from_name": a.from_name,
        "from_email": a.from_email,
        "username": a.from_email,
        "password": a.password,
        "smtp_host": a.smtp_host,
        "smtp_port": a.smtp_port,
        "smtp_port_type": "SSL" if a.smtp_port == 465 else "TLS",
        "message_per_day": a.message_per_day,
        "different_reply_to_address": "",
        "is_different_imap_account": False,
        "imap_username": a.from_email,
        "imap_password": a.imap_password,
        "imap_host": a.imap_host,
        "imap_port": a.imap_port,
        "imap_port_type": "SSL",
        "signature": a.signature,
        "custom_tracking_domain": a.custom_tracking_domain,
        "bcc_email": "",
        "is_smtp_success": True,
        "is_imap_success": True,
        "smtp_failure_error": "",
        "imap_failure_error": "",
        "type": a.type,
        "daily_sent_count": a.daily_sent_count,
        "client_id": a.client_id,
        "warmup_details": warmup,
    }


def warmup_stats(a: EmailAccount, today: date) -> dict[str, Any]:
    """The 7 dates ending at the clock's date; top-level totals are strings (as in the seed)."""
    first = today - timedelta(days=6)
    days = [d for d in a.warmup_days if first <= d.date <= today]
    sent = sum(d.sent_count for d in days)
    spam = sum(d.save_from_spam_count for d in days)
    return {
        "id": a.id,
        "sent_count": str(sent),
        "spam_count": str(spam),
        "inbox_count": str(sent - spam),
        "warmup_email_received_count": str(sum(d.reply_count for d in days)),
        "stats_by_date": [warmup_day(d) for d in days],
    }


def warmup_day(d: WarmupDay) -> dict[str, Any]:
    return {
        "id": d.id,
        "date": d.date.isoformat(),
        "sent_count": d.sent_count,
        "reply_count": d.reply_count,
        "save_from_spam_count": d.save_from_spam_count,
    }


def lead(ld: Lead) -> dict[str, Any]:
    return {
        "id": ld.id,
        "first_name": ld.first_name,
        "last_name": ld.last_name,
        "email": ld.email,
        "phone_number": ld.phone_number,
        "company_name": ld.company_name,
        "website": ld.website,
        "location": ld.location,
        "custom_fields": dict(ld.custom_fields),
        "linkedin_profile": ld.linkedin_profile,
        "company_url": ld.company_url,
        "is_unsubscribed": ld.is_unsubscribed,
    }


def lead_by_email(ld: Lead) -> dict[str, Any]:
    """The seed shows this endpoint's `id` as a string and `created_at` in `...Z` form."""
    return {**lead(ld), "id": str(ld.id), "created_at": fmt_ms_z(ld.created_at)}


def lead_row(m: LeadMap) -> dict[str, Any]:
    return {
        "campaign_lead_map_id": m.id,
        "lead_category_id": m.category_id,
        "status": m.status,
        "created_at": fmt_us_offset(m.created_at),
        "lead": lead(m.lead),
    }


def stats_row(msg: Message) -> dict[str, Any]:
    owner = msg.owner
    return {
        "stats_id": msg.stats_id,
        "lead_name": f"{owner.lead.first_name} {owner.lead.last_name}",
        "lead_email": owner.lead.email,
        "lead_category": CATEGORY_NAMES.get(owner.category_id) if owner.category_id else None,
        "sequence_number": msg.sequence.seq_number,
        "email_campaign_seq_id": msg.sequence.id,
        "seq_variant_id": msg.variant.id,
        "email_subject": msg.subject,
        "email_message": msg.body,
        "sent_time": fmt_ms_z(msg.sent_time),
        "open_time": fmt_ms_z(msg.open_time),
        "click_time": fmt_ms_z(msg.click_time),
        "reply_time": fmt_ms_z(msg.reply_time),
        "open_count": msg.open_count,
        "click_count": msg.click_count,
        "is_unsubscribed": msg.is_unsubscribed,
        "is_bounced": msg.is_bounced,
    }


def history_items(m: LeadMap) -> list[tuple[datetime, int, dict[str, Any]]]:
    items: list[tuple[datetime, int, dict[str, Any]]] = []
    for msg in m.messages:
        items.append((msg.sent_time, 0, {
            "type": "SENT",
            "message_id": msg.message_id,
            "stats_id": msg.stats_id,
            "time": fmt_ms_z(msg.sent_time),
            "email_body": msg.body,
            "subject": msg.subject,
        }))
    for rep in m.replies:
        items.append((rep.time, 1, {
            "type": "REPLY",
            "message_id": rep.message_id,
            "stats_id": rep.stats_id,
            "time": fmt_ms_z(rep.time),
            "email_body": rep.email_body,
            "subject": rep.subject,
        }))
    items.sort(key=lambda t: (t[0], t[1]))
    return items


def history(m: LeadMap, after: datetime | None = None) -> dict[str, Any]:
    return {
        "history": [item for when, _, item in history_items(m) if after is None or when > after],
        "from": m.mailbox.from_email,
        "to": m.lead.email,
    }


def _counts(c: Campaign) -> dict[str, int]:
    sent = len(c.messages)
    statuses = [m.status for m in c.leads]
    return {
        "sent": sent,
        "open": sum(msg.open_count for msg in c.messages),
        "click": sum(msg.click_count for msg in c.messages),
        "reply": sum(len(m.replies) for m in c.leads),
        "block": statuses.count("BLOCKED"),
        "total": len(c.leads),
        "drafted": statuses.count("STARTED"),
        "bounce": sum(1 for msg in c.messages if msg.is_bounced),
        "unsubscribed": sum(1 for msg in c.messages if msg.is_unsubscribed),
        "completed": statuses.count("COMPLETED"),
        "inprogress": statuses.count("INPROGRESS"),
    }


def analytics(c: Campaign, user_id: int, clients: dict[int, Client]) -> dict[str, Any]:
    """Top-level analytics: totals as strings, `campaign_lead_stats` as integers (seed shape).

    open/click counts are totals (sum of per-message counts); the unique_* counts are leads.
    """
    n = _counts(c)
    owner = clients.get(c.client_id) if c.client_id is not None else None
    return {
        "id": c.id,
        "user_id": user_id,
        "created_at": fmt_ms_z(c.created_at),
        "status": c.status,
        "name": c.name,
        "sent_count": str(n["sent"]),
        "open_count": str(n["open"]),
        "click_count": str(n["click"]),
        "reply_count": str(n["reply"]),
        "block_count": str(n["block"]),
        "total_count": str(n["total"]),
        "drafted_count": str(n["drafted"]),
        "bounce_count": str(n["bounce"]),
        "unsubscribed_count": str(n["unsubscribed"]),
        "sequence_count": str(len(c.sequences)),
        "tags": [],
        "unique_open_count": str(sum(1 for m in c.leads
                                     if any(x.open_count for x in m.messages))),
        "unique_click_count": str(sum(1 for m in c.leads
                                      if any(x.click_count for x in m.messages))),
        "unique_sent_count": str(sum(1 for m in c.leads if m.messages)),
        "client_id": c.client_id,
        "client_name": owner.name if owner else None,
        "client_email": owner.email if owner else None,
        "parent_campaign_id": None,
        "campaign_lead_stats": {
            "total": n["total"],
            "blocked": n["block"],
            "stopped": 0,
            "completed": n["completed"],
            "inprogress": n["inprogress"],
            "notStarted": n["drafted"],
        },
    }


def analytics_by_date(
    c: Campaign, user_id: int, start_day: date, end_day: date, lo: datetime, hi: datetime
) -> dict[str, Any]:
    """Counts of events with lo <= time < hi (the local days start_day..end_day, in UTC).

    sent/bounce/unsubscribed count messages by sent_time, open/click/reply by their times;
    total/drafted count leads added in the range (drafted: not yet mailed), block counts
    bounced sends (the only way a lead gets BLOCKED here).
    """
    def inside(t: datetime | None) -> bool:
        return t is not None and lo <= t < hi

    sent = [msg for msg in c.messages if inside(msg.sent_time)]
    added = [m for m in c.leads if inside(m.created_at)]
    bounced = sum(1 for msg in sent if msg.is_bounced)
    return {
        "id": c.id,
        "user_id": user_id,
        "created_at": fmt_ms_z(c.created_at),
        "status": c.status,
        "name": c.name,
        "start_date": start_day.isoformat(),
        "end_date": end_day.isoformat(),
        "sent_count": str(len(sent)),
        "open_count": str(sum(1 for msg in c.messages if inside(msg.open_time))),
        "click_count": str(sum(1 for msg in c.messages if inside(msg.click_time))),
        "reply_count": str(sum(1 for m in c.leads for r in m.replies if inside(r.time))),
        "block_count": str(bounced),
        "total_count": str(len(added)),
        "drafted_count": str(sum(1 for m in added if not m.messages)),
        "bounce_count": str(bounced),
        "unsubscribed_count": str(sum(1 for msg in sent if msg.is_unsubscribed)),
    }


# -- leads-export (CSV) --------------------------------------------------------------------

# The seed's column list and order; the live list (render_live.EXPORT_COLUMNS) differs.
EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "campaign_lead_map_id", "status", "created_at", "first_name", "last_name", "email",
    "phone_number", "company_name", "website", "location", "custom_fields", "linkedin_profile",
    "company_url", "is_unsubscribed", "last_email_sequence_sent", "is_interested", "open_count",
    "click_count", "reply_count",
)


def _cell(value: Any) -> str:
    """CSV cells: booleans as true/false, null as empty, objects as JSON (one cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def export_values(m: LeadMap) -> dict[str, Any]:
    """Every column either list can name, for one lead of the campaign."""
    ld = m.lead
    # The lead's own fields as the leads endpoint renders them; the columns name the order.
    return {
        **lead(ld),
        "campaign_lead_map_id": m.id,
        "status": m.status,
        "category": CATEGORY_NAMES.get(m.category_id) if m.category_id else None,
        "is_interested": m.category_id == 1,
        "created_at": fmt_us_offset(m.created_at),
        "unsubscribed_client_id_map": (
            {str(m.campaign.client_id or 0): True} if ld.is_unsubscribed else None),
        "last_email_sequence_sent": m.messages[-1].sequence.seq_number if m.messages else None,
        "open_count": sum(msg.open_count for msg in m.messages),
        "click_count": sum(msg.click_count for msg in m.messages),
        "reply_count": len(m.replies),
        "lead_list_id": 9_000 + m.campaign.id % 100,
    }


def export_rows(c: Campaign, columns: tuple[str, ...]) -> list[list[str]]:
    """The CSV cells, one row per lead of the campaign (a lead the listing serves twice is
    exported once), ordered by campaign_lead_map_id."""
    return [[cells[name] for name in columns]
            for cells in ({k: _cell(v) for k, v in export_values(m).items()} for m in c.leads)]


def csv_header(columns: list[str] | tuple[str, ...]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(columns)
    return out.getvalue().encode("utf-8")


def export_csv(c: Campaign, columns: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(export_rows(c, columns))
    return out.getvalue().encode("utf-8")
