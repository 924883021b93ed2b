"""Schema pieces shared by several streams, defined once.

Every stream's schema follows what the live API sends (field names as the API spells them,
misspellings included, so a user finds them in Smartlead's docs). Nothing the API sends is
dropped: nested objects are open (unknown keys stay inside their JSON column) and unknown
top-level fields land in the ``extra_fields`` object column that :func:`record_schema` adds to
every stream. Credentials are removed before any of this (see ``credentials.py``).
"""

from __future__ import annotations

from typing import Any

from singer_sdk import typing as th

EXTRA_FIELDS = "extra_fields"

ID = th.IntegerType
COUNT = th.IntegerType
TIMESTAMP = th.DateTimeType
DATE = th.DateType
TEXT = th.StringType
# A nested value whose live shape no source documents (an object or a list): kept as sent.
JSON_VALUE = th.CustomType({"type": ["object", "array", "null"]})


def open_object(*properties: th.Property) -> th.ObjectType:
    """A nested object: declared fields typed, any other key kept as the API sent it."""
    return th.ObjectType(*properties, additional_properties=True)


def list_of(item: th.JSONTypeHelper) -> th.ArrayType:
    return th.ArrayType(item)


# Email addresses (a message's cc, bcc): a list of strings.
ADDRESSES = th.ArrayType(TEXT)
JSON_OBJECT = open_object()
JSON_LIST = th.ArrayType(th.CustomType({}))  # items of any shape, kept as sent


def record_schema(*properties: th.Property) -> dict[str, Any]:
    """A stream's schema: its declared fields plus the ``extra_fields`` column."""
    return th.PropertiesList(
        *properties,
        th.Property(
            EXTRA_FIELDS,
            JSON_OBJECT,
            description="Top-level fields the API sent that this schema does not declare "
            "(kept, never dropped; the run log names them once per stream).",
        ),
    ).to_dict()


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
UNIQUE_COUNTS = ("unique_sent_count", "unique_open_count", "unique_click_count")

# `warmup_details` as the mailbox routes send it: the list route the short form, by-id and
# per-campaign the warmup settings and block state too.
WARMUP_DETAILS = open_object(
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
    th.Property("warmup_reputation", th.NumberType, description='Percent; the API sends "97%".'),
)

# A mailbox as /email-accounts, /email-accounts/{id} and /campaigns/{id}/email-accounts return
# it, minus its credentials: `password` and `imap_password` are neither emitted nor declared.
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
    th.Property("campaign_count", COUNT),
    th.Property(
        "tags",
        list_of(
            open_object(
                th.Property("tag_id", ID), th.Property("tag_name", TEXT),
                th.Property("tag_color", TEXT),
            )
        ),
    ),
    th.Property("warmup_details", WARMUP_DETAILS),
]
