"""Command line: `smartlead-emulator` / `python -m smartlead_emulator`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

from . import global_analytics
from .api import BULK_HISTORY_CAP, BULK_HISTORY_FORMS
from .control import SHAPES, Config
from .dataset import VANISH_ANSWERS, Dataset
from .faults import FaultInjector, TransientEmpty, parse_kinds
from .lead_feeds import ACTIVITIES_FORMS, ACTIVITIES_PER_MINUTE, LEADS_ALL_FORMS, LeadFeeds
from .ratelimit import POLICIES, RateLimiter
from .server import API_PREFIX, Emulator, make_server
from .timeutil import UTC, parse_instant


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="smartlead-emulator",
        description="A deterministic emulator of the Smartlead API (read side).",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--api-key", default="test-api-key")
    p.add_argument("--no-access-key", default="no-access-key")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--now", help="the clock at start, ISO 8601 (default: now, UTC, to the second)")
    p.add_argument("--campaigns", type=int, default=5)
    p.add_argument("--leads-per-campaign", type=int, default=200)
    p.add_argument("--mailboxes", type=int, default=8)
    p.add_argument("--clients", type=int, default=3)
    p.add_argument("--vanishing-campaigns", type=int, default=0)
    p.add_argument("--shapes", choices=SHAPES, default="live",
                   help="live: what the live API sends (default); seed: the seed document's "
                        "shapes; seed-examples: the seed's example responses verbatim")
    p.add_argument("--vanish-answer", choices=VANISH_ANSWERS,
                   help="what a deleted campaign's endpoints answer "
                        "(default: mixed in live mode, 404 otherwise)")
    p.add_argument("--vanish-after", type=int,
                   help="the newest regular campaign answers this many child requests, "
                        "then vanishes (deleted mid-sync)")
    p.add_argument("--active-campaigns", type=int, default=None,
                   help="only the first N campaigns get activity on advance (default: all)")
    p.add_argument("--envelope", choices=("bare", "ok", "mixed"),
                   help="default: bare in live mode, mixed otherwise")
    p.add_argument("--rate-limit", choices=tuple(POLICIES), default="seed")
    p.add_argument("--rate-limit-requests", type=int)
    p.add_argument("--rate-limit-window", type=float)
    p.add_argument("--bulk-history", choices=BULK_HISTORY_FORMS,
                   help="the bulk thread endpoint: live form, the reference's form, or absent "
                        "(404); default: live with --shapes live, absent otherwise (the seed "
                        "does not document it)")
    p.add_argument("--bulk-history-cap", type=int, default=BULK_HISTORY_CAP,
                   help="lead ids one bulk thread request may hold (more: 400)")
    p.add_argument("--leads-all", choices=LEADS_ALL_FORMS, default="live",
                   help="GET /leads/all: live, or absent (404)")
    p.add_argument("--leads-activities", choices=ACTIVITIES_FORMS, default="data",
                   help="GET /campaigns/all-leads-activities: data ({ok, data, hasMore}), list "
                        "(a bare list), odd ({ok: true} only) or absent (404)")
    p.add_argument("--leads-activities-per-minute", type=int, default=ACTIVITIES_PER_MINUTE,
                   help="that route's own limit (a bare 429 above it); 0: none")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--fault-kinds", default="all")
    p.add_argument("--fault-seed", type=int, default=1)
    p.add_argument("--slow-seconds", type=float, default=5.0)
    p.add_argument("--transient-empty-rate", type=float, default=0.0,
                   help="share of child answers (/campaigns/{id}/..., a lead's thread) that are "
                        "a transient `200 {}` for a campaign that exists (seeded by "
                        "--fault-seed)")
    p.add_argument("--delete-leads-mid-listing", type=int, default=0,
                   help="delete this many leads of each campaign right after the first page "
                        "of a multi-page listing of it was served (once per campaign)")
    p.add_argument("--analytics-shapes", choices=global_analytics.SHAPES, default="live",
                   help="/analytics/* answers: live (the newer reference's ok/data envelope, "
                        "ISO dates; default) or reference (the older reference's success "
                        'envelope, lists under keys, days labelled "20 Apr")')
    p.add_argument("--analytics-missing", action="store_true",
                   help="every /analytics/* route answers 404 (an account or plan without them)")
    p.add_argument("--analytics-route-limit", type=int,
                   help="each /analytics/* route accepts at most this many requests per "
                        "--analytics-route-window seconds, else a bare 429 (default: no limit)")
    p.add_argument("--analytics-route-window", type=float, default=60.0)
    p.add_argument("--quiet", action="store_true", help="no access log (the default)")
    p.add_argument("--verbose", action="store_true", help="print an access log to stderr")
    return p


def parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return parse_instant(value)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds serve_forever() in the main thread


def write_port_file(path: str, port: int) -> None:
    # Write-then-rename so a poller never reads a half-written file.
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        now = parse_now(args.now)
        kinds = parse_kinds(args.fault_kinds)
        limiter = RateLimiter(args.rate_limit, args.rate_limit_requests, args.rate_limit_window)
    except ValueError as err:
        print(f"smartlead-emulator: {err}", file=sys.stderr)
        return 2
    for name in ("fault_rate", "transient_empty_rate"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            print(f"smartlead-emulator: --{name.replace('_', '-')} must be within 0..1",
                  file=sys.stderr)
            return 2
    for name in ("campaigns", "leads_per_campaign", "mailboxes", "clients",
                 "vanishing_campaigns", "vanish_after", "delete_leads_mid_listing"):
        if (getattr(args, name) or 0) < 0:
            print(f"smartlead-emulator: --{name.replace('_', '-')} must be >= 0", file=sys.stderr)
            return 2
    if args.bulk_history_cap < 1:
        print("smartlead-emulator: --bulk-history-cap must be >= 1", file=sys.stderr)
        return 2
    if args.active_campaigns is not None and args.active_campaigns < 0:
        print("smartlead-emulator: --active-campaigns must be >= 0", file=sys.stderr)
        return 2
    if args.mailboxes < 1 and args.campaigns > 0:
        print("smartlead-emulator: campaigns need at least one mailbox", file=sys.stderr)
        return 2

    started = time.perf_counter()
    dataset = Dataset(
        seed=args.seed,
        now=now,
        campaigns=args.campaigns,
        leads_per_campaign=args.leads_per_campaign,
        mailboxes=args.mailboxes,
        clients=args.clients,
        vanishing_campaigns=args.vanishing_campaigns,
        shapes=args.shapes,
        vanish_answer=args.vanish_answer,
        vanish_after=args.vanish_after,
        active_campaigns=args.active_campaigns,
        delete_leads_mid_listing=args.delete_leads_mid_listing,
    )
    route_limit = None
    if args.analytics_route_limit is not None:
        try:
            route_limit = global_analytics.RouteLimit(
                args.analytics_route_limit, args.analytics_route_window)
        except ValueError as err:
            print(f"smartlead-emulator: {err}", file=sys.stderr)
            return 2
    global_analytics.configure(dataset, args.analytics_shapes, missing=args.analytics_missing,
                               route_limit=route_limit)
    built = time.perf_counter() - started
    config = Config(
        api_key=args.api_key,
        no_access_key=args.no_access_key,
        envelope=args.envelope or ("bare" if args.shapes == "live" else "mixed"),
        shapes=args.shapes,
        latency_ms=args.latency_ms,
        slow_seconds=args.slow_seconds,
        fault_seed=args.fault_seed,
        verbose=args.verbose and not args.quiet,
        limiter=limiter,
        bulk_history=args.bulk_history or ("live" if args.shapes == "live" else "absent"),
        bulk_history_cap=args.bulk_history_cap,
        feeds=LeadFeeds(args.leads_all, args.leads_activities, args.leads_activities_per_minute),
        faults=FaultInjector(args.fault_rate, kinds, args.fault_seed),
        transient_empty=TransientEmpty(args.transient_empty_rate, args.fault_seed),
    )
    server = make_server(args.host, args.port, Emulator(dataset, config))
    host, port = server.server_address[:2]
    signal.signal(signal.SIGTERM, _stop)
    if args.port_file:
        write_port_file(args.port_file, port)
    if args.verbose:
        leads = sum(len(c.leads) for c in dataset.campaigns)
        print(f"generated {leads} leads in {built:.2f}s", file=sys.stderr, flush=True)
    print(f"smartlead-emulator listening on http://{host}:{port}{API_PREFIX}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
