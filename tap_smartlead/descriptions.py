"""What every property of every stream means, in the catalog and in ``--about``.

One place for the texts, so the stream modules keep to requests and records: ``SHARED`` holds
the meaning a field name has in every stream that sends it, ``BY_STREAM`` the streams where the
same name means something else (a count of leads in one stream is a count of emails in
another). A description a stream module already sets is kept, except the ones ``REWORDED``
replaces. tests/unit/test_descriptions.py fails naming any property left without one.

What counts count, from Smartlead's API reference and what the live API has been seen to send:
campaign analytics' ``reply_count`` counts leads that replied, not reply emails; the daily
analytics count events on their day (``account_daily_stats``) or by the day the email was sent
(``..._by_send_date``); rates are percents as the API sends them (12.34 for "12.34%").
"""

from __future__ import annotations

from typing import Any

_CAMPAIGN_ID = "The campaign's id (campaigns.id)."
_MAILBOX_ID = "The sending mailbox's id (email_accounts.id)."
_PERCENT = 'Percent, as the API sends it ("12.34%" becomes 12.34; not a fraction).'

SHARED: dict[str, str] = {
    # keys and parents
    "campaign_id": _CAMPAIGN_ID,
    "email_campaign_id": "The campaign's id, as this answer of the API names it (campaigns.id).",
    "email_account_id": _MAILBOX_ID,
    "client_id": "The client (clients.id) the row belongs to; null when none.",
    "user_id": "The Smartlead user (account owner) the row belongs to.",
    "lead_id": "The lead's id (campaign_leads.lead_id; lead_engagement.id).",
    "campaign_lead_map_id": "The lead's membership in this campaign: one id per lead and campaign.",
    "stats_id": "The sent email's id in the campaign's statistics (campaign_statistics.stats_id).",
    "parent_campaign_id": "The campaign this one was created from (a subsequence's parent); "
    "null for a top-level campaign.",
    "id": "The row's id in Smartlead.",
    "uuid": "The row's UUID in Smartlead.",
    "name": "The name given in Smartlead.",
    "status": "The status Smartlead reports (as sent, e.g. ACTIVE, PAUSED, COMPLETED).",
    "created_at": "When it was created in Smartlead (UTC).",
    "updated_at": "When it was last changed in Smartlead (UTC).",
    "date": "The day the row counts (a date in the tap's `timezone` setting).",
    "day_name": "The day's label as the API sends it (e.g. a weekday or \"20 Apr\").",
    "tags": "Tags attached in Smartlead, as the API sends them (id, name, color).",
    "extra_fields": "Top-level fields the API sent that this schema does not declare (kept, "
    "never dropped).",
    "email": "Email address.",
    "type": "The kind of row, as the API names it.",
    "subject": "The email's subject line.",
    "email_body": "The email's body (HTML as sent).",
    "sentiment_type": "The category's sentiment: positive, negative or null.",
    # daily analytics: events on the row's day
    "sent": "Emails sent on the day.",
    "opened": "Opens on the day (only where open tracking is on).",
    "replied": "Replies received on the day.",
    "bounced": "Emails that bounced on the day.",
    "unsubscribed": "Leads that unsubscribed on the day.",
    "positive_replied": "Replies on the day that were given a positive category.",
    "unique_lead_count": "Distinct leads emailed on the day.",
    "unique_open_count": "Distinct leads that opened an email (one per lead, however many "
    "opens).",
    "unique_lead_reached": "Distinct leads emailed on the day.",
    "open_rate": _PERCENT,
    "reply_rate": _PERCENT,
    "bounce_rate": _PERCENT,
    "positive_reply_rate": _PERCENT,
    # campaign analytics (lifetime of the campaign, or the window of a by-date row)
    "sent_count": "Emails sent.",
    "open_count": "Opens (only where open tracking is on).",
    "click_count": "Link clicks (only where click tracking is on).",
    "reply_count": "Leads that replied: counts leads, not reply emails (a lead replying twice "
    "counts once).",
    "bounce_count": "Emails that bounced.",
    "unsubscribed_count": "Leads that unsubscribed.",
    "block_count": "Leads blocked (a blocklisted address or domain), never emailed.",
    "total_count": "Leads in the campaign.",
    "drafted_count": "Emails drafted (scheduled, not sent yet).",
    "sequence_count": "Steps in the campaign's sequence.",
    "unique_sent_count": "Distinct leads emailed.",
    "unique_click_count": "Distinct leads that clicked a link.",
    "client_name": "The client's name (clients.name).",
    "client_email": "The client's email address.",
    "client_company_name": "The client's company name.",
    "send_as_plain_text": "Whether the campaign sends plain text instead of HTML.",
    "campaign_lead_stats": "Leads by state (total, notStarted, inprogress, paused, completed, "
    "stopped, blocked, interested, revenue), as integers.",
    # mailboxes
    "from_name": "The sender name the mailbox sends as.",
    "from_email": "The mailbox's sending address.",
    "username": "The SMTP login name.",
    "smtp_host": "SMTP server host.",
    "smtp_port": "SMTP server port.",
    "smtp_port_type": "SMTP connection security (e.g. SSL, TLS).",
    "message_per_day": "The most emails the mailbox sends per day (its campaign sending limit).",
    "different_reply_to_address": "The reply-to address, when it differs from the sender.",
    "is_different_imap_account": "Whether replies are read from another IMAP account.",
    "imap_username": "The IMAP login name.",
    "imap_host": "IMAP server host.",
    "imap_port": "IMAP server port.",
    "imap_port_type": "IMAP connection security (e.g. SSL, TLS).",
    "signature": "The mailbox's email signature (HTML).",
    "custom_tracking_domain": "The custom domain open and click tracking links use.",
    "bcc_email": "An address every sent email is BCC'd to.",
    "is_smtp_success": "Whether the last SMTP connection check succeeded.",
    "is_imap_success": "Whether the last IMAP connection check succeeded.",
    "smtp_failure_error": "The last SMTP connection error, if any.",
    "imap_failure_error": "The last IMAP connection error, if any.",
    "daily_sent_count": "Emails the mailbox sent today, as of the sync.",
    "campaign_count": "Campaigns that send from this mailbox.",
    "warmup_details": "The mailbox's warmup: id, status, total_sent_count, total_spam_count, "
    "warmup_reputation (a percent).",
}

_MAILBOX_STREAM = {
    "id": "The mailbox's id (email_accounts.id).",
    "type": "The mailbox's provider type (e.g. SMTP, GMAIL, OUTLOOK).",
    "created_at": "When the mailbox was added to Smartlead (UTC).",
    "updated_at": "When the mailbox was last changed in Smartlead (UTC).",
    "client_id": "The client (clients.id) the mailbox belongs to; null when none.",
}

_CAMPAIGN_COUNTS = {
    "id": "The campaign's id (the same as campaign_id).",
    "name": "The campaign's name.",
    "status": "The campaign's status (e.g. DRAFTED, ACTIVE, PAUSED, STOPPED, COMPLETED).",
    "created_at": "When the campaign was created (UTC).",
}

BY_STREAM: dict[str, dict[str, str]] = {
    "campaigns": {
        "id": "The campaign's id.",
        "name": "The campaign's name.",
        "status": "The campaign's status (e.g. DRAFTED, ACTIVE, PAUSED, STOPPED, COMPLETED).",
        "created_at": "When the campaign was created (UTC).",
        "updated_at": "When the campaign was last changed (UTC).",
        "min_time_btwn_emails": "Minutes at least between two emails from one mailbox.",
        "max_leads_per_day": "New leads the campaign starts at most per day.",
        "stop_lead_settings": "When a lead's sequence stops (e.g. REPLY_TO_AN_EMAIL).",
        "unsubscribe_text": "The unsubscribe text added to emails.",
        "enable_ai_esp_matching": "Whether Smartlead matches sender and lead email providers.",
        "follow_up_percentage": "Percent of the daily sending given to follow-ups (0-100).",
        "track_settings": "What the campaign does not track (e.g. DONT_TRACK_EMAIL_OPEN); the "
        "API sends a string or a list of strings, always a list here.",
        "scheduler_cron_value": "The sending schedule (days, hours, time zone); text that is "
        "no object at all is kept as {\"raw\": text}.",
    },
    "campaign_analytics": {
        **_CAMPAIGN_COUNTS,
        "sent_count": "Emails sent by the campaign, all time.",
        "open_count": "Opens, all time (only where open tracking is on).",
        "click_count": "Link clicks, all time (only where click tracking is on).",
        "bounce_count": "Emails that bounced, all time.",
    },
    "campaign_analytics_by_date": {
        **_CAMPAIGN_COUNTS,
        "start_date": "First day of the window these counts cover.",
        "end_date": "Last day of the window these counts cover.",
        "sent_count": "Emails sent in the window.",
        "open_count": "Opens in the window (only where open tracking is on).",
        "click_count": "Link clicks in the window (only where click tracking is on).",
        "reply_count": "Leads that replied in the window: counts leads, not reply emails.",
        "bounce_count": "Emails that bounced in the window.",
        "unsubscribed_count": "Leads that unsubscribed in the window.",
        "drafted_count": "Emails drafted (scheduled, not sent yet), as of the sync.",
    },
    "campaign_daily_stats": {
        "campaign_name": "The campaign's name.",
        "unique_lead_count": "Distinct leads the campaign emailed on the day.",
    },
    "campaign_mailbox_statistics": {
        "sent_count": "Emails this mailbox sent for the campaign, all time.",
        "reply_count": "Replies to this mailbox's emails in the campaign, all time.",
        "open_count": "Opens of this mailbox's emails in the campaign (only where tracked).",
        "click_count": "Link clicks in this mailbox's emails in the campaign (only where "
        "tracked).",
        "bounce_count": "This mailbox's emails in the campaign that bounced, all time.",
        "sender_bounce_count": "Bounces caused by the sender (the mailbox), not the lead's "
        "address.",
        "unsubscribed_count": "Leads that unsubscribed from this mailbox's emails.",
    },
    "campaign_email_accounts": _MAILBOX_STREAM,
    "email_accounts": _MAILBOX_STREAM,
    "email_account_details": _MAILBOX_STREAM,
    "campaign_leads": {
        "status": "The lead's state in this campaign (e.g. STARTED, INPROGRESS, COMPLETED, "
        "PAUSED, STOPPED, BLOCKED).",
        "created_at": "When the lead was added to the campaign (UTC).",
        "lead_category_id": "The lead's category (lead_categories.id); null when none.",
        "lead": "The lead as Smartlead holds it: id, first_name, last_name, email, "
        "phone_number, company_name, website, location, custom_fields, linkedin_profile, "
        "company_url, is_unsubscribed.",
    },
    "campaign_sequences": {
        "id": "The sequence step's id.",
        "created_at": "When the step was created (UTC).",
        "updated_at": "When the step was last changed (UTC).",
        "seq_number": "The step's position in the sequence (1 is the first email).",
        "subject": "The step's subject line (empty for a follow-up in the same thread).",
        "email_body": "The step's email body (HTML, with {{variables}}).",
        "seq_delay_details": "Days to wait after the previous step (delay_in_days).",
        "sequence_variants": "The step's A/B variants: id, variant_label, subject, email_body, "
        "variant_distribution_percentage.",
    },
    "campaign_statistics": {
        "lead_name": "The lead's name.",
        "lead_email": "The lead's email address.",
        "lead_category": "The lead category's name (lead_categories.name); null when none.",
        "sequence_number": "The step (campaign_sequences.seq_number) this email was.",
        "email_campaign_seq_id": "The step's id (campaign_sequences.id).",
        "seq_variant_id": "The variant's id; null on a step without variants.",
        "email_subject": "The subject sent.",
        "email_message": "The body sent (HTML).",
        "sent_time": "When the email was sent (UTC).",
        "open_time": "When it was first opened (UTC); null when not opened or not tracked.",
        "click_time": "When a link was first clicked (UTC); null when none.",
        "reply_time": "When the lead replied (UTC); null when no reply. The one field that "
        "marks a reply.",
        "open_count": "Opens of this email (only where open tracking is on).",
        "click_count": "Link clicks in this email (only where click tracking is on).",
        "is_unsubscribed": "Whether the lead unsubscribed.",
        "is_bounced": "Whether this email bounced.",
        "ignore_reply": "Whether the reply was marked to be ignored.",
    },
    "campaign_webhooks": {
        "id": "The webhook's id.",
        "name": "The webhook's name.",
        "webhook_url": "The URL Smartlead calls.",
        "event_types": "The events that call it (e.g. EMAIL_SENT, EMAIL_REPLY).",
        "categories": "The lead categories whose events call it.",
        "created_at": "When the webhook was created (UTC).",
        "updated_at": "When the webhook was last changed (UTC).",
    },
    "clients": {
        "id": "The client's id.",
        "name": "The client's name.",
        "email": "The client's email address.",
        "logo": "The client's logo file name.",
        "logo_url": "The client's logo URL.",
        "client_permision": "What the client may see (the API's spelling): permission, "
        "retricted_category.",
        "created_at": "When the client was created (UTC).",
    },
    "client_daily_stats": {
        "client_id": "The client (clients.id).",
        "client_name": "The client's name.",
        "total_campaigns_count": "The client's campaigns.",
        "unique_lead_count": "Distinct leads the client's campaigns emailed on the day.",
    },
    "lead_categories": {
        "id": "The category's id (campaign_leads.lead_category_id).",
        "name": "The category's name (e.g. Interested, Not Interested).",
        "created_at": "When the category was created (UTC).",
    },
    "lead_engagement": {
        "status": "The lead's state in this campaign (e.g. STARTED, INPROGRESS, COMPLETED).",
        "is_interested": "Whether the lead is marked interested.",
        "created_at": "When the lead was added to the campaign (UTC).",
        "first_name": "The lead's first name.",
        "last_name": "The lead's last name.",
        "email": "The lead's email address.",
        "phone_number": "The lead's phone number.",
        "company_name": "The lead's company.",
        "website": "The lead's website.",
        "location": "The lead's location.",
        "custom_fields": "The lead's custom fields, as you named them.",
        "linkedin_profile": "The lead's LinkedIn profile URL.",
        "company_url": "The lead's company URL.",
        "is_unsubscribed": "Whether the lead unsubscribed.",
        "unsubscribed_client_id_map": "Per client, whether the lead unsubscribed from it.",
        "last_email_sequence_sent": "The last step (seq_number) sent to the lead.",
        "open_count": "Opens of the emails sent to this lead (only where tracked).",
        "click_count": "Link clicks by this lead (only where tracked).",
        "reply_count": "Reply emails from this lead.",
    },
    "lead_message_history": {
        "message_id": "The email's Message-ID.",
        "time": "When the email was sent or received (UTC).",
        "subject": "The email's subject.",
        "from": "The sender of this email (a reply is from the lead).",
        "to": "The recipient of this email (a reply is to the mailbox).",
        "cc": "CC addresses, always a list.",
        "bcc": "BCC addresses, always a list.",
        "email_seq_number": "The step (campaign_sequences.seq_number) a SENT email was; null "
        "for a reply and for a reply sent by hand.",
        "open_count": "Opens of this email (only where tracked).",
        "click_count": "Link clicks in this email (only where tracked).",
        "click_details": "Clicks per link.",
        "attachments": "The email's attachments, as the API lists them.",
        "reply_details": "Details of a reply, as the API sends them.",
    },
    "mailbox_daily_stats": {
        "email_account_id": "The mailbox with this address (email_accounts.id); null when the "
        "address matches none.",
        "unique_lead_count": "Distinct leads the mailbox emailed on the day.",
    },
    "reply_category_daily": {
        "name": "The lead category's name (lead_categories.name).",
        "total_response": "Replies on the day that got this category.",
    },
    "account_daily_stats": {
        "sent": "Emails sent on the day, the whole account.",
        "opened": "Opens that happened on the day, whenever the email was sent.",
        "replied": "Replies that arrived on the day, whenever the email was sent.",
        "bounced": "Bounces that happened on the day.",
    },
    "account_daily_stats_by_send_date": {
        "sent": "Emails sent on the day, the whole account.",
        "opened": "Opens of the emails sent on the day, whenever they happened.",
        "replied": "Replies to the emails sent on the day, whenever they arrived.",
        "bounced": "Bounces of the emails sent on the day.",
        "unsubscribed": "Unsubscribes from the emails sent on the day.",
        "positive_replied": "Positive replies to the emails sent on the day.",
    },
    "warmup_stats": {
        "id": "The mailbox's id, as the API repeats it.",
        "sent_count": "Warmup emails the mailbox sent on the day.",
        "reply_count": "Warmup emails answered on the day.",
        "save_from_spam_count": "Warmup emails found in spam on the day and moved to the "
        "inbox (summed over 7 days: warmup_totals.spam_count).",
    },
    "warmup_totals": {
        "sent_count": "Warmup emails sent over the report's 7 days.",
        "spam_count": "Warmup emails that landed in spam over the 7 days.",
        "inbox_count": "Warmup emails that landed in the inbox over the 7 days.",
        "warmup_email_received_count": "Warmup emails the mailbox received over the 7 days.",
    },
}

# Descriptions a stream module sets that say more about how the project was built than about
# the field: replaced here.
REWORDED: dict[tuple[str, str], str] = {
    ("campaigns", "scheduler_cron_value"): BY_STREAM["campaigns"]["scheduler_cron_value"],
    ("lead_message_history", "cc"): "CC addresses; the API sends a list (older answers one "
    "comma-separated string), always a list here.",
}


def description(stream: str, field: str) -> str | None:
    return BY_STREAM.get(stream, {}).get(field) or SHARED.get(field)


def describe(stream: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Give every top-level property of ``schema`` a description (in place; returns it)."""
    for field, spec in schema.get("properties", {}).items():
        if not isinstance(spec, dict):
            continue
        if (stream, field) in REWORDED:
            spec["description"] = REWORDED[(stream, field)]
        elif not spec.get("description"):
            text = description(stream, field)
            if text:
                spec["description"] = text
    return schema
