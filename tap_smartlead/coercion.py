"""Turn the API's loosely typed JSON into values that match each stream's schema.

Smartlead sends counts as strings (``"419"``), percentages as ``"100%"``, phone numbers as
numbers or strings, ``track_settings`` as a string or a list, and timestamps in several ISO 8601
forms. The schema is the single description of what each field should be; this walks it.
Timestamps are normalised to UTC ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` so that bookmarks compare
correctly as strings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

LOGGER = logging.getLogger("tap_smartlead.coercion")
_INTEGER = re.compile(r"^[+-]?\d+$")
_warned: set[tuple[str, str]] = set()


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    if declared is None and "anyOf" in schema:
        return [t for sub in schema["anyOf"] for t in _types(sub)]
    if isinstance(declared, str):
        return [declared]
    return list(declared or [])


# ISO 8601 as the API mixes it: a date, or a date and a time (``T``, ``t`` or a space between),
# seconds and a fraction optional, then ``Z``, an offset (``+00:00``, ``+0000``, ``+00``) or
# nothing (UTC). Nothing looser: pendulum's lenient parser reads "12" as the 12th of this month
# and "Mon" as next Monday.
_ISO_8601 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r" ?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?)?$"
)
_EPOCH_TEXT = re.compile(r"^\d+(?:\.\d+)?$")
# Epoch numbers: seconds from 1e8 (1973-03-03) and milliseconds from 1e11 (1973-03-03 again),
# so the two never overlap; anything smaller ("12", "2024") is not a point in time we trust.
_EPOCH_SECONDS_FROM = 1e8
_EPOCH_MILLISECONDS_FROM = 1e11
_EPOCH_MILLISECONDS_UNTIL = 1e14


def parse_timestamp(value: object) -> dt.datetime | None:
    """A timestamp in UTC, or None when ``value`` is not one of the forms the API sends:
    ISO 8601 (``Z`` or an offset, with or without a fraction, ``T`` or a space) or epoch
    seconds or milliseconds (a number or a digit string). Never raises."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    elif isinstance(value, str):
        text = value.strip()
        if _EPOCH_TEXT.match(text):
            return _from_epoch(float(text))
        parsed = _from_iso(text)
        if parsed is None:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _from_iso(text: str) -> dt.datetime | None:
    found = _ISO_8601.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = found.groups()
    tz = dt.timezone.utc
    try:
        if sign:
            offset = dt.timedelta(hours=int(off_h), minutes=int(off_m or 0))
            tz = dt.timezone(offset if sign == "+" else -offset)
        return dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]), tzinfo=tz,
        )
    except ValueError:  # month 13, hour 25, an offset of a day or more
        return None


def _from_epoch(number: float) -> dt.datetime | None:
    if not _EPOCH_SECONDS_FROM <= number < _EPOCH_MILLISECONDS_UNTIL:
        return None
    if number >= _EPOCH_MILLISECONDS_FROM:
        number /= 1000
    try:
        return dt.datetime.fromtimestamp(number, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def format_timestamp(value: dt.datetime) -> str:
    """The canonical form every emitted timestamp and every bookmark uses."""
    value = value.astimezone(dt.timezone.utc)
    return dt.datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, tzinfo=dt.timezone.utc,
    ).isoformat(timespec="microseconds")


class Unconvertible(ValueError):
    pass


def _coerce_scalar(value: Any, kind: str, fmt: str | None) -> Any:
    if kind == "integer":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            text = value.strip().replace(",", "")
            if _INTEGER.match(text):
                return int(text)
            try:
                number = float(text)
            except ValueError:
                raise Unconvertible(value) from None
            if number.is_integer():
                return int(number)
        raise Unconvertible(value)
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip().rstrip("%").replace(",", "").strip()
            try:
                number = float(text)
            except ValueError:
                raise Unconvertible(value) from None
            return int(number) if number.is_integer() else number
        raise Unconvertible(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        # CSV exports spell booleans as words or Postgres' t/f.
        text = value.strip().lower() if isinstance(value, str) else None
        if text in ("true", "false", "1", "0", "t", "f", "yes", "no"):
            return text in ("true", "1", "t", "yes")
        raise Unconvertible(value)
    if kind == "string":
        if fmt == "date-time":
            parsed = parse_timestamp(value)
            if parsed is None:
                raise Unconvertible(value)
            return format_timestamp(parsed)
        if fmt == "date":
            parsed = parse_timestamp(value)
            if parsed is None:
                raise Unconvertible(value)
            return parsed.date().isoformat()
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        if isinstance(value, bool):
            return str(value).lower()
        raise Unconvertible(value)
    raise Unconvertible(value)


_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:")


def object_from_text(text: str) -> dict[str, Any]:
    """An object the API sent as text: JSON, or the JavaScript literal the seed prints for
    ``scheduler_cron_value`` (``{ tz: 'Australia/Sydney', days: [ 1, 2 ] }``); anything else is
    kept whole as ``{"raw": text}`` rather than lost."""
    for candidate in (text, _BARE_KEY.sub(r'\1"\2":', text.replace("'", '"'))):
        try:
            parsed = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    return {"raw": text}


def coerce(
    value: Any,
    schema: Mapping[str, Any],
    *,
    where: str = "",
    rejected: dict[str, Any] | None = None,
) -> Any:
    """Return ``value`` converted to fit ``schema``. A value that does not convert becomes
    null; with ``rejected``, it is also kept there as sent, under its path (``sent_time``,
    ``lead.created_at``, ``sequence_variants[1].created_at``)."""
    if value is None:
        return None
    kinds = _types(schema)
    if not kinds:
        return value
    if "object" in kinds and isinstance(value, str) and "string" not in kinds:
        value = object_from_text(value) if value.strip() else None
        if value is None:
            return None
    if "object" in kinds and isinstance(value, Mapping):
        return coerce_object(value, schema, where=where, rejected=rejected)
    if "array" in kinds:
        if isinstance(value, str) and value.lstrip().startswith("["):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        items = value if isinstance(value, list) else [value]
        item_schema = schema.get("items") or {}
        return [
            coerce(item, item_schema, where=f"{where}[{index}]", rejected=rejected)
            for index, item in enumerate(items)
        ]
    scalar_kinds = [k for k in kinds if k not in ("null", "object", "array")]
    if isinstance(value, (dict, list)) and "string" not in scalar_kinds:
        return _unconvertible(value, where, rejected)
    for kind in scalar_kinds:
        try:
            return _coerce_scalar(value, kind, schema.get("format"))
        except Unconvertible:
            continue
    return _unconvertible(value, where, rejected)


def coerce_object(
    record: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    where: str = "",
    rejected: dict[str, Any] | None = None,
) -> dict[str, Any]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    result: dict[str, Any] = {}
    for key, value in record.items():
        sub_schema = properties.get(key)
        if sub_schema is None:
            # Unknown fields pass through: the stream moves top-level ones to `extra_fields`,
            # open nested objects keep them; a closed object (additionalProperties: false)
            # drops them here.
            if where and schema.get("additionalProperties") is False:
                continue
            result[key] = value
        else:
            path = f"{where}.{key}" if where else key
            result[key] = coerce(value, sub_schema, where=path, rejected=rejected)
    return result


_INDEX = re.compile(r"\[\d+\]")


def field_of(path: str) -> str:
    """The field a rejected value's path names, whatever list item it was in
    (``sequence_variants[1].created_at`` -> ``sequence_variants[].created_at``)."""
    return _INDEX.sub("[]", path)


def _unconvertible(value: Any, where: str, rejected: dict[str, Any] | None) -> None:
    if rejected is not None:
        rejected[where or "(record)"] = value
        return None
    key = (field_of(where), type(value).__name__)
    if key not in _warned:
        _warned.add(key)
        LOGGER.warning(
            "Field %s: could not convert a %s value to its schema type; emitting null.",
            where or "(record)",
            type(value).__name__,
        )
    return None
