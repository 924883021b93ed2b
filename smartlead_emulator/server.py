"""HTTP plumbing: the threaded server, routing, auth, rate limiting, latency and faults.

Order for an API request: auth (401/403) -> rate limit (429, not counted in the window) ->
fault draw -> latency -> the endpoint. HTTP/1.1 keep-alive with an exact Content-Length on
every answer, so clients can reuse connections; only the `reset` and `truncated` faults close
the connection on purpose.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import api, control, edits, global_analytics, lead_feeds, removals, render, seed_examples
from .dataset import Dataset
from .faults import BAD_JSON, BARE_STRING, HTML_ERROR_PAGE, HTML_PAGES, NOT_JSON
from .timeutil import fmt_now

API_PREFIX = "/api/v1"
# The bulk thread endpoint; the odd token is part of the documented path.
BULK_HISTORY = "/campaigns/{id}/message-history-for-leads/bbfbdsFGHlBr76ruhjvh6fhHL"
JSON_TYPE = "application/json; charset=utf-8"
_API_KEY_IN_URL = re.compile(r"api_key=[^&\s]*")


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    template: str
    func: Callable[..., Any]
    envelope: str | None = None  # which `--envelope` group this list belongs to
    method: str = "GET"  # a POST route's function also takes the JSON body


def _route(template: str, func: Callable[..., Any], envelope: str | None = None,
           method: str = "GET") -> Route:
    regex = re.sub(r"\\{[a-z_]+\\}", "([^/]+)", re.escape(template))
    return Route(re.compile(f"^{regex}$"), template, func, envelope, method)


# Order matters only where a literal segment could also match `{id}`: fetch-categories first.
ROUTES: tuple[Route, ...] = (
    _route("/campaigns", api.campaigns),
    # Account-wide routes of the newer reference (lead_feeds), before `/campaigns/{id}`.
    _route(lead_feeds.ACTIVITIES, lambda ds, params, *, feeds: feeds.activities(ds, params)),
    _route(lead_feeds.LEADS_ALL, lambda ds, params, *, feeds: feeds.leads_all(ds, params)),
    _route("/campaigns/{id}", api.campaign),
    _route("/campaigns/{id}/sequences", api.sequences, "mixed"),
    _route("/campaigns/{id}/leads", api.leads),
    _route("/campaigns/{id}/leads-export", api.leads_export),
    _route("/campaigns/{id}/statistics", api.statistics),
    _route("/campaigns/{id}/analytics", api.analytics),
    _route("/campaigns/{id}/analytics-by-date", api.analytics_by_date),
    _route("/campaigns/{id}/leads/{lead_id}/message-history", api.message_history),
    _route(BULK_HISTORY, api.bulk_history, method="POST"),
    _route("/campaigns/{id}/email-accounts", api.campaign_email_accounts, "ok"),
    _route("/campaigns/{id}/webhooks", api.webhooks, "ok"),
    _route("/email-accounts", api.email_accounts),
    _route("/email-accounts/{id}", api.email_account),
    _route("/email-accounts/{id}/warmup-stats", api.warmup_stats),
    _route("/leads/fetch-categories", api.categories, "ok"),
    _route("/leads", api.lead_by_email),
    _route("/leads/{lead_id}/campaigns", api.lead_campaigns),
    _route("/client", api.clients, "mixed"),
    # The account-wide analytics family and per-campaign mailbox statistics (global_analytics).
    *(_route(template, func) for template, func in global_analytics.ROUTES),
)


def find_route(path: str) -> tuple[Route | None, tuple[str, ...]]:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match:
            return route, match.groups()
    return None, ()


def wants_envelope(mode: str, group: str | None) -> bool:
    """`ok` wraps every enveloped list, `mixed` only /client and sequences, `bare` none."""
    if group is None or mode == "bare":
        return False
    return mode == "ok" or group == "mixed"


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] | None = None


def json_answer(status: int, payload: Any, headers: dict[str, str] | None = None) -> Answer:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Answer(status, body, JSON_TYPE, headers)


class Emulator:
    """Shared state of one running emulator."""

    def __init__(self, dataset: Dataset, config: control.Config) -> None:
        self.dataset = dataset
        self.config = config
        self.stats = control.Stats()
        self.examples = seed_examples.load() if config.shapes == "seed-examples" else {}


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung client never blocks shutdown
    request_queue_size = 128  # bursts of parallel connections (benchmarks) are not refused
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        super().__init__(address, Handler)
        self.emulator = emulator


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # An answer goes out as two writes (headers, then body). With Nagle's algorithm on, the
    # body waits for the client to acknowledge the headers, and a client delays that
    # acknowledgement (up to 40 ms on Linux): every answer on a kept-alive connection took
    # 44 ms, whatever its size. TCP_NODELAY sends each write at once.
    disable_nagle_algorithm = True
    server: Server

    # -- plumbing --------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.config.verbose:
            # Even a test key should not end up in logs people copy into bug reports.
            line = _API_KEY_IN_URL.sub("api_key=***", format % args)
            sys.stderr.write(f"{self.address_string()} - [{self.log_date_time_string()}] "
                             f"{line}\n")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _read_body(self) -> bytes:
        # Always drain the body so the next request on a kept-alive connection parses cleanly.
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            path = url.path
            if path == "/_emulator" or path.startswith("/_emulator/"):
                self._send(self._control(method, path.rstrip("/"), params, body))
            elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                self._api(method, path[len(API_PREFIX):].rstrip("/") or "/", params, body)
            else:
                self._send(json_answer(404, {"error": "Not found"}))
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:  # an emulator bug must surface as a 500 and a traceback, not a hang
            traceback.print_exc(file=sys.stderr)
            try:
                self._send(json_answer(500, {"error": "emulator bug, see its stderr"}))
            except Exception:  # headers may be half-sent already: just drop the connection
                self.close_connection = True

    def _send(self, answer: Answer, truncate: bool = False) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in (answer.headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if truncate:
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self._hard_close()
        else:
            self.wfile.write(answer.body)

    def _hard_close(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may already be gone
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- the Smartlead API -----------------------------------------------------------------

    def _api(self, method: str, path: str, params: dict[str, str], body: bytes = b"") -> None:
        emulator = self.server.emulator
        config = emulator.config
        route, ids = find_route(path)
        template = route.template if route else "other"
        key = params.get("api_key")
        fault: str | None = None
        if key is not None and key == config.no_access_key:
            answer = json_answer(403, {"error": "Access denied"})
        elif key is None or key != config.api_key:
            answer = json_answer(401, {"error": "Unauthorized"})
        else:
            limiter = config.limiter  # read once: POST /_emulator/config may swap it
            decision = limiter.check(key)
            if not decision.allowed:
                payload: Any = {"error": "Rate limit exceeded"}
                if limiter.send_headers:
                    payload = {"error": {"code": "RATE_LIMIT_EXCEEDED",
                                         "retry_after": decision.retry_after}}
                answer = json_answer(429, payload, decision.headers)
            else:
                fault = config.faults.draw()
                if fault is None and config.transient_empty.draw(template):
                    fault = "empty"  # a `200 {}` for a campaign or lead that exists
                answer = self._fault_answer(fault) or self._endpoint(method, route, ids, params,
                                                                     body)
                if decision.headers:
                    answer.headers = {**(answer.headers or {}), **decision.headers}
        if config.latency_ms > 0:
            time.sleep(config.latency_ms / 1000)
        if fault == "slow":
            time.sleep(config.slow_seconds)
        if fault == "reset":
            emulator.stats.record(template, None, fault)
            self._hard_close()
            return
        emulator.stats.record(template, answer.status, fault)
        self._send(answer, truncate=fault == "truncated")

    def _fault_answer(self, fault: str | None) -> Answer | None:
        if fault == "empty":
            return json_answer(200, {})
        if fault == "500":
            return json_answer(500, {"error": "Internal Server Error"})
        if fault in HTML_PAGES:
            return Answer(int(fault), HTML_PAGES[fault].encode(), "text/html; charset=utf-8")
        if fault == "badjson":
            return Answer(200, BAD_JSON, JSON_TYPE)
        if fault == "string":
            return Answer(200, BARE_STRING, JSON_TYPE)
        if fault == "notjson":
            return Answer(200, NOT_JSON, "text/plain; charset=utf-8")
        if fault == "html":
            status = self.server.emulator.config.faults.html_status()
            return Answer(status, HTML_ERROR_PAGE.encode(), "text/html; charset=utf-8")
        if fault == "reset":
            return Answer(0, b"")
        return None  # no fault, `slow` and `truncated` answer the real response

    def _endpoint(self, method: str, route: Route | None, ids: tuple[str, ...],
                  params: dict[str, str], body: bytes = b"") -> Answer:
        emulator = self.server.emulator
        if route is not None and route.template == BULK_HISTORY \
                and emulator.config.bulk_history == "absent":
            route = None  # `--bulk-history absent`: a server without the endpoint
        if route is None:
            return json_answer(404, {"error": "Not found"})
        if method != route.method:
            return json_answer(405, {"error": f"{method} is not supported by the emulator"})
        if emulator.examples:
            return example_answer(emulator.examples, route.template, params)
        dataset = emulator.dataset
        try:
            extra: dict[str, Any] = {}
            if route.method == "POST":
                try:
                    extra["body"] = json.loads(body or b"null")
                except ValueError:
                    return json_answer(400, {"error": "the body is not valid JSON"})
                extra.update(form=emulator.config.bulk_history,
                             cap=emulator.config.bulk_history_cap)
            if route.template in (lead_feeds.ACTIVITIES, lead_feeds.LEADS_ALL):
                extra["feeds"] = emulator.config.feeds
            with dataset.lock:
                payload = route.func(dataset, params, *ids, **extra)
        except api.ApiError as err:
            return json_answer(err.status, {"error": err.message})
        except api.Vanished as gone:
            if gone.answer == "empty-object":
                return json_answer(200, {})
            if gone.answer == "empty-body":
                return Answer(200, b"", JSON_TYPE)
            return json_answer(404, {"error": api.CAMPAIGN_NOT_FOUND})
        if route.template == BULK_HISTORY:
            threads = payload.get("data", payload)
            emulator.stats.bulk_threads(len(threads))
        if isinstance(payload, api.Raw):
            return Answer(200, payload.body, payload.content_type)
        if wants_envelope(emulator.config.envelope, route.envelope):
            payload = {"ok": True, "data": payload}
        return json_answer(200, payload)

    # -- the control API -------------------------------------------------------------------

    def _control(self, method: str, path: str, params: dict[str, str], body: bytes) -> Answer:
        emulator = self.server.emulator
        config = emulator.config
        dataset = emulator.dataset
        action = (method, path)
        if action == ("GET", "/_emulator/stats"):
            return json_answer(200, emulator.stats.snapshot(config.limiter.max_in_window))
        if action == ("POST", "/_emulator/stats/reset"):
            emulator.stats.reset()
            config.limiter.reset_stats()
            return json_answer(200, {"ok": True})
        if action == ("POST", "/_emulator/ratelimit/fill"):
            # Another integration of the account has just used the whole window.
            config.limiter.fill(config.api_key)
            return json_answer(200, {"ok": True})
        if action == ("POST", "/_emulator/advance"):
            try:
                days = int(params.get("days", "1"))
            except ValueError:
                days = 0
            if not 1 <= days <= 3650:
                return json_answer(400, {"error": "days must be an integer from 1 to 3650"})
            now = dataset.advance(days)
            # A day or more has passed on the emulator's clock, a few seconds on the wall's:
            # the routes' own per-minute windows are long over. (A test that runs a day's
            # sync every few seconds would otherwise wait out the 10-a-minute activities
            # route every tenth day, as no daily schedule ever does.)
            if config.feeds.route_limit is not None:
                config.feeds.route_limit.clear()
            global_analytics.clear_route_limit(dataset)
            return json_answer(200, {"now": fmt_now(now)})
        deletion = _CAMPAIGN_DELETE.match(path)
        if method == "POST" and deletion:
            try:
                campaign = dataset.delete_campaign(
                    int(deletion.group(1)), params.get("answer") or "404")
            except ValueError as err:
                return json_answer(400, {"error": str(err)})
            except KeyError:
                return json_answer(404, {"error": f"no campaign {deletion.group(1)} to delete"})
            return json_answer(200, {"deleted": campaign.id, "answer": campaign.vanish_answer})
        removal = removals.ROUTE.match(path)
        if method == "POST" and removal:
            try:
                removed = removals.remove_child(
                    dataset, int(removal.group(1)), removal.group(2), int(removal.group(3)))
            except KeyError:
                return json_answer(404, {"error": f"nothing to delete at {path}"})
            return json_answer(200, removed)
        moving = removals.CATEGORY_ROUTE.match(path)
        if method == "POST" and moving:
            return json_answer(200, removals.recategorise(
                dataset, int(moving.group(1)), int(moving.group(2))))
        if action == ("GET", "/_emulator/dataset") and emulator.examples:
            return json_answer(200, {"now": fmt_now(dataset.now), "shapes": "seed-examples",
                                     "examples": emulator.examples})
        if action == ("GET", "/_emulator/dataset"):
            with dataset.lock:
                return json_answer(200, control.dump(dataset))
        if action == ("GET", "/_emulator/analytics"):
            try:
                with dataset.lock:
                    return json_answer(200, global_analytics.truth(dataset, params))
            except api.ApiError as err:
                return json_answer(err.status, {"error": err.message})
        if action == ("POST", "/_emulator/edit"):
            return _hand_edit(dataset, body)
        if action == ("GET", "/_emulator/config"):
            return json_answer(200, config.as_dict())
        if action == ("POST", "/_emulator/config"):
            try:
                changes = json.loads(body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("the body must be a JSON object")
                config.apply(changes)
            except (ValueError, TypeError) as err:
                return json_answer(400, {"error": str(err)})
            return json_answer(200, config.as_dict())
        return json_answer(404, {"error": f"no control endpoint {method} {path}"})


def _hand_edit(dataset: Dataset, body: bytes) -> Answer:
    """``POST /_emulator/edit``: a change made by hand, without an email (edits.py)."""
    try:
        edit = json.loads(body or b"{}")
        if not isinstance(edit, dict):
            raise edits.EditError("the body must be a JSON object")
        return json_answer(200, edits.apply_edit(dataset, edit))
    except (ValueError, TypeError) as err:  # EditError is a ValueError
        return json_answer(400, {"error": str(err)})


_CAMPAIGN_DELETE = re.compile(r"^/_emulator/campaigns/(\d+)/delete$")


# Paged endpoints: their example is page one; later pages are empty, so a client that pages
# on does not loop over the same example rows forever.
_PAGED = {"/campaigns/{id}/leads": "data", "/campaigns/{id}/statistics": "data",
          "/email-accounts": None}


def example_answer(examples: dict[str, Any], template: str, params: dict[str, str]) -> Answer:
    """`--shapes seed-examples`: the seed's example for this endpoint, whatever ids were asked."""
    entry = examples.get(template)
    if entry is None:  # every GET route has one today; keep the answer explicit if not
        return json_answer(404, {"error": f"the seed has no example for {template}"})
    if "columns" in entry:  # leads-export: the seed lists columns, no rows
        return Answer(200, render.csv_header(entry["columns"]), "text/csv; charset=utf-8")
    body = entry["body"]
    if template in _PAGED and params.get("offset", "0") not in ("", "0"):
        key = _PAGED[template]
        body = [] if key is None else {**body, key: []}
    return json_answer(200, body)


def make_server(host: str, port: int, emulator: Emulator) -> Server:
    return Server((host, port), emulator)
