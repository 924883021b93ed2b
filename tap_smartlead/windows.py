"""Date windows for the analytics-by-date endpoint (the API answers at most 30 days at once)."""

from __future__ import annotations

import datetime as dt

API_MAX_WINDOW_DAYS = 30


def date_windows(origin: dt.date, today: dt.date, days: int) -> list[tuple[dt.date, dt.date]]:
    """Inclusive ``(first, last)`` windows of ``days`` days from ``origin``, the last ending today.

    Windows are aligned on ``origin`` so that a window keeps its first day (its key) from one run
    to the next; only the window that holds today is shorter, and it grows as days pass.
    """
    if not 1 <= days <= API_MAX_WINDOW_DAYS:
        raise ValueError(f"window size must be 1..{API_MAX_WINDOW_DAYS} days, got {days}")
    windows = []
    first = origin
    while first <= today:
        last = min(first + dt.timedelta(days=days - 1), today)
        windows.append((first, last))
        first += dt.timedelta(days=days)
    return windows
