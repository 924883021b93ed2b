from __future__ import annotations

import datetime as dt

import pytest

from tap_smartlead.windows import date_windows

D = dt.date


def test_windows_are_aligned_on_the_origin_and_the_last_ends_today():
    windows = date_windows(D(2026, 1, 1), D(2026, 3, 5), 30)
    assert windows == [
        (D(2026, 1, 1), D(2026, 1, 30)),
        (D(2026, 1, 31), D(2026, 3, 1)),
        (D(2026, 3, 2), D(2026, 3, 5)),
    ]


def test_a_window_keeps_its_first_day_as_days_pass():
    before = date_windows(D(2026, 1, 1), D(2026, 3, 5), 30)
    after = date_windows(D(2026, 1, 1), D(2026, 3, 9), 30)
    assert [w[0] for w in before] == [w[0] for w in after]
    assert after[-1] == (D(2026, 3, 2), D(2026, 3, 9))


def test_no_window_exceeds_the_api_cap():
    for first, last in date_windows(D(2025, 1, 1), D(2026, 1, 1), 30):
        assert (last - first).days <= 29


@pytest.mark.parametrize("days", [0, 31])
def test_window_size_outside_1_to_30_is_refused(days):
    with pytest.raises(ValueError):
        date_windows(D(2026, 1, 1), D(2026, 2, 1), days)
