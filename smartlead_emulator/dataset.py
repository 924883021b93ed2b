"""Deterministic data and the emulator clock.

Everything derives from `seed` and `now`: each entity type draws from its own
`random.Random("<seed>:<type>:...")` (string seeds hash with SHA-512, so they are stable across
processes and independent of PYTHONHASHSEED). Changing how one entity type is generated does not
shift the random stream of the others.

Readers and `advance()` share `Dataset.lock`; the HTTP layer holds it while it renders.
"""

from __future__ import annotations

import base64
import random
import threading
import uuid
from datetime import date, datetime, timedelta

from . import names
from .models import (
    Campaign,
    Client,
    EmailAccount,
    Lead,
    LeadMap,
    ManualSend,
    Message,
    Reply,
    Sequence,
    Variant,
    WarmupDay,
    Webhook,
)
from .timeutil import DAY, MINUTE, floor_ms

USER_ID = 124
CAMPAIGN_ID_BASE = 1000
WARMUP_HISTORY_DAYS = 30
LEAD_HISTORY_DAYS = 120

# Activity rates at generation time (see docs/emulator.md, "Data").
P_CONTACTED = 0.87  # slightly above 85%: leads created in the last minutes cannot be contacted
P_BOUNCE = 0.03
P_OPEN = 0.45
P_CLICK_GIVEN_OPEN = 0.25
P_REPLY = 0.20
P_UNSUBSCRIBE = 0.03
P_REUSE_LEAD = 0.03  # a lead already in an earlier campaign joins this one too

# What a deleted campaign's endpoints answer (see api.Vanished).
VANISH_CYCLE = ("404", "empty-object", "empty-body")
VANISH_ANSWERS = (*VANISH_CYCLE, "mixed")


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def message_id(rng: random.Random) -> str:
    return f"<{uuid.UUID(int=rng.getrandbits(128), version=4).hex}@mail.example.com>"


def secret(rng: random.Random) -> str:
    """Passwords: mostly base64-looking (as app passwords often are), sometimes plain."""
    if rng.random() < 0.7:
        return base64.b64encode(rng.randbytes(rng.choice((12, 15, 18)))).decode()
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH_23456789") for _ in range(8))


def fill_variables(template: str, lead: Lead) -> str:
    return (template.replace("{{first_name}}", lead.first_name)
            .replace("{{company_name}}", lead.company_name))


def between(rng: random.Random, lo: datetime, hi: datetime) -> datetime | None:
    """A whole-millisecond time t with lo < t <= hi, or None when the interval is empty."""
    if hi - lo < timedelta(milliseconds=1):
        return None
    t = floor_ms(lo + (hi - lo) * rng.random())
    if t <= lo:
        t = floor_ms(lo) + timedelta(milliseconds=1)
    return t if t <= hi else None


def secret_like_fields(lead_id: int) -> dict[str, object]:
    """Custom fields a lead list may well have whose names say key, secret or token."""
    return {
        "Key Account": "yes" if lead_id % 2 else "no",
        "Secret Santa": f"santa-{lead_id % 97:02d}",
        "Token Budget": 1_000 + lead_id % 500,
        "Sort Key": f"K{lead_id:07d}",
    }


class Dataset:
    def __init__(
        self,
        *,
        seed: int = 1,
        now: datetime,
        campaigns: int = 5,
        leads_per_campaign: int = 200,
        mailboxes: int = 8,
        clients: int = 3,
        vanishing_campaigns: int = 0,
        shapes: str = "live",
        vanish_answer: str | None = None,
        vanish_after: int | None = None,
        active_campaigns: int | None = None,
        delete_leads_mid_listing: int = 0,
    ) -> None:
        self.lock = threading.RLock()
        # `--delete-leads-mid-listing`: this many leads of a campaign are deleted right after
        # the first page of a listing of it that has more pages was served (once per campaign).
        self.delete_leads_mid_listing = delete_leads_mid_listing
        self.deleted_mid_listing: dict[int, list[int]] = {}  # campaign -> deleted map ids
        # Campaigns past this many (in creation order) are idle: `advance` leaves them as they
        # are, as an agency's finished campaigns stay. None: every campaign is active.
        self.active_campaigns = active_campaigns
        self.seed = seed
        self.shapes = shapes
        self.live = shapes == "live"
        self.now = now
        self.days_advanced = 0
        self.user_id = USER_ID
        self.category_names = {cid: name for cid, _, name in names.CATEGORIES}
        self._next_lead_id = 400_001
        self._next_map_id = 2_300_001
        self._next_warmup_day_id = 1
        self.leads_by_id: dict[int, Lead] = {}
        self.leads_by_email: dict[str, Lead] = {}
        self.clients = self._make_clients(clients)
        self.accounts = self._make_accounts(mailboxes)
        self.accounts_by_id = {a.id: a for a in self.accounts}
        self.campaigns = self._make_campaigns(campaigns, vanishing_campaigns)
        self.campaigns_by_id = {c.id: c for c in self.campaigns}
        for campaign in self.campaigns:
            if not campaign.vanished:
                self._populate(campaign, leads_per_campaign)
        self._extras()
        self._vanishing(vanish_answer or ("mixed" if self.live else "404"), vanish_after)

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join([str(self.seed), *map(str, parts)]))

    # -- clients, mailboxes ---------------------------------------------------------------

    def _make_clients(self, count: int) -> list[Client]:
        rng = self.rng("clients")
        out = []
        for i in range(count):
            name = names.CLIENT_NAMES[i % len(names.CLIENT_NAMES)]
            logo = rng.choice((None, name.split()[0]))
            out.append(Client(
                id=21 + i * 7,
                name=name if i < len(names.CLIENT_NAMES) else f"{name} {i}",
                email=f"client{i + 1}@agency{i + 1}.example",
                uuid=new_uuid(rng),
                created_at=floor_ms(self.now - timedelta(days=rng.uniform(200, 400))),
                logo=logo,
                logo_url=None if logo is None else rng.choice(("", None)),
                permission=[rng.choice(("reply_master_inbox", "full_access"))],
            ))
        return out

    def _make_accounts(self, count: int) -> list[EmailAccount]:
        rng = self.rng("accounts")
        client_ids = [c.id for c in self.clients]
        out = []
        for i in range(count):
            display, ascii_name = names.MAILBOX_NAMES[i % len(names.MAILBOX_NAMES)]
            kind, smtp_host, imap_host = rng.choice(names.MAILBOX_PROVIDERS)
            created = self.now - timedelta(days=rng.uniform(150, 300), microseconds=rng.random())
            account = EmailAccount(
                id=4_001 + i * 3,
                created_at=created,
                updated_at=created + timedelta(days=rng.uniform(1, 100)),
                from_name=display,
                from_email=f"{ascii_name}{i + 1}@{rng.choice(names.MAILBOX_DOMAINS)}",
                password=secret(rng),
                imap_password=secret(rng) if rng.random() < 0.8 else "",
                type=kind,
                smtp_host=smtp_host,
                imap_host=imap_host,
                smtp_port=rng.choice((465, 587)),
                imap_port=993,
                message_per_day=rng.choice((30, 50, 100, 200)),
                daily_sent_count=rng.randint(0, 30),
                client_id=rng.choice(client_ids) if client_ids and rng.random() < 0.6 else None,
                signature=rng.choice((None, "", f"Thanks,<br>{display}")),
                custom_tracking_domain=rng.choice(("", "http://emailtracking.example.com")),
                warmup_id=99_200 + i,
                warmup_status=rng.choice(("ACTIVE", "ACTIVE", "INACTIVE")),
                warmup_created_at=created + timedelta(minutes=rng.uniform(1, 60)),
                warmup_key_id=rng.choice(("brass-sleep", "apple-juice", "apple-keyes")),
                warmup_reply_rate=rng.choice((20, 30, 38)),
                warmup_max_count=40,
                warmup_min_count=3,
                warmup_reputation=rng.randint(85, 100),
            )
            day0 = self.now.date() - timedelta(days=WARMUP_HISTORY_DAYS - 1)
            wrng = self.rng("warmup", account.id)
            for d in range(WARMUP_HISTORY_DAYS):
                account.warmup_days.append(self.warmup_day(wrng, day0 + timedelta(days=d)))
            out.append(account)
        return out

    def warmup_day(self, rng: random.Random, day: date) -> WarmupDay:
        sent = rng.randint(0, 40)
        entry = WarmupDay(
            id=self._next_warmup_day_id,
            date=day,
            sent_count=sent,
            reply_count=rng.randint(0, sent // 2),
            save_from_spam_count=rng.randint(0, max(0, sent // 10)),
        )
        self._next_warmup_day_id += 1
        return entry

    # -- campaigns ------------------------------------------------------------------------

    def _make_campaigns(self, count: int, vanishing: int) -> list[Campaign]:
        rng = self.rng("campaigns")
        client_ids = [c.id for c in self.clients]
        out = []
        next_seq, next_variant, next_hook = 8_494, 2_535, 44
        for i in range(count + vanishing):
            vanished = i >= count
            created = self.now - timedelta(days=rng.uniform(LEAD_HISTORY_DAYS + 1, 180),
                                           microseconds=rng.random())
            if vanished:
                status = rng.choice(("DRAFTED", "ACTIVE", "PAUSED"))
            else:
                status = "ACTIVE" if i == 0 else rng.choice(
                    ("ACTIVE", "ACTIVE", "PAUSED", "COMPLETED", "STOPPED"))
            track: str | list[str]
            if rng.random() < 0.5:
                track = rng.choice(names.TRACK_SETTINGS)
            else:
                track = sorted(rng.sample(names.TRACK_SETTINGS, rng.randint(1, 2)))
            tz = rng.choice(names.TIMEZONES)
            campaign = Campaign(
                id=CAMPAIGN_ID_BASE + i,
                name=names.CAMPAIGN_NAMES[i % len(names.CAMPAIGN_NAMES)],
                status=status,
                created_at=created,
                updated_at=created + (self.now - created) * rng.random(),
                client_id=rng.choice(client_ids) if client_ids and rng.random() < 0.7 else None,
                track_settings=track,
                scheduler_cron_value=(
                    f"{{ tz: '{tz}', days: [ 1, 2, 3, 4, 5 ], endHour: '18:00', "
                    f"startHour: '09:00' }}"
                ),
                min_time_btwn_emails=rng.choice((5, 10, 15)),
                max_leads_per_day=rng.choice((10, 20, 50, 100)),
                stop_lead_settings=rng.choice(names.STOP_LEAD_SETTINGS),
                unsubscribe_text=rng.choice(("Don't Contact Me", "", "Se désinscrire")),
                enable_ai_esp_matching=rng.random() < 0.5,
                send_as_plain_text=rng.random() < 0.3,
                follow_up_percentage=rng.choice((0, 20, 40, 60, 100)),
                vanished=vanished,
            )
            if not vanished:
                for n in range(rng.randint(2, 3)):
                    seq_created = floor_ms(created + timedelta(minutes=1 + n))
                    variants = []
                    for v in range(rng.randint(1, 3)):
                        v_created = seq_created + timedelta(microseconds=rng.randint(1, 99_999))
                        variants.append(Variant(
                            id=next_variant,
                            created_at=v_created,
                            updated_at=v_created + timedelta(seconds=rng.uniform(1, 3600)),
                            subject="" if n > 0 and rng.random() < 0.5
                            else rng.choice(names.SUBJECTS),
                            email_body=rng.choice(names.BODIES),
                            label="ABC"[v],
                        ))
                        next_variant += 1
                    campaign.sequences.append(Sequence(
                        id=next_seq,
                        created_at=seq_created,
                        updated_at=floor_ms(seq_created + timedelta(minutes=rng.uniform(1, 90))),
                        seq_number=n + 1,
                        subject="",
                        email_body="",
                        variants=variants,
                    ))
                    next_seq += 1
                campaign.mailboxes = sorted(
                    rng.sample(self.accounts, min(len(self.accounts), rng.randint(1, 3))),
                    key=lambda a: a.id)
                for _ in range(rng.randint(0, 2)):
                    hook_created = floor_ms(created + timedelta(hours=rng.uniform(1, 48)))
                    events = sorted(rng.sample(names.WEBHOOK_EVENTS, rng.randint(1, 3)))
                    campaign.webhooks.append(Webhook(
                        id=next_hook,
                        name=f"Webhook {next_hook} - {campaign.name}",
                        created_at=hook_created,
                        updated_at=floor_ms(hook_created + timedelta(days=rng.uniform(0, 30))),
                        webhook_url=f"https://webhook.example.com/{new_uuid(rng)}",
                        event_types=events,
                        categories=["Interested"] if "LEAD_CATEGORY_UPDATED" in events else [],
                    ))
                    next_hook += 1
            out.append(campaign)
        return out

    # -- leads and activity ---------------------------------------------------------------

    def new_lead(self, rng: random.Random, created_at: datetime) -> Lead:
        lead_id = self._next_lead_id
        self._next_lead_id += 1
        first, first_ascii = rng.choice(names.FIRST_NAMES)
        last, last_ascii = rng.choice(names.LAST_NAMES)
        company, domain = rng.choice(names.COMPANIES)
        r = rng.random()
        phone: int | str | None
        if r < 0.35:
            phone = rng.randrange(2_000_000_000, 9_999_999_999)
        elif r < 0.7:
            prefix = rng.choice(("+44 20 7946 ", "0239 ", "+1 415-555-"))
            phone = f"{prefix}{rng.randrange(10_000):04d}"
        else:
            phone = None
        custom: dict[str, object] = {}
        if rng.random() < 0.6:
            custom["Title"] = rng.choice(names.TITLES)
        if rng.random() < 0.4:
            custom["First_Line"] = f"Loved your post, {first}!"
        if rng.random() < 0.3:
            custom["Employees"] = rng.choice((5, 12, 250, 1_200))
        if rng.random() < 0.2:
            custom["Industry"] = rng.choice(names.INDUSTRIES)
        if rng.random() < 0.1:
            custom["score"] = round(rng.random() * 100, 1)
        if self.live and lead_id % 9 == 0:
            # A user's own columns named like secrets: data, never credentials.
            custom.update(secret_like_fields(lead_id))
        lead = Lead(
            id=lead_id,
            first_name=first,
            last_name=last,
            email=f"{first_ascii}.{last_ascii}{lead_id}@{domain}",
            created_at=created_at,
            phone_number=phone,
            company_name=company,
            website=rng.choice((domain, f"www.{domain}", "")),
            location=rng.choice(names.LOCATIONS),
            custom_fields=custom,
            linkedin_profile=rng.choice(
                ("", f"http://www.linkedin.com/in/{first_ascii}-{last_ascii}-{lead_id}")),
            company_url=rng.choice((domain, "")),
            is_unsubscribed=False,
        )
        self.leads_by_id[lead.id] = lead
        self.leads_by_email[lead.email.lower()] = lead
        return lead

    def add_lead_map(
        self, rng: random.Random, campaign: Campaign, created_at: datetime, lead: Lead | None
    ) -> LeadMap:
        if lead is None:
            lead = self.new_lead(rng, created_at)
        entry = LeadMap(
            id=self._next_map_id,
            campaign=campaign,
            lead=lead,
            created_at=created_at,
            category_id=rng.randint(1, 7) if rng.random() < 0.15 else None,
            mailbox=rng.choice(campaign.mailboxes),
        )
        self._next_map_id += 1
        lead.maps.append(entry)
        campaign.leads.append(entry)
        campaign.leads_by_lead_id[lead.id] = entry
        return entry

    def send(self, rng: random.Random, entry: LeadMap, when: datetime) -> Message:
        """Send the lead's next sequence step at `when` (a whole-millisecond time)."""
        sequence = entry.campaign.sequences[len(entry.messages)]
        variant = rng.choice(sequence.variants)
        subject = fill_variables(variant.subject, entry.lead)
        if not subject and entry.messages:
            subject = "Re: " + entry.messages[0].subject  # blank subject = same thread
        msg = Message(
            stats_id=new_uuid(rng),
            message_id=message_id(rng),
            owner=entry,
            sequence=sequence,
            variant=variant,
            subject=subject,
            body=fill_variables(variant.email_body, entry.lead),
            sent_time=when,
        )
        entry.messages.append(msg)
        entry.campaign.messages.append(msg)
        entry.touch(when, sent=True)
        return msg

    def reply(self, rng: random.Random, msg: Message, when: datetime) -> Reply:
        entry = msg.owner
        base = msg.subject or (entry.messages[0].subject if entry.messages else "")
        item = Reply(
            message_id=message_id(rng),
            stats_id=msg.stats_id,
            time=when,
            subject=base if base.startswith("Re: ") else f"Re: {base}",
            email_body=rng.choice(names.REPLY_BODIES),
        )
        msg.reply_time = when
        entry.replies.append(item)
        entry.touch(when)
        return item

    def _populate(self, campaign: Campaign, count: int) -> None:
        rng = self.rng("leads", campaign.id)
        arng = self.rng("activity", campaign.id)
        oldest = self.now - timedelta(days=LEAD_HISTORY_DAYS)
        span = self.now - oldest
        # Sorted creation times: ids grow with creation time, as database sequences do.
        created = sorted(
            oldest + timedelta(microseconds=rng.randrange(int(span.total_seconds() * 1e6)))
            for _ in range(count)
        )
        earlier = [lead for c in self.campaigns if c.id < campaign.id and not c.vanished
                   for lead in (m.lead for m in c.leads)]
        for when in created:
            lead = None
            if earlier and rng.random() < P_REUSE_LEAD:
                candidate = rng.choice(earlier)
                if candidate.created_at < when and candidate.id not in campaign.leads_by_lead_id:
                    lead = candidate
            entry = self.add_lead_map(rng, campaign, when, lead)
            self._history(arng, entry)
        campaign.messages.sort(key=lambda m: (m.sent_time, m.stats_id))

    def _history(self, rng: random.Random, entry: LeadMap) -> None:
        """Past activity of one lead: SENT steps days apart, opens, clicks, maybe a reply."""
        now = self.now
        if rng.random() >= P_CONTACTED or now - entry.created_at < 2 * MINUTE:
            return
        if entry.lead.is_unsubscribed:  # unsubscribed in an earlier campaign: never mailed
            return
        first = entry.created_at + MINUTE + (
            min(3 * DAY, now - entry.created_at - MINUTE) * rng.random())
        when = floor_ms(first)
        steps = rng.randint(1, len(entry.campaign.sequences))
        for step in range(steps):
            if step:
                when = floor_ms(when + timedelta(days=rng.uniform(2, 5)))
            if when > now or when <= entry.created_at:
                break
            msg = self.send(rng, entry, when)
            if rng.random() < P_BOUNCE:
                msg.is_bounced = True
                return
        for msg in entry.messages:
            if rng.random() < P_OPEN:
                opened = floor_ms(msg.sent_time + timedelta(minutes=rng.uniform(5, 48 * 60)))
                if opened <= now:
                    msg.open_time, msg.open_count = opened, rng.randint(1, 4)
                    entry.touch(opened)
                    if rng.random() < P_CLICK_GIVEN_OPEN:
                        clicked = floor_ms(opened + timedelta(seconds=rng.uniform(10, 7200)))
                        if clicked <= now:
                            msg.click_time, msg.click_count = clicked, rng.randint(1, 2)
                            entry.touch(clicked)
        if not entry.messages:
            return
        last = entry.messages[-1]
        if rng.random() < P_REPLY:
            replied = floor_ms(last.sent_time + timedelta(minutes=rng.uniform(10, 72 * 60)))
            if replied <= now:
                self.reply(rng, last, replied)
                if entry.category_id is None and rng.random() < 0.6:
                    entry.category_id = rng.randint(1, 7)
        if rng.random() < P_UNSUBSCRIBE:
            entry.lead.is_unsubscribed = True
            last.is_unsubscribed = True

    def _vanishing(self, mode: str, after: int | None) -> None:
        """How each deleted campaign answers. `after`: the newest regular campaign answers its
        first `after` child requests normally, then vanishes (deleted mid-sync). `mixed`
        cycles 404, empty-object, empty-body over the vanishing campaigns in id order."""
        if mode not in VANISH_ANSWERS:
            raise ValueError(f"unknown vanish answer {mode!r}")
        regular = [c for c in self.campaigns if not c.vanished]
        if after is not None and regular:
            regular[-1].vanish_after = after
        doomed = [c for c in self.campaigns if c.vanished or c.vanish_after is not None]
        for i, c in enumerate(sorted(doomed, key=lambda c: c.id)):
            c.vanish_answer = VANISH_CYCLE[i % len(VANISH_CYCLE)] if mode == "mixed" else mode

    # -- live-shape extras ---------------------------------------------------------------

    def _extras(self) -> None:
        """Fields only the live shapes show, each from its own `live:` RNG stream.

        Drawn in every mode (seed mode simply does not render them), except hand-sent replies:
        those are new activity (they move a lead's `last_event_time`), so they exist only in
        live mode and seed mode stays exactly what it was.
        """
        rng = self.rng("live", "accounts")
        for i, a in enumerate(self.accounts):
            a.oauth_refresh_token = "1//0" + "".join(
                rng.choice(names.TOKEN_ALPHABET) for _ in range(60))
            a.smtp_api_secret = rng.randbytes(16).hex()
            if i % 4 == 3:  # every fourth mailbox: warmup blocked by the provider
                a.warmup_blocked_reason = rng.choice(names.WARMUP_BLOCKED_REASONS)
            a.tags = sorted(rng.sample(names.ACCOUNT_TAGS, rng.randint(0, 2)))
        rng = self.rng("live", "campaigns")
        regular = [c for c in self.campaigns if not c.vanished]
        for i, c in enumerate(self.campaigns):
            tz = c.scheduler_cron_value.split("'")[1]
            if c.status != "DRAFTED" and rng.random() < 0.8:
                c.scheduler = {"tz": tz, "days": [1, 2, 3, 4, 5],
                               "startHour": "09:00", "endHour": "18:00"}
            c.tags = sorted(rng.sample(names.CAMPAIGN_TAGS, rng.randint(0, 2))) if i % 2 == 0 \
                else []
            c.is_pinned = i == 0
            if i == 2 and regular:  # a sub-sequence of the oldest campaign
                c.parent_campaign_id = regular[0].id
            for s in c.sequences:
                s.delay_days = 0 if s.seq_number == 1 else rng.randint(1, 5)
                s.variantless = len(s.variants) == 1 and rng.random() < 0.6
                if len(s.variants) > 1 and rng.random() < 0.3:
                    share = 100 // len(s.variants)
                    for v in s.variants:
                        v.distribution = share
        if self.live:
            for c in regular:
                mrng = self.rng("live", "manual", c.id)
                for entry in c.leads:
                    for rep in list(entry.replies):
                        if mrng.random() < 0.4:
                            when = rep.time + timedelta(minutes=mrng.uniform(5, 36 * 60))
                            self.manual_send(mrng, entry, rep, when.replace(microsecond=0))

    def manual_send(self, rng: random.Random, entry: LeadMap, rep: Reply, when: datetime,
                    limit: datetime | None = None) -> ManualSend | None:
        """A hand-written answer to `rep` at `when` (whole seconds), if not after `limit`."""
        if when > (limit or self.now) or when <= rep.time:
            return None
        item = ManualSend(
            message_id=message_id(rng),
            stats_id=rep.stats_id,
            time=when,
            subject=rep.subject,
            email_body=rng.choice(names.MANUAL_BODIES),
            in_reply_to=rep.message_id,
        )
        if entry.manual is None:
            entry.manual = []
        entry.manual.append(item)
        entry.touch(when)
        return item

    # -- lookups --------------------------------------------------------------------------

    def is_active(self, campaign: Campaign) -> bool:
        """Whether `advance` gives this campaign new leads, sends, replies, opens and clicks."""
        if campaign.vanished or campaign.deleted:
            return False
        return (self.active_campaigns is None
                or campaign.id - CAMPAIGN_ID_BASE < self.active_campaigns)

    def delete_lead_map(self, entry: LeadMap) -> None:
        """Delete a lead from its campaign (the person stays, with their other campaigns):
        its row, its statistics and its thread are gone from every endpoint of the campaign."""
        campaign = entry.campaign
        campaign.leads.remove(entry)
        campaign.leads_by_lead_id.pop(entry.lead.id, None)
        gone = {id(msg) for msg in entry.messages}
        campaign.messages = [msg for msg in campaign.messages if id(msg) not in gone]
        entry.lead.maps.remove(entry)

    def campaign(self, campaign_id: int) -> Campaign | None:
        return self.campaigns_by_id.get(campaign_id)

    def listed(self) -> list[Campaign]:
        """The campaigns `/campaigns` lists (in creation order): all but the deleted ones."""
        return [c for c in self.campaigns if not c.deleted]

    def delete_campaign(self, campaign_id: int, answer: str = "404") -> Campaign:
        """Delete a campaign as a user does in Smartlead: it leaves `/campaigns`, and every
        endpoint of it answers as the live API does for a deleted campaign (`answer`: 404,
        `200 {}` or a 200 with an empty body). Its leads stay the leads they are elsewhere."""
        if answer not in VANISH_CYCLE:
            raise ValueError(f"answer must be one of {', '.join(VANISH_CYCLE)}")
        with self.lock:
            campaign = self.campaigns_by_id.get(campaign_id)
            if campaign is None or campaign.deleted:
                raise KeyError(campaign_id)
            campaign.deleted = True
            campaign.vanished = True
            campaign.vanish_answer = answer
            return campaign

    def advance(self, days: int = 1) -> datetime:
        from .activity import advance  # local import: activity builds on this module

        return advance(self, days)
