"""Which campaigns had any activity since the last run, and which are due a refresh.

An agency account holds hundreds of campaigns, most of them finished. Asking each of them for
statistics, leads, message history and the current analytics window every day costs ten
requests per campaign whether anything happened or not. So an incremental run first learns,
in ONE request, which campaigns moved: ``GET /analytics/campaign/overall-stats`` for the
days from a week before the stream's last read of a campaign (``read_on``, kept in its state)
on lists every campaign with a send, an open, a reply or a bounce in those days, with its
figures (``moved_since``). The stream also keeps the campaign's figures as that answer gave
them when it read it (``figures_at_read``, for a range starting on the same day): unchanged
figures, nothing happened since, whatever happened before the read. A campaign read for the
first time is never idle. A campaign that moved in the last ``refresh_within_days`` days
(``moved_on``) is also compared by a digest of its own analytics (the *fingerprint*), which
count what the account-wide answer does not.

What the answer does not count (docs/requests.md): a click or an unsubscribe alone, a lead
added without a send, anything edited by hand. Two account-wide signals (tap_smartlead/
signals.py), asked only when a campaign would otherwise be skipped, cover the first and the
third: the activities feed (any email event after the run that last read the campaign began:
the campaign is active) and the leads new to the account since the newest lead id the read was
marked with (``leads_to``; the campaign only got leads: ``got_leads``, read by the streams a
new lead changes). What they miss, and a signal that cannot answer, falls to a recently active
campaign's own counts; otherwise, and for edits, the rotation below reads every campaign at
least once per ``refresh_within_days`` runs.

Where the route is missing or its answer cannot be read, the tap falls back (one warning) to
what it did before: each campaign's top-level analytics (``GET /campaigns/{id}/analytics``) and
a digest of its counts (the *fingerprint*) kept next to each bookmark; a campaign whose
fingerprint is unchanged is idle. Every kind of lead activity moves those counts.

The rotation (``refresh_due``): what changes without any event (a lead's category, status or
custom fields set by hand, a sequence's copy, a webhook, a mailbox setting) is read again at
least once within ``refresh_within_days`` runs. Each partition keeps ``runs_since_refresh``;
a partition read for the first time starts at a phase drawn from its id, so the refreshes of an
account spread evenly over the runs (about C/N campaigns per run), idle campaigns included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

FINGERPRINT_KEY = "activity_fingerprint"
# The day (UTC) a stream last read the campaign: the next run's overall-stats range starts a
# week (SKEW) before it.
READ_ON_KEY = "read_on"
# Runs since the partition was last refreshed (read whatever its activity): the rotation.
REFRESH_KEY = "runs_since_refresh"
# The campaign's figures from the read day on, as the account-wide answer gave them when the
# stream read it (zeros: not listed; the same length either way, so the state's size does
# not depend on the day's activity). Unchanged on the next run: nothing happened since the read,
# though the read day had activity before it.
MOVED_KEY = "figures_at_read"
NOT_LISTED = "0" * 12
# The range starts this long before the read day, both when the figures are stored and when
# they are compared (the same start, so only new events change them): a server whose days lag
# the tap's clock (a time zone, a clock set wrong) still counts.
SKEW = dt.timedelta(days=7)
# The last day the campaign was seen moving: for ``refresh_within`` days after it, its own
# analytics are compared too (what the account-wide answer does not count: new leads, clicks).
MOVED_ON_KEY = "moved_on"
NEVER = "0000-00-00"
NO_FINGERPRINT = "0" * 16
# The longest range the account-wide answer is asked for; a stream that last read a campaign
# longer ago than this decides by the campaign's own analytics.
MOVED_RANGE_DAYS = 30
# The signals' ranges start this long before the last read (a server clock a little behind).
SIGNAL_SLACK = dt.timedelta(hours=1)
# The account's newest lead id when the stream read the campaign: the next run's new leads are
# those above it (tap_smartlead/signals.py).
LEADS_TO_KEY = "leads_to"
# campaign_lead_stats keys and top-level counts the digest covers; anything else in the answer
# (names, tags, client details) is not activity.
LEAD_STATS_KEY = "campaign_lead_stats"


def fingerprint(analytics: Any) -> str | None:
    """A 16-hex-digit digest of the activity counts in a campaign's analytics, or None when the
    answer has none (a deleted campaign's ``{}``, an unexpected shape): then it is never idle."""
    if isinstance(analytics, Mapping) and isinstance(analytics.get("data"), Mapping):
        analytics = analytics["data"]
    if not isinstance(analytics, Mapping):
        return None
    counts = {
        str(key): str(value).strip()
        for key, value in analytics.items()
        if str(key).endswith("_count") and not isinstance(value, (dict, list))
    }
    lead_stats = analytics.get(LEAD_STATS_KEY)
    if isinstance(lead_stats, Mapping):
        counts.update({f"{LEAD_STATS_KEY}.{k}": str(v).strip() for k, v in lead_stats.items()})
    if not counts:
        return None
    counts["status"] = str(analytics.get("status"))
    material = json.dumps(counts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()[:16]


class ActivityDetector:
    """Which campaigns a stream may skip this run: the campaigns that moved (one request per
    distinct start day, usually one per run), each campaign's analytics where that route is
    unavailable (fetched once per run and shared with ``campaign_analytics``), and the
    rotation that re-reads every partition within ``refresh_within`` runs."""

    def __init__(
        self,
        fetch: Callable[[Any], Any],
        *,
        enabled: bool,
        moved_since: Callable[[dt.date], Mapping[str, str] | None] | None = None,
        today: dt.date | None = None,
        refresh_within: int = 7,
        acted_since: Callable[[dt.datetime], Mapping[str, dt.datetime] | None] | None = None,
        leads_since: Callable[..., tuple[Mapping[str, Any], int | None] | None] | None = None,
        warmup_within: int = 1,
    ) -> None:
        self._fetch = fetch
        self.enabled = enabled
        self._moved_since = moved_since
        self.today = today or dt.datetime.now(dt.timezone.utc).date()
        self.refresh_within = max(1, int(refresh_within))
        # warmup_within_days: each mailbox's warmup report is read when due (``read_due``).
        self.warmup_within = max(1, int(warmup_within))
        self._read_due: dict[tuple[str, str], bool] = {}
        self._answers: dict[Any, Any] = {}
        self._moved: dict[dt.date, Mapping[str, str] | None] = {}
        self._lock = threading.Lock()
        self._campaign_locks: dict[Any, threading.Lock] = {}
        self._moved_lock = threading.Lock()
        self._route_failed = False
        self._moving: set[str] = set()
        # When the run began: what a stream reads from here on is marked read at this time.
        now = dt.datetime.now(dt.timezone.utc)
        self.started = now if today is None else dt.datetime.combine(today, now.timetz())
        # Clicks and other events the account-wide figures do not count, and leads added: the
        # campaign id -> the time of its latest one (tap_smartlead/signals.py), per start day.
        self._signals = {"acted": acted_since, "leads": leads_since}
        self._signal_answers: dict[tuple[str, Any], Mapping[str, Any] | None] = {}
        self._signal_failed: set[str] = set()
        self._top_lead: int | None = None  # the account's newest lead id when first asked

    # --- which campaigns moved ------------------------------------------------------------

    def moved(self, since: dt.date) -> Mapping[str, str] | None:
        """The campaigns with activity from ``since`` to today (id as text -> a digest of
        its figures), or None
        when the account-wide route cannot say (then each campaign's analytics decides): it
        failed once this run, or the range is longer than the per-day routes are asked for.
        One request per start day asked (a daily run: one)."""
        if self._moved_since is None or self._route_failed:
            return None
        if (self.today - since).days >= MOVED_RANGE_DAYS:
            return None
        with self._moved_lock:
            if since not in self._moved:
                answer = self._moved_since(since)
                self._route_failed = answer is None
                self._moved[since] = answer
            return self._moved[since]

    def before_read(self, campaign_id: Any) -> None:
        """Called before any of a campaign's records are read: in the fallback, its analytics
        are fetched first, so activity during the read moves the counts past the digest."""
        if not self.enabled:
            return
        if not self.in_fallback:
            self.moved(self.today - SKEW)  # the figures each read is marked with, first
        if self.in_fallback:
            self.analytics(campaign_id)

    @property
    def in_fallback(self) -> bool:
        """Each campaign's analytics decide (no account-wide answer, or it failed this run)."""
        return self._moved_since is None or self._route_failed

    def analytics(self, campaign_id: Any) -> Any:
        """The campaign's analytics answer (or the fetcher's MISSING), requested once per run.

        Worker threads plan several campaigns at once: one lock per campaign, so that two
        streams asking for the same campaign share one request without serialising the rest.
        """
        with self._lock:
            if campaign_id in self._answers:
                return self._answers[campaign_id]
            campaign_lock = self._campaign_locks.setdefault(campaign_id, threading.Lock())
        with campaign_lock:
            with self._lock:
                if campaign_id in self._answers:
                    return self._answers[campaign_id]
            answer = self._fetch(campaign_id)
            with self._lock:
                self._answers[campaign_id] = answer
                self._campaign_locks.pop(campaign_id, None)
            return answer

    def fingerprint(self, campaign_id: Any) -> str | None:
        return fingerprint(self.analytics(campaign_id))

    def is_idle(self, campaign_id: Any, partition_state: Mapping[str, Any]) -> bool:
        """Nothing happened in the campaign since this stream last read it."""
        if not self.enabled:
            return False
        read_on = _day(partition_state.get(READ_ON_KEY))
        if read_on is not None:
            moved = self.moved(min(read_on, self.today) - SKEW)
            if moved is not None:
                figures = moved.get(str(campaign_id), NOT_LISTED)
                if figures != partition_state.get(MOVED_KEY, NOT_LISTED):
                    self._note_moving(campaign_id)
                    return False
                # A click (or an event the figures do not count) since the read.
                if self._signal("acted", campaign_id, partition_state):
                    self._note_moving(campaign_id)
                    return False
                if not self.warm(partition_state):
                    return True
                # Recently active: a lead added or a click alone moves no figure of the
                # account-wide answer, but the campaign's own counts.
                if partition_state.get(FINGERPRINT_KEY) != self.fingerprint(campaign_id):
                    self._note_moving(campaign_id)
                    return False
                return True
        if not partition_state.get(FINGERPRINT_KEY):
            return False
        return bool(partition_state[FINGERPRINT_KEY] == self.fingerprint(campaign_id))

    def _signal(self, kind: str, campaign_id: Any,
                partition_state: Mapping[str, Any]) -> bool | None:
        """Whether the signal ``kind`` saw the campaign after the stream last read it (None: the
        signal cannot say). Asked once per run for each earlier run's start (the hour) and,
        for leads, each newest lead id a read was marked with."""
        fetch = self._signals.get(kind)
        read_at = _instant(partition_state.get(READ_ON_KEY))
        if fetch is None or read_at is None or kind in self._signal_failed:
            return None
        # Every partition a run touched holds that run's start: one question per earlier run
        # (normally the last one), from an hour before it.
        start = min(read_at, self.started).replace(minute=0, second=0, microsecond=0)
        after_id = partition_state.get(LEADS_TO_KEY) if kind == "leads" else None
        after_id = after_id if isinstance(after_id, int) else None
        with self._moved_lock:
            key = (kind, start if after_id is None else after_id)
            if key not in self._signal_answers:
                since = start - SIGNAL_SLACK
                answer = fetch(since) if kind == "acted" else fetch(since, after_id)
                if answer is None:
                    self._signal_failed.add(kind)
                elif kind == "leads":
                    answer, top = answer
                    if top is not None and self._top_lead is None:
                        self._top_lead = top  # the first answer: before any read it marks
                self._signal_answers[key] = answer
            answer = self._signal_answers[key]
        if answer is None:
            return None
        latest = answer.get(str(campaign_id))
        if latest is None:
            return False
        if kind == "leads":
            created, lead_id = latest
            # Newer than the newest lead when it was read (ids only grow: no clock), or, for
            # a read not marked with one, created after the run that read it began.
            return lead_id > after_id if after_id is not None else created > read_at
        # After the run that read it began (its reads came later still: an event stamped by a
        # server clock a little behind the tap's is only missed if it also came before them).
        return bool(latest > read_at)

    def got_leads(self, campaign_id: Any, partition_state: Mapping[str, Any]) -> bool:
        """A lead was created in the campaign since the stream last read it (the leads
        signal): the reads a new lead changes are due, not everything activity costs."""
        if not self.enabled:
            return False
        return bool(self._signal("leads", campaign_id, partition_state))

    def only_got_leads(self, campaign_id: Any, partition_state: Mapping[str, Any]) -> bool:
        """Not due on the rotation and idle, but leads were added since the stream last read
        the campaign: a stream a new lead changes reads only what the new leads change."""
        return (
            self.enabled
            and not self.refresh_due(partition_state)
            and self.is_idle(campaign_id, partition_state)
            and self.got_leads(campaign_id, partition_state)
        )

    def warm(self, partition_state: Mapping[str, Any]) -> bool:
        """The campaign moved within the last ``refresh_within`` days (for this stream)."""
        moved_on = _day(partition_state.get(MOVED_ON_KEY))
        return moved_on is not None and (self.today - moved_on).days < self.refresh_within

    def _note_moving(self, campaign_id: Any) -> None:
        with self._lock:
            self._moving.add(str(campaign_id))

    def mark_read(self, campaign_id: Any, partition_state: dict[str, Any]) -> None:
        """Record, next to the stream's bookmark, the day (and in the fallback the digest) its
        records were read under."""
        if not self.enabled:
            # Every campaign is read on every run: no question to ask. Marks of an earlier
            # run are dropped, so a run that skips again first reads every campaign.
            for key in (READ_ON_KEY, MOVED_KEY, MOVED_ON_KEY, FINGERPRINT_KEY):
                partition_state.pop(key, None)
            return
        # The run's start (a day and a time): the signals compare their times with it.
        partition_state[READ_ON_KEY] = self.started.isoformat(timespec="seconds")
        if self._top_lead is not None:
            partition_state[LEADS_TO_KEY] = self._top_lead
        today = self.moved(self.today - SKEW)
        if today is None:
            partition_state.pop(MOVED_KEY, None)
        else:
            partition_state[MOVED_KEY] = today.get(str(campaign_id), NOT_LISTED)
        if not self.in_fallback:
            # Moving: seen moving since the last read (a first read cannot tell today's
            # activity from last week's, so it does not count).
            with self._lock:
                moving = str(campaign_id) in self._moving
            if moving:
                partition_state[MOVED_ON_KEY] = self.today.isoformat()
            # A recently active campaign keeps the digest of its own counts (one request per
            # such campaign, shared with campaign_analytics); the others a placeholder of the
            # same length (the state's size does not follow the day's activity).
            warm = self.warm(partition_state)
            current = self.fingerprint(campaign_id) if warm else None
            partition_state[FINGERPRINT_KEY] = current or NO_FINGERPRINT
            partition_state.setdefault(MOVED_ON_KEY, NEVER)
            return
        current = self.fingerprint(campaign_id)
        if current is None:
            partition_state.pop(FINGERPRINT_KEY, None)
        else:
            partition_state[FINGERPRINT_KEY] = current

    # --- the rotation -----------------------------------------------------------------------

    def refresh_due(self, partition_state: Mapping[str, Any], within: int | None = None) -> bool:
        """Whether this run must read the partition whatever its activity: it was never read,
        or it was last refreshed ``within - 1`` runs ago (default ``refresh_within``)."""
        within = self.refresh_within if within is None else within
        runs = partition_state.get(REFRESH_KEY)
        if not isinstance(runs, int):
            return True
        return runs + 1 >= within

    def mark_rotation(self, key: Any, partition_state: dict[str, Any], *, due: bool,
                      within: int | None = None) -> None:
        """Advance the partition's rotation once it is done (read or skipped) this run."""
        within = self.refresh_within if within is None else within
        runs = partition_state.get(REFRESH_KEY)
        if not isinstance(runs, int):
            partition_state[REFRESH_KEY] = phase(key, within)
        elif due:
            partition_state[REFRESH_KEY] = 0
        else:
            partition_state[REFRESH_KEY] = runs + 1

    def read_due(self, kind: str, key: Any, states: list[Mapping[str, Any]], within: int) -> bool:
        """Whether this run reads a partition kept on a rotation of ``within`` runs that must
        also be read within ``within`` days (the warmup report, which shows 7 days): on its
        first read (no bookmark), when the day it was last read up to (its bookmark, a day) is
        ``within`` or more days before today however many runs there were since, or when the
        rotation says so (a partition read before the rotation was kept starts at its phase).
        ``states``: the partition's state in each stream that reads the same answer; due for
        one, due for all. Decided once per run for ``(kind, key)``, so every stream sharing
        the answer reads or skips it together, whichever asks first."""
        with self._lock:
            decided = self._read_due.get((kind, str(key)))
            if decided is None:
                decided = within <= 1 or any(
                    self._due_by_days_or_runs(key, state, within) for state in states)
                self._read_due[(kind, str(key))] = decided
            return decided

    def _due_by_days_or_runs(self, key: Any, state: Mapping[str, Any], within: int) -> bool:
        read_to = _day(state.get("replication_key_value"))
        if read_to is None or (self.today - read_to).days >= within:
            return True
        runs = state.get(REFRESH_KEY)
        if not isinstance(runs, int):
            runs = phase(key, within)  # read on every run until now: where it would be
        return runs + 1 >= within


def phase(key: Any, runs: int) -> int:
    """Where a new partition starts in the rotation: a stable spread of ids over 0..runs-1,
    so that the refreshes of a fully synced account do not all fall on one run."""
    digest = hashlib.sha256(str(key).encode()).digest()
    return int.from_bytes(digest[:4], "big") % runs


def _instant(value: Any) -> dt.datetime | None:
    """``read_on`` as a time: a bare day (an earlier version's) is its midnight, UTC."""
    if not value:
        return None
    text = str(value)
    try:
        if len(text) <= 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.timezone.utc)
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
