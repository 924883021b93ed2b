"""Issue 25: ordinary account events build every mart (exit 0, nothing skipped), the cross-checks
warn naming what drifted; the account-wide cross-checks stay sharp after a campaign deletion
and in the tap's time zone; every rate column is within 0..1; no open or click figure comes
from a campaign that does not track them.

Each case is crafted on a copy of the synced raw tables (DuckDB file, or PostgreSQL schema),
as a real account's tables come to look, and built once (module fixtures); the tests read the
build's run results and the models. Expected values are counted here from the raw tables.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt.conftest import (
    DbtRun,
    Synced,
    duckdb_project,
    duckdb_query,
    postgres_project,
    postgres_query,
)

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]

MARTS = ("smartlead__account_daily", "smartlead__campaign_performance",
         "smartlead__campaign_performance_daily", "smartlead__client_performance_daily",
         "smartlead__lead_funnel", "smartlead__mailbox_deliverability_daily",
         "smartlead__mailbox_health_daily", "smartlead__replies",
         "smartlead__step_variant_performance")
BERLIN = "Europe/Berlin"
Query = Callable[[str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    """One crafted raw copy, built once."""

    run: DbtRun
    raw: Query  # the crafted raw tables, schema "raw"
    models: Query
    marts: str  # the marts' schema
    failures: dict[str, int]  # test name -> rows it returned

    def status(self, kind: str) -> set[str]:
        return {node.split(".")[2] for node, status in self.run.results.items()
                if node.startswith("test.") and status == kind}

    def errors(self) -> set[str]:
        return self.status("fail") | self.status("error")

    def built_marts(self) -> set[str]:
        return {node.split(".")[2] for node, status in self.run.results.items()
                if node.startswith("model.") and status == "success"} & set(MARTS)


def _failures(target: Path) -> dict[str, int]:
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {item["unique_id"].split(".")[2]: int(item.get("failures") or 0)
            for item in results if item["unique_id"].startswith("test.")}


def on_duckdb(synced: Synced, work: Path, statements: list[str], *args: str) -> Case:
    raw = work / "raw.duckdb"
    shutil.copyfile(synced.duckdb_full, raw)
    with duckdb.connect(str(raw)) as conn:
        for statement in statements:
            conn.execute(statement.format(raw="smartlead"))
    models = work / "models.duckdb"
    project = duckdb_project(raw, models, work / "dbt")
    run = project.build(*args)
    query = duckdb_query(raw)
    return Case(run, lambda sql: query(sql.format(raw="smartlead")), duckdb_query(models),
                "smartlead_marts", _failures(work / "dbt" / "target"))


def on_postgres(synced: Synced, work: Path, name: str, statements: list[str],
                *args: str) -> Case:
    server = synced.postgres
    with server.connect(autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
        for (table,) in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbt_full_a'"
        ).fetchall():
            conn.execute(f'CREATE TABLE {name}."{table}" AS SELECT * FROM dbt_full_a."{table}"')
        for statement in statements:
            conn.execute(statement.format(raw=name))
    prefix = f"m_{name}"
    run = postgres_project(server, name, prefix, work / "dbt").build(*args)
    query = postgres_query(server)
    return Case(run, lambda sql: query(sql.format(raw=name)), query, f"{prefix}_marts",
                _failures(work / "dbt" / "target"))


def campaign_ids(synced: Synced) -> list[int]:
    return [int(r["id"]) for r in duckdb_query(synced.duckdb_full)(
        "select id from smartlead.campaigns order by id")]


# -- ordinary events ------------------------------------------------------------------------

def moved_campaign(synced: Synced) -> tuple[int, int]:
    """A campaign other than the first and a client it does not belong to (the last such)."""
    query = duckdb_query(synced.duckdb_full)
    clients = [int(r["id"]) for r in query("select id from smartlead.clients order by id")]
    for row in query("select id, client_id from smartlead.campaigns order by id offset 1"):
        others = [c for c in clients if c != row["client_id"]]
        if others:
            return int(row["id"]), others[-1]
    raise AssertionError("the synced account needs a client to move a campaign to")


def ordinary_events(synced: Synced) -> list[str]:
    first, second = campaign_ids(synced)[:2]
    moved, to_client = moved_campaign(synced)
    return [
        # Routine clean-up: 3 leads deleted from a campaign (its analytics still count them).
        f"DELETE FROM {{raw}}.campaign_leads WHERE campaign_lead_map_id IN ("
        f"SELECT campaign_lead_map_id FROM {{raw}}.campaign_leads WHERE campaign_id = {first} "
        "ORDER BY campaign_lead_map_id LIMIT 3)",
        # A mailbox removed: its row soft-deleted, as target-postgres does.
        "UPDATE {raw}.email_accounts SET _sdc_deleted_at = '2026-01-01T00:00:00Z' "
        "WHERE id = (SELECT min(id) FROM {raw}.email_accounts)",
        # A client removed (soft-deleted), its history still in client_daily_stats.
        "UPDATE {raw}.clients SET _sdc_deleted_at = '2026-01-01T00:00:00Z' "
        "WHERE id = (SELECT min(id) FROM {raw}.clients)",
        # A campaign moved to another client: the API keeps its history with the old one.
        f"UPDATE {{raw}}.campaigns SET client_id = {to_client} WHERE id = {moved}",
        # A reply 31 days after its email: the threads are re-read, the account's by-send-date
        # analytics (7 days' look-back) and the statistics row are not.
        "CREATE TABLE {raw}.late_reply AS SELECT * FROM {raw}.lead_message_history "
        "WHERE message_id = (SELECT min(h.message_id) FROM {raw}.lead_message_history h "
        "JOIN {raw}.campaign_statistics s ON s.stats_id = h.stats_id "
        f"WHERE h.type = 'SENT' AND h.campaign_id = {second} "
        "AND s.sent_time < now() - interval '45 days' AND s.reply_time IS NULL "
        "AND h.stats_id NOT IN (SELECT stats_id FROM {raw}.lead_message_history "
        "WHERE type = 'REPLY' AND stats_id IS NOT NULL))",
        "UPDATE {raw}.late_reply SET message_id = 'late-reply-31-days', type = 'REPLY', "
        "\"time\" = \"time\" + interval '31 days'",
        "INSERT INTO {raw}.lead_message_history SELECT * FROM {raw}.late_reply",
        "DROP TABLE {raw}.late_reply",
    ]


@pytest.fixture(scope="module")
def ordinary_duckdb(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("ordinary"), ordinary_events(synced))


@pytest.fixture(scope="module")
def ordinary_postgres(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_postgres(synced, tmp_path_factory.mktemp("ordinary_pg"), "crafted_ordinary",
                       ordinary_events(synced))


@pytest.fixture(params=["duckdb", "postgres"])
def ordinary(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(f"ordinary_{request.param}")


def test_ordinary_events_build_every_mart_and_warn_what_drifted(ordinary: Case) -> None:
    assert ordinary.run.returncode == 0, (sorted(ordinary.errors()), ordinary.run.output[-3000:])
    assert not ordinary.errors()
    assert ordinary.built_marts() == set(MARTS), ordinary.run.output[-3000:]
    assert not [n for n, s in ordinary.run.results.items() if s == "skipped"]
    warned = ordinary.status("warn")
    # Each event's drift, named: the deleted leads, the removed mailbox and client, the moved
    # campaign, the late reply.
    assert "cross_check_leads_match_analytics_lead_stats" in warned, sorted(warned)
    assert any(n.startswith("relationships_stg_smartlead__warmup_stats_email_account_id")
               for n in warned), sorted(warned)
    assert any(n.startswith("relationships_smartlead__client_performance_daily_client_id")
               for n in warned), sorted(warned)
    assert "cross_check_global_analytics_add_up" in warned, sorted(warned)
    assert "cross_check_global_analytics_match_statistics" in warned, sorted(warned)


def test_a_removed_mailbox_leaves_the_mailbox_mart(ordinary: Case) -> None:
    removed = ordinary.raw("select id from {raw}.email_accounts "
                           "where _sdc_deleted_at is not null")
    assert len(removed) == 1
    seen = {int(r["email_account_id"]) for r in ordinary.models(
        f"select distinct email_account_id from {ordinary.marts}.smartlead__mailbox_health_daily")}
    assert seen and int(removed[0]["id"]) not in seen


def test_the_late_reply_is_in_the_marts(ordinary: Case) -> None:
    assert ordinary.models(
        f"select count(*) as n from {ordinary.marts}.smartlead__replies "
        "where message_id = 'late-reply-31-days'")[0]["n"] == 1


# -- every rate within 0..1, untracked opens NULL -------------------------------------------

def rate_columns(case: Case, mart: str) -> list[str]:
    rows = case.models(f"select * from {case.marts}.{mart} limit 1")
    return [c for c in (rows[0] if rows else {}) if c.lower().endswith("_rate")]


@pytest.mark.parametrize("mart", MARTS)
def test_every_rate_is_within_0_and_1(ordinary: Case, mart: str) -> None:
    for column in rate_columns(ordinary, mart):
        low, high = ordinary.models(
            f"select min({column}) as low, max({column}) as high "
            f"from {ordinary.marts}.{mart}")[0].values()
        assert low is None or 0 <= float(low) <= float(high) <= 1, (mart, column, low, high)


def test_no_day_rate_divides_a_days_replies_by_that_days_sends(ordinary: Case) -> None:
    for mart in ("smartlead__mailbox_deliverability_daily",
                 "smartlead__client_performance_daily"):
        assert not {"reply_rate", "positive_reply_rate", "bounce_rate"} & {
            c.lower() for c in rate_columns(ordinary, mart)}, mart


@pytest.fixture(scope="module")
def untracked(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("untracked"), [
        "UPDATE {raw}.campaigns SET track_settings = "
        "'[\"DONT_EMAIL_OPEN\", \"DONT_LINK_CLICK\"]' "
        f"WHERE id = {campaign_ids(synced)[0]}",
        # Sends that name no step (the API's NULL email_campaign_seq_id / seq_variant_id).
        "UPDATE {raw}.campaign_statistics SET email_campaign_seq_id = NULL, "
        "seq_variant_id = NULL",
    ])


def test_no_open_or_click_figure_from_an_untracked_campaign(
    untracked: Case, synced: Synced,
) -> None:
    assert untracked.run.returncode == 0, untracked.run.output[-3000:]
    campaign = campaign_ids(synced)[0]
    client = untracked.raw(f"select client_id from {{raw}}.campaigns where id = {campaign}")
    marts = untracked.marts
    checks = {
        "account_daily": f"select opened_count, opened_by_send_date from {marts}."
                         "smartlead__account_daily",
        "lead_funnel": f"select api_open_count, api_click_count, is_opened, is_clicked "
                       f"from {marts}.smartlead__lead_funnel where campaign_id = {campaign}",
        "staging daily": "select opened, unique_open_count, open_rate from "
                         "smartlead_staging.stg_smartlead__campaign_daily_stats "
                         f"where campaign_id = {campaign}",
    }
    if client and client[0]["client_id"] is not None:
        checks["client"] = (f"select opened_count from {marts}.smartlead__client_performance_daily "
                            f"where client_id = {client[0]['client_id']}")
    for name, sql in checks.items():
        rows = untracked.models(sql)
        assert rows and all(v is None for row in rows for v in row.values()), (name, rows[:3])


def test_sends_without_step_ids_count_on_their_own_step(untracked: Case) -> None:
    expected = {(int(r["campaign_id"]), int(r["sequence_number"])): int(r["n"])
                for r in untracked.raw(
                    "select campaign_id, sequence_number, count(*) as n "
                    "from {raw}.campaign_statistics group by 1, 2")}
    counted = {(int(r["campaign_id"]), int(r["seq_number"])): int(r["n"])
               for r in untracked.models(
                   "select campaign_id, seq_number, sum(sent_count) as n from "
                   f"{untracked.marts}.smartlead__step_variant_performance "
                   "group by 1, 2 having sum(sent_count) > 0")}
    assert counted == expected


# -- a plan without the /analytics routes -----------------------------------------------------

ANALYTICS_ROUTES = ("account_daily_stats", "account_daily_stats_by_send_date",
                    "campaign_daily_stats", "mailbox_daily_stats", "client_daily_stats",
                    "reply_category_daily", "campaign_mailbox_statistics")


@pytest.fixture(scope="module")
def no_analytics(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("no_analytics"),
                     [f"DROP TABLE IF EXISTS {{raw}}.{table}" for table in ANALYTICS_ROUTES])


@pytest.fixture(scope="module")
def no_campaign_routes(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("no_campaign_routes"),
                     [f"DROP TABLE IF EXISTS {{raw}}.{table}" for table in
                      ("campaign_daily_stats", "mailbox_daily_stats",
                       "campaign_mailbox_statistics")])


@pytest.mark.parametrize("case", ["no_analytics", "no_campaign_routes"])
def test_a_plan_without_analytics_routes_builds_every_mart_quietly(
    request: pytest.FixtureRequest, case: str,
) -> None:
    crafted: Case = request.getfixturevalue(case)
    assert crafted.run.returncode == 0, (sorted(crafted.errors()), crafted.run.output[-3000:])
    assert crafted.built_marts() == set(MARTS)
    # Nothing to compare is no disagreement.
    assert not crafted.status("warn") & {"cross_check_global_analytics_add_up",
                                         "cross_check_global_analytics_match_statistics"}, \
        crafted.failures


# -- checks that stay sharp after a campaign deletion -----------------------------------------

def corruption(synced: Synced) -> list[str]:
    return [
        "UPDATE {raw}.account_daily_stats SET sent = sent * 10, replied = replied + 5",
        "UPDATE {raw}.mailbox_daily_stats SET sent = sent * 3 "
        "WHERE from_email = (SELECT min(from_email) FROM {raw}.mailbox_daily_stats)",
    ]


def deletion(synced: Synced) -> list[str]:
    return [f"DELETE FROM {{raw}}.campaigns WHERE id = {campaign_ids(synced)[0]}"]


@pytest.fixture(scope="module")
def corrupted_after_deletion(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("corrupted_gone"),
                     deletion(synced) + corruption(synced))


@pytest.fixture(scope="module")
def deletion_only(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("gone"), deletion(synced))


def test_a_deletion_alone_passes_the_narrowed_checks(deletion_only: Case) -> None:
    assert deletion_only.run.returncode == 0, deletion_only.run.output[-3000:]
    assert deletion_only.failures["cross_check_global_analytics_match_statistics"] == 0
    assert deletion_only.failures["cross_check_global_analytics_add_up"] == 0


def test_corruption_is_caught_after_a_campaign_deletion(corrupted_after_deletion: Case) -> None:
    case = corrupted_after_deletion
    assert case.run.returncode == 0, case.run.output[-3000:]
    days = case.raw("select count(*) as n from {raw}.account_daily_stats where sent > 0")[0]["n"]
    # Every day with sends is off (x10 sends, +5 replies), in both checks.
    assert case.failures["cross_check_global_analytics_match_statistics"] >= days > 0
    assert case.failures["cross_check_global_analytics_add_up"] >= days
    assert "cross_check_global_analytics_add_up" in case.status("warn")


# -- the tap's time zone ------------------------------------------------------------------------

def berlin_sync(synced: Synced) -> list[str]:
    """The raw tables as a sync with `timezone: Europe/Berlin` leaves them: the by-date windows
    and the account's days counted in Berlin days, each row naming its zone (the other
    account-wide routes are left out of this plan)."""
    day = "cast(timezone('Europe/Berlin', timezone('UTC', {ts})) as date)"
    sent_day = day.format(ts="s.sent_time")
    reply_day = day.format(ts='h."time"')
    replied_day = day.format(ts="s.replied_at")
    return [
        *(f"DROP TABLE IF EXISTS {{raw}}.{table}" for table in
          ("campaign_daily_stats", "mailbox_daily_stats", "client_daily_stats",
           "reply_category_daily", "campaign_mailbox_statistics")),
        # Each email's reply as the marts count it: a thread's REPLY naming it, or reply_time.
        "CREATE TABLE {raw}.email_reply AS SELECT s.stats_id, s.sent_time, s.is_bounced, "
        "least(s.reply_time, (SELECT min(h.\"time\") FROM {raw}.lead_message_history h "
        "WHERE h.type = 'REPLY' AND h.stats_id = s.stats_id)) AS replied_at "
        "FROM {raw}.campaign_statistics s",
        "UPDATE {raw}.campaign_analytics_by_date w SET sent_count = (SELECT count(*) FROM "
        f"{{raw}}.campaign_statistics s WHERE s.campaign_id = w.campaign_id AND {sent_day} "
        "BETWEEN cast(w.start_date as date) AND cast(w.end_date as date))",
        "UPDATE {raw}.campaign_analytics_by_date w SET reply_count = (SELECT count(*) FROM "
        "{raw}.lead_message_history h WHERE h.campaign_id = w.campaign_id AND h.type = 'REPLY' "
        f"AND {reply_day} BETWEEN cast(w.start_date as date) "
        "AND cast(w.end_date as date))",
        "UPDATE {raw}.account_daily_stats_by_send_date d SET "
        f"sent = (SELECT count(*) FROM {{raw}}.email_reply s WHERE {sent_day} = "
        "cast(d.date as date)), "
        f"replied = (SELECT count(replied_at) FROM {{raw}}.email_reply s WHERE {sent_day} = "
        "cast(d.date as date)), "
        f"bounced = (SELECT count(*) FILTER (WHERE is_bounced) FROM {{raw}}.email_reply s "
        f"WHERE {sent_day} = cast(d.date as date))",
        "UPDATE {raw}.account_daily_stats d SET "
        f"sent = (SELECT count(*) FROM {{raw}}.email_reply s WHERE {sent_day} = "
        "cast(d.date as date)), "
        "replied = (SELECT count(*) FROM {raw}.email_reply s WHERE "
        f"{replied_day} = cast(d.date as date))",
        "DROP TABLE {raw}.email_reply",
        # The tap records its zone on each row (loaded before it did: no column yet).
        *(statement
          for table in ("campaign_analytics_by_date", "account_daily_stats",
                        "account_daily_stats_by_send_date")
          for statement in (
              f"ALTER TABLE {{raw}}.{table} ADD COLUMN IF NOT EXISTS timezone VARCHAR",
              f"UPDATE {{raw}}.{table} SET timezone = '{BERLIN}'")),
    ]


@pytest.fixture(scope="module")
def berlin(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("berlin"), berlin_sync(synced),
                     "--vars", f"{{smartlead_reporting_timezone: {BERLIN}}}")


def test_a_berlin_sync_passes_its_checks_in_berlin_days(berlin: Case) -> None:
    assert berlin.run.returncode == 0, (sorted(berlin.errors()), berlin.run.output[-3000:])
    assert berlin.built_marts() == set(MARTS)
    for check in ("cross_check_sends_match_analytics_by_date",
                  "cross_check_replies_within_analytics_by_date",
                  "cross_check_global_analytics_match_statistics",
                  "timezone_of_analytics_rows"):
        assert berlin.failures.get(check) == 0, (check, berlin.failures)


def test_every_day_column_agrees_across_marts_in_berlin(berlin: Case) -> None:
    by_account = {str(r["activity_date"])[:10]: int(r["sent_by_send_date"]) for r in berlin.models(
        f"select activity_date, sent_by_send_date from {berlin.marts}.smartlead__account_daily")}
    by_campaign_mart = {str(r["activity_date"])[:10]: int(r["n"]) for r in berlin.models(
        f"select activity_date, sum(sent_count) as n from "
        f"{berlin.marts}.smartlead__campaign_performance_daily group by 1")}
    assert {d: n for d, n in by_account.items() if n} == {
        d: n for d, n in by_campaign_mart.items() if d in by_account and n}


@pytest.fixture(scope="module")
def berlin_read_as_utc(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    return on_duckdb(synced, tmp_path_factory.mktemp("berlin_utc"), berlin_sync(synced))


def test_rows_in_another_zone_than_the_var_warn(berlin_read_as_utc: Case) -> None:
    assert berlin_read_as_utc.run.returncode == 0
    assert "timezone_of_analytics_rows" in berlin_read_as_utc.status("warn")
    # Counted in UTC days, the Berlin days disagree (the account's days; the by-date windows
    # when a send near midnight crosses a window's edge).
    assert (berlin_read_as_utc.failures["cross_check_global_analytics_match_statistics"]
            + berlin_read_as_utc.failures["cross_check_sends_match_analytics_by_date"]) > 0


# -- several extractors' schemas into one set of marts ---------------------------------------------

@pytest.fixture(scope="module")
def two_schemas(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Case:
    tables = [r["table_name"] for r in duckdb_query(synced.duckdb_full)(
        "select table_name from information_schema.tables where table_schema = 'smartlead'")]
    # A second extractor's schema (the same account, a second client's copy: every id the same,
    # so a join that forgets source_relation doubles rows), one campaign fewer.
    return on_duckdb(synced, tmp_path_factory.mktemp("two_schemas"), [
        "CREATE SCHEMA agency_b",
        *(f'CREATE TABLE agency_b."{t}" AS SELECT * FROM {{raw}}."{t}"' for t in tables),
        f"DELETE FROM agency_b.campaigns WHERE id = {campaign_ids(synced)[0]}",
    ], "--vars", "{smartlead_union_schemas: [smartlead, agency_b]}")


def test_two_extractors_schemas_build_one_set_of_marts_naming_the_source(
    two_schemas: Case, synced: Synced,
) -> None:
    case = two_schemas
    assert case.run.returncode == 0, (sorted(case.errors()), case.run.output[-3000:])
    assert not case.errors() and case.built_marts() == set(MARTS)
    first = campaign_ids(synced)[0]
    raw = {name: case.raw(sql)[0]["n"] for name, sql in {
        "leads": "select count(*) as n from {raw}.campaign_leads",
        "leads_b": f"select count(*) as n from {{raw}}.campaign_leads where campaign_id <> {first}",
        "sent": "select count(*) as n from {raw}.campaign_statistics",
        "sent_b": "select count(*) as n from {raw}.campaign_statistics "
                  f"where campaign_id <> {first}",
        "replies": "select count(*) as n from {raw}.lead_message_history where type = 'REPLY'",
        "replies_b": "select count(*) as n from {raw}.lead_message_history "
                     f"where type = 'REPLY' and campaign_id <> {first}",
        "days": "select count(*) as n from {raw}.account_daily_stats",
    }.items()}

    def per_source(sql: str) -> dict[str, int]:
        return {r["source_relation"]: int(r["n"]) for r in case.models(sql.format(m=case.marts))}

    assert per_source("select source_relation, count(*) as n from {m}.smartlead__lead_funnel "
                      "group by 1") == {"smartlead": raw["leads"], "agency_b": raw["leads_b"]}
    assert per_source("select source_relation, sum(sent_count) as n from "
                      "{m}.smartlead__step_variant_performance group by 1") == {
        "smartlead": raw["sent"], "agency_b": raw["sent_b"]}
    assert per_source("select source_relation, count(*) as n from {m}.smartlead__replies "
                      "group by 1") == {"smartlead": raw["replies"], "agency_b": raw["replies_b"]}
    assert per_source("select source_relation, count(*) as n from {m}.smartlead__account_daily "
                      "group by 1") == {"smartlead": raw["days"], "agency_b": raw["days"]}
    health = per_source("select source_relation, count(*) as n from "
                        "{m}.smartlead__mailbox_health_daily group by 1")
    assert health["smartlead"] > 0 and health["agency_b"] > 0
