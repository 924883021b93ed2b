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

import pendulum

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


def parse_timestamp(value: object) -> dt.datetime | None:
    """Parse an ISO 8601 timestamp (``Z``, offsets, milliseconds, a space separator) to UTC."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = pendulum.parse(value.strip().replace(" ", "T", 1), strict=False)
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            return None
        if not isinstance(parsed, dt.datetime):
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


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


def coerce(value: Any, schema: Mapping[str, Any], *, where: str = "") -> Any:
    """Return ``value`` converted to fit ``schema``; unconvertible values become null."""
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
        return coerce_object(value, schema, where=where)
    if "array" in kinds:
        if isinstance(value, str) and value.lstrip().startswith("["):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        items = value if isinstance(value, list) else [value]
        item_schema = schema.get("items") or {}
        return [coerce(item, item_schema, where=f"{where}[]") for item in items]
    scalar_kinds = [k for k in kinds if k not in ("null", "object", "array")]
    if isinstance(value, (dict, list)) and "string" not in scalar_kinds:
        return _unconvertible(value, where)
    for kind in scalar_kinds:
        try:
            return _coerce_scalar(value, kind, schema.get("format"))
        except Unconvertible:
            continue
    return _unconvertible(value, where)


def coerce_object(
    record: Mapping[str, Any], schema: Mapping[str, Any], *, where: str = ""
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
            result[key] = coerce(value, sub_schema, where=f"{where}.{key}" if where else key)
    return result


def _unconvertible(value: Any, where: str) -> None:
    key = (where, type(value).__name__)
    if key not in _warned:
        _warned.add(key)
        LOGGER.warning(
            "Field %s: could not convert a %s value to its schema type; emitting null.",
            where or "(record)",
            type(value).__name__,
        )
    return None
