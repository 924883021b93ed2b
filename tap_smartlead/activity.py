"""Which campaigns had any activity since the last run, for one request per campaign.

An agency account holds hundreds of campaigns, most of them finished. Asking each of them for
statistics, leads, message history and the current analytics window every day costs ten
requests per campaign whether anything happened or not. Every kind of lead activity moves a
campaign's top-level analytics (``GET /campaigns/{id}/analytics``, fetched anyway for the
``campaign_analytics`` stream): a send moves ``sent_count`` and the lead's status counts, an
open or a click ``open_count``/``click_count`` (totals, not unique), a reply ``reply_count``, a
bounce ``bounce_count``/``block_count``, an unsubscribe ``unsubscribed_count``, a new lead
``total_count`` and ``notStarted``. So a short digest of those counts (the *fingerprint*) is kept
in each incremental per-campaign stream's state, next to its bookmark; a campaign whose
fingerprint is unchanged is idle for that stream and is not asked again.

Each stream keeps its own fingerprint, written when it has written the campaign's records (with
its bookmark), so a sync killed half-way leaves the campaigns a stream had not reached active
for it. The fingerprint is taken before any of the campaign's records are read: what happens
while they are read moves the counts past the stored fingerprint and is read on the next run.

What a skipped campaign can hide is listed in docs/agency-scale.md; ``skip_idle_campaigns:
false`` turns skipping off.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

FINGERPRINT_KEY = "activity_fingerprint"
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
    """Each campaign's analytics, fetched once per run (and shared with ``campaign_analytics``),
    and whether a stream may skip the campaign because nothing changed since it last read it."""

    def __init__(self, fetch: Callable[[Any], Any], *, enabled: bool) -> None:
        self._fetch = fetch
        self.enabled = enabled
        self._answers: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._campaign_locks: dict[Any, threading.Lock] = {}

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
        """Nothing happened in the campaign since this stream last read it (same fingerprint)."""
        if not self.enabled or not partition_state.get(FINGERPRINT_KEY):
            return False
        return bool(partition_state[FINGERPRINT_KEY] == self.fingerprint(campaign_id))

    def mark_read(self, campaign_id: Any, partition_state: dict[str, Any]) -> None:
        """Record, next to the stream's bookmark, the fingerprint its records were read under."""
        current = self.fingerprint(campaign_id)
        if current is None:
            partition_state.pop(FINGERPRINT_KEY, None)
        else:
            partition_state[FINGERPRINT_KEY] = current
