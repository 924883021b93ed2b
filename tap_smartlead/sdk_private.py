"""Everything the tap relies on beyond singer-sdk's documented hooks, in one place, each with why.

The tap overrides no method the SDK marks ``@final`` and uses no private SDK member: the
streams' hooks are ``get_records``, ``post_process``, ``get_replication_key_signpost`` (the first
hook of every ``Stream.sync``) and ``finalize_state_progress_markers`` (what ``Tap.sync_all``
calls after each stream); the tap's are its constructor, ``message_writer_class`` and its own
signal handlers. What is left, below, is what no public hook gives. Each item has a test in
tests/unit/test_sdk_private.py that fails loudly (not a silent misbehaviour) when a new SDK or
Python changes it.

SDK behaviours relied on (not promised by its documentation; pinned by those tests):

- ``Stream.sync`` calls ``get_replication_key_signpost`` before writing anything, and
  ``Tap.sync_all`` calls each stream's ``finalize_state_progress_markers`` after its
  ``sync()`` returned (not after one that raised): a stream's start and its successful end.
- The message writer receives each RECORD as a ``RecordMessage`` whose ``version`` may be set
  before it is written (:class:`VersionStampingWriter`).
- The SDK writes no ACTIVATE_VERSION of its own while ``emit_activate_version_messages`` is
  False (the tap writes one after the records, once it knows what was read).
- A partition's progress markers become its bookmark only after ``get_records`` for it ended
  (``SmartleadStream.cap_bookmarks`` runs at its end), and only for unsorted streams
  (``is_sorted = False``, every incremental stream here).

Upstream changes that would remove an item (meltano/sdk):

- ``Stream.write_activate_version(after_records=True)`` or a ``Stream.activate_version()`` hook
  returning the version or None once the records are written, so a stream decides its
  ACTIVATE_VERSION after reading, and a public ``Stream.table_version`` for its records:
  would replace :class:`VersionStampingWriter`.
- A ``Stream.bookmark_value(record)`` hook (or a cap on the signpost that reaches partitions):
  would replace ``cap_bookmarks``.
- A ``Tap.on_termination(signum)`` hook (with a documented exit code), and a ``Stream.
  on_sync_start``/``on_sync_end`` pair: would replace the tap's signal handlers and the use of
  the signpost and finalize hooks as the start and end of a stream's sync.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from typing import Any

from singer_sdk.io_base import SingerWriter
from singer_sdk.singerlib import Message, RecordMessage, StateMessage
from singer_sdk.singerlib.json import serialize_json
from typing_extensions import override

from tap_smartlead.tombstones import DELETED_AT


class VersionStampingWriter(SingerWriter):
    """The tap's message writer: every RECORD of a stream that may end with ACTIVATE_VERSION
    carries the table version it would activate, except a tombstone.

    Why the writer: the SDK sets a record's version from a private member, and only for
    streams that announce the version *before* their records (``emit_activate_version_messages``
    True); a target then drops the rows a sync that stops half-way did not re-send. The tap
    announces it after the records, so it stamps them here.

    A tombstone carries no version: a target's version swap removes it with the rest of the
    old version (hard delete), so it never outlives a complete sync.
    """

    def __init__(self) -> None:
        super().__init__()
        # Stream (as written, after stream maps) -> the table version its records carry.
        self.versions: dict[str, int] = {}

    @override
    def write_message(self, message: Any) -> None:
        if isinstance(message, RecordMessage) and message.stream in self.versions:
            tombstone = message.record.get(DELETED_AT) is not None
            message.version = None if tombstone else self.versions[message.stream]
        super().write_message(message)

    @override
    def serialize_message(self, message: Message) -> str:
        """A RECORD or STATE line without ``dataclasses.asdict``: the same JSON, uncopied.

        Why: the SDK's ``Message.to_dict`` is ``asdict``, which copies every nested dict and
        list of the message before the encoder reads it. The SDK writes the whole state after
        every partition, so on an account of hundreds of campaigns (a state entry per campaign
        and stream) that copy grows with the account on every partition: half of a daily
        run's own time on a small account. The top-level fields without None, as ``to_dict``
        drops them, is all the copy produced (nested values keep their Nones there too).
        """
        if isinstance(message, (RecordMessage, StateMessage)):
            return serialize_json({
                field.name: value for field in dataclasses.fields(message)
                if (value := getattr(message, field.name)) is not None
            })
        return super().serialize_message(message)


# --- process-wide hooks (Python's, not the SDK's) ------------------------------------------


def install_record_factory(wrap: Callable[[Callable[..., logging.LogRecord]], Any]) -> None:
    """Wrap the process's log record factory (tap_smartlead/redaction.py).

    Why process-wide: secrets must be masked in every log line whoever logs it (the SDK,
    requests, backoff) and whatever handler writes it, including handlers a user configures
    with SINGER_SDK_LOG_CONFIG after the tap started; a filter on today's handlers would miss
    those. ``wrap`` takes the current factory and returns the new one.
    """
    logging.setLogRecordFactory(wrap(logging.getLogRecordFactory()))


def exit_now(code: int) -> None:
    """End the process at once with ``code``, without joining threads.

    Why not ``sys.exit``: at exit Python joins every worker thread, and a worker may be in a
    request (up to request_timeout_seconds) or waiting out a Retry-After for minutes; a failed
    or interrupted sync must end now. The caller has flushed stdout and stderr.
    """
    os._exit(code)
