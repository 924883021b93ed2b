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

from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE
from typing_extensions import override

from tap_smartlead.coercion import coerce_object, field_of, format_timestamp, parse_timestamp
from tap_smartlead.credentials import scrub_credentials
from tap_smartlead.errors import ConfigurationError, NotFoundError
from tap_smartlead.fanout import ordered_map
from tap_smartlead.http_client import GAP, MISSING, ApiCall, HttpStream
from tap_smartlead.runtime import describe
from tap_smartlead.schemas import EXTRA_FIELDS

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

_S = TypeVar("_S", bound="SmartleadStream")

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
    # stay as last sent): it sends no ACTIVATE_VERSION while skipping is on.
    skips_idle_campaigns: ClassVar[bool] = False
    # Partitions re-read at least once per refresh_within_days runs whatever their activity
    # (the rotation of tap_smartlead/activity.py): each keeps its runs_since_refresh.
    rotates: ClassVar[bool] = False
    # The stream's rows are the API's mailbox objects, which carry SMTP/IMAP credentials:
    # those are removed (tap_smartlead/credentials). No other stream's data is searched for
    # them: a user's custom field named "Secret Santa" is data.
    carries_mailboxes: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._partition_finished = False
        self._gaps = 0  # answers of the partition being written that stayed missing
        self._prefetch: Iterator[tuple[dict, Any]] | None = None
        self._declared = frozenset(self.schema.get("properties", {}))
        self._extra_names: set[str] = set()
        self._warned_fields: set[str] = set()

    def sibling(self, kind: type[_S]) -> _S:
        """Another stream of the same tap, by class (two streams share one endpoint's answers)."""
        stream = self._tap.streams[kind.name]
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

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        """The SDK's bookmark, never later than this run's clock: a value the API dates in the
        future (a wrong clock, a typo) stays in its record, but would otherwise hide every
        newer change until that date. (The SDK's own cap, the signpost, does not reach
        partitioned streams' bookmarks.)"""
        key = self.replication_key
        if key and latest_record.get(key) is not None:
            capped = capped_bookmark(latest_record[key], self.run.started_at)
            if capped != latest_record[key]:
                latest_record = {**latest_record, key: capped}
        super()._increment_stream_state(latest_record, context=context)

    @override
    def sync(self, context: Context | None = None) -> None:
        versioned = self._sends_activate_version
        if versioned:
            # Every record of this sync carries the table version the target will activate.
            self._stream_version = self._initialized_at // 1000
        try:
            super().sync(context)
            if versioned and self._sends_activate_version:
                # After the last record, never before: a target drops (or flags with
                # _sdc_deleted_at) the rows of older versions, so a sync that stops half-way
                # must not have announced its version.
                assert self._stream_version is not None
                self._write_activate_version_message(self._stream_version)
        finally:
            if self._extra_names:
                self.logger.info(
                    "%s: kept fields the schema does not declare in %s: %s",
                    self.name,
                    EXTRA_FIELDS,
                    ", ".join(sorted(self._extra_names)),
                )
                self._extra_names.clear()

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        # The SDK would send ACTIVATE_VERSION before the stream's records; sync() sends it
        # after them instead.
        return False

    @property
    def _sends_activate_version(self) -> bool:
        """Full-table streams announce each sync's table version, so rows the API no longer
        lists (a deleted campaign, a removed mailbox) leave the warehouse (docs/meltano.md).
        Not a stream that skips idle campaigns: their rows, not re-sent, must stay."""
        return (
            self.selected
            and self.replication_method == REPLICATION_FULL_TABLE
            and bool(self.config.get("emit_activate_version_messages", True))
            and not (self.skips_idle_campaigns and self.run.activity.enabled)
            and not self.runtime.skipped(self.name)
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
            self.progress.partitions(self.name, "campaigns", len(found))
            return found
        if self.partition_kind == "email_account":
            found = [{"email_account_id": aid} for aid in self.run.email_account_ids()]
            self.progress.partitions(self.name, "mailboxes", len(found))
            return found
        return None

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if self.partition_kind is None or context is None:
            answers = [(call, self.fetch(call, context)) for call in self.partition_calls(context)]
            yield from self.emit_once(self.partition_records(context, answers))
            return
        prefetched = self._next_prefetched(context)
        if prefetched is MISSING:
            self.runtime.report_missing(self.logger, self.name, describe(context))
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
        yield from self.emit_once(self.partition_records(context, answers))
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
                due = self.run.activity.refresh_due(state)
                self.run.activity.mark_rotation(next(iter(context.values())), state, due=due)
        self._partition_finished = True
        self.progress.partition_done(self.name)

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
        return True

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
            key = tuple(str(row.get(name)) for name in self.primary_keys or ())
            if key in seen:
                continue
            seen.add(key)
            yield row

    def _next_prefetched(self, context: Context) -> Any:
        if self._partition_finished and self.replication_key:
            self._checkpoint()
        if self._prefetch is None:
            self._prefetch = self._prefetch_partitions()
        for prefetched_context, payloads in self._prefetch:
            if prefetched_context == dict(context):
                return payloads
            break
        # Asked out of order (e.g. a single partition from the command line): fetch directly.
        self._prefetch = None
        return self._fetch_partition(dict(context))

    def _checkpoint(self) -> None:
        """Emit the state (finished partitions' bookmarks) if the last one is old enough.

        The SDK would write it only at the end of the stream; a killed sync then redoes the
        whole stream (how often: RunContext.checkpoint_due).
        """
        if self.run.checkpoint_due():
            self._write_state_message()

    def _prefetch_partitions(self) -> Iterator[tuple[dict, Any]]:
        return ordered_map(
            self.runtime.executor,
            self._fetch_partition,
            iter(self.partitions or []),
            window=self.window,
        )

    def _fetch_partition(self, context: dict) -> Any:
        if self.tracks_activity:
            # The fingerprint is taken before any of the campaign's records are read: activity
            # during the read then shows as a change on the next run, never hides behind it.
            self.run.activity.before_read(context["campaign_id"])
        answers = []
        for index, call in enumerate(self.partition_calls(context)):
            if index == 0:  # only the first answer can say the parent is gone
                payload = self.fetch_first_answer(call, context)
                if payload is MISSING:
                    return MISSING
            else:
                payload = self.fetch_later_answer(call, context)
            answers.append((call, payload))
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
