"""tap-smartlead: settings, their validation, the stream list, and the command line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import signal
import sys
import threading
import traceback
import weakref
from collections.abc import Mapping
from functools import cached_property
from types import FrameType
from typing import Any, TypeVar
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from tap_smartlead import signals
from tap_smartlead.activity import ActivityDetector
from tap_smartlead.coercion import parse_timestamp
from tap_smartlead.descriptions import describe
from tap_smartlead.errors import SmartleadError
from tap_smartlead.http_client import ApiCall
from tap_smartlead.input_files import catalog_problems, state_problems
from tap_smartlead.progress import DEFAULT_INTERVAL_SECONDS, ProgressReporter
from tap_smartlead.rate_limit import RateLimiter
from tap_smartlead.redaction import REDACTOR, install_log_redaction, redact
from tap_smartlead.route_limits import DOCUMENTED_PER_MINUTE, route_limiter
from tap_smartlead.run import RunContext, default_start_date, ids_of
from tap_smartlead.runtime import SharedRuntime
from tap_smartlead.sdk_private import VersionStampingWriter, exit_now
from tap_smartlead.streams.account import ClientsStream, LeadCategoriesStream
from tap_smartlead.streams.analytics import (
    AccountDailyStatsBySendDateStream,
    AccountDailyStatsStream,
    CampaignDailyStatsStream,
    CampaignMailboxStatisticsStream,
    ClientDailyStatsStream,
    MailboxDailyStatsStream,
    ReplyCategoryDailyStream,
)
from tap_smartlead.streams.campaigns import (
    CampaignAnalyticsByDateStream,
    CampaignAnalyticsStream,
    CampaignEmailAccountsStream,
    CampaignSequencesStream,
    CampaignsStream,
    CampaignWebhooksStream,
)
from tap_smartlead.streams.engagement import LeadEngagementStream
from tap_smartlead.streams.leads import (
    CampaignLeadsStream,
    CampaignStatisticsStream,
    LeadMessageHistoryStream,
)
from tap_smartlead.streams.mailboxes import (
    EmailAccountDetailsStream,
    EmailAccountsStream,
    WarmupStatsStream,
    WarmupTotalsStream,
)
from tap_smartlead.windows import API_MAX_WINDOW_DAYS, window_start

DEFAULT_BASE_URL = "https://server.smartlead.ai/api/v1"
DEFAULT_START_DAYS_AGO = 90
# Measured with `scripts/bench.py --sweep` (README): at 300 ms latency 2 workers already keep
# the seed limit (5 requests/s) busy; 8 holds it up to ~1.6 s per request at no memory cost.
DEFAULT_MAX_CONCURRENCY = 8
# The warmup report shows 7 days (the server's today and the 6 before): read a mailbox within
# 6 days and the day it was last read up to (maybe partial) is still in the next report.
WARMUP_WITHIN_MAX_DAYS = 6

STREAM_TYPES: list[type[Stream]] = [
    CampaignsStream,
    CampaignSequencesStream,
    CampaignLeadsStream,
    CampaignStatisticsStream,
    CampaignAnalyticsStream,
    CampaignAnalyticsByDateStream,
    LeadMessageHistoryStream,
    LeadEngagementStream,
    EmailAccountsStream,
    EmailAccountDetailsStream,
    WarmupStatsStream,
    WarmupTotalsStream,
    LeadCategoriesStream,
    CampaignEmailAccountsStream,
    CampaignWebhooksStream,
    ClientsStream,
    # The account-wide analytics family (streams/analytics.py).
    AccountDailyStatsStream,
    AccountDailyStatsBySendDateStream,
    CampaignDailyStatsStream,
    MailboxDailyStatsStream,
    ClientDailyStatsStream,
    ReplyCategoryDailyStream,
    CampaignMailboxStatisticsStream,
]

_S = TypeVar("_S", bound=Stream)
_RUNTIMES: weakref.WeakSet[SharedRuntime] = weakref.WeakSet()
_TAPS: weakref.WeakSet[TapSmartlead] = weakref.WeakSet()


class TapSmartlead(Tap):
    """Singer tap for Smartlead.ai."""

    name = "tap-smartlead"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_key",
            th.StringType,
            required=True,
            secret=True,
            description="Smartlead API key, sent as the `api_key` query parameter.",
        ),
        th.Property(
            "start_date",
            th.StringType,
            description="Earliest activity to extract (date or date-time, ISO 8601). "
            f"Default: {DEFAULT_START_DAYS_AGO} days before today. A campaign's first sync reads "
            "statistics, messages and analytics from the first day of the analytics window that "
            "holds it (windows sit on a fixed calendar); later runs go on from their bookmarks.",
        ),
        th.Property(
            "base_url",
            th.StringType,
            default=DEFAULT_BASE_URL,
            description="Smartlead API root, ending in /api/v1 (the emulator's, "
            "http://127.0.0.1:PORT/api/v1, in tests and the demo).",
        ),
        th.Property(
            "campaign_ids",
            th.ArrayType(th.IntegerType),
            description="Only these campaigns and their children. Default: all.",
        ),
        th.Property(
            "client_id",
            th.IntegerType,
            description="Only campaigns of this client (`/campaigns?client_id=`).",
        ),
        th.Property(
            "rate_limit_requests",
            th.IntegerType(minimum=1),
            default=10,
            description="The one request budget of the whole process: at most this many "
            "requests start in any rate_limit_window_seconds. Set your plan's: Standard 60 per "
            "60 s, Pro 120 per 60 s; the default is the 10 per 2 s documented for older accounts.",
        ),
        th.Property(
            "rate_limit_window_seconds",
            th.IntegerType(minimum=1),
            default=2,
            description="Length in seconds of the sliding window of rate_limit_requests.",
        ),
        th.Property(
            "rate_limit_share",
            th.NumberType(exclusive_minimum=0, maximum=1),
            default=1.0,
            description="Share (0..1] of every request budget this tap may use: the configured "
            "one, the one it detects from bare 429s, X-RateLimit-Remaining. The rest is left to "
            "other integrations of the same account (the limit is per account).",
        ),
        th.Property(
            "analytics_window_days",
            th.IntegerType(minimum=1, maximum=API_MAX_WINDOW_DAYS),  # the API's cap
            default=30,
            description="Window size (1..30 days) for campaign_analytics_by_date.",
        ),
        th.Property(
            "request_timeout_seconds",
            # Whole seconds: Meltano 4 cannot pass a `decimal` setting set from the environment.
            th.IntegerType(minimum=1),
            default=60,
            description="Timeout of one request, in seconds.",
        ),
        th.Property(
            "statistics_lookback_days",
            th.IntegerType(minimum=0),
            default=7,
            description="Incremental campaign_statistics re-read this many days before the "
            "bookmark, so opens, clicks and replies after a send update its row.",
        ),
        th.Property(
            "incremental_overlap_minutes",
            th.IntegerType(minimum=0),
            default=60,
            description="Incremental lead and message filters start this long before the "
            "bookmark, covering clock skew and late-arriving events.",
        ),
        th.Property(
            "skip_idle_campaigns",
            th.BooleanType,
            default=True,
            description="Incremental runs skip the statistics, leads, message history, leads "
            "export and current analytics window of campaigns whose analytics counts did not "
            "move since the last run (docs/agency-scale.md says what that can hide). false: ask "
            "every campaign.",
        ),
        th.Property(
            "refresh_within_days",
            th.IntegerType(minimum=1),
            default=7,
            description="With skip_idle_campaigns, what changes without an email (a lead's "
            "category, status or custom fields, a sequence, a webhook, a campaign's or a "
            "mailbox's settings) is read again within this many daily runs: each run re-reads "
            "about 1/N of the campaigns and mailboxes, idle ones included (docs/requests.md).",
        ),
        th.Property(
            "warmup_within_days",
            th.IntegerType(minimum=1, maximum=WARMUP_WITHIN_MAX_DAYS),
            default=1,
            description="Read each mailbox's warmup report (warmup_stats, warmup_totals) at "
            "least once within this many runs and this many days (1..6), instead of on every "
            "run: each run reads about 1/N of the mailboxes. The report shows the last 7 days, "
            "so no day is lost while runs are at most 7 - N days apart (daily runs: up to 6). "
            "1: every run (docs/requests.md).",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=True,
            description="Full-table streams send ACTIVATE_VERSION after their records, so a "
            "target that honours it removes (or marks with _sdc_deleted_at) the rows the API "
            "no longer lists; only from a run that covers the whole account and read every "
            "campaign whole (never one narrowed by client_id or campaign_ids). Deletions in any "
            "scope also arrive as tombstones (docs/meltano.md). false: never.",
        ),
        th.Property(
            "max_concurrency",
            th.IntegerType(minimum=1),
            default=DEFAULT_MAX_CONCURRENCY,
            description="Requests in flight at once (all under the one rate limit); 1 is "
            "sequential.",
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="UTC",
            description="IANA time zone of the day boundary (e.g. Europe/Berlin): the days of "
            "the analytics streams, and `time_zone` of campaign_analytics_by_date.",
        ),
        th.Property(
            "analytics_lookback_days",
            th.IntegerType(minimum=0),
            default=7,
            description="Incremental runs of the daily analytics streams re-read this many "
            "days before their bookmark (replies and bounces land on earlier send days later).",
        ),
        th.Property(
            "analytics_requests_per_minute",
            th.IntegerType(minimum=1),
            description="A limit of each analytics route's own (Smartlead's API reference "
            "lists 10 per minute on some), under the account's. Default: none (each route "
            "still learns its own pace from its 429s).",
        ),
        th.Property(
            "progress_interval_seconds",
            th.IntegerType(minimum=0),
            default=DEFAULT_INTERVAL_SECONDS,
            description="Every this many seconds, log a progress line per active stream "
            "(partitions done of total, records, requests, 429s, retries, time left); 0 is off.",
        ),
    ).to_dict()

    # Writes every message; stamps full-table records with their table version
    # (tap_smartlead/sdk_private.py says why the tap's writer, not the stream, does it).
    message_writer_class = VersionStampingWriter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The SDK's own config check raises with its errors as a list (its command line logs
        # each on a line of its own, then a summary); a config problem is one line from
        # main(), naming every problem, the schema's and the ones a schema cannot express.
        validate = kwargs.get("validate_config", True)
        _drop_superseded_sdk_lines()
        try:
            super().__init__(*args, **kwargs)
        except ConfigValidationError as exc:
            problems = [readable(error) for error in exc.errors]
            raise ConfigProblem(" ".join(problems + settings_problems(self.config))) from None
        if validate:
            problems = settings_problems(self.config)
            if problems:
                raise ConfigProblem(" ".join(problems))
        _TAPS.add(self)
        self._sync_started = False
        self._streams_finished: set[str] = set()
        if threading.current_thread() is threading.main_thread():
            # In place of the SDK's handler (which writes the state and exits 0).
            signal.signal(signal.SIGINT, self.stopped_by_signal)
            signal.signal(signal.SIGTERM, self.stopped_by_signal)

    @override
    def discover_streams(self) -> list[Stream]:
        # .get: --discover does not validate the config, so api_key may be missing there.
        REDACTOR.add(self.config.get("api_key"))
        streams = [stream_type(tap=self) for stream_type in STREAM_TYPES]
        for stream in streams:  # every property described (tap_smartlead/descriptions.py)
            describe(stream.name, stream.schema)
        return streams

    @cached_property
    def runtime(self) -> SharedRuntime:
        limiter = RateLimiter(
            int(self.config["rate_limit_requests"]),
            float(self.config["rate_limit_window_seconds"]),
            share=float(self.config["rate_limit_share"]),
        )
        runtime = SharedRuntime(
            limiter=limiter,
            max_concurrency=int(self.config["max_concurrency"]),
        )
        _RUNTIMES.add(runtime)
        return runtime

    @cached_property
    def progress(self) -> ProgressReporter:
        interval = int(self.config["progress_interval_seconds"])
        return ProgressReporter(interval, emit=self.logger.info)

    def stream_starting(self, stream: Stream) -> None:
        """A stream's sync begins (SmartleadStream's first hook of it): the first one starts
        the progress lines, counting the streams this sync will run."""
        if self._sync_started:
            return
        self._sync_started = True
        self.runtime.starting()
        self.progress.expect_streams(sum(1 for s in self.streams.values() if s.selected))
        self.progress.start()

    def progress_stopped(self) -> None:
        """The sync ended in an error: its closing line says so (once)."""
        if self._sync_started:
            self.progress.finish("stopped")

    def stream_finished(self, stream: Stream) -> None:
        """A stream's sync ended well; after the last selected one, the closing line."""
        self._streams_finished.add(stream.name)
        selected = {name for name, s in self.streams.items() if s.selected}
        if self._sync_started and selected <= self._streams_finished:
            self.progress.finish("finished")

    @cached_property
    def run(self) -> RunContext:
        """What the streams read from this run (tap_smartlead/run.py)."""
        configured = parse_timestamp(self.config.get("start_date"))
        start_date = configured or default_start_date(DEFAULT_START_DAYS_AGO)
        first_day = window_start(start_date.date(), int(self.config["analytics_window_days"]))
        return RunContext(
            start_date=start_date,
            first_day=dt.datetime.combine(first_day, dt.time(), tzinfo=dt.timezone.utc),
            overlap=dt.timedelta(minutes=int(self.config["incremental_overlap_minutes"])),
            runtime=self.runtime,
            progress=self.progress,
            activity=ActivityDetector(
                self._fetch_analytics,
                enabled=bool(self.config["skip_idle_campaigns"]),
                moved_since=self._campaigns_moved_since,
                refresh_within=int(self.config["refresh_within_days"]),
                acted_since=self._campaigns_acted_since,
                leads_since=self._campaigns_with_leads_since,
                warmup_within=int(self.config["warmup_within_days"]),
            ),
            campaign_ids=lambda: ids_of(self._stream(CampaignsStream).listing()),
            email_account_ids=lambda: ids_of(self._stream(EmailAccountsStream).listing()),
            campaign_still_listed=lambda cid: self._stream(CampaignsStream).still_listed(cid),
        )

    def _fetch_analytics(self, campaign_id: Any) -> Any:
        return self._stream(CampaignAnalyticsStream).fetch_analytics(campaign_id)

    def _campaigns_moved_since(self, since: dt.date) -> set[Any] | None:
        return self._stream(CampaignDailyStatsStream).campaigns_moved_since(since)

    def _signal_fetch(self, call: ApiCall) -> Any:
        """A signal's request (tap_smartlead/signals.py) through the campaign list's stream:
        the account's limiter, the retries, and a route's own documented limit first."""
        stream = self._stream(CampaignsStream)
        limit = DOCUMENTED_PER_MINUTE.get(call.template or call.path)
        if limit:
            route_limiter(self.runtime, call.template or call.path, limit).acquire()
        return stream.fetch(call)

    def _signal_call(self, template: str, params: Mapping[str, Any]) -> ApiCall:
        return ApiCall(template, dict(params), template=template)

    def _campaigns_acted_since(self, since: dt.datetime) -> Mapping[str, dt.datetime] | None:
        until = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
        return signals.guarded(
            f"GET {signals.ACTIVITIES_PATH}", self.logger,
            lambda: signals.campaigns_with_activity(
                self._signal_fetch, self._signal_call, since, until),
        )

    def _campaigns_with_leads_since(
        self, since: dt.datetime, after_id: int | None
    ) -> tuple[Mapping[str, Any], int | None] | None:
        return signals.guarded(
            f"GET {signals.LEADS_ALL_PATH}", self.logger,
            lambda: signals.campaigns_with_new_leads(
                self._signal_fetch, self._signal_call, since, after_id),
        )

    def _stream(self, kind: type[_S]) -> _S:
        stream = self.streams[kind.name]
        assert isinstance(stream, kind)
        return stream

    def stopped_by_signal(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM or SIGINT: the state written, and the process ends at once with 128+signum.

        The SDK's handler writes the state and exits 0; an interrupted sync must not look
        successful. Nor wait: a normal exit joins every worker thread, and a worker may be in a
        request or waiting out a Retry-After for minutes. The state written holds what was
        emitted (a partition's bookmark moves only once all its records are written).

        A signal handler runs on the main thread between two of its instructions, possibly
        inside a lock: this takes none that the main thread or a worker may hold (no runtime,
        limiter or connection-pool lock, the progress lock only if free), and stops nothing:
        the process ends right after, its workers with it.
        """
        self.logger.warning("Stopped by signal %d; writing the last state.", signum)
        try:
            self.state_writer.write_state(self.state)
            self.progress.finish("stopped", wait=False)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            exit_now(128 + signum)


class ConfigProblem(SmartleadError):
    """Settings that cannot work, all named in one message (main() prints it as one line; not
    the SDK's ConfigValidationError, which its command line logs line by line)."""


def settings_problems(config: dict[str, Any]) -> list[str]:
    """Problems JSON Schema cannot express, each as one line naming the setting (types, ranges
    and defaults are the schema's: ``config_jsonschema``)."""
    problems: list[str] = []
    start = config.get("start_date")
    if start is not None:
        parsed = parse_timestamp(start) if isinstance(start, str) else None
        if parsed is None:
            problems.append(f"start_date {start!r} is not an ISO 8601 date or date-time.")
        elif parsed > dt.datetime.now(dt.timezone.utc):
            problems.append(f"start_date {start!r} is in the future.")
    zone = config.get("timezone")
    if zone is not None and not is_time_zone(zone):
        problems.append(f"timezone {zone!r} is not an IANA time zone (like Europe/Berlin).")
    base_url = config.get("base_url")  # the schema's default is in by now
    parts = urlparse(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"base_url {base_url!r} is not an http(s) URL.")
    return problems


def is_time_zone(name: object) -> bool:
    if not isinstance(name, str) or not name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# The schema validator's range messages ("0 is less than the minimum of 1 in config['x']") do
# not read as a setting's problem; these say the same, naming the setting first.
_RANGE_MESSAGES = (
    (re.compile(r"^(.+) is less than or equal to the minimum of (.+) in config\['(\w+)'\]$"),
     "{name} must be more than {bound}, got {value}."),
    (re.compile(r"^(.+) is less than the minimum of (.+) in config\['(\w+)'\]$"),
     "{name} must be at least {bound}, got {value}."),
    (re.compile(r"^(.+) is greater than the maximum of (.+) in config\['(\w+)'\]$"),
     "{name} must be at most {bound}, got {value}."),
)


def readable(error: str) -> str:
    """A schema range error reworded to name its setting first; other errors unchanged."""
    for pattern, template in _RANGE_MESSAGES:
        found = pattern.match(error)
        if found:
            value, bound, name = found.groups()
            return template.format(name=name, bound=bound, value=value)
    return error


class _SupersededSdkLines(logging.Filter):
    """Drops the SDK's "An unhandled error occurred while syncing 'X'" when the error is the
    tap's own: main() prints that error as one line naming the request that failed, while X
    is only the stream that was running (the campaign list is read for every stream, so a bad
    key or URL surfaced as an error "while syncing 'account_daily_stats'").

    Also drops the SDK's "Config validation failed" warning: --discover runs without
    validating, and its config problems are main()'s one line when a sync runs.

    Also drops the SDK's "Stream is assumed to be unsorted, progress is not resumable if
    interrupted", logged every run for the daily analytics streams: they are unsorted on
    purpose (each run re-reads the look-back days before the bookmark), their bookmark is the
    last day read, written when the stream ends, and the README's Limits say what an interrupt
    costs them (the days re-read from the previous bookmark, keyed by day: never doubled). A
    warning on every healthy run is noise that teaches users to skip warnings.
    """

    @override
    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith(("Stream is assumed to be unsorted", "Config validation failed")):
            return False
        if not message.startswith("An unhandled error occurred while syncing"):
            return True
        # Logged inside the SDK's `except`: the error being handled is the current one.
        return not isinstance(sys.exc_info()[1], SmartleadError)


def _drop_superseded_sdk_lines() -> None:
    # The handlers (the SDK's command line sets them up before the tap exists) and the tap's
    # own logger, which logs the config summary before any handler sees it.
    handlers = [*logging.getLogger().handlers, *logging.getLogger("tap-smartlead").handlers]
    for owner in [*handlers, logging.getLogger("tap-smartlead")]:
        if not any(isinstance(f, _SupersededSdkLines) for f in owner.filters):
            owner.addFilter(_SupersededSdkLines())


def close_runtimes() -> None:
    """The workers of every tap of the process stop spending the account's budget."""
    for runtime in list(_RUNTIMES):
        runtime.close()


def unreadable_input_files(argv: list[str]) -> list[str]:
    """``--config``/``--state``/``--catalog`` files that exist but are not JSON objects.

    The SDK would fail on them with a traceback that does not say which file it was reading.
    """
    problems = []
    for flag in ("--config", "--state", "--catalog"):
        for index, arg in enumerate(argv):
            path = None
            if arg == flag and index + 1 < len(argv):
                path = argv[index + 1]
            elif arg.startswith(flag + "="):
                path = arg.split("=", 1)[1]
            if not path or path == "ENV" or not os.path.isfile(path):
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    content = json.load(handle)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
                problems.append(f"{flag[2:]} file {path} is not valid JSON ({reason}).")
                continue
            if not isinstance(content, dict):
                problems.append(f"{flag[2:]} file {path} must hold a JSON object.")
            elif flag == "--state":
                problems += state_problems(path, content)
            elif flag == "--catalog":
                problems += catalog_problems(path, content, (s.name for s in STREAM_TYPES))
    return problems


def main() -> None:
    """Console entry point: the SDK's CLI, with one-line errors and nothing secret in them."""
    install_log_redaction()
    problems = unreadable_input_files(sys.argv[1:])
    if problems:
        _fail(" ".join(problems))
    try:
        TapSmartlead.cli()
    except SmartleadError as exc:
        _fail(str(exc))
    except Exception as exc:
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        _fail(f"{type(exc).__name__}: {exc}")
    finally:
        close_runtimes()


def _fail(message: str) -> None:
    # Workers stop spending the account's budget, and the sync's closing progress line comes
    # before the error line: the error is the last word.
    for tap in list(_TAPS):
        tap.progress_stopped()
    close_runtimes()
    sys.stderr.write(f"tap-smartlead: error: {redact(' '.join(message.split()))}\n")
    sys.stdout.flush()
    sys.stderr.flush()
    # Not sys.exit: it would join worker threads still in a request (up to its timeout).
    exit_now(1)
