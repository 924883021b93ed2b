"""The base stream: records, partitions, prefetch and checkpoints.

Per-campaign and per-mailbox streams are partitioned: the SDK syncs one partition at a time and
keeps one bookmark per partition, while this class prefetches the next partitions' first requests
on the worker pool so that the rate limit, not the network latency, bounds the sync. Requests
are :mod:`tap_smartlead.http_client`'s; answers' shapes :mod:`tap_smartlead.payloads`'.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import ActivateVersionMessage
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE, REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_smartlead.coercion import coerce_object, field_of, format_timestamp, parse_timestamp
from tap_smartlead.credentials import scrub_credentials
from tap_smartlead.errors import ConfigurationError, NotFoundError
from tap_smartlead.fanout import ordered_map
from tap_smartlead.http_client import GAP, MISSING, ApiCall, HttpStream, Sentinel
from tap_smartlead.runtime import describe
from tap_smartlead.schemas import EXTRA_FIELDS
from tap_smartlead.sdk_private import VersionStampingWriter
from tap_smartlead.tombstones import (
    EMITTED_KEYS,
    gone_keys,
    keep_scope_keys,
    scope_keys,
    tombstone,
)

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

_S = TypeVar("_S", bound="SmartleadStream")

# The partition of a campaign deleted since the stream last read it: tombstones, no request.
GONE = Sentinel("GONE")

# Requests queued per worker ahead of the record writer (see SmartleadStream.window).
WINDOW_PER_WORKER = 4


class SmartleadStream(HttpStream):
    """Base class of every Smartlead stream."""

    # "campaign" or "email_account": one partition (and bookmark) per parent.
    partition_kind: ClassVar[str | None] = None
    # Other spellings of a declared top-level field (the seed's, or a write form): a row that
    # lacks the declared name gets the alias's value under it.
    field_aliases: ClassVar[Mapping[str, str]] = {}
    # Requests of this stream in flight at once (default: max_concurrency). Streams with large
    # answers set fewer, so that memory does not grow with the account.
    max_in_flight: ClassVar[int | None] = None
    # Incremental per-campaign streams keep, next to each bookmark, the activity fingerprint its
    # records were read under, so that an unchanged campaign is skipped (tap_smartlead/activity).
    tracks_activity: ClassVar[bool] = False
    # A full-table per-campaign stream whose incremental runs skip idle campaigns (their rows
    # stay as last sent): each skip is noted (runtime.note_skipped), and a sync that skipped
    # any partition sends no ACTIVATE_VERSION.
    skips_idle_campaigns: ClassVar[bool] = False
    # Partitions re-read at least once per refresh_within_days runs whatever their activity
    # (the rotation of tap_smartlead/activity.py): each keeps its runs_since_refresh.
    rotates: ClassVar[bool] = False
    # The stream's rows are the API's mailbox objects, which carry SMTP/IMAP credentials:
    # those are removed (tap_smartlead/credentials). No other stream's data is searched for
    # them: a user's custom field named "Secret Santa" is data.
    carries_mailboxes: ClassVar[bool] = False
    # A full-table per-campaign list whose rows can be removed from a live campaign (a webhook
    # deleted, a step removed): its state keeps each campaign's keys last emitted, and a key a
    # complete answer no longer holds gets a tombstone (tap_smartlead/tombstones.py).
    keeps_tombstones: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._partition_finished = False
        self._gaps = 0  # answers of the partition being written that stayed missing
        self._stream_gaps = 0  # rows or answers of a partition-less sync that were lost
        self._skipped_partitions: set[str] = set()  # partitions this run left out on purpose
        self._gone_ids: set[str] = set()  # campaigns deleted since this stream last read them
        self._prefetch: Iterator[tuple[dict, Any]] | None = None
        self._declared = frozenset(self.schema.get("properties", {}))
        self._extra_names: set[str] = set()
        self._warned_fields: set[str] = set()
        self._versioned = False  # this sync may end with ACTIVATE_VERSION (_sync_starting)

    def sibling(self, kind: type[_S]) -> _S:
        """Another stream of the same tap, by class (two streams share one endpoint's answers)."""
        stream = self.tap.streams[kind.name]
        assert isinstance(stream, kind)
        return stream

    # --- records ----------------------------------------------------------------------------

    @override
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Mailbox credentials out (any depth of a mailbox object), aliases resolved, values
        typed by the schema, and the fields the schema does not declare moved into
        ``extra_fields``."""
        self.runtime.tidy_memory()
        self.progress.record(self.name)
        if self.carries_mailboxes:
            row = scrub_credentials(row)
        for alias, name in self.field_aliases.items():
            if alias in row and row.get(name) is None:
                row = {**row, name: row[alias]}
                del row[alias]
        rejected: dict[str, Any] = {}
        record = coerce_object(row, self.schema, rejected=rejected)
        extra = {key: record.pop(key) for key in list(record) if key not in self._declared}
        if extra:
            self._extra_names.update(extra)
        if rejected:
            # Null in its column, kept as sent beside the record: nothing the API sent is lost.
            self._warn_unconvertible(rejected)
            extra.update(rejected)
        if extra:
            record[EXTRA_FIELDS] = {**(record.get(EXTRA_FIELDS) or {}), **extra}
        return record

    def _warn_unconvertible(self, rejected: Mapping[str, Any]) -> None:
        """One warning per field for the whole run (the values are not logged: any field can
        hold what a user typed)."""
        for path, value in rejected.items():
            name = field_of(path)
            if name in self._warned_fields:
                continue
            self._warned_fields.add(name)
            self.logger.warning(
                "%s: a %s value of %s does not fit its schema type; it is null in its column "
                "and kept as sent in %s (warned once per field).",
                self.name, type(value).__name__, name, EXTRA_FIELDS,
            )

    # --- the sync's start and end -------------------------------------------------------------

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        # The first hook of every Stream.sync (tap_smartlead/sdk_private.py): a stream's sync
        # starts (the SDK calls it with a context only for a parent's children: none here).
        if context is None:
            self._sync_starting()
        return super().get_replication_key_signpost(context)

    def _sync_starting(self) -> None:
        starting = getattr(self.tap, "stream_starting", None)
        if starting is not None:
            starting(self)
        self._versioned = self._sends_activate_version
        if self._versioned:
            # Every record of this sync carries the table version the target may activate.
            version = self.tap.initialized_at // 1000
            writer = self.tap.message_writer
            if isinstance(writer, VersionStampingWriter):
                for alias in self._aliases():
                    writer.versions[alias] = version
        elif self.selected and self.replication_method == REPLICATION_FULL_TABLE:
            self._log_no_activate_version(self._static_reason_for_no_version())

    def _aliases(self) -> list[str]:
        """The stream names its records are written under (stream maps may rename or copy)."""
        return [
            m.stream_alias for m in self.stream_maps if not isinstance(m, RemoveRecordTransform)
        ]

    @override
    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """What Tap.sync_all calls after this stream's sync() returned (not after one that
        raised): ACTIVATE_VERSION if the sync read its whole table, then the SDK's own."""
        if state:  # the SDK's per-partition use: not the end of the sync
            super().finalize_state_progress_markers(state)
            return
        if self._versioned:
            # After the last record, never before: a target drops (or flags with
            # _sdc_deleted_at) the rows of older versions, so a sync that stops half-way must
            # not have announced its version; nor one that did not read every partition whole
            # (their rows, not re-sent, would go).
            incomplete = self._incomplete_read()
            if incomplete is None:
                version = self.tap.initialized_at // 1000
                for alias in self._aliases():
                    self.tap.write_message(ActivateVersionMessage(stream=alias, version=version))
            else:
                self._log_no_activate_version(incomplete)
        if self._extra_names:
            self.logger.info(
                "%s: kept fields the schema does not declare in %s: %s",
                self.name,
                EXTRA_FIELDS,
                ", ".join(sorted(self._extra_names)),
            )
            self._extra_names.clear()
        self.cap_bookmarks(None, every_partition=True)
        super().finalize_state_progress_markers(state)
        finished = getattr(self.tap, "stream_finished", None)
        if finished is not None:
            finished(self)

    # --- bookmarks ------------------------------------------------------------------------------

    def cap_bookmarks(self, context: Context | None, *, every_partition: bool = False) -> None:
        """The bookmark (and the progress marker that becomes it) never later than this run's
        clock: a value the API dates in the future (a wrong clock, a typo) stays in its record,
        but would otherwise hide every newer change until that date. (The SDK's own cap, the
        signpost, does not reach partitioned streams' bookmarks.) Called when a partition's
        records end, before the SDK makes its progress marker the bookmark."""
        if not self.replication_key:
            return
        states = [self.get_context_state(context)]
        if every_partition:
            states += list(self.stream_state.get("partitions") or [])
        clock = self.run.started_at
        for state in states:
            for holder in (state, state.get("progress_markers")):
                if isinstance(holder, dict) and holder.get("replication_key_value") is not None:
                    capped = capped_bookmark(holder["replication_key_value"], clock)
                    if capped != holder["replication_key_value"]:
                        holder["replication_key_value"] = capped
                        self.state_manager.is_flushed = False

    def advance_bookmark(self, record: Mapping[str, Any], context: Context | None = None) -> None:
        """Move the bookmark as a written ``record`` would (a stream's own use: a range of days
        read whole moves it even without a row), capped like every bookmark."""
        key = self.replication_key
        if not key or self.replication_method != REPLICATION_INCREMENTAL or record.get(key) is None:
            return
        self.state_manager.increment_state(
            {**record, key: capped_bookmark(record[key], self.run.started_at)},
            context=context, replication_key=key,
        )
        self.cap_bookmarks(context)

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        # The SDK would send ACTIVATE_VERSION before the stream's records; sync() sends it
        # after them instead.
        return False

    # --- ACTIVATE_VERSION: the one place that decides it -------------------------------------
    #
    # A target that receives ACTIVATE_VERSION removes (or flags with _sdc_deleted_at) every row
    # of the table that this sync did not send. So a stream sends it only when this sync's
    # scope is the whole account and it read every partition whole: a row leaves the warehouse
    # only when a complete answer for its scope no longer holds it (docs/meltano.md).

    @property
    def _sends_activate_version(self) -> bool:
        """Whether this sync may end with ACTIVATE_VERSION, as far as is known before it
        starts (``_incomplete_read`` has the last word once it has run)."""
        return (
            self.selected
            and self.replication_method == REPLICATION_FULL_TABLE
            and self._static_reason_for_no_version() is None
        )

    @property
    def scoped_by_campaigns(self) -> bool:
        """The stream's rows belong to campaigns (``client_id`` and ``campaign_ids`` narrow
        it); the mailbox, client and category lists are the account's whatever the filter."""
        return self.partition_kind == "campaign"

    def _static_reason_for_no_version(self) -> str | None:
        if not self.config.get("emit_activate_version_messages", True):
            return "emit_activate_version_messages is off"
        if self.scoped_by_campaigns:
            if self.config.get("campaign_ids"):
                return "the run is narrowed by campaign_ids"
            if self.config.get("client_id") is not None:
                return "the run is narrowed by client_id"
        return None

    def _incomplete_read(self) -> str | None:
        """Why this sync's rows are not the whole table, or None when they are."""
        skipped = self.runtime.skipped(self.name)
        if skipped is not None:
            return f"it did not read {skipped}"
        gaps = self.runtime.gaps_of(self.name) + self._stream_gaps
        if gaps:
            return f"{gaps} answer(s) stayed missing or unreadable"
        return None

    def _log_no_activate_version(self, reason: str | None) -> None:
        if reason is None or reason.startswith("emit_activate_version_messages"):
            return  # the user asked for none: nothing to explain
        self.logger.info(
            "%s: no ACTIVATE_VERSION this run (%s): rows it did not send stay in the "
            "warehouse as they were.", self.name, reason,
        )

    def bookmark(self, context: Context) -> Any:
        """This partition's bookmark from the state, read when the partition's requests are
        planned (the SDK's starting value is only set once it starts writing the partition)."""
        return self.get_context_state(context).get("replication_key_value")

    def partition_calls(self, context: Context | None) -> list[ApiCall]:
        """The requests that can be made for a partition before any of them is answered: by
        default one, of the stream's ``path`` with the partition's ids."""
        return [self.call(context)]

    def partition_records(
        self, context: Context | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        """Records of one partition from ``partition_calls`` and their answers (may fetch more)."""
        raise NotImplementedError

    @property
    @override
    def state_partitioning_keys(self) -> list[str] | None:
        # A full-table child keeps no bookmark: one empty state entry, not one per campaign;
        # unless it skips idle campaigns, which takes each campaign's activity fingerprint.
        return None if self.replication_key or self.tracks_activity or self.rotates else []

    @property
    @override
    def partitions(self) -> list[dict] | None:
        if self.partition_kind == "campaign":
            found = [{"campaign_id": cid} for cid in self.run.campaign_ids()]
            found += [{"campaign_id": cid} for cid in self._gone_campaigns()]
            self.progress.partitions(self.name, "campaigns", len(found))
            return found
        if self.partition_kind == "email_account":
            found = [{"email_account_id": aid} for aid in self.run.email_account_ids()]
            self.progress.partitions(self.name, "mailboxes", len(found))
            return found
        return None

    def _gone_campaigns(self) -> list[Any]:
        """Campaigns whose rows this stream sent on an earlier run (their keys are in its
        state) and that the account's list no longer holds: deleted in Smartlead. Each is a
        partition of tombstones only, without a request: such a campaign is never listed again,
        so its rows would otherwise stay whenever the stream sends no version (a daily run that
        reads campaigns on the rotation)."""
        if not self.keeps_tombstones:
            return []
        listed = {str(cid) for cid in self.run.campaign_ids()}
        kept = [scope for scope in self.stream_state.get(EMITTED_KEYS) or {}
                if scope not in listed]
        campaigns = self.tap.streams["campaigns"]
        self._gone_ids = {scope for scope in kept if not campaigns.in_account(scope)}
        return [int(scope) if scope.isdigit() else scope for scope in sorted(self._gone_ids)]

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        yield from self._partition_rows(context)
        self.cap_bookmarks(context)  # before the SDK finalizes the partition's state

    def _partition_rows(self, context: Context | None) -> Iterator[dict[str, Any]]:
        if self.partition_kind is None or context is None:
            answers = [(call, self.fetch(call, context)) for call in self.partition_calls(context)]
            yield from self.emit_once(self.partition_records(context, answers))
            return
        prefetched = self._next_prefetched(context)
        if prefetched is GONE:
            yield from self._tombstones(context, [])
            self.progress.partition_done(self.name)
            return
        if prefetched is MISSING:
            listed = self.parent_still_listed(context)
            if listed is not False:
                # A `200 {}` or 404 twice for a parent the list still holds (or that is not
                # re-listed: a mailbox): nothing read, so no version; its rows must stay.
                self.runtime.note_skipped(self.name, context)
            if listed:  # the live API's odd answer, not a deletion
                self.runtime.report_still_listed(self.logger, self.name, describe(context))
            else:
                self.runtime.report_missing(self.logger, self.name, describe(context))
                if listed is False and self.keeps_tombstones:  # gone, and its rows with it
                    yield from self._tombstones(context, [])
            self.progress.partition_done(self.name)
            return
        if isinstance(prefetched, PartitionUnavailable):
            self.runtime.note_skipped(self.name, context)
            self.partition_unavailable(context, prefetched.error)
            self.progress.partition_done(self.name)
            return
        # The partition's state as it was: restored if an answer stays missing (a gap), so
        # that neither its bookmark nor its activity digest moves past rows not emitted.
        state = self.get_context_state(context)
        before = copy.deepcopy(state)
        self._gaps = 0
        answers = []
        for call, payload in prefetched:
            if payload is GAP:
                self.note_gap(context, call)
            else:
                answers.append((call, payload))
        emitted: list[tuple[Any, ...]] = []
        for row in self.emit_once(self.partition_records(context, answers)):
            if self.keeps_tombstones:
                emitted.append(self.raw_key(row))
            yield row
        if self._gaps:
            state.clear()
            state.update(before)
            self.logger.warning(
                "%s: %d answer(s) for %s stayed empty (404, `200 {}` or an empty body) however "
                "often asked; its bookmark stays where it was, so the next run reads it again.",
                self.name, self._gaps, describe(context),
            )
        else:
            if self.tracks_activity:
                self.run.activity.mark_read(context["campaign_id"], state)
            if self.rotates:
                self.mark_rotation(context, state)
        if self.keeps_tombstones and not self._gaps and not self._was_skipped(context):
            # Only a complete answer read this run can tell a row is gone: a partition left
            # out (idle, or not due in the rotation) keeps its rows and its keys.
            yield from self._tombstones(context, emitted)
        self._partition_finished = True
        self.progress.partition_done(self.name)

    def _tombstones(
        self, context: Context, emitted: list[tuple[Any, ...]]
    ) -> Iterator[dict[str, Any]]:
        """After a complete answer for ``context`` (``emitted``: its keys; none for a parent
        the list no longer holds): a tombstone for each key emitted last time and gone now."""
        scope = ",".join(str(value) for value in context.values())
        names = tuple(self.primary_keys or ())
        gone = gone_keys(scope_keys(self.stream_state, scope, context, names), emitted)
        deleted_at = format_timestamp(self.run.started_at)
        if gone:
            self.logger.info("%s: %d row(s) of %s are gone from the API; sent as deleted.",
                             self.name, len(gone), describe(context))
        for key in gone:
            yield tombstone(names, key, deleted_at)
        keep_scope_keys(self.stream_state, scope, emitted or None, context, names)
        self.state_manager.is_flushed = False

    def mark_rotation(self, context: Context, state: dict[str, Any]) -> None:
        """A partition of a ``rotates`` stream is done this run (read or skipped): its place in
        the rotation of ``refresh_within_days`` runs moves on."""
        due = self.run.activity.refresh_due(state)
        self.run.activity.mark_rotation(next(iter(context.values())), state, due=due)

    def parent_still_listed(self, context: Context) -> bool | None:
        """Whether the parent of a partition that answered as deleted is still listed: the
        campaign list is read again (once per run) to tell a deletion from an odd answer.
        None for a mailbox, which is not re-listed: taken as deleted, but its rows stay this
        run (the stream sends no version)."""
        if "campaign_id" in context:
            return self.run.campaign_still_listed(context["campaign_id"])
        return None

    def partition_unavailable(self, context: Context, error: Exception) -> None:
        """A partition whose first answer failed in a way the stream survives (its rows stay,
        the stream sends no version); streams that allow it say how they report it."""
        raise error

    def skips_partition(self, context: Context, *, refresh_only: bool) -> bool:
        """Whether this run skips the partition: not due in the rotation, and (unless the stream
        reads only on the rotation) idle. A skip is noted on the runtime (no ACTIVATE_VERSION)."""
        activity = self.run.activity
        state = self.get_context_state(context)
        if not activity.enabled or activity.refresh_due(state):
            return False
        if not refresh_only and not activity.is_idle(context["campaign_id"], state):
            return False
        self.runtime.note_skipped(self.name, context)
        self._skipped_partitions.add(describe(context))
        return True

    def _was_skipped(self, context: Context) -> bool:
        return describe(context) in self._skipped_partitions

    def note_gap(self, context: Context | None, call: ApiCall) -> None:
        """An answer of this partition stayed missing: the partition is incomplete."""
        self._gaps += 1
        if context is not None:
            self.runtime.note_gap(self.name, context)
        self.logger.info("%s: no answer from %s for %s.", self.name, call.what,
                         describe(context or {}))

    def emit_once(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Each primary key of a partition once: the live API lists some rows twice, queries
        overlap (new leads and active leads) and a listing read again repeats its rows. The one
        place rows are deduplicated."""
        seen: set[tuple[Any, ...]] = set()
        for row in rows:
            key = tuple(self._key_value(row, name) for name in self.primary_keys or ())
            names = self.primary_keys or ()
            absent = [name for name, value in zip(names, key, strict=True) if value is None]
            if absent:
                # Not deduplicated (every such row would share one key) and not written (a
                # target cannot key it): an error line, and a gap, so that no bookmark moves
                # past it and no version removes what it stood for.
                self._stream_gaps += 1
                self._gaps += 1
                self.logger.error(
                    "%s: a row without its primary-key field %s was not written (the API may "
                    "have renamed the field); the stream counts it as a gap.",
                    self.name, ", ".join(absent),
                )
                continue
            if key in seen:
                continue
            seen.add(key)
            yield row

    def _key_value(self, row: Mapping[str, Any], name: str) -> str | None:
        """A primary-key field's value as text, under its name or an alias of it."""
        value = self._raw_key_field(row, name)
        return None if value is None else str(value)

    def _raw_key_field(self, row: Mapping[str, Any], name: str) -> Any:
        value = row.get(name)
        if value is None:
            value = next((row[alias] for alias, target in self.field_aliases.items()
                          if target == name and row.get(alias) is not None), None)
        return value

    def raw_key(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """A row's primary key as the API sent it (a field under an alias found too)."""
        return tuple(self._raw_key_field(row, name) for name in self.primary_keys or ())

    def _next_prefetched(self, context: Context) -> Any:
        if self._partition_finished and self.replication_key:
            self._checkpoint()
        if self._prefetch is None:
            self._prefetch = self._prefetch_partitions()
        for (prefetched_context, plan), payloads in self._prefetch:
            if prefetched_context == dict(context):
                return self.partition_fetched(prefetched_context, plan, payloads)
            break
        # Asked out of order (e.g. a single partition from the command line): fetch directly.
        self._prefetch = None
        plan = self._plan(dict(context))
        return self.partition_fetched(dict(context), plan, self.fetch_planned(dict(context), plan))

    def _checkpoint(self) -> None:
        """Emit the state (finished partitions' bookmarks) if the last one is old enough.

        The SDK would write it only at the end of the stream; a killed sync then redoes the
        whole stream (how often: RunContext.checkpoint_due).
        """
        if self.run.checkpoint_due() and not self.state_manager.is_flushed:
            _ = self.stream_state  # the stream's entry exists in what is written
            self.tap.state_writer.write_state(self.tap_state)
            self.state_manager.is_flushed = True

    # --- a partition's requests: planned on the main thread, made on the workers --------------
    #
    # Planning reads and writes the state (bookmarks, activity marks, the rotation, skips) and
    # the streams' own bookkeeping: it runs on the main thread, which also writes the records
    # and the STATE messages, a window of partitions ahead of the one being written. The
    # workers get the planned calls and only make the requests and parse the answers
    # (fetch_planned); what a stream does with an answer beyond that, on the main thread again
    # (partition_fetched).

    def _prefetch_partitions(self) -> Iterator[tuple[tuple[dict, Any], Any]]:
        contexts: Iterator[dict] = iter(self.partitions or [])
        if self.tracks_activity:
            ahead = ordered_map(self.runtime.executor, self._analytics_ahead, contexts,
                                window=self.window)
            contexts = (context for context, _ in ahead)
        planned = ((context, self._plan(context)) for context in contexts)
        return ordered_map(
            self.runtime.executor,
            self._fetch_pair,
            planned,
            window=self.window,
        )

    def _analytics_ahead(self, context: dict) -> None:
        """On a worker, ahead of the planning: where each campaign's analytics decide whether
        it is idle (the activity detector's fallback), the campaign's analytics, which its plan
        asks for anyway (``before_read``); planning then finds them answered instead of asking
        one campaign after another. HTTP only: the detector keeps the answers (under its lock)."""
        activity = self.run.activity
        if activity.enabled and activity.in_fallback and str(context.get("campaign_id")) not in (
            self._gone_ids
        ):
            activity.analytics(context["campaign_id"])

    def _fetch_pair(self, planned: tuple[dict, Any]) -> Any:
        return self.fetch_planned(*planned)

    def _plan(self, context: dict) -> Any:
        if str(context.get("campaign_id")) in self._gone_ids:
            return GONE  # deleted in Smartlead: nothing to ask, its rows leave
        return self.plan_partition(context)

    def plan_partition(self, context: dict) -> Any:
        """The main thread's plan of a partition: its calls (``partition_calls``), or a
        ``Ready`` plan that already holds its answers."""
        if self.tracks_activity:
            # The fingerprint is taken before any of the campaign's records are read: activity
            # during the read then shows as a change on the next run, never hides behind it.
            self.run.activity.before_read(context["campaign_id"])
        return self.partition_calls(context)

    def fetch_planned(self, context: dict, plan: Any) -> Any:
        """On a worker: the planned calls' answers (or MISSING: the parent is gone). HTTP and
        parsing only; no state, no stream bookkeeping."""
        if plan is GONE:
            return GONE
        if isinstance(plan, Ready):
            return plan.answers
        answers = []
        for index, call in enumerate(plan):
            if index == 0:  # only the first answer can say the parent is gone
                payload = self.fetch_first_answer(call, context)
                if payload is MISSING:
                    return MISSING
            else:
                payload = self.fetch_later_answer(call, context)
            answers.append((call, payload))
        return answers

    def partition_fetched(self, context: dict, plan: Any, answers: Any) -> Any:
        """On the main thread, as a partition's answers come to be written: by default they
        are written as they are."""
        return answers

    @property
    def window(self) -> int:
        """Requests submitted ahead of the one whose records are being written.

        Records are written in order, so a slow request at the head would idle every worker
        once the window is full; a window of several times the workers keeps them busy through
        a timeout and a retry (only the workers' requests start; the rest wait their turn).
        """
        if self.max_in_flight is not None:
            return min(self.max_in_flight, self.runtime.max_concurrency)
        return self.runtime.max_concurrency * WINDOW_PER_WORKER

    def fan_out(
        self, func: Callable[[Any], Any], items: Iterable[Any]
    ) -> Iterator[tuple[Any, Any]]:
        """Run ``func`` over ``items`` on the worker pool; results in input order."""
        return ordered_map(self.runtime.executor, func, items, window=self.window)


class ListedOnceStream(SmartleadStream):
    """A small account-wide list fetched once per run: the stream's records, and the parents
    that per-campaign or per-mailbox streams iterate (so it is never requested twice)."""

    _listing: list[dict[str, Any]] | None = None

    def fetch_listing(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def listing(self) -> list[dict[str, Any]]:
        if self._listing is None:
            try:
                self._listing = self.fetch_listing()
            except NotFoundError:
                # The account-wide lists always exist: a 404 here means a wrong base_url.
                raise ConfigurationError(
                    f"base_url {self.url_base} answered 404 Not Found for the {self.name} list "
                    f"(GET {self.path}); a Smartlead base URL ends in /api/v1, like "
                    "https://server.smartlead.ai/api/v1."
                ) from None
        return self._listing

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        for row in self.emit_once(self.listing()):
            yield dict(row)  # the SDK adds keys to what it is given; the listing stays clean


class Ready:
    """A partition's plan that already holds its answers (another stream handed them over)."""

    def __init__(self, answers: Any) -> None:
        self.answers = answers


class PartitionUnavailable:
    """A partition's first answer that failed in a way its stream survives (an account or plan
    without the route): handed to ``SmartleadStream.partition_unavailable``, never iterated."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def capped_bookmark(value: Any, clock: dt.datetime) -> Any:
    """``value`` (a canonical timestamp or a ``YYYY-MM-DD`` day), or the run's clock in the
    same form if ``value`` is later."""
    text = str(value)
    if len(text) == 10:  # a day: analytics windows, warmup days
        today = clock.date().isoformat()
        return today if text > today else value
    parsed = parse_timestamp(text)
    if parsed is not None and parsed > clock:
        return format_timestamp(clock)
    return value
