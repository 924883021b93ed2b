"""The control side: request counters, runtime configuration and the ground-truth dump.

None of this is part of the Smartlead API; it is what tests use to steer the emulator and to
check a sync against the truth.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from . import global_analytics, render
from .api import BULK_HISTORY_FORMS, is_duplicated
from .dataset import Dataset
from .faults import FaultInjector, TransientEmpty, parse_kinds
from .lead_feeds import ACTIVITIES_FORMS, LEADS_ALL_FORMS, LeadFeeds
from .models import Campaign
from .ratelimit import POLICIES, RateLimiter
from .timeutil import fmt_now

SHAPES = ("live", "seed", "seed-examples")


class Stats:
    """Counters over API requests (control calls are not counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.by_path: dict[str, int] = {}
            self.by_status: dict[str, int] = {}
            self.rate_limited = 0
            self.faults: dict[str, int] = {}
            self.threads_in_bulk = 0  # lead ids answered by the bulk thread endpoint

    def bulk_threads(self, count: int) -> None:
        with self._lock:
            self.threads_in_bulk += count

    def record(self, template: str, status: int | None, fault: str | None) -> None:
        with self._lock:
            self.requests += 1
            self.by_path[template] = self.by_path.get(template, 0) + 1
            if status is not None:  # a `reset` fault sends no status at all
                key = str(status)
                self.by_status[key] = self.by_status.get(key, 0) + 1
            if status == 429:
                self.rate_limited += 1
            if fault is not None:
                self.faults[fault] = self.faults.get(fault, 0) + 1

    def snapshot(self, max_in_window: int) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "by_path": dict(sorted(self.by_path.items())),
                "by_status": dict(sorted(self.by_status.items())),
                "rate_limited": self.rate_limited,
                "faults": dict(sorted(self.faults.items())),
                "threads_in_bulk": self.threads_in_bulk,
                "max_in_window": max_in_window,
            }


@dataclass
class Config:
    """Runtime settings; the mutable ones can be changed with POST /_emulator/config."""

    api_key: str = "test-api-key"
    no_access_key: str = "no-access-key"
    envelope: str = "mixed"
    shapes: str = "live"
    latency_ms: float = 0.0
    slow_seconds: float = 5.0
    fault_seed: int = 1
    verbose: bool = False
    bulk_history: str = "live"  # the bulk thread endpoint's form: live, reference or absent
    bulk_history_cap: int = 100  # lead ids one bulk request may hold (more: 400)
    # /leads/all and /campaigns/all-leads-activities: their forms and the latter's own limit
    feeds: LeadFeeds = field(default_factory=LeadFeeds)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter("seed"))
    faults: FaultInjector = field(default_factory=lambda: FaultInjector(0.0, (), 1))
    transient_empty: TransientEmpty = field(default_factory=lambda: TransientEmpty(0.0, 1))

    def as_dict(self) -> dict[str, Any]:
        return {
            "shapes": self.shapes,
            "envelope": self.envelope,
            "latency_ms": self.latency_ms,
            "fault_rate": self.faults.rate,
            "fault_kinds": list(self.faults.kinds),
            "fault_seed": self.fault_seed,
            "transient_empty_rate": self.transient_empty.rate,
            "slow_seconds": self.slow_seconds,
            "rate_limit": self.limiter.policy,
            "rate_limit_requests": self.limiter.limit,
            "rate_limit_window": self.limiter.window,
            "bulk_history": self.bulk_history,
            "bulk_history_cap": self.bulk_history_cap,
            "leads_all": self.feeds.leads_all_form,
            "leads_activities": self.feeds.activities_form,
        }

    def apply(self, changes: dict[str, Any]) -> None:
        """Validate everything first, then apply, so a bad request changes nothing."""
        allowed = {"latency_ms", "fault_rate", "fault_kinds", "rate_limit",
                   "rate_limit_requests", "rate_limit_window", "slow_seconds",
                   "transient_empty_rate", "bulk_history", "bulk_history_cap",
                   "leads_all", "leads_activities"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        latency = _number(changes, "latency_ms", self.latency_ms, 0, None)
        rate = _number(changes, "fault_rate", self.faults.rate, 0, 1)
        empty_rate = _number(changes, "transient_empty_rate", self.transient_empty.rate, 0, 1)
        slow = _number(changes, "slow_seconds", self.slow_seconds, 0, None)
        kinds = parse_kinds(changes["fault_kinds"]) if "fault_kinds" in changes \
            else self.faults.kinds
        bulk = str(changes.get("bulk_history", self.bulk_history))
        if bulk not in BULK_HISTORY_FORMS:
            raise ValueError(f"unknown bulk_history form {bulk!r}")
        cap = changes.get("bulk_history_cap", self.bulk_history_cap)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError("bulk_history_cap must be an integer >= 1")
        leads_all = str(changes.get("leads_all", self.feeds.leads_all_form))
        if leads_all not in LEADS_ALL_FORMS:
            raise ValueError(f"unknown leads_all form {leads_all!r}")
        activities = str(changes.get("leads_activities", self.feeds.activities_form))
        if activities not in ACTIVITIES_FORMS:
            raise ValueError(f"unknown leads_activities form {activities!r}")
        limiter = self.limiter
        if {"rate_limit", "rate_limit_requests", "rate_limit_window"} & set(changes):
            policy = str(changes.get("rate_limit", limiter.policy))
            if policy not in POLICIES:
                raise ValueError(f"unknown rate_limit policy {policy!r}")
            same = policy == limiter.policy  # a new policy starts from its own numbers
            requests = changes.get("rate_limit_requests", limiter.limit if same else None)
            window = changes.get("rate_limit_window", limiter.window if same else None)
            limiter = RateLimiter(policy, _opt_int(requests), _opt_float(window))
        self.latency_ms, self.slow_seconds, self.limiter = latency, slow, limiter
        self.faults.rate, self.faults.kinds = rate, kinds
        self.transient_empty.rate = empty_rate
        self.bulk_history, self.bulk_history_cap = bulk, cap
        self.feeds.leads_all_form, self.feeds.activities_form = leads_all, activities


def _number(changes: dict[str, Any], key: str, current: float, lo: float,
            hi: float | None) -> float:
    if key not in changes:
        return current
    value = changes[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number")
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"{key} out of range")
    return float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def dump(ds: Dataset) -> dict[str, Any]:
    """The whole dataset in the shapes the API serves in the dataset's mode (callers hold
    ds.lock). Live mode adds, per campaign, `duplicate_lead_map_ids` (rows `/leads` serves
    twice; `leads` lists each row once), and top-level `email_account_details` (the
    `/email-accounts/{id}` shape by id) and `unknown_to_tap` (render.UNKNOWN_TO_TAP): the
    reference's dump leaves them out (render.REFERENCE)."""
    clients = {c.id: c for c in ds.clients}
    campaigns = []
    for c in ds.listed():
        entry = render.campaign(ds, c)
        entry.update({
            "vanished": c.vanished,
            "deleted_mid_listing": ds.deleted_mid_listing.get(c.id, []),
            "vanish_answer": c.vanish_answer,
            "vanish_after": c.vanish_after,
            "sequences": [render.sequence(ds, s, c.id) for s in c.sequences],
            "email_accounts": [render.email_account(ds, a, listing=False) for a in c.mailboxes],
            "webhooks": [render.webhook(ds, w, c.id) for w in c.webhooks],
            "leads": [render.lead_row(ds, m) for m in c.leads],
            "duplicate_lead_map_ids": [m.id for m in c.leads if is_duplicated(m)],
            "statistics": [render.stats_row(ds, msg) for msg in c.messages],
            "message_history": {str(m.lead.id): render.history(ds, m) for m in c.leads},
            "analytics": None if c.vanished else render.analytics(ds, c, clients),
            "leads_export": _export(c, render.export_columns(ds)),
        })
        campaigns.append(render.shaped("dump_campaign", entry, c, ds.live))
    return render.shaped("dump", {
        "now": fmt_now(ds.now),
        "shapes": ds.shapes,
        "clients": [render.client(ds, c) for c in ds.clients],
        "categories": render.categories(ds),
        "email_accounts": [render.email_account(ds, a, listing=True) for a in ds.accounts],
        "email_account_details": {str(a.id): render.email_account(ds, a, listing=False)
                                  for a in ds.accounts},
        "campaigns": campaigns,
        "deleted_campaigns": deleted_ids(ds),
        "warmup": {str(a.id): [render.warmup_day(d) for d in a.warmup_days]
                   for a in ds.accounts},
        "unknown_to_tap": render.UNKNOWN_TO_TAP,
        "analytics_keys": global_analytics.keys_by_day(ds),
    }, ds, ds.live)


def _export(c: Campaign, columns: tuple[str, ...]) -> dict[str, Any]:
    """`/campaigns/{id}/leads-export` as cells: the header and each row's strings."""
    return {"columns": list(columns), "rows": render.export_rows(c, columns)}


def deleted_ids(ds: Dataset) -> list[int]:
    """Campaigns deleted with the control API: not in `campaigns` (nor in /campaigns)."""
    return [c.id for c in ds.campaigns if c.deleted]
