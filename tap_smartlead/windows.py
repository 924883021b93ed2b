"""Date windows for the analytics-by-date endpoint (the API answers at most 30 days at once).

Windows sit on a calendar that never moves: window ``k`` of size ``N`` covers the days
``CALENDAR_ORIGIN + k*N`` to ``CALENDAR_ORIGIN + (k+1)*N - 1``. A window's first day is its
key in the warehouse, so the same day must fall in the same window on every run whatever
``start_date`` says (the default start date moves every day; a window laid out from it would
overlap yesterday's under another key).

A changed window size cannot move the days already loaded: the latest window loaded (the
bookmark ``resume_from``) is kept and runs to the new calendar's next boundary, and the new
size's windows follow from there (see :func:`windows_from`).
"""

from __future__ import annotations

import datetime as dt

API_MAX_WINDOW_DAYS = 30
# Day 0 of the calendar (the Unix epoch): any fixed day would do, this one is easy to state.
CALENDAR_ORIGIN = dt.date(1970, 1, 1)

Window = tuple[dt.date, dt.date]


def _check(days: int) -> None:
    if not 1 <= days <= API_MAX_WINDOW_DAYS:
        raise ValueError(f"window size must be 1..{API_MAX_WINDOW_DAYS} days, got {days}")


def window_start(day: dt.date, days: int) -> dt.date:
    """The first day of the calendar window of ``days`` days that holds ``day``."""
    _check(days)
    offset = (day - CALENDAR_ORIGIN).days % days
    return day - dt.timedelta(days=offset)


def windows_from(first: dt.date, today: dt.date, days: int) -> list[Window]:
    """Inclusive ``(first, last)`` windows from the window starting at ``first`` to the one
    holding ``today`` (which ends today and grows as days pass).

    ``first`` is normally a calendar boundary. When it is not (a bookmark laid under another
    window size, or by an older version of the tap), that window keeps its first day and ends
    the day before the calendar's next boundary, so it never overlaps what follows.
    """
    _check(days)
    windows: list[Window] = []
    start = first
    while start <= today:
        boundary = window_start(start, days) + dt.timedelta(days=days)
        windows.append((start, min(boundary - dt.timedelta(days=1), today)))
        start = boundary
    return windows
