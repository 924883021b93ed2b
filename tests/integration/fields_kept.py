"""Does every field the API sent reach the tap's output, with the same value?

The API's answers are read straight from the server (plain HTTP, no tap code), rows are matched
to the tap's records by key, and every leaf value that carries something (not null, not "",
not an empty list or object) is looked up in the record: at its own path, or under
``extra_fields`` for a top-level field the schema does not declare. Values compare by meaning:
``"97%"`` equals 97, ``"30"`` equals 30, timestamps equal as instants, a CSV cell's JSON equals
the object, one value equals a list of one, an object sent as text equals the object parsed.
Credential fields must be absent, so they are not counted.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.integration.expected import instant

EXTRA = "extra_fields"
# A JavaScript object literal's bare keys (`{ tz: 'x', days: [1] }`, how the reference prints
# scheduler_cron_value), for the hand-written reading below.
BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_]\w*)\s*:")
# The credentials the emulator's mailbox objects carry (hand-written, not the tap's rule): they
# must be absent, so they are not counted. Anything else, a custom field named "Secret Santa"
# included, must arrive.
MAILBOX_CREDENTIALS = frozenset({"password", "imap_password", "oauth_refresh_token",
                                 "smtp_api_secret"})


@dataclass
class Tally:
    carried: int = 0
    kept: int = 0
    lost: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def share(self) -> float:
        return self.kept / self.carried if self.carried else 1.0


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """(path, value) of every leaf that carries a value; list items by position."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in MAILBOX_CREDENTIALS:
                continue
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    elif _has_value(value):
        yield path, value


def _lookup(record: Any, path: tuple) -> Any:
    for step in path:
        in_dict = isinstance(record, dict) and step in record
        in_list = isinstance(record, list) and isinstance(step, int) and step < len(record)
        if in_dict or in_list:
            record = record[step]
        else:
            return _MISSING
    return record


_MISSING = object()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%").replace(",", ""))
        except ValueError:
            return None
    return None


def same(sent: Any, emitted: Any) -> bool:
    if sent == emitted:
        return True
    if isinstance(sent, str) and isinstance(emitted, bool):
        return sent.strip().lower() in (("true", "t", "1") if emitted else ("false", "f", "0"))
    if isinstance(emitted, list) and len(emitted) == 1 and not isinstance(sent, list):
        return same(sent, emitted[0])  # one value where the schema has a list: a list of one
    if isinstance(sent, str) and isinstance(emitted, dict):
        return object_sent_as_text(sent) == emitted  # an object the API sent as text
    if isinstance(sent, str) and isinstance(emitted, list):
        try:
            return json.loads(sent) == emitted
        except ValueError:
            return False
    a, b = _number(sent), _number(emitted)
    if a is not None and b is not None:
        return a == b
    if isinstance(sent, str) and isinstance(emitted, str):
        t1, t2 = instant(sent), instant(emitted)
        if t1 is not None and t2 is not None:
            return t1 == t2 if len(emitted) > 10 else t1.date() == t2.date()
    if isinstance(sent, list) and isinstance(emitted, list) and len(sent) == len(emitted):
        return all(same(x, y) for x, y in zip(sent, emitted, strict=True))
    return False


# The tap's documented renames: the seed's (write-form) spelling read into the live API's.
RENAMED = {
    "client_permission": "client_permision",
    "seq_variants": "sequence_variants",
    "delay_in_days": "delayInDays",
}


# Nested figures the analytics streams flatten into the record's top level.
FLATTENED = ("email_engagement_metrics", "campaign_stats")


def tally_row(tally: Tally, sent: dict[str, Any], record: dict[str, Any]) -> None:
    for path, value in leaves(sent):
        tally.carried += 1
        flat = path[1:] if path and path[0] in FLATTENED else path
        candidates = (
            _lookup(record, path),
            _lookup(record, tuple(RENAMED.get(str(step), step) for step in path)),
            _lookup(record.get(EXTRA) or {}, path),
            _lookup(record, flat),
            _lookup(record.get(EXTRA) or {}, flat),
        )
        if any(c is not _MISSING and same(value, c) for c in candidates):
            tally.kept += 1
        else:
            tally.lost[".".join(map(str, path))] += 1


class Api:
    """Plain GETs against a server that speaks the Smartlead API."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.session = requests.Session()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.session.get(
            f"{self.base_url}{path}", params={**params, "api_key": self.api_key}, timeout=30
        )
        answer.raise_for_status()
        if "csv" in answer.headers.get("Content-Type", ""):
            return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
        return answer.json() if answer.content else None


def _rows(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return payload["data"]
    if isinstance(payload, list):
        return payload
    return [payload] if isinstance(payload, dict) and payload else []


def _paged(api: Api, path: str, limit: int) -> list[dict[str, Any]]:
    rows, offset = [], 0
    while True:
        page = _rows(api.get(path, offset=offset, limit=limit))
        rows += page
        offset += limit
        if len(page) < limit:
            return rows


def sent_rows(api: Api, records: dict[str, list[dict]]) -> Iterator[tuple[str, dict, dict]]:
    """(stream, row as the API sent it, the tap's record for it) for every row the tap wrote."""

    def index(stream: str, *names: str) -> dict[tuple, dict]:
        return {tuple(str(r.get(n)) for n in names): r for r in records.get(stream, [])}

    def match(stream: str, key: tuple, sent: dict) -> Iterator[tuple[str, dict, dict]]:
        record = indexes[stream].get(tuple(map(str, key)))
        if record is not None:
            yield stream, sent, record

    indexes = {
        "campaigns": index("campaigns", "id"),
        "campaign_sequences": index("campaign_sequences", "campaign_id", "id"),
        "campaign_email_accounts": index("campaign_email_accounts", "campaign_id", "id"),
        "campaign_webhooks": index("campaign_webhooks", "campaign_id", "id"),
        "campaign_analytics": index("campaign_analytics", "campaign_id"),
        "campaign_leads": index("campaign_leads", "campaign_id", "campaign_lead_map_id"),
        "campaign_statistics": index("campaign_statistics", "campaign_id", "stats_id"),
        "lead_message_history": index(
            "lead_message_history", "campaign_id", "lead_id", "message_id"
        ),
        "lead_engagement": index("lead_engagement", "campaign_id", "campaign_lead_map_id"),
        "email_accounts": index("email_accounts", "id"),
        "email_account_details": index("email_account_details", "id"),
        "warmup_stats": index("warmup_stats", "email_account_id", "date"),
        "warmup_totals": index("warmup_totals", "email_account_id", "date"),
        "lead_categories": index("lead_categories", "id"),
        "clients": index("clients", "id"),
        "campaign_analytics_by_date": index(
            "campaign_analytics_by_date", "campaign_id", "start_date"
        ),
    }
    for row in _rows(api.get("/campaigns")):
        yield from match("campaigns", (row["id"],), row)
    for cid in {r["id"] for r in records.get("campaigns", [])}:
        base = f"/campaigns/{cid}"
        for endpoint, stream in (
            ("sequences", "campaign_sequences"),
            ("email-accounts", "campaign_email_accounts"),
            ("webhooks", "campaign_webhooks"),
        ):
            for row in _rows(_quiet(api.get, f"{base}/{endpoint}")):
                yield from match(stream, (cid, row.get("id")), row)
        analytics = _quiet(api.get, f"{base}/analytics")
        if analytics:
            yield from match("campaign_analytics", (cid,), analytics)
        for row in _quiet(lambda p: _paged(api, p, 100), f"{base}/leads") or []:
            yield from match("campaign_leads", (cid, row.get("campaign_lead_map_id")), row)
        for row in _quiet(lambda p: _paged(api, p, 1000), f"{base}/statistics") or []:
            if row.get("stats_id"):
                yield from match("campaign_statistics", (cid, row["stats_id"]), row)
                continue
            # No stats_id (the seed's shape): the record of the same email, step and send.
            for record in records.get("campaign_statistics", []):
                if record["campaign_id"] == cid and all(
                    same(row.get(name), record.get(name))
                    for name in ("lead_email", "sequence_number", "sent_time")
                ):
                    yield "campaign_statistics", row, record
        for row in _quiet(api.get, f"{base}/leads-export") or []:
            yield from match("lead_engagement", (cid, row.get("campaign_lead_map_id")), row)
    for record in records.get("campaign_analytics_by_date", []):
        cid = record["campaign_id"]
        window = {"start_date": record["start_date"], "end_date": record["end_date"]}
        sent = _quiet(
            lambda p, window=window: api.get(p, **window), f"/campaigns/{cid}/analytics-by-date"
        )
        if sent:
            yield "campaign_analytics_by_date", {**sent, **window}, record
    threads: dict[tuple, dict] = {}
    for record in records.get("lead_message_history", []):
        key = (record["campaign_id"], record["lead_id"])
        if key not in threads:
            threads[key] = _quiet(
                api.get, f"/campaigns/{key[0]}/leads/{key[1]}/message-history"
            ) or {}
        thread = threads[key]
        # The API's id is the record's key, or in extra_fields when a message shares it.
        api_id = (record.get(EXTRA) or {}).get("message_id", record["message_id"])
        for item in thread.get("history") or []:
            if item.get("message_id") in (api_id, None) and item.get("type") == record.get(
                "type"
            ) and same(item.get("time"), record["time"]):
                yield "lead_message_history", item, record
        for name in ("from", "to"):  # the thread's own from/to fill items that lack them
            if _has_value(thread.get(name)) and not _has_value(record.get(name)):
                yield "lead_message_history", {name: thread[name]}, record
    for row in _paged(api, "/email-accounts", 100):
        yield from match("email_accounts", (row["id"],), row)
    for aid in {r["id"] for r in records.get("email_accounts", [])}:
        detail = _quiet(api.get, f"/email-accounts/{aid}")
        if detail:
            yield from match("email_account_details", (detail.get("id") or aid,), detail)
        report = _quiet(api.get, f"/email-accounts/{aid}/warmup-stats") or {}
        days = report.get("stats_by_date") or []
        for day in days:
            yield from match("warmup_stats", (aid, str(day.get("date"))[:10]), day)
        if days:
            last = max(str(d.get("date"))[:10] for d in days)
            totals = {k: v for k, v in report.items() if k != "stats_by_date"}
            yield from match("warmup_totals", (aid, last), totals)
    for row in _rows(api.get("/leads/fetch-categories")):
        yield from match("lead_categories", (row["id"],), row)
    for row in _rows(api.get("/client/")):
        yield from match("clients", (row["id"],), row)


# The analytics streams: route, where its list is inside `data`, the record's key columns
# (with the sent row's name of each), and whether the route is asked one day at a time.
ANALYTICS_ROUTES = {
    "account_daily_stats": ("/analytics/day-wise-overall-stats", ("day_wise_stats",),
                            (("date", "date"),)),
    "account_daily_stats_by_send_date": ("/analytics/day-wise-overall-stats-by-sent-time",
                                         ("day_wise_stats",), (("date", "date"),)),
    "campaign_daily_stats": ("/analytics/campaign/overall-stats", ("campaign_wise_performance",),
                             (("campaign_id", "id"), ("date", None))),
    "mailbox_daily_stats": ("/analytics/mailbox/name-wise-health-metrics",
                            ("email_health_metrics",), (("from_email", "from_email"),
                                                        ("date", None))),
    "client_daily_stats": ("/analytics/client/overall-stats", ("client_wise_performance",),
                           (("client_id", "client_id"), ("date", None))),
    "reply_category_daily": ("/analytics/lead/category-wise-response",
                             ("lead_responses_by_category", "leadResponseGrouping"),
                             (("name", "name"), ("date", None))),
}


def _analytics_list(payload: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    found = payload.get("data") if isinstance(payload, dict) else payload
    for key in keys:
        if isinstance(found, dict):
            found = found.get(key)
    return found if isinstance(found, list) else []


def analytics_rows(api: Api, records: dict[str, list[dict]]) -> Iterator[tuple[str, dict, dict]]:
    """The analytics streams' rows as the API sent them, for each day the tap wrote."""
    for stream, (path, keys, columns) in ANALYTICS_ROUTES.items():
        written = {tuple(str(r.get(c)) for c, _ in columns): r for r in records.get(stream, [])}
        for day in sorted({r["date"] for r in records.get(stream, [])}):
            answer = _quiet(lambda p, day=day: api.get(
                p, start_date=day, end_date=day, timezone="UTC"), path)
            for row in _analytics_list(answer, keys):
                key = tuple(str(row.get(sent) if sent else day) for _, sent in columns)
                record = written.get(key)
                if record is not None:
                    renamed = {"campaign_id" if k == "id" else k: v for k, v in row.items()}
                    yield stream, renamed, record
    written = {(str(r["campaign_id"]), str(r["email_account_id"])): r
               for r in records.get("campaign_mailbox_statistics", [])}
    for cid in {r["id"] for r in records.get("campaigns", [])}:
        path = f"/campaigns/{cid}/mailbox-statistics"
        for row in _quiet(lambda p: _paged(api, p, 20), path) or []:
            record = written.get((str(cid), str(row.get("email_account_id"))))
            if record is not None:
                yield "campaign_mailbox_statistics", row, record


def _quiet(fetch: Any, path: str) -> Any:
    try:
        return fetch(path)
    except requests.HTTPError:
        return None


def fields_kept(api: Api, records: dict[str, list[dict]]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for stream, sent, record in (*sent_rows(api, records), *analytics_rows(api, records)):
        tally_row(tallies[stream], sent, record)
    return dict(tallies)


def object_sent_as_text(text: str) -> dict[str, Any]:
    """An object the API sent as text, read here (not with the tap's code): JSON, or a
    JavaScript literal with bare keys and single quotes; anything else is kept whole as
    ``{"raw": text}``, as the tap promises."""
    for candidate in (text, BARE_KEY.sub(r'\1"\2":', text).replace("'", '"')):
        try:
            parsed = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    return {"raw": text}
