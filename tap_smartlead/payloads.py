"""Response shapes: the lists and objects the API answers, accepted in every form it uses and
refused loudly in any other (a silent zero-row sync is worse than an error)."""

from __future__ import annotations

from typing import Any

from tap_smartlead.errors import UnexpectedResponseError


def list_payload(payload: Any, what: str, *, single_ok: bool = False) -> list[dict[str, Any]]:
    """Accept both list shapes the API uses (a bare array, ``{"ok": true, "data": [...]}``),
    and with ``single_ok`` one object where the seed prints one (a list of one).

    Anything else fails loudly: a silent zero-row sync is worse than an error.
    """
    if isinstance(payload, list):
        rows = payload
    elif isinstance(payload, dict) and isinstance(payload.get("data"), list):
        rows = payload["data"]
    elif single_ok and isinstance(payload, dict) and payload and "data" not in payload:
        rows = [payload]
    else:
        raise UnexpectedResponseError(
            f"Unexpected response shape from {what}: expected a JSON array or "
            f'{{"ok": true, "data": [...]}}, got {_shape(payload)}.'
        )
    if not all(isinstance(row, dict) for row in rows):
        raise UnexpectedResponseError(
            f"Unexpected response shape from {what}: the list holds non-object items."
        )
    return rows


def object_payload(payload: Any, what: str, *, required: str | None = None) -> dict[str, Any]:
    """A single JSON object (optionally one that must carry the key ``required``)."""
    if isinstance(payload, dict) and "data" in payload and isinstance(payload["data"], dict):
        payload = payload["data"]
    if not isinstance(payload, dict) or (required is not None and required not in payload):
        expectation = f"an object with {required!r}" if required else "a JSON object"
        raise UnexpectedResponseError(
            f"Unexpected response shape from {what}: expected {expectation}, got "
            f"{_shape(payload)}."
        )
    return payload


def _shape(payload: Any) -> str:
    if isinstance(payload, dict):
        keys = ", ".join(sorted(map(str, payload))[:6])
        return f"an object with keys [{keys}]"
    return f"a JSON {type(payload).__name__}"
