"""Analytics windows on a calendar that does not move. Every expected window is written out by
hand: 30-day windows counted from 1970-01-01 begin on 2025-12-08, 2026-01-07, 2026-02-06,
2026-03-08; 7-day windows begin on Thursdays (1970-01-01 was one): 2026-02-05, 02-12, 02-19."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tap_smartlead.windows import window_start, windows_from

D = dt.date


@pytest.mark.parametrize(
    ("day", "days", "first"),
    [
        (D(2026, 1, 1), 30, D(2025, 12, 8)),
        (D(2025, 12, 8), 30, D(2025, 12, 8)),
        (D(2026, 1, 6), 30, D(2025, 12, 8)),
        (D(2026, 1, 7), 30, D(2026, 1, 7)),
        (D(2026, 2, 20), 7, D(2026, 2, 19)),
        (D(2026, 2, 18), 7, D(2026, 2, 12)),
        (D(1970, 1, 1), 30, D(1970, 1, 1)),
        (D(2026, 3, 5), 1, D(2026, 3, 5)),
    ],
)
def test_a_day_falls_in_the_calendar_window_counted_from_1970(day, days, first):
    assert window_start(day, days) == first


def test_first_sync_starts_with_the_window_holding_start_date_and_the_last_ends_today():
    first = window_start(D(2026, 1, 1), 30)
    assert windows_from(first, D(2026, 3, 5), 30) == [
        (D(2025, 12, 8), D(2026, 1, 6)),
        (D(2026, 1, 7), D(2026, 2, 5)),
        (D(2026, 2, 6), D(2026, 3, 5)),
    ]


@pytest.mark.parametrize("start_date", [D(2025, 12, 8), D(2025, 12, 20), D(2026, 1, 6)])
def test_the_same_day_is_in_the_same_window_whatever_start_date_says(start_date):
    # The default start_date moves a day each day; the windows must not move with it.
    first = window_start(start_date, 30)
    assert windows_from(first, D(2026, 1, 10), 30) == [
        (D(2025, 12, 8), D(2026, 1, 6)),
        (D(2026, 1, 7), D(2026, 1, 10)),
    ]


def test_the_bookmarked_window_grows_until_it_ends_then_the_next_one_starts():
    assert windows_from(D(2026, 2, 6), D(2026, 3, 6), 30) == [(D(2026, 2, 6), D(2026, 3, 6))]
    assert windows_from(D(2026, 2, 6), D(2026, 3, 7), 30) == [(D(2026, 2, 6), D(2026, 3, 7))]
    assert windows_from(D(2026, 2, 6), D(2026, 3, 8), 30) == [
        (D(2026, 2, 6), D(2026, 3, 7)),
        (D(2026, 3, 8), D(2026, 3, 8)),
    ]


def test_a_smaller_window_size_keeps_the_bookmarked_window_up_to_the_new_calendar():
    # Loaded so far with 30 days: ..., [2026-02-06, ...]. Now 7 days: the window 02-06 keeps its
    # key and ends before the next Thursday; 7-day windows follow.
    assert windows_from(D(2026, 2, 6), D(2026, 2, 20), 7) == [
        (D(2026, 2, 6), D(2026, 2, 11)),
        (D(2026, 2, 12), D(2026, 2, 18)),
        (D(2026, 2, 19), D(2026, 2, 20)),
    ]


def test_a_larger_window_size_keeps_the_bookmarked_window_up_to_the_new_calendar():
    # Loaded so far with 7 days, the latest [2026-02-19, ...]. Now 30 days: 02-19 runs to the
    # day before the 30-day boundary 03-08.
    assert windows_from(D(2026, 2, 19), D(2026, 3, 10), 30) == [
        (D(2026, 2, 19), D(2026, 3, 7)),
        (D(2026, 3, 8), D(2026, 3, 10)),
    ]


def test_a_bookmark_laid_from_an_old_start_date_joins_the_calendar_without_overlap():
    # Older versions laid windows from start_date: a bookmark on 2026-01-01.
    assert windows_from(D(2026, 1, 1), D(2026, 1, 10), 30) == [
        (D(2026, 1, 1), D(2026, 1, 6)),
        (D(2026, 1, 7), D(2026, 1, 10)),
    ]


def test_nothing_to_fetch_before_the_bookmarked_window_begins():
    assert windows_from(D(2026, 3, 8), D(2026, 3, 7), 30) == []


def test_a_year_of_windows_is_contiguous_and_within_the_api_cap():
    windows = windows_from(window_start(D(2025, 1, 1), 30), D(2026, 1, 1), 30)
    assert windows[0] == (D(2024, 12, 13), D(2025, 1, 11))  # 2025-12-08 less 12 x 30 days
    assert windows[-1] == (D(2025, 12, 8), D(2026, 1, 1))
    for (_, last), (first, _) in itertools.pairwise(windows):
        assert first == last + dt.timedelta(days=1)
    assert all((last - first).days <= 29 for first, last in windows)


@pytest.mark.parametrize("days", [0, 31])
def test_window_size_outside_1_to_30_is_refused(days):
    with pytest.raises(ValueError, match=r"1\.\.30"):
        windows_from(D(2026, 1, 1), D(2026, 2, 1), days)
