"""Explicit deletions: a record that says a row is gone, for the rows a complete answer no
longer holds, within the scope this run read.

A version swap (ACTIVATE_VERSION) removes every row a sync did not send, which is only right
when the sync read the whole table; a run narrowed by ``client_id`` or ``campaign_ids``, or one
that met an odd answer, must not send one (tap_smartlead/client.py). Tombstones work in any
scope and with any upserting target: a stream keeps in its state the keys it last emitted per
scope (a campaign, a day), and when this run reads a complete answer for that scope and a key
is gone, it emits the key again with ``_sdc_deleted_at`` set to the run's time. SDK-based
targets (target-postgres) and target-duckdb (``add_metadata_columns``) carry a record's own
``_sdc_deleted_at`` into that column; the dbt staging drops rows where it is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from singer_sdk import typing as th

# The column every loader reads a deletion from (the Singer convention).
DELETED_AT = "_sdc_deleted_at"
# Where a stream's state keeps the keys it last emitted, per scope.
EMITTED_KEYS = "emitted_keys"

DELETED_AT_PROPERTY = th.Property(
    DELETED_AT,
    th.DateTimeType,
    description="Set on a record that says its key is gone: the API's complete answer for its "
    "scope (a campaign's list, a day) no longer holds it. Null on every other record.",
)

Key = tuple[Any, ...]


def gone_keys(before: Iterable[Sequence[Any]], now: Iterable[Key]) -> list[Key]:
    """Keys emitted last time for a scope that this run's complete answer no longer holds, in
    the order they were kept."""
    present = {tuple(str(v) for v in key) for key in now}
    return [tuple(key) for key in before if tuple(str(v) for v in key) not in present]


def tombstone(names: Sequence[str], key: Sequence[Any], deleted_at: str) -> dict[str, Any]:
    """The record that says ``key`` is gone."""
    return {**dict(zip(names, key, strict=True)), DELETED_AT: deleted_at}


def scope_keys(
    state: Mapping[str, Any], scope: str, fixed: Mapping[str, Any], names: Sequence[str]
) -> list[Key]:
    """The keys kept for ``scope``, whole again: ``fixed`` holds the key fields the scope
    itself gives (a campaign's id, a day), which are not stored with each key."""
    free = [name for name in names if name not in fixed]
    keys = []
    for item in state.get(EMITTED_KEYS, {}).get(scope, []):
        if not free:  # the scope is the whole key (one row per campaign)
            keys.append(tuple(fixed[name] for name in names))
            continue
        values = dict(zip(free, item if len(free) > 1 else [item], strict=True))
        keys.append(tuple(fixed[name] if name in fixed else values[name] for name in names))
    return keys


def keep_scope_keys(
    state: dict[str, Any], scope: str, keys: Iterable[Key] | None,
    fixed: Mapping[str, Any] | None = None, names: Sequence[str] = (),
) -> None:
    """Remember the keys of ``scope`` (None: forget the scope), without the fields ``fixed``
    by the scope: one value per key when one field is left, so the state stays small."""
    kept = state.setdefault(EMITTED_KEYS, {})
    if keys is None:
        kept.pop(scope, None)
        return
    free = [i for i, name in enumerate(names) if name not in (fixed or {})]
    kept[scope] = [key[free[0]] if len(free) == 1 else [key[i] for i in free]
                   for key in keys]
