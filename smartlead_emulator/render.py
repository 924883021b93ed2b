"""Entities -> API JSON shapes: one renderer, two shapes.

Every function builds the shape the live API sends (`--shapes live`, the default; see the live
API notes, "What the live API actually sends"). The older API reference's shapes
(`--shapes seed`) are that object with the differences in `REFERENCE` applied: fields the
reference does not have, fields it shows otherwise (a string count, another timestamp form, a
different spelling), and objects it does not list. A new live field is one line in its
function; when the reference lacks it, one more path in `REFERENCE`.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .models import (
    Campaign,
    Client,
    EmailAccount,
    Lead,
    LeadMap,
    Message,
    Sequence,
    Variant,
    WarmupDay,
    Webhook,
)
from .names import CATEGORIES, CATEGORY_SENTIMENT, CUSTOM_CATEGORIES
from .timeutil import fmt_ms_z, fmt_us_offset

if TYPE_CHECKING:
    from .dataset import Dataset

CATEGORY_NAMES = {cid: name for cid, _, name in CATEGORIES}
INTERESTED = 1

# Live mode (`--shapes live`) adds these fields, which no Smartlead document names, to every
# endpoint. Paths are relative to the response body: `a.b` is key `b` of object `a`, `[]` is
# "each item of this list". `leads-export` lists CSV column names.
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

# The live API's leads-export columns (read them by header name: the reference's differ), with
# one column unknown to the tap (UNKNOWN_TO_TAP), and the reference's list and order.
EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "campaign_lead_map_id", "status", "category", "is_interested", "created_at",
    "first_name", "last_name", "email", "phone_number", "company_name", "website", "location",
    "custom_fields", "linkedin_profile", "company_url", "is_unsubscribed",
    "unsubscribed_client_id_map", "last_email_sequence_sent", "open_count", "click_count",
    "reply_count", "lead_list_id",
)
REFERENCE_EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "campaign_lead_map_id", "status", "created_at", "first_name", "last_name", "email",
    "phone_number", "company_name", "website", "location", "custom_fields", "linkedin_profile",
    "company_url", "is_unsubscribed", "last_email_sequence_sent", "is_interested", "open_count",
    "click_count", "reply_count",
)


# -- the reference's differences ----------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """How the reference shows one kind of object, against the live shape built for it.

    `drop`: paths the reference does not have (`a.b`: key `b` of object `a`; `a[].b`: key `b`
    of each item of list `a`). `show`: path -> the reference's value, from the entity; a key
    the live object lacks (or drops) goes last. `listed`: whether the reference has the
    object at all.
    """

    drop: tuple[str, ...] = ()
    show: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    listed: Callable[[Any], bool] | None = None


# The keys a live message-history item has that the reference's items lack.
THREAD_EXTRAS = ("from", "to", "cc", "bcc", "email_seq_number", "open_count", "click_count",
                 "click_details", "attachments", "reply_details", "is_important")
LEAD_EXTRAS = ("unsubscribed_client_id_map", "time_zone")
ACCOUNT_EXTRAS = ("warmup_details.smtp_api_secret", "tags", "campaign_count",
                  "oauth_refresh_token", "dns_health")

REFERENCE: dict[str, Ref] = {
    "client": Ref(drop=("client_permision", "whitelabel_domain"), show={
        "client_permission": lambda c: {"permission": list(c.permission),
                                        "restricted_category": []}}),
    "campaign": Ref(drop=("parent_campaign_id", "is_pinned", "ooo_settings"), show={
        "track_settings": lambda c: list(c.track_settings)
        if isinstance(c.track_settings, list) else c.track_settings,
        "scheduler_cron_value": lambda c: c.scheduler_cron_value,
        "follow_up_percentage": lambda c: f"{c.follow_up_percentage}%"}),
    # The reference has no variantless steps: every step lists its variants.
    "sequence": Ref(drop=("seq_delay_details", "seq_type"), show={
        "subject": lambda s: s.subject,
        "email_body": lambda s: s.email_body,
        "sequence_variants": lambda s: [variant(v, s, live=False) for v in s.variants]}),
    "variant": Ref(drop=("variant_distribution_percentage", "variant_label"),
                   show={"variant_label": lambda v: v.label}),
    "webhook": Ref(drop=("is_active",)),
    "email_account": Ref(drop=ACCOUNT_EXTRAS, show={
        "warmup_details.is_warmup_blocked": lambda a: False,
        "warmup_details.blocked_reason": lambda a: None}),
    "email_account_listing": Ref(drop=ACCOUNT_EXTRAS, show={"password": lambda a: a.password}),
    "warmup_stats": Ref(drop=("warmup_status", "stats_by_date[].inbox_rate")),
    "lead_row": Ref(drop=("lead_list_id", *(f"lead.{k}" for k in LEAD_EXTRAS))),
    "lead_by_email": Ref(drop=("lead_source",)),
    "lead_campaign": Ref(drop=("lead_status",), listed=lambda m: not m.campaign.deleted),
    "category": Ref(drop=("sentiment_type", "is_default"), listed=lambda entry: entry[4]),
    "stats_row": Ref(drop=("ignore_reply", "sent_from_email", "is_ab_winner"),
                     show={"seq_variant_id": lambda msg: msg.variant.id}),
    "history": Ref(drop=("lead_timezone",)),
    "history_sent": Ref(drop=THREAD_EXTRAS),
    "history_reply": Ref(drop=THREAD_EXTRAS, show={"time": lambda rep: fmt_ms_z(rep.time)}),
    "history_manual": Ref(listed=lambda sent: False),
    "analytics": Ref(
        drop=("client_company_name", "send_as_plain_text", "team_member_id",
              *(f"campaign_lead_stats.{k}" for k in ("paused", "interested", "revenue",
                                                     "skipped"))),
        show={"reply_count": lambda c: str(sum(len(m.replies) for m in c.leads)),
              "tags": lambda c: [],
              "parent_campaign_id": lambda c: None}),
    "analytics_by_date": Ref(drop=("unique_sent_count", "unique_open_count",
                                   "unique_click_count", "positive_reply_count")),
    # The ground-truth dump (control API): live mode adds what its extra behaviours need.
    "dump": Ref(drop=("shapes", "email_account_details", "unknown_to_tap")),
    "dump_campaign": Ref(drop=("duplicate_lead_map_ids",)),
}


def _places(obj: dict[str, Any], path: str) -> list[tuple[dict[str, Any], str]]:
    """The (object, key) pairs a path names."""
    head, _, rest = path.partition(".")
    if not rest:
        return [(obj, head)]
    if head.endswith("[]"):
        return [place for item in obj[head[:-2]] for place in _places(item, rest)]
    return _places(obj[head], rest)


def shaped(kind: str, row: dict[str, Any], entity: Any, live: bool) -> dict[str, Any]:
    """`row` (the live shape) as `live` mode or the reference shows it."""
    if live:
        return row
    ref = REFERENCE.get(kind, Ref())
    for path in ref.drop:
        for obj, key in _places(row, path):
            del obj[key]
    for path, value in ref.show.items():
        for obj, key in _places(row, path):
            obj[key] = value(entity)
    return row


def listed(kind: str, entities: list[Any], live: bool) -> list[Any]:
    """The entities a list shows in `live` mode or in the reference."""
    ref = REFERENCE.get(kind, Ref())
    return entities if live or ref.listed is None else [e for e in entities if ref.listed(e)]


# -- objects ------------------------------------------------------------------------------


def fmt_s_offset(dt: datetime | None) -> str | None:
    """`2023-03-15T09:13:29+00:00`: whole seconds, explicit offset (hand-sent replies)."""
    return None if dt is None else dt.replace(microsecond=0).isoformat() + "+00:00"


def categories(ds: Dataset) -> list[dict[str, Any]]:
    entries = [(cid, created, name, CATEGORY_SENTIMENT.get(cid), True)
               for cid, created, name in CATEGORIES]
    entries += [(*custom, False) for custom in CUSTOM_CATEGORIES]
    keys = ("id", "created_at", "name", "sentiment_type", "is_default")
    return [shaped("category", dict(zip(keys, entry, strict=True)), entry, ds.live)
            for entry in listed("category", entries, ds.live)]


def client(ds: Dataset, c: Client) -> dict[str, Any]:
    return shaped("client", {
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "uuid": c.uuid,
        "created_at": fmt_ms_z(c.created_at),
        "user_id": ds.user_id,
        "logo": c.logo,
        "logo_url": c.logo_url,
        # Sic, both: the live API spells them this way.
        "client_permision": {"permission": list(c.permission), "retricted_category": [],
                             "can_export": "full_access" in c.permission},
        "whitelabel_domain": f"app.{c.email.split('@')[1]}",
    }, c, ds.live)


def campaign(ds: Dataset, c: Campaign) -> dict[str, Any]:
    track = c.track_settings if isinstance(c.track_settings, list) else [c.track_settings]
    return shaped("campaign", {
        "id": c.id,
        "user_id": ds.user_id,
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
    }, c, ds.live)


def variant(v: Variant, s: Sequence, *, live: bool) -> dict[str, Any]:
    return shaped("variant", {
        "id": v.id,
        "created_at": fmt_us_offset(v.created_at),
        "updated_at": fmt_us_offset(v.updated_at),
        "is_deleted": False,
        "variant_label": v.label,
        "subject": v.subject,
        "email_body": v.email_body,
        "email_campaign_seq_id": s.id,
        "variant_distribution_percentage": v.distribution,
    }, v, live)


def sequence(ds: Dataset, s: Sequence, campaign_id: int) -> dict[str, Any]:
    only = s.variants[0]
    return shaped("sequence", {
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
            variant(v, s, live=True) for v in s.variants],
    }, s, ds.live)


def webhook(ds: Dataset, w: Webhook, campaign_id: int) -> dict[str, Any]:
    return shaped("webhook", {
        "id": w.id,
        "name": w.name,
        "created_at": fmt_ms_z(w.created_at),
        "updated_at": fmt_ms_z(w.updated_at),
        "webhook_url": w.webhook_url,
        "email_campaign_id": campaign_id,
        "event_types": list(w.event_types),
        "categories": list(w.categories),
        "is_active": True,
    }, w, ds.live)


def email_account(ds: Dataset, a: EmailAccount, *, listing: bool) -> dict[str, Any]:
    """`listing`: the `/email-accounts` row (short warmup, base64 password); otherwise the
    `/email-accounts/{id}` and `/campaigns/{id}/email-accounts` shape (plaintext password,
    warmup settings inside `warmup_details`)."""
    warmup: dict[str, Any] = {"id": a.warmup_id, "status": a.warmup_status}
    total_sent = sum(d.sent_count for d in a.warmup_days)
    total_spam = sum(d.save_from_spam_count for d in a.warmup_days)
    if not listing:
        warmup.update({
            "created_at": fmt_us_offset(a.warmup_created_at),
            "reply_rate": a.warmup_reply_rate,
            "warmup_key_id": a.warmup_key_id,
            "blocked_reason": a.warmup_blocked_reason,
            "total_sent_count": total_sent,
            "total_spam_count": total_spam,
            "warmup_max_count": a.warmup_max_count,
            "warmup_min_count": a.warmup_min_count,
            "is_warmup_blocked": a.warmup_blocked_reason is not None,
            "max_email_per_day": a.warmup_max_count,
            "warmup_reputation": f"{a.warmup_reputation}%",
        })
    else:
        warmup.update({
            "total_sent_count": total_sent,
            "total_spam_count": total_spam,
            "warmup_reputation": f"{a.warmup_reputation}%",
        })
    warmup["smtp_api_secret"] = a.smtp_api_secret
    return shaped("email_account_listing" if listing else "email_account", {
        "id": a.id,
        "created_at": fmt_us_offset(a.created_at),
        "updated_at": fmt_us_offset(a.updated_at),
        "user_id": ds.user_id,
        "from_name": a.from_name,
        "from_email": a.from_email,
        "username": a.from_email,
        "password": base64.b64encode(a.password.encode()).decode() if listing else a.password,
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
        "tags": [{"tag_id": tid, "tag_name": name, "tag_color": color}
                 for tid, name, color in a.tags],
        "campaign_count": sum(1 for c in ds.campaigns if not c.vanished and a in c.mailboxes),
        "oauth_refresh_token": a.oauth_refresh_token,
        "dns_health": {"spf": True, "dkim": a.id % 3 != 0, "dmarc": a.id % 2 == 0},
    }, a, ds.live)


def warmup_stats(ds: Dataset, a: EmailAccount) -> dict[str, Any]:
    """The 7 dates ending at the clock's date; top-level totals are strings."""
    today = ds.now.date()
    first = today - timedelta(days=6)
    days = [d for d in a.warmup_days if first <= d.date <= today]
    sent = sum(d.sent_count for d in days)
    spam = sum(d.save_from_spam_count for d in days)
    return shaped("warmup_stats", {
        "id": a.id,
        "sent_count": str(sent),
        "spam_count": str(spam),
        "inbox_count": str(sent - spam),
        "warmup_email_received_count": str(sum(d.reply_count for d in days)),
        "stats_by_date": [{**warmup_day(d), "inbox_rate": 100 if d.sent_count == 0 else round(
            100 * (d.sent_count - d.save_from_spam_count) / d.sent_count)} for d in days],
        "warmup_status": a.warmup_status,
    }, a, ds.live)


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


def unsubscribed_map(m: LeadMap) -> dict[str, Any] | None:
    """Which client (or the account, key "0") the lead unsubscribed from, when it did."""
    if not m.lead.is_unsubscribed:
        return None
    return {str(m.campaign.client_id or 0): True}


def time_zone(ld: Lead) -> str:
    return ("Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Paris")[ld.id % 4]


def lead_by_email(ds: Dataset, ld: Lead) -> dict[str, Any]:
    """This endpoint's `id` is a string and `created_at` in `...Z` form."""
    return shaped("lead_by_email", {
        **lead(ld), "id": str(ld.id), "created_at": fmt_ms_z(ld.created_at),
        "lead_source": "CSV_UPLOAD" if ld.id % 3 else "API",
    }, ld, ds.live)


def lead_row(ds: Dataset, m: LeadMap) -> dict[str, Any]:
    return shaped("lead_row", {
        "campaign_lead_map_id": m.id,
        "lead_category_id": m.category_id,
        "status": m.status,
        "created_at": fmt_us_offset(m.created_at),
        "lead_list_id": 9_000 + m.campaign.id % 100,
        "lead": {**lead(m.lead), "unsubscribed_client_id_map": unsubscribed_map(m),
                 "time_zone": time_zone(m.lead)},
    }, m, ds.live)


def lead_campaigns(ds: Dataset, ld: Lead) -> list[dict[str, Any]]:
    maps = sorted(ld.maps, key=lambda m: m.campaign.id)
    return [shaped("lead_campaign", {"id": m.campaign.id, "status": m.campaign.status,
                                     "name": m.campaign.name, "lead_status": m.status},
                   m, ds.live)
            for m in listed("lead_campaign", maps, ds.live)]


def stats_row(ds: Dataset, msg: Message) -> dict[str, Any]:
    owner = msg.owner
    return shaped("stats_row", {
        "stats_id": msg.stats_id,
        "lead_name": f"{owner.lead.first_name} {owner.lead.last_name}",
        "lead_email": owner.lead.email,
        "lead_category": CATEGORY_NAMES.get(owner.category_id) if owner.category_id else None,
        "sequence_number": msg.sequence.seq_number,
        "email_campaign_seq_id": msg.sequence.id,
        "seq_variant_id": None if msg.sequence.variantless else msg.variant.id,
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
        "ignore_reply": False,
        "sent_from_email": owner.mailbox.from_email,
        "is_ab_winner": None if msg.sequence.variantless else msg.variant.label == "A",
    }, msg, ds.live)


def _click_details(msg: Message) -> dict[str, int]:
    if not msg.click_count:
        return {}
    return {f"https://{msg.owner.lead.company_url or 'example.com'}/pricing": msg.click_count}


def history_items(m: LeadMap, live: bool) -> list[tuple[datetime, int, dict[str, Any]]]:
    """SENT steps (`...Z` ms), REPLY items (`+00:00` with microseconds) and hand-sent answers
    (`type: SENT`, `email_seq_number: null`, `+00:00` whole seconds): one thread mixes all
    three timestamp forms, as the live API's do."""
    mailbox, address = m.mailbox.from_email, m.lead.email
    seq_of = {msg.stats_id: msg.sequence.seq_number for msg in m.messages}

    def item(kind: str, entity: Any, type_: str, time: str | None, body: str, subject: str,
             sender: str, to: str, **extras: Any) -> dict[str, Any]:
        return shaped(kind, {
            "type": type_, "message_id": entity.message_id, "stats_id": entity.stats_id,
            "time": time, "email_body": body, "subject": subject, "from": sender, "to": to,
            "cc": [], "bcc": [], "email_seq_number": None, "open_count": 0, "click_count": 0,
            "click_details": {}, "attachments": [], "reply_details": None,
            "is_important": False, **extras,
        }, entity, live)

    items: list[tuple[datetime, int, dict[str, Any]]] = []
    for msg in m.messages:
        items.append((msg.sent_time, 0, item(
            "history_sent", msg, "SENT", fmt_ms_z(msg.sent_time), msg.body, msg.subject,
            mailbox, address, email_seq_number=str(msg.sequence.seq_number),
            open_count=msg.open_count, click_count=msg.click_count,
            click_details=_click_details(msg))))
    for i, rep in enumerate(m.replies):
        items.append((rep.time, 1, item(
            "history_reply", rep, "REPLY", fmt_us_offset(rep.time), rep.email_body,
            rep.subject, address, mailbox,
            cc=[f"assistant@{address.split('@')[1]}"] if (m.id + i) % 4 == 0 else [],
            email_seq_number=str(seq_of.get(rep.stats_id, 1)),
            attachments=[{"name": "signature.png", "size": 4_211}] if m.id % 5 == 0 else [],
            is_important=m.category_id == INTERESTED)))
    for sent in listed("history_manual", m.manual or [], live):
        items.append((sent.time, 2, item(
            "history_manual", sent, "SENT", fmt_s_offset(sent.time), sent.email_body,
            sent.subject, mailbox, address, email_seq_number=None,
            reply_details={"in_reply_to": sent.in_reply_to})))
    items.sort(key=lambda t: (t[0], t[1]))
    return items


def history(ds: Dataset, m: LeadMap, after: datetime | None = None) -> dict[str, Any]:
    """Top-level `from`/`to` describe the first send (mailbox -> lead) only."""
    return shaped("history", {
        "history": [item for when, _, item in history_items(m, ds.live)
                    if after is None or when > after],
        "from": m.mailbox.from_email,
        "to": m.lead.email,
        "lead_timezone": time_zone(m.lead),
    }, m, ds.live)


def analytics(ds: Dataset, c: Campaign, clients: dict[int, Client]) -> dict[str, Any]:
    """Counts as strings except `campaign_lead_stats` (integers). open/click counts are totals
    (sum of per-message counts); the unique_* counts are leads; `reply_count` counts leads
    that replied (not reply emails), as the live API's does."""
    sent = len(c.messages)
    statuses = [m.status for m in c.leads]
    owner = clients.get(c.client_id) if c.client_id is not None else None
    interested = sum(1 for m in c.leads if m.category_id == INTERESTED)
    blocked, drafted = statuses.count("BLOCKED"), statuses.count("STARTED")
    return shaped("analytics", {
        "id": c.id,
        "user_id": ds.user_id,
        "created_at": fmt_ms_z(c.created_at),
        "status": c.status,
        "name": c.name,
        "sent_count": str(sent),
        "open_count": str(sum(msg.open_count for msg in c.messages)),
        "click_count": str(sum(msg.click_count for msg in c.messages)),
        "reply_count": str(sum(1 for m in c.leads if m.replies)),
        "block_count": str(blocked),
        "total_count": str(len(c.leads)),
        "drafted_count": str(drafted),
        "bounce_count": str(sum(1 for msg in c.messages if msg.is_bounced)),
        "unsubscribed_count": str(sum(1 for msg in c.messages if msg.is_unsubscribed)),
        "sequence_count": str(len(c.sequences)),
        "tags": [{"id": tid, "name": name, "color": color} for tid, name, color in c.tags],
        "unique_open_count": str(sum(1 for m in c.leads
                                     if any(x.open_count for x in m.messages))),
        "unique_click_count": str(sum(1 for m in c.leads
                                      if any(x.click_count for x in m.messages))),
        "unique_sent_count": str(sum(1 for m in c.leads if m.messages)),
        "client_id": c.client_id,
        "client_name": owner.name if owner else None,
        "client_email": owner.email if owner else None,
        "parent_campaign_id": c.parent_campaign_id,
        "campaign_lead_stats": {
            "total": len(c.leads),
            "blocked": blocked,
            "stopped": 0,
            "completed": statuses.count("COMPLETED"),
            "inprogress": statuses.count("INPROGRESS"),
            "notStarted": drafted,
            "paused": 0,
            "interested": interested,
            "revenue": interested * 1_500,
            "skipped": 0,
        },
        "client_company_name": owner.name.split()[0] if owner else None,
        "send_as_plain_text": c.send_as_plain_text,
        "team_member_id": None if c.client_id is None else 70 + c.client_id,
    }, c, ds.live)


def analytics_by_date(
    ds: Dataset, c: Campaign, start_day: date, end_day: date, lo: datetime, hi: datetime
) -> dict[str, Any]:
    """Counts of events with lo <= time < hi (the local days start_day..end_day, in UTC).

    sent/bounce/unsubscribed count messages by sent_time, open/click/reply by their times;
    total/drafted count leads added in the range (drafted: not yet mailed), block counts
    bounced sends (the only way a lead gets BLOCKED here).
    """
    def inside(t: datetime | None) -> bool:
        return t is not None and lo <= t < hi

    def leads_with(when: Callable[[Message], datetime | None]) -> str:
        return str(sum(1 for m in c.leads if any(inside(when(x)) for x in m.messages)))

    sent = [msg for msg in c.messages if inside(msg.sent_time)]
    added = [m for m in c.leads if inside(m.created_at)]
    bounced = sum(1 for msg in sent if msg.is_bounced)
    return shaped("analytics_by_date", {
        "id": c.id,
        "user_id": ds.user_id,
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
        "unique_sent_count": leads_with(lambda x: x.sent_time),
        "unique_open_count": leads_with(lambda x: x.open_time),
        "unique_click_count": leads_with(lambda x: x.click_time),
        "positive_reply_count": str(sum(1 for m in c.leads if m.category_id == INTERESTED
                                        for r in m.replies if inside(r.time))),
    }, c, ds.live)


# -- leads-export (CSV) --------------------------------------------------------------------


def export_columns(ds: Dataset) -> tuple[str, ...]:
    return EXPORT_COLUMNS if ds.live else REFERENCE_EXPORT_COLUMNS


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
        "is_interested": m.category_id == INTERESTED,
        "created_at": fmt_us_offset(m.created_at),
        "unsubscribed_client_id_map": unsubscribed_map(m),
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

