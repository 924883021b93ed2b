"""HTTP and retries: every request of the process goes through :meth:`HttpStream.fetch`.

One shared rate limiter (inside the retry loop, so retries count against the budget too), a
short exponential backoff for server faults, an exact wait for ``Retry-After``, and error
messages that name the path but never the query string (it carries the API key).
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import backoff
import requests
from singer_sdk import RESTStream, metrics
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tap_smartlead.errors import (
    ApiRequestError,
    AuthenticationError,
    ConnectionFailedError,
    NotFoundError,
    RetriesExhaustedError,
    TransientApiError,
)
from tap_smartlead.rate_limit import ServerVerdict, parse_verdict
from tap_smartlead.redaction import redact
from tap_smartlead.run import RunContext

if TYPE_CHECKING:
    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_smartlead.progress import ProgressReporter
    from tap_smartlead.runtime import SharedRuntime


# Server faults are retried quickly: the first retry after a quarter second, well inside one
# rate-limit window, doubling to a cap. 429s wait for the limiter instead (see retry_wait).
RETRY_BASE_SECONDS = 0.25
RETRY_CAP_SECONDS = 8.0
MAX_TRIES = 8


class Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A partition whose parent vanished between listing and fetching: the live API has answered
# 404, `200 {}` and `200` with an empty body for a deleted campaign. Only the first answer of a
# partition can mean that, and only when a second ask agrees (see fetch_first_answer).
MISSING = Sentinel("MISSING")
# A later answer (a page, one lead's thread) that stayed missing however often it was asked:
# the partition is incomplete, so its bookmark must not move (see fetch_later_answer).
GAP = Sentinel("GAP")
# Asks of a later answer before it counts as a gap; waits between them as for server faults.
MISSING_TRIES = 4
# A body that did not parse as JSON (retried, never returned).
_NOT_JSON = Sentinel("NOT_JSON")


# A downloaded file stays in memory up to this size, then spills to a temporary file.
DOWNLOAD_MEMORY_BYTES = 1 << 20
DOWNLOAD_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class ApiCall:
    """One request: a path below the base URL and its query parameters (no api_key); a GET,
    or a POST with a JSON ``body`` (the read endpoints that take their input as a body).

    ``download`` calls answer a file (CSV), not JSON: see :meth:`HttpStream.fetch`.
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    download: bool = False
    # The path template the call was made from (a stream's ``path``): errors name it, not ids.
    template: str | None = None
    method: str = "GET"
    body: Any = None  # sent as JSON

    @property
    def what(self) -> str:
        """How errors name the endpoint: the method and the path template."""
        return f"{self.method} {self.template or self.path}"


class HttpStream(RESTStream[Any]):
    """A stream's requests: authentication, URLs, the shared limiter, retries, errors."""

    allow_redirects = False  # a redirect would carry the api_key to another host

    def __init__(self, tap: Tap, *args: Any, **kwargs: Any) -> None:
        super().__init__(tap, *args, **kwargs)
        # The tap this stream belongs to, kept here: the SDK keeps it only privately.
        self.tap = tap

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
        run = getattr(self.tap, "run", None)  # the SDK types the tap as a plain Tap
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
        # The SDK's signpost caps only unpartitioned streams' bookmarks; SmartleadStream caps
        # every bookmark at the run's clock instead (SmartleadStream.cap_bookmarks).
        return None

    @cached_property
    def _fetch_with_retries(self) -> Callable[[requests.PreparedRequest, Any], Any]:
        return self.request_decorator(self._fetch_once)

    @cached_property
    def _download_with_retries(self) -> Callable[[requests.PreparedRequest, Any], Any]:
        return self.request_decorator(self._download)

    def fetch(self, call: ApiCall, context: Context | None = None) -> Any:
        """Make ``call`` through the shared limiter and the retry policy; return the JSON, or
        for a ``download`` call a text file positioned at its start (or the JSON, if the API
        answered JSON instead of a file)."""
        request = self.build_prepared_request(
            method=call.method,
            url=f"{self.url_base}{call.path}",
            params=dict(call.params),
            headers=self.http_headers,
            json=call.body,
        )
        if call.download:
            return self._download_with_retries(request, context)
        return self._fetch_with_retries(request, context)

    def _fetch_or_missing(self, call: ApiCall, context: Context | None) -> Any:
        """``fetch``, or MISSING for what the API answers about a deleted parent: a 404, an
        empty object or an empty body. The live API answers those transiently too."""
        try:
            payload = self.fetch(call, context)
        except NotFoundError:
            return MISSING
        return MISSING if payload is None or payload == {} else payload

    def fetch_first_answer(self, call: ApiCall, context: Context | None = None) -> Any:
        """The first answer of a partition, or MISSING when its parent is gone: a deletion is
        only believed when a second ask answers the same."""
        payload = self._fetch_or_missing(call, context)
        if payload is not MISSING:
            return payload
        self.logger.info("%s answered as for a deleted parent; asking once more.", call.what)
        self.runtime.pause(RETRY_BASE_SECONDS)
        return self._fetch_or_missing(call, context)

    def fetch_later_answer(self, call: ApiCall, context: Context | None = None) -> Any:
        """A later answer of a partition (a page, one lead's thread), or GAP when it stayed a
        404, an empty object or an empty body for MISSING_TRIES asks. A parent that answered
        its first request exists: such an answer is transient, and asked again like a fault."""
        for attempt in range(MISSING_TRIES):
            if context is not None and self.runtime.given_up(self.name, context):
                return GAP  # this partition already lost several answers: its parent is gone
            payload = self._fetch_or_missing(call, context)
            if payload is not MISSING:
                return payload
            if attempt + 1 < MISSING_TRIES:
                wait = self.retry_wait(None, attempt)
                self.progress.retry(self.name)
                self.logger.warning(
                    "Retrying %s (attempt %d of %d) in %.2fs after: %s answered 404, an empty "
                    "object or an empty body",
                    self.name, attempt + 2, MISSING_TRIES, wait, call.what,
                )
                self.runtime.pause(wait)
        return GAP

    def _send(
        self, prepared_request: requests.PreparedRequest, *, stream: bool = False
    ) -> requests.Response:
        """One attempt through the shared limiter, however many 429s it meets on the way.

        A 429 is the server's word on the limit, not a failure: the limiter learns from it
        (Retry-After, a bare 429's probing) and holds the request until it may start again.
        This spends none of the retry budget for errors; the limiter's own budget is time
        (RateLimiter.patience_seconds without one accepted request ends the sync).
        """
        while True:
            response = self._send_once(prepared_request, stream=stream)
            if response.status_code != 429:
                return response
            try:
                payload = self._decode(response)
            except requests.RequestException:
                payload = None  # a cut 429 body: the status says enough
            self.observe_429(parse_verdict(response.status_code, response.headers, payload))
            response.close()

    def observe_429(self, verdict: ServerVerdict) -> None:
        """A 429 teaches the account's limiter (which then holds the next attempt); after too
        long without one accepted request it ends the sync."""
        self.runtime.limiter.observe(verdict)
        self.runtime.limiter.check_patience()

    def _send_once(
        self, prepared_request: requests.PreparedRequest, *, stream: bool = False
    ) -> requests.Response:
        """One request; the body is read here unless ``stream``."""
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
        self.log_request_duration(response, context)
        self.validate_response(response, payload)
        return payload

    def _fetch_once(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> Any:
        response = self._send(prepared_request)
        return self._settle(response, self._decode(response), context)

    def _download(self, prepared_request: requests.PreparedRequest, context: Context | None) -> Any:
        """Like ``_fetch_once``, for a file: streamed to a spooled temporary file so that memory
        stays flat whatever its size, and read whole inside the retry loop (a truncated body is
        retried before any of its rows is written). An error, or JSON where a file was expected
        (`{}` for a deleted campaign), is handled as ``_fetch_once`` handles it."""
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

    def log_request_duration(self, response: requests.Response, context: Context | None) -> None:
        """The SDK's ``http_request_duration`` metric line for one answered request (what the
        SDK's own request loop logs; the benchmarks count requests from these lines)."""
        tags: dict[str, Any] = {
            metrics.Tag.STREAM: self.name,
            metrics.Tag.ENDPOINT: self.path or "",
            metrics.Tag.HTTP_STATUS_CODE: response.status_code,
            metrics.Tag.STATUS: (
                metrics.Status.SUCCEEDED if response.status_code < 400 else metrics.Status.FAILED
            ),
        }
        if context:
            tags[metrics.Tag.CONTEXT] = context
        metrics.log(self.metrics_logger, metrics.Point(
            "timer", metric=metrics.Metric.HTTP_REQUEST_DURATION,
            value=response.elapsed.total_seconds(), tags=tags,
        ))

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
        request = f"{response.request.method} {path}" if response.request else path
        if status == 401:
            raise AuthenticationError(
                f"{request}: Smartlead rejected the API key (401 Unauthorized{detail}). Check "
                "the api_key setting."
            )
        if status == 403:
            raise AuthenticationError(
                f"{request}: Smartlead denied access (403{detail}): this account's plan may not "
                "include API access."
            )
        if status == 404:
            raise NotFoundError(f"404 Not Found for {path}{detail}")
        # 501 Not Implemented: the server has no such endpoint; asking again changes nothing.
        if status == 429 or (status >= 500 and status != 501):
            page = " (an HTML page)" if html else ""
            raise TransientApiError(f"{status} from {path}{detail}{page}", response)
        if 300 <= status < 400:
            raise ApiRequestError(f"{status} redirect from {path}; redirects are not followed.")
        raise ApiRequestError(f"{status} from {path}{detail}", status=status)

    # --- retry policy (the SDK's backoff decorator, with our waits) -------------------------

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        # The SDK types this generator as taking no sends; backoff primes it with send(None).
        exception = yield  # type: ignore[misc]
        attempt = 0
        while True:
            exception = yield self.retry_wait(exception, attempt)
            attempt += 1

    def retry_wait(self, exception: BaseException | None, attempt: int) -> float:
        # 429s never get here: waiting on the limit is not a failed attempt (see _send).
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
        if self.runtime.gave_up.is_set():
            return  # the sync is ending: the one "Giving up" line was the last word
        # INFO: a retry is routine; the warning is the giving-up, once.
        request = _request_name(details.get("args", ()))
        self.logger.info(
            "Retrying %s (%sattempt %d of %d) in %.2fs after: %s",
            self.name,
            f"{request}, " if request else "",
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
                self.runtime.gave_up.set()
                request = _request_name(args)
                what = f"{request} (stream {self.name})" if request else self.name
                raise RetriesExhaustedError(
                    f"Giving up on {what} after {MAX_TRIES} attempts; last error: "
                    f"{redact(exc)}"
                ) from None

        return with_final_message


def _request_name(args: Any) -> str | None:
    """``GET /campaigns`` for the request among a decorated call's arguments (path only: the
    query string holds the api key)."""
    for arg in args or ():
        if isinstance(arg, requests.PreparedRequest) and arg.url:
            return f"{arg.method} {requests.utils.urlparse(arg.url).path}"
    return None


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
