"""Schema pieces shared by several streams, defined once."""

from __future__ import annotations

from singer_sdk import typing as th


def closed_object(*properties: th.Property) -> th.ObjectType:
    """A nested object that keeps only its declared fields, as the SDK does at the top level.

    Unknown nested fields are dropped, never passed through: a credential the API might add
    inside, say, ``warmup_details`` must not reach the warehouse.
    """
    return th.ObjectType(*properties, additional_properties=False)


ID = th.IntegerType
COUNT = th.IntegerType
TIMESTAMP = th.DateTimeType
DATE = th.DateType
TEXT = th.StringType


def campaign_summary_properties() -> list[th.Property]:
    """Fields the analytics endpoints repeat from their campaign."""
    return [
        th.Property("user_id", ID),
        th.Property("created_at", TIMESTAMP),
        th.Property("status", TEXT),
        th.Property("name", TEXT),
    ]


def email_counts(*names: str) -> list[th.Property]:
    """Counts the API sends as strings (``"sent_count": "30"``), emitted as integers."""
    return [th.Property(name, COUNT) for name in names]


ANALYTICS_COUNTS = (
    "sent_count",
    "open_count",
    "click_count",
    "reply_count",
    "block_count",
    "total_count",
    "drafted_count",
    "bounce_count",
    "unsubscribed_count",
)

WARMUP_DETAILS = closed_object(
    th.Property("id", ID),
    th.Property("status", TEXT),
    th.Property("created_at", TIMESTAMP),
    th.Property("reply_rate", th.NumberType),
    th.Property("warmup_key_id", TEXT),
    th.Property("blocked_reason", TEXT),
    th.Property("total_sent_count", COUNT),
    th.Property("total_spam_count", COUNT),
    th.Property("warmup_max_count", COUNT),
    th.Property("warmup_min_count", COUNT),
    th.Property("is_warmup_blocked", th.BooleanType),
    th.Property("max_email_per_day", COUNT),
    th.Property("warmup_reputation", th.NumberType, description='Percent; the API sends "100%".'),
)

# A mailbox as /email-accounts and /campaigns/{id}/email-accounts return it, minus its
# credentials: `password` and `imap_password` are neither emitted nor declared.
EMAIL_ACCOUNT_PROPERTIES: list[th.Property] = [
    th.Property("id", ID, required=True),
    th.Property("created_at", TIMESTAMP),
    th.Property("updated_at", TIMESTAMP),
    th.Property("user_id", ID),
    th.Property("from_name", TEXT),
    th.Property("from_email", TEXT),
    th.Property("username", TEXT),
    th.Property("smtp_host", TEXT),
    th.Property("smtp_port", th.IntegerType),
    th.Property("smtp_port_type", TEXT),
    th.Property("message_per_day", COUNT),
    th.Property("different_reply_to_address", TEXT),
    th.Property("is_different_imap_account", th.BooleanType),
    th.Property("imap_username", TEXT),
    th.Property("imap_host", TEXT),
    th.Property("imap_port", th.IntegerType),
    th.Property("imap_port_type", TEXT),
    th.Property("signature", TEXT),
    th.Property("custom_tracking_domain", TEXT),
    th.Property("bcc_email", TEXT),
    th.Property("is_smtp_success", th.BooleanType),
    th.Property("is_imap_success", th.BooleanType),
    th.Property("smtp_failure_error", TEXT),
    th.Property("imap_failure_error", TEXT),
    th.Property("type", TEXT),
    th.Property("daily_sent_count", COUNT),
    th.Property("client_id", ID),
    th.Property("warmup_details", WARMUP_DETAILS),
]

MAILBOX_CREDENTIALS = frozenset({"password", "imap_password", "smtp_password"})
