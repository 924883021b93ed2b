"""What a stream reads from the run it belongs to, typed: one object per tap process.

Streams reach it as ``self.run`` (see :class:`tap_smartlead.client.SmartleadStream`), never
through the tap: the settings are read into values once, here, and the parents' ids, the
activity detector and the checkpoint clock are shared by every stream of the run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tap_smartlead.activity import ActivityDetector
from tap_smartlead.progress import ProgressReporter
from tap_smartlead.runtime import SharedRuntime

# How often, at most, a partitioned incremental stream emits its state between partitions.
CHECKPOINT_INTERVAL_SECONDS = 30.0


@dataclass(eq=False)
class RunContext:
    # Earliest activity to extract; the default (N days before today) is fixed at the start.
    start_date: dt.datetime
    # Where a campaign's first sync starts reading statistics, messages and analytics:
    # start_date's day rounded down to the first day of its analytics window (windows sit on a
    # fixed calendar, tap_smartlead/windows.py), so that the three cover the same days.
    first_day: dt.datetime
    # How far before a bookmark the lead and message filters start (clock skew, late events).
    overlap: dt.timedelta
    runtime: SharedRuntime
    progress: ProgressReporter
    # Each campaign's analytics, fetched once per run and shared (tap_smartlead/activity.py).
    activity: ActivityDetector
    # The parents every per-campaign and per-mailbox stream iterates, listed once per run.
    campaign_ids: Callable[[], list[int]]
    email_account_ids: Callable[[], list[int]]
    # Whether the campaign list, read again (once per run, after a child answered as if the
    # campaign were deleted), still holds a campaign: only then is a deletion believed.
    campaign_still_listed: Callable[[Any], bool]
    # Monotonic time of the last mid-stream STATE message (see checkpoint_due).
    last_checkpoint: float = field(default=0.0)
    clock: Callable[[], float] = field(default=time.monotonic)
    # The run's own clock, read once: no bookmark may pass it (a value the API dates in the
    # future stays in its record, not in the state), and it says which day is today.
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def today(self) -> dt.date:
        """The run's day (UTC): the analytics window holding it ends on it."""
        return self.started_at.date()

    def checkpoint_due(self) -> bool:
        """True (and the clock restarted) if the last mid-stream state is old enough.

        Every partition would be too often: the state holds every campaign's bookmarks, and
        re-sending it after each one would outweigh the records.
        """
        now = self.clock()
        if now - self.last_checkpoint < CHECKPOINT_INTERVAL_SECONDS:
            return False
        self.last_checkpoint = now
        return True


def default_start_date(days_ago: int) -> dt.datetime:
    """Midnight UTC, ``days_ago`` days before today."""
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days_ago)


def ids_of(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows if row.get("id") is not None]
