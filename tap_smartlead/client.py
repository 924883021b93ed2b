"""The base stream: authentication, URLs, the shared limiter, retries, errors, response shapes.

Every request of the process goes through :meth:`SmartleadStream.fetch`: one shared rate limiter
(inside the retry loop, so retries count against the budget too), a short exponential backoff for
server faults, an exact wait for ``Retry-After``, and error messages that name the path but never
the query string (it carries the API key).

Per-campaign and per-mailbox streams are partitioned: the SDK syncs one partition at a time and
keeps one bookmark per partition, while this class prefetches the next partitions' first requests
on the worker pool so that the rate limit, not the network latency, bounds the sync.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import backoff
import requests
from singer_sdk import RESTStream
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tap_smartlead.coercion import coerce_object
from tap_smartlead.credentials import scrub_credentials
from tap_smartlead.errors import (
    ApiRequestError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    NotFoundError,
    RetriesExhaustedError,
    TransientApiError,
    UnexpectedResponseError,
)
from tap_smartlead.fanout import ordered_map
from tap_smartlead.rate_limit import parse_verdict
from tap_smartlead.redaction import redact
from tap_smartlead.run import RunContext
from tap_smartlead.schemas import EXTRA_FIELDS

if TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk.helpers.types import Context

    from tap_smartlead.progress import ProgressReporter
    from tap_smartlead.runtime import SharedRuntime

_S = TypeVar("_S", bound="SmartleadStream")

# Server faults are retried quickly: the first retry after a quarter second, well inside one
# rate-limit window, doubling to a cap. 429s wait for the limiter instead (see retry_wait).
RETRY_BASE_SECONDS = 0.25
RETRY_CAP_SECONDS = 8.0
MAX_TRIES = 8
# Requests queued per worker ahead of the record writer (see SmartleadStream.window).
WINDOW_PER_WORKER = 4


class Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A partition whose parent vanished between listing and fetching: the live API has answered
# 404, `200 {}` and `200` with an empty body for a deleted campaign.
MISSING = Sentinel("MISSING")
# A body that did not parse as JSON (retried, never returned).
_NOT_JSON = Sentinel("NOT_JSON")


# A downloaded file stays in memory up to this size, then spills to a temporary file.
DOWNLOAD_MEMORY_BYTES = 1 << 20
DOWNLOAD_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class ApiCall:
    """One GET request: a path below the base URL and its query parameters (no api_key).

    ``download`` calls answer a file (CSV), not JSON: see :meth:`SmartleadStream.fetch`.
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    download: bool = False
    # The path template the call was made from (a stream's ``path``): errors name it, not ids.
    template: str | None = None

    @property
    def what(self) -> str:
        """How errors name the endpoint: ``GET`` and the path template."""
        return f"GET {self.template or self.path}"


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


class SmartleadStream(RESTStream[Any]):
    """Base class of every Smartlead stream."""

    # "campaign" or "email_account": one partition (and bookmark) per parent.
    partition_kind: ClassVar[str | None] = None
    # Other spellings of a declared top-level field (the seed's, or a write form): a row that
    # lacks the declared name gets the alias's value under it.
    field_aliases: ClassVar[Mapping[str, str]] = {}
    allow_redirects = False  # a redirect would carry the api_key to another host
    # Requests of this stream in flight at once (default: max_concurrency). Streams with large
    # answers set fewer, so that memory does not grow with the account.
    max_in_flight: ClassVar[int | None] = None
    # Incremental per-campaign streams keep, next to each bookmark, the activity fingerprint its
    # records were read under, so that an unchanged campaign is skipped (tap_smartlead/activity).
    tracks_activity: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._partition_finished = False
        self._prefetch: Iterator[tuple[dict, Any]] | None = None
        self._declared = frozenset(self.schema.get("properties", {}))
        self._extra_names: set[str] = set()

    # --- HTTP -------------------------------------------------------------------------------

    @property
    @override
    def url_base(self) -> str:
        return str(self.config["base_url"]).rstrip("/")

    @cached_property
    @override
    def authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(key="api_key", value=self.config["api_key"], location="params")

    @property
    def run(self) -> RunContext:
        """What this stream reads from its run: settings as values, parents' ids, shared state."""
        run = getattr(self._tap, "run", None)  # the SDK types the tap as a plain Tap
        if not isinstance(run, RunContext):
            raise TypeError(f"{self.name} belongs to a tap without a RunContext")
        return run

    def call(
        self,
        context: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        template: str | None = None,
        *,
        download: bool = False,
    ) -> ApiCall:
        """A GET of this stream's ``path`` (or ``template``) with the context's ids filled in:
        ``path`` is the one place a stream's endpoint is spelled."""
        template = template or self.path
        return ApiCall(
            template.format(**(context or {})), params or {}, download=download, template=template
        )

    @property
    def what(self) -> str:
        """How errors name this stream's endpoint: ``GET`` and its path template."""
        return f"GET {self.path}"

    @property
    def runtime(self) -> SharedRuntime:
        return self.run.runtime

    @property
    def progress(self) -> ProgressReporter:
        return self.run.progress

    def sibling(self, kind: type[_S]) -> _S:
        """Another stream of the same tap, by class (two streams share one endpoint's answers)."""
        stream = self._tap.streams[kind.name]
        assert isinstance(stream, kind)
        return stream

    @property
    @override
    def requests_session(self) -> requests.Session:
        return self.runtime.session

    @property
    @override
    def timeout(self) -> float:
        # float(): the SDK reads JSON numbers as Decimal, which urllib3 refuses as a timeout.
        return float(self.config["request_timeout_seconds"])

    @override
    def get_replication_key_signpost(self, context: Context | None = None) -> None:
        # Bookmarks are the server's own timestamps. The SDK's default signpost caps them at this
        # machine's clock, which only makes every run re-read when the server's clock is ahead
        # (as the emulator's is after `advance`); the filters' overlap covers the other way.
        return None

    @cached_property
    def _fetch_with_retries(self) -> Callable[[requests.PreparedRequest, Any], Any]:
        return self.request_decorator(self._request)

    @cached_property
    def _download_with_retries(self) -> Callable[[requests.PreparedRequest, Any], Any]:
        return self.request_decorator(self._download)

    def fetch(self, call: ApiCall, context: Context | None = None) -> Any:
        """GET ``call`` through the shared limiter and the retry policy; return the JSON, or
        for a ``download`` call a text file positioned at its start (or the JSON, if the API
        answered JSON instead of a file)."""
        request = self.build_prepared_request(
            method="GET",
            url=f"{self.url_base}{call.path}",
            params=dict(call.params),
            headers=self.http_headers,
        )
        if call.download:
            return self._download_with_retries(request, context)
        return self._fetch_with_retries(request, context)

    def fetch_unless_missing(self, call: ApiCall, context: Context | None = None) -> Any:
        """``fetch``, or MISSING for what the API answers about a deleted parent: a 404, an
        empty object or an empty body (no endpoint of a live parent answers those)."""
        try:
            payload = self.fetch(call, context)
        except NotFoundError:
            return MISSING
        return MISSING if payload is None or payload == {} else payload

    def _send(
        self, prepared_request: requests.PreparedRequest, *, stream: bool = False
    ) -> requests.Response:
        """One attempt through the shared limiter; the body is read here unless ``stream``."""
        authenticated = self.authenticator(prepared_request)
        self.runtime.limiter.acquire()
        try:
            response = self.requests_session.send(
                authenticated, timeout=self.timeout, allow_redirects=self.allow_redirects,
                stream=stream,
            )
            if not stream:
                _ = response.content  # a truncated body raises here, inside the retry loop
        except requests.RequestException as exc:
            self.progress.request(self.name, None)
            raise self._connection_failed(exc) from None
        self.progress.request(self.name, response.status_code)
        return response

    def _connection_failed(self, exc: requests.RequestException) -> ConnectionFailedError:
        # `requests` messages carry the full URL, api_key included: callers raise this clean
        # one `from None`, dropping the original from the traceback chain.
        return ConnectionFailedError(self._describe_connection_error(exc))

    def _settle(self, response: requests.Response, payload: Any, context: Context | None) -> Any:
        """Tell the limiter what the server said, log the request, raise for an error."""
        self.runtime.limiter.observe(
            parse_verdict(response.status_code, response.headers, payload)
        )
        self._write_request_duration_log(
            endpoint=self.path or "", response=response, context=context, extra_tags=None
        )
        self.validate_response(response, payload)
        return payload

    @override
    def _request(self, prepared_request: requests.PreparedRequest, context: Context | None) -> Any:
        response = self._send(prepared_request)
        return self._settle(response, self._decode(response), context)

    def _download(self, prepared_request: requests.PreparedRequest, context: Context | None) -> Any:
        """Like ``_request``, for a file: streamed to a spooled temporary file so that memory
        stays flat whatever its size, and read whole inside the retry loop (a truncated body is
        retried before any of its rows is written). An error, or JSON where a file was expected
        (`{}` for a deleted campaign), is handled as ``_request`` handles it."""
        with self._send(prepared_request, stream=True) as response:
            kind = response.headers.get("Content-Type", "")
            is_file = not any(form in kind for form in ("json", "html"))
            try:
                if not (200 <= response.status_code < 300 and is_file):
                    _ = response.content
                    return self._settle(response, self._decode(response), context)
                spool = tempfile.SpooledTemporaryFile(max_size=DOWNLOAD_MEMORY_BYTES)  # noqa: SIM115
                try:
                    for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                        spool.write(chunk)
                except BaseException:
                    spool.close()
                    raise
            except requests.RequestException as exc:
                raise self._connection_failed(exc) from None
        self._settle(response, None, context)
        if spool.tell() == 0:  # not even a header row: what a deleted campaign answers
            spool.close()
            return None
        spool.seek(0)
        return io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")

    def _describe_connection_error(self, exc: requests.RequestException) -> str:
        kind = type(exc).__name__
        if isinstance(exc, requests.Timeout):
            reason = f"no answer within {self.timeout}s"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            reason = "the response body was cut short"
        else:
            reason = "could not connect or the connection was reset"
        host = self.url_base.split("//", 1)[-1].split("/", 1)[0]
        return f"{kind} for {host} ({reason})"

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            return _NOT_JSON

    @override
    def validate_response(self, response: requests.Response, payload: Any = None) -> None:
        status = response.status_code
        path = requests.utils.urlparse(response.url).path
        html = payload is _NOT_JSON and "<html" in response.text[:1000].lower()
        if 200 <= status < 300:
            if html:  # a proxy's or CDN's error page, served with a 200
                raise TransientApiError(f"{status} with an HTML page instead of JSON from {path}")
            if payload is _NOT_JSON:
                raise TransientApiError(f"{status} with a body that is not valid JSON from {path}")
            if payload is not None and not isinstance(payload, (dict, list)):
                # A bare JSON string or number: seen from the live API under load, never data.
                raise TransientApiError(f"{status} with a bare JSON {type(payload).__name__} "
                                        f"from {path}")
            return
        detail = _error_detail(payload, response)
        if status == 401:
            raise AuthenticationError(
                f"Smartlead rejected the API key (401 Unauthorized{detail}). Check the api_key "
                "setting."
            )
        if status == 403:
            raise AuthenticationError(
                f"Smartlead denied access (403{detail}): this account's plan may not include "
                "API access."
            )
        if status == 404:
            raise NotFoundError(f"404 Not Found for {path}{detail}")
        if status == 429 or status >= 500:
            page = " (an HTML page)" if html else ""
            raise TransientApiError(f"{status} from {path}{detail}{page}", response)
        if 300 <= status < 400:
            raise ApiRequestError(f"{status} redirect from {path}; redirects are not followed.")
        raise ApiRequestError(f"{status} from {path}{detail}")

    # --- retry policy (the SDK's backoff decorator, with our waits) -------------------------

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        # The SDK types this generator as taking no sends; backoff primes it with send(None).
        exception = yield  # type: ignore[misc]
        attempt = 0
        while True:
            exception = yield self.retry_wait(exception, attempt)
            attempt += 1

    def retry_wait(self, exception: BaseException, attempt: int) -> float:
        response = getattr(exception, "response", None)
        if response is not None and response.status_code == 429:
            return 0.0  # the shared limiter already holds every request for Retry-After
        return min(RETRY_BASE_SECONDS * (2**attempt), RETRY_CAP_SECONDS)

    @override
    def backoff_jitter(self, value: float) -> float:
        return value  # Retry-After means exactly that long; jitter would only add waiting

    @override
    def backoff_max_tries(self) -> int:
        return MAX_TRIES

    @override
    def backoff_handler(self, details: Details) -> None:
        exception = details.get("exception")
        self.progress.retry(self.name)
        self.logger.warning(
            "Retrying %s (attempt %d of %d) in %.2fs after: %s",
            self.name,
            details.get("tries", 0) + 1,
            MAX_TRIES,
            details.get("wait") or 0.0,
            redact(exception) if exception is not None else "unknown error",
        )

    @override
    def request_decorator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # The SDK's decorator, minus backoff's own logger: backoff_handler says it once, redacted.
        retrying = backoff.on_exception(
            self.backoff_wait_generator,
            RetriableAPIError,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)

        def with_final_message(*args: Any, **kwargs: Any) -> Any:
            try:
                return retrying(*args, **kwargs)
            except RetriableAPIError as exc:
                raise RetriesExhaustedError(
                    f"Giving up on {self.name} after {MAX_TRIES} attempts; last error: "
                    f"{redact(exc)}"
                ) from None

        return with_final_message

    # --- records ----------------------------------------------------------------------------

    @override
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Credentials out (any depth), aliases resolved, values typed by the schema, and the
        fields the schema does not declare moved into ``extra_fields``."""
        self.runtime.tidy_memory()
        self.progress.record(self.name)
        row = scrub_credentials(row)
        for alias, name in self.field_aliases.items():
            if alias in row and row.get(name) is None:
                row = {**row, name: row[alias]}
                del row[alias]
        record = coerce_object(row, self.schema)
        extra = {key: record.pop(key) for key in list(record) if key not in self._declared}
        if extra:
            self._extra_names.update(extra)
            record[EXTRA_FIELDS] = {**(record.get(EXTRA_FIELDS) or {}), **extra}
        return record

    @override
    def sync(self, context: Context | None = None) -> None:
        try:
            super().sync(context)
        finally:
            if self._extra_names:
                self.logger.info(
                    "%s: kept fields the schema does not declare in %s: %s",
                    self.name,
                    EXTRA_FIELDS,
                    ", ".join(sorted(self._extra_names)),
                )
                self._extra_names.clear()

    def bookmark(self, context: Context) -> Any:
        """This partition's bookmark from the state, read when the partition's requests are
        planned (the SDK's starting value is only set once it starts writing the partition)."""
        return self.get_context_state(context).get("replication_key_value")

    def partition_calls(self, context: Context | None) -> list[ApiCall]:
        """The requests that can be made for a partition before any of them is answered."""
        raise NotImplementedError

    def partition_records(
        self, context: Context | None, answers: list[tuple[ApiCall, Any]]
    ) -> Iterable[dict[str, Any]]:
        """Records of one partition from ``partition_calls`` and their answers (may fetch more)."""
        raise NotImplementedError

    @property
    @override
    def state_partitioning_keys(self) -> list[str] | None:
        # A full-table child keeps no bookmark: one empty state entry, not one per campaign.
        return None if self.replication_key else []

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
        yield from self.emit_once(self.partition_records(context, prefetched))
        if self.tracks_activity:
            self.run.activity.mark_read(context["campaign_id"], self.get_context_state(context))
        self._partition_finished = True
        self.progress.partition_done(self.name)

    def emit_once(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Each primary key of a partition once: the live API lists some rows twice."""
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
            self.run.activity.analytics(context["campaign_id"])
        answers = []
        for call in self.partition_calls(context):
            payload = self.fetch_unless_missing(call, context)
            if payload is MISSING:
                return MISSING
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


def _error_detail(payload: Any, response: requests.Response) -> str:
    """The API's own error message, if it gave one (JSON error/message, or an HTML <pre>)."""
    message: Any = None
    if isinstance(payload, dict):
        message = payload.get("error") or payload.get("message")
        if isinstance(message, dict):
            message = message.get("message") or message.get("code")
    elif payload is _NOT_JSON and "<pre>" in response.text:
        message = response.text.split("<pre>", 1)[1].split("</pre>", 1)[0]
    if not message:
        return ""
    text = " ".join(redact(message).split())
    return f": {text[:200]}"


def describe(context: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in context.items())

