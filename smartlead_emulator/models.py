"""In-memory entities. Slotted classes keep 50k leads and ~100k messages small and fast.

Times are naive UTC datetimes (see timeutil). Rendering into API shapes lives in render.py so
these stay plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(slots=True)
class Client:
    id: int
    name: str
    email: str
    uuid: str
    created_at: datetime
    logo: str | None
    logo_url: str | None
    permission: list[str]


@dataclass(slots=True)
class WarmupDay:
    id: int
    date: date
    sent_count: int
    reply_count: int
    save_from_spam_count: int


@dataclass(slots=True)
class EmailAccount:
    id: int
    created_at: datetime
    updated_at: datetime
    from_name: str
    from_email: str
    password: str
    imap_password: str
    type: str
    smtp_host: str
    imap_host: str
    smtp_port: int
    imap_port: int
    message_per_day: int
    daily_sent_count: int
    client_id: int | None
    signature: str | None
    custom_tracking_domain: str
    warmup_id: int
    warmup_status: str
    warmup_created_at: datetime
    warmup_key_id: str
    warmup_reply_rate: int
    warmup_max_count: int
    warmup_min_count: int
    warmup_reputation: int
    warmup_days: list[WarmupDay] = field(default_factory=list)
    # Live-shape extras (drawn from their own RNG streams, so seed mode is unchanged).
    oauth_refresh_token: str = ""
    smtp_api_secret: str = ""
    warmup_blocked_reason: str | None = None
    tags: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Variant:
    id: int
    created_at: datetime
    updated_at: datetime
    subject: str
    email_body: str
    label: str
    distribution: int | None = None  # live `variant_distribution_percentage`


@dataclass(slots=True)
class Sequence:
    id: int
    created_at: datetime
    updated_at: datetime
    seq_number: int
    subject: str
    email_body: str
    variants: list[Variant]
    delay_days: int = 1
    # Live shape: a step without A/B variants (`sequence_variants: []`); its one Variant still
    # exists internally (messages point at it) but is served as the step's subject/body.
    variantless: bool = False


@dataclass(slots=True)
class Webhook:
    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    webhook_url: str
    event_types: list[str]
    categories: list[str]


@dataclass(slots=True)
class Lead:
    """A person; the same lead can belong to several campaigns (one LeadMap each)."""

    id: int
    first_name: str
    last_name: str
    email: str
    created_at: datetime
    phone_number: int | str | None
    company_name: str
    website: str
    location: str
    custom_fields: dict[str, Any]
    linkedin_profile: str
    company_url: str
    is_unsubscribed: bool
    maps: list[LeadMap] = field(default_factory=list)


@dataclass(slots=True)
class Message:
    """One SENT email: a statistics row and a SENT history item at the same time."""

    stats_id: str
    message_id: str
    owner: LeadMap
    sequence: Sequence
    variant: Variant
    subject: str
    body: str
    sent_time: datetime
    open_time: datetime | None = None
    click_time: datetime | None = None
    reply_time: datetime | None = None
    open_count: int = 0
    click_count: int = 0
    is_unsubscribed: bool = False
    is_bounced: bool = False
    # Every open and click after the clock first advanced, with its time (the statistics row
    # keeps the first of each and counts the rest): the account-wide activity feed lists them.
    events: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass(slots=True)
class Reply:
    message_id: str
    stats_id: str
    time: datetime
    subject: str
    email_body: str


@dataclass(slots=True)
class ManualSend:
    """A reply sent by hand from the master inbox (live shape: `type: SENT`, no sequence)."""

    message_id: str
    stats_id: str
    time: datetime
    subject: str
    email_body: str
    in_reply_to: str


@dataclass(slots=True)
class LeadMap:
    """A lead inside a campaign (`campaign_lead_map_id`), with its thread."""

    id: int
    campaign: Campaign
    lead: Lead
    created_at: datetime
    category_id: int | None
    mailbox: EmailAccount
    messages: list[Message] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    manual: list[ManualSend] | None = None  # live mode only
    last_sent_time: datetime | None = None
    last_event_time: datetime | None = None
    # A status set by hand (e.g. PAUSED; smartlead_emulator/edits.py): served instead.
    status_set: str | None = None

    @property
    def status(self) -> str:
        if self.status_set is not None:
            return self.status_set
        if self.messages and self.messages[-1].is_bounced:
            return "BLOCKED"
        if not self.messages:
            return "STARTED"
        if len(self.messages) >= len(self.campaign.sequences):
            return "COMPLETED"
        return "INPROGRESS"

    def touch(self, when: datetime, sent: bool = False) -> None:
        """Keep the filter columns equal to the latest sent/open/click/reply time."""
        if sent and (self.last_sent_time is None or when > self.last_sent_time):
            self.last_sent_time = when
        if self.last_event_time is None or when > self.last_event_time:
            self.last_event_time = when


@dataclass(slots=True)
class Campaign:
    id: int
    name: str
    status: str
    created_at: datetime
    updated_at: datetime
    client_id: int | None
    track_settings: str | list[str]
    scheduler_cron_value: str
    min_time_btwn_emails: int
    max_leads_per_day: int
    stop_lead_settings: str
    unsubscribe_text: str
    enable_ai_esp_matching: bool
    send_as_plain_text: bool
    follow_up_percentage: int
    vanished: bool = False
    # Deleted by the control API (`POST /_emulator/campaigns/{id}/delete`): gone from
    # /campaigns as well, its endpoints answering as a vanished campaign's.
    deleted: bool = False
    parent_campaign_id: int | None = None
    scheduler: dict[str, Any] | None = None  # live `scheduler_cron_value` object
    tags: list[tuple[int, str, str]] = field(default_factory=list)
    is_pinned: bool = False
    vanish_answer: str | None = None  # how a vanished campaign answers (see api.Vanished)
    vanish_after: int | None = None  # answers this many child requests, then vanishes
    child_requests: int = 0
    sequences: list[Sequence] = field(default_factory=list)
    mailboxes: list[EmailAccount] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    leads: list[LeadMap] = field(default_factory=list)  # ordered by map id
    messages: list[Message] = field(default_factory=list)  # ordered by (sent_time, stats_id)
    leads_by_lead_id: dict[int, LeadMap] = field(default_factory=dict)
