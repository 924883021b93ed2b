"""The shapes of the account-wide analytics answers, and their day labels.

The routes answer in either envelope (``{"success": true, "message": ..., "data": ...}`` in the
older reference, ``{"ok": true, "data": ...}`` in the newer one), with the list either under a
key of ``data`` (``data.day_wise_stats``) or as ``data`` itself (or as the whole answer). The
older reference labels days ``"20 Apr"``, without a year; such a label is mapped to the one day
of the requested range with that day and month (ranges are at most 30 days, so that day is
unique); ISO dates (and date-times) are read as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from tap_smartlead.errors import UnexpectedResponseError
from tap_smartlead.payloads import _shape

_MONTHS = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[\s-]+([A-Za-z]{3})[A-Za-z]*\.?\s*$")
_MONTH_DAY = re.compile(r"^\s*([A-Za-z]{3})[A-Za-z]*\.?[\s-]+(\d{1,2})\s*$")
_ISO_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")


def analytics_rows(payload: Any, keys: Sequence[str], what: str) -> list[dict[str, Any]]:
    """The rows of an analytics answer: under ``data`` then ``keys`` (one path), or ``data`` /
    the answer itself when that is the list. Anything else raises UnexpectedResponseError."""
    found: Any = payload
    if isinstance(found, dict) and "data" in found:
        found = found["data"]
    if isinstance(found, dict):
        for key in keys:
            if not isinstance(found, dict) or key not in found:
                break
            found = found[key]
    if not isinstance(found, list) or not all(isinstance(row, dict) for row in found):
        where = ".".join(("data", *keys))
        raise UnexpectedResponseError(
            f"Unexpected response shape from {what}: expected a list at {where} (or as data), "
            f"got {_shape(found)}."
        )
    return found


def day_of_label(label: Any, first: dt.date, last: dt.date, what: str) -> str:
    """The ISO date a row's day label stands for, within the requested ``first``..``last``."""
    text = str(label or "")
    iso = _ISO_DAY.match(text)
    if iso:
        return dt.date.fromisoformat(iso.group(1)).isoformat()
    parts = _DAY_MONTH.match(text)
    day, month = (parts.group(1), parts.group(2)) if parts else (None, None)
    if parts is None and (flipped := _MONTH_DAY.match(text)):
        month, day = flipped.group(1), flipped.group(2)
    number = _MONTHS.get((month or "").lower())
    if day is not None and number is not None:
        candidates = [
            first + dt.timedelta(days=n)
            for n in range((last - first).days + 1)
            if (first + dt.timedelta(days=n)).month == number
            and (first + dt.timedelta(days=n)).day == int(day)
        ]
        if len(candidates) == 1:
            return candidates[0].isoformat()
    raise UnexpectedResponseError(
        f"Unexpected day label {text[:40]!r} from {what}: not a date of the requested range "
        f"{first.isoformat()}..{last.isoformat()}."
    )
