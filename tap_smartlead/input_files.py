"""What is wrong with a ``--state`` or ``--catalog`` file that is JSON but not what Singer means.

The SDK reads these files without checking their shape and fails deep inside with an
``AttributeError`` or a ``KeyError`` that names neither the file nor the problem (or, for a
catalog without streams, syncs nothing and exits 0). Each function returns one line per
problem, naming the file and the place in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def state_problems(path: str, state: dict[str, Any]) -> list[str]:
    """Singer state: ``{"bookmarks": {stream: {..., "partitions": [{"context": {...}}]}}}``."""
    where = f"state file {path}"
    if "singer_state" in state and "bookmarks" not in state:
        return [
            f'{where} is Meltano\'s wrapper ({{"singer_state": ...}}): pass the object inside '
            '"singer_state" as the state.'
        ]
    if "bookmarks" not in state:
        return []
    bookmarks = state["bookmarks"]
    if not isinstance(bookmarks, dict):
        return [
            f'{where} is not Singer state: "bookmarks" must be an object of streams, got '
            f"{_kind(bookmarks)}."
        ]
    problems = []
    for stream, entry in bookmarks.items():
        if not isinstance(entry, dict):
            problems.append(
                f'{where} is not Singer state: bookmarks["{stream}"] must be an object, got '
                f"{_kind(entry)}."
            )
            continue
        partitions = entry.get("partitions")
        if partitions is None:
            continue
        if not isinstance(partitions, list) or not all(isinstance(p, dict) for p in partitions):
            problems.append(
                f'{where} is not Singer state: bookmarks["{stream}"]["partitions"] must be a '
                f"list of objects, got {_kind(partitions)}"
                + ("" if not isinstance(partitions, list) else " holding other values")
                + "."
            )
            continue
        for index, partition in enumerate(partitions):
            context = partition.get("context")
            if context is not None and not isinstance(context, dict):
                problems.append(
                    f'{where} is not Singer state: bookmarks["{stream}"]["partitions"][{index}]'
                    f'["context"] must be an object, got {_kind(context)}.'
                )
    return problems


def catalog_problems(path: str, catalog: dict[str, Any], known: Iterable[str]) -> list[str]:
    """A Singer catalog: ``{"streams": [{"tap_stream_id": ..., "schema": {...},
    "metadata": [...]}, ...]}`` naming streams this tap has."""
    where = f"catalog file {path}"
    streams = catalog.get("streams")
    if not isinstance(streams, list):
        found = "none" if streams is None else _kind(streams)
        return [
            f'{where} is not a Singer catalog: "streams" must be a list of streams, got {found} '
            "(tap-smartlead --discover writes one)."
        ]
    if not streams:
        return [f"{where} lists no streams, so nothing would be synced."]
    problems = []
    names = set(known)
    unknown = []
    for index, entry in enumerate(streams):
        if not isinstance(entry, dict):
            problems.append(f"{where}: streams[{index}] must be an object, got {_kind(entry)}.")
            continue
        stream_id = entry.get("tap_stream_id")
        if not isinstance(stream_id, str):
            problems.append(f'{where}: streams[{index}] has no "tap_stream_id".')
            continue
        for key, expected, kind in (("schema", dict, "an object"), ("metadata", list, "a list")):
            if key in entry and not isinstance(entry[key], expected):
                problems.append(
                    f'{where}: the "{key}" of stream {stream_id} must be {kind}, got '
                    f"{_kind(entry[key])}."
                )
        if stream_id not in names:
            unknown.append(stream_id)
    if unknown:
        problems.append(
            f"{where} names streams tap-smartlead does not have: {', '.join(unknown)} "
            f"(it has {', '.join(sorted(names))})."
        )
    return problems
