"""The cases where the marts used to be wrong while every dbt test passed (issue 19), each
crafted on a copy of the synced DuckDB file as a real account's raw tables come to look after
weeks of daily runs. Expected values are counted here, in SQL written for the test, from the
raw tables the loader wrote (never from the models).

Three builds carry the cases: ``over_time`` (changes a correct project must absorb: the build
passes and the marts say the right thing), ``campaign_gone`` (a campaign deleted in Smartlead)
and ``broken`` (rows that are wrong: the tests named must fail).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.dbt.conftest import DbtRun, Synced, duckdb_project, duckdb_query

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]

MARTS, STAGING = "smartlead_marts", "smartlead_staging"
REPORTING_TIMEZONE = "Asia/Kolkata"  # +05:30: a send after 18:30 UTC is on the next local day


@dataclass(frozen=True)
class Crafted:
    run: DbtRun
    raw: Callable[[str], list[dict[str, Any]]]  # the crafted raw tables
    models: Callable[[str], list[dict[str, Any]]]

    def failed(self) -> set[str]:
        return {node.split(".")[2] for node, status in self.run.results.items()
                if node.startswith("test.") and status in ("fail", "error")}

    def warned(self) -> set[str]:
        return {node.split(".")[2] for node, status in self.run.results.items()
                if node.startswith("test.") and status == "warn"}

    def value(self, sql: str) -> Any:
        return next(iter(self.models(sql)[0].values()))


def craft(synced: Synced, work: Path, statements: list[str], *args: str) -> Crafted:
    raw = work / "raw.duckdb"
    shutil.copyfile(synced.duckdb_full, raw)
    with duckdb.connect(str(raw)) as conn:
        for statement in statements:
            conn.execute(statement)
    models = work / "models.duckdb"
    run = duckdb_project(raw, models, work / "dbt").build(*args)
    return Crafted(run, duckdb_query(raw), duckdb_query(models))


def first_campaign(synced: Synced, offset: int = 0) -> int:
    rows = duckdb_query(synced.duckdb_full)(
        f"select id from smartlead.campaigns order by id limit 1 offset {offset}")
    return int(rows[0]["id"])


# -- over time: a correct project absorbs these ------------------------------------------------

STALE, UNTRACKED_SEED, UNTRACKED_LIVE = 0, 1, 2  # campaigns by position


@pytest.fixture(scope="module")
def over_time(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Crafted:
    stale = first_campaign(synced, STALE)
    seed_spelling, live_spelling = (first_campaign(synced, UNTRACKED_SEED),
                                    first_campaign(synced, UNTRACKED_LIVE))
    return craft(synced, tmp_path_factory.mktemp("over_time"), [
        # Late replies: the statistics rows were not re-read after the replies came (older than
        # statistics_lookback_days); the threads were, and each REPLY names its email.
        f"UPDATE smartlead.campaign_statistics SET reply_time = NULL WHERE campaign_id = {stale}",
        # Tracking off, in the seed's spelling and in the live API's.
        "UPDATE smartlead.campaigns SET track_settings = "
        "'[\"DONT_TRACK_EMAIL_OPEN\", \"DONT_TRACK_LINK_CLICK\"]' "
        f"WHERE id = {seed_spelling}",
        "UPDATE smartlead.campaigns SET track_settings = "
        "'[\"DONT_EMAIL_OPEN\", \"DONT_LINK_CLICK\"]' "
        f"WHERE id = {live_spelling}",
        # Soft deletes: a mailbox unlinked from a campaign, a webhook, a removed sequence step.
        *(f"UPDATE smartlead.{table} SET _sdc_deleted_at = '2026-01-01T00:00:00Z' "
          f"WHERE campaign_id = (SELECT min(campaign_id) FROM smartlead.{table}) "
          f"AND id = (SELECT min(id) FROM smartlead.{table} WHERE campaign_id = "
          f"(SELECT min(campaign_id) FROM smartlead.{table}))"
          for table in ("campaign_email_accounts", "campaign_webhooks", "campaign_sequences")),
        # An older extraction (PAUSED, read 6 days earlier) loaded after the current one.
        "CREATE TABLE smartlead.appended AS SELECT * FROM smartlead.campaigns",
        "DROP TABLE smartlead.campaigns",
        "ALTER TABLE smartlead.appended RENAME TO campaigns",
        "INSERT INTO smartlead.campaigns SELECT * REPLACE ('STALE_PAUSED' AS status, "
        "_sdc_extracted_at - INTERVAL 6 DAY AS _sdc_extracted_at, "
        "_sdc_batched_at + INTERVAL 1 DAY AS _sdc_batched_at) FROM smartlead.campaigns",
        # A reconnected mailbox: a second email_accounts row, an older one, the same address.
        "INSERT INTO smartlead.email_accounts SELECT * REPLACE (id + 100000 AS id, "
        "created_at - INTERVAL 30 DAY AS created_at) FROM smartlead.email_accounts",
        # Sends that name no sequence step.
        "UPDATE smartlead.campaign_statistics SET email_campaign_seq_id = NULL "
        "WHERE stats_id IN (SELECT stats_id FROM smartlead.campaign_statistics "
        "ORDER BY stats_id LIMIT 5)",
        # The leads export is optional: not synced.
        "DROP TABLE smartlead.lead_engagement",
    ])


def test_a_project_that_absorbs_weeks_of_changes_builds_and_passes(over_time: Crafted) -> None:
    assert over_time.run.returncode == 0 and not over_time.failed(), over_time.run.output[-4000:]


def test_replies_come_from_the_threads_when_statistics_are_stale(
    over_time: Crafted, synced: Synced,
) -> None:
    stale = first_campaign(synced, STALE)
    # The emails of the campaign a REPLY names, counted from the raw threads.
    named = over_time.raw(
        "select count(distinct s.stats_id) as n from smartlead.campaign_statistics s "
        "join smartlead.lead_message_history h on h.campaign_id = s.campaign_id "
        f"and h.stats_id = s.stats_id and h.type = 'REPLY' where s.campaign_id = {stale}")[0]["n"]
    assert named > 0
    replied = over_time.value(
        "select sum(replied_count) from smartlead_marts.smartlead__step_variant_performance "
        f"where campaign_id = {stale}")
    assert replied == named
    # The statistics' own replies disagree with the threads: the cross-check says so.
    assert "cross_check_replies_statistics_match_history" in over_time.warned()


@pytest.mark.parametrize("position", [UNTRACKED_SEED, UNTRACKED_LIVE])
def test_untracked_opens_and_clicks_are_null_not_rates(
    over_time: Crafted, synced: Synced, position: int,
) -> None:
    campaign = first_campaign(synced, position)
    for mart, columns in (
        ("smartlead__step_variant_performance",
         "opened_count, clicked_count, per_send_open_rate, per_send_click_rate"),
        ("smartlead__campaign_performance_daily",
         "unique_open_count, unique_click_count, per_send_open_rate, per_send_click_rate"),
        ("smartlead__campaign_performance", "open_rate, click_rate, per_send_open_rate"),
    ):
        rows = over_time.models(f"select {columns} from {MARTS}.{mart} "
                                f"where campaign_id = {campaign}")
        assert rows and all(v is None for row in rows for v in row.values()), (mart, rows[:3])
    stages = over_time.models(f"select distinct funnel_stage from {MARTS}.smartlead__lead_funnel "
                              f"where campaign_id = {campaign}")
    assert "opened" not in {row["funnel_stage"] for row in stages}
    # The campaign that still tracks keeps its numbers.
    tracked = over_time.value(
        "select sum(opened_count) from smartlead_marts.smartlead__step_variant_performance "
        f"where campaign_id = {first_campaign(synced, STALE)}")
    assert tracked and tracked > 0


def test_soft_deleted_rows_are_not_in_staging(over_time: Crafted) -> None:
    for model, table, key in (
        ("stg_smartlead__campaign_email_accounts", "campaign_email_accounts", "email_account_id"),
        ("stg_smartlead__campaign_webhooks", "campaign_webhooks", "webhook_id"),
        ("stg_smartlead__campaign_sequences", "campaign_sequences", "sequence_id"),
    ):
        deleted = {(row["campaign_id"], row["id"]) for row in over_time.raw(
            f"select campaign_id, id from smartlead.{table} where _sdc_deleted_at is not null")}
        live = {(row["campaign_id"], row["id"]) for row in over_time.raw(
            f"select campaign_id, id from smartlead.{table} where _sdc_deleted_at is null")}
        staged = {(row["campaign_id"], row[key]) for row in over_time.models(
            f"select campaign_id, {key} from {STAGING}.{model}")}
        assert len(deleted) == 1 and staged == live, (model, deleted, staged - live)


def test_the_newest_extraction_wins_over_a_later_loaded_older_one(over_time: Crafted) -> None:
    statuses = {row["status"] for row in over_time.models(
        f"select status from {STAGING}.stg_smartlead__campaigns")}
    assert "STALE_PAUSED" not in statuses and statuses


def test_a_reconnected_mailbox_counts_its_sends_once_and_manual_sends_apart(
    over_time: Crafted,
) -> None:
    sent = {row["kind"]: row["n"] for row in over_time.raw(
        "select case when email_seq_number is null then 'manual' else 'campaign' end as kind, "
        "count(*) as n from smartlead.lead_message_history where type = 'SENT' group by 1")}
    assert sent["manual"] > 0 and sent["campaign"] > 0
    mart = over_time.models(
        "select sum(campaign_sent_count) as campaign, sum(manual_sent_count) as manual "
        f"from {MARTS}.smartlead__mailbox_health_daily")[0]
    assert mart == {"campaign": sent["campaign"], "manual": sent["manual"]}


def test_sends_that_name_no_step_are_still_counted_per_step(over_time: Crafted) -> None:
    sent = over_time.raw("select count(*) as n from smartlead.campaign_statistics")[0]["n"]
    assert over_time.value(
        f"select sum(sent_count) from {MARTS}.smartlead__step_variant_performance") == sent
    # Each on the step of its sequence_number (issue 25: they were lumped under the highest).
    expected = {(int(r["campaign_id"]), int(r["sequence_number"])): int(r["n"])
                for r in over_time.raw(
                    "select campaign_id, sequence_number, count(*) as n "
                    "from smartlead.campaign_statistics group by 1, 2")}
    counted = {(int(r["campaign_id"]), int(r["seq_number"])): int(r["n"]) for r in
               over_time.models(
                   f"select campaign_id, seq_number, sum(sent_count) as n from "
                   f"{MARTS}.smartlead__step_variant_performance "
                   "group by 1, 2 having sum(sent_count) > 0")}
    assert counted == expected


def test_interested_is_a_category_with_a_positive_sentiment(over_time: Crafted) -> None:
    # Counted from the raw leads and categories (the leads export is not synced here).
    expected = {(row["campaign_id"], row["n"]) for row in over_time.raw(
        "select l.campaign_id, count(*) filter (where lower(c.sentiment_type) = 'positive') "
        "as n from smartlead.campaign_leads l left join smartlead.lead_categories c "
        "on c.id = l.lead_category_id group by 1")}
    counted = {(row["campaign_id"], row["n"]) for row in over_time.models(
        f"select campaign_id, count(*) filter (where is_interested) as n "
        f"from {MARTS}.smartlead__lead_funnel group by 1")}
    assert counted == expected and sum(n for _, n in expected) > 0
    columns = over_time.models(f"select * from {MARTS}.smartlead__lead_funnel limit 1")[0]
    assert [c for c in columns if "interested" in c] == ["is_interested"]


def test_the_campaign_mart_has_smartleads_reply_rate_and_the_per_send_one(
    over_time: Crafted,
) -> None:
    # Leads contacted (sent to, or replied) and leads replied, per campaign, from raw rows.
    expected = {row["campaign_id"]: row for row in over_time.raw("""
        with statistics as (select campaign_id, lower(lead_email) as email, stats_id,
                                   reply_time from smartlead.campaign_statistics),
             replies as (select h.campaign_id, lower(l.email) as email, h.stats_id
                         from smartlead.lead_message_history h
                         join smartlead.campaign_leads l
                           on l.campaign_id = h.campaign_id and l.lead_id = h.lead_id
                         where h.type = 'REPLY'),
             contacted as (select campaign_id, email from statistics
                           union select campaign_id, email from replies),
             replied as (select campaign_id, email from replies
                         union select campaign_id, email from statistics
                         where reply_time is not null),
             replied_emails as (select campaign_id, stats_id from statistics
                                where reply_time is not null or stats_id in
                                  (select stats_id from replies))
        select c.campaign_id,
               (select count(*) from replied r where r.campaign_id = c.campaign_id)
                 / (select count(*) from contacted k where k.campaign_id = c.campaign_id)
                 as reply_rate,
               (select count(*) from replied_emails r where r.campaign_id = c.campaign_id)
                 / (select count(*) from statistics s where s.campaign_id = c.campaign_id)
                 as per_send_reply_rate
        from (select distinct campaign_id from statistics) c""")}
    rows = {row["campaign_id"]: row for row in over_time.models(
        f"select campaign_id, reply_rate, per_send_reply_rate "
        f"from {MARTS}.smartlead__campaign_performance")}
    assert rows.keys() == expected.keys()
    for campaign, row in rows.items():
        assert row["reply_rate"] == pytest.approx(expected[campaign]["reply_rate"]), campaign
        assert row["per_send_reply_rate"] == pytest.approx(
            expected[campaign]["per_send_reply_rate"]), campaign
        assert row["reply_rate"] > row["per_send_reply_rate"]  # leads get several emails


# -- the reporting time zone ---------------------------------------------------------------------

def test_days_are_counted_in_the_reporting_time_zone(
    synced: Synced, tmp_path: Path,
) -> None:
    crafted = craft(synced, tmp_path, [], "--vars",
                    f"{{smartlead_reporting_timezone: {REPORTING_TIMEZONE}}}")
    assert crafted.run.returncode == 0, crafted.run.output[-3000:]
    zone = ZoneInfo(REPORTING_TIMEZONE)
    expected: dict[tuple[int, dt.date], int] = {}
    for row in crafted.raw("select campaign_id, sent_time from smartlead.campaign_statistics"):
        day = row["sent_time"].replace(tzinfo=dt.timezone.utc).astimezone(zone).date()
        key = (int(row["campaign_id"]), day)
        expected[key] = expected.get(key, 0) + 1
    counted = {(row["campaign_id"], row["activity_date"]): row["sent_count"]
               for row in crafted.models(
                   f"select campaign_id, activity_date, sent_count "
                   f"from {MARTS}.smartlead__campaign_performance_daily where sent_count > 0")}
    assert counted == expected
    utc_days = {(int(r["campaign_id"]), r["sent_time"].date()) for r in crafted.raw(
        "select campaign_id, sent_time from smartlead.campaign_statistics")}
    assert utc_days != set(expected), "some sends must fall on another local day"


# -- a campaign deleted in Smartlead ---------------------------------------------------------------

@pytest.fixture(scope="module")
def campaign_gone(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Crafted:
    # One campaign no longer listed (a loader that replaces the table), one soft-deleted (a
    # loader that marks the rows of older table versions after ACTIVATE_VERSION).
    return craft(synced, tmp_path_factory.mktemp("campaign_gone"), [
        f"DELETE FROM smartlead.campaigns WHERE id = {first_campaign(synced, 0)}",
        "UPDATE smartlead.campaigns SET _sdc_deleted_at = '2026-01-01T00:00:00Z' "
        f"WHERE id = {first_campaign(synced, 2)}",
    ])


def test_a_gone_campaign_is_flagged_and_kept_out_of_every_mart(
    campaign_gone: Crafted, synced: Synced,
) -> None:
    gone = {first_campaign(synced, 0), first_campaign(synced, 2)}
    assert campaign_gone.run.returncode == 0 and not campaign_gone.failed(), \
        campaign_gone.run.output[-4000:]
    assert not [n for n, s in campaign_gone.run.results.items() if s == "skipped"]
    flagged = campaign_gone.models(
        f"select campaign_id, how_gone, source_table, rows_kept_out "
        f"from {STAGING}.stg_smartlead__gone_campaigns")
    assert {row["campaign_id"] for row in flagged} == gone
    assert {row["how_gone"] for row in flagged} == {"not_listed", "soft_deleted"}
    leads = {row["campaign_id"]: row["n"] for row in campaign_gone.raw(
        "select campaign_id, count(*) as n from smartlead.campaign_leads group by 1")}
    assert {(row["campaign_id"], row["rows_kept_out"]) for row in flagged
            if row["source_table"] == "campaign_leads"} == {(c, leads[c]) for c in gone}
    assert "smartlead_has_no_rows_stg_smartlead__gone_campaigns_" in campaign_gone.warned()
    for mart in ("smartlead__campaign_performance_daily", "smartlead__step_variant_performance",
                 "smartlead__lead_funnel", "smartlead__replies", "smartlead__campaign_performance"):
        seen = {row["campaign_id"] for row in campaign_gone.models(
            f"select distinct campaign_id from {MARTS}.{mart}")}
        assert seen and not seen & gone, mart


# -- rows that are wrong: the tests must fail ---------------------------------------------------

@pytest.fixture(scope="module")
def broken(synced: Synced, tmp_path_factory: pytest.TempPathFactory) -> Crafted:
    campaign, other = first_campaign(synced, 0), first_campaign(synced, 1)
    return craft(synced, tmp_path_factory.mktemp("broken"), [
        # A reply dated a day before the email it answers.
        "UPDATE smartlead.lead_message_history h SET time = s.sent_time - INTERVAL 1 DAY "
        "FROM smartlead.campaign_statistics s WHERE s.stats_id = h.stats_id "
        "AND h.message_id = (SELECT min(message_id) FROM smartlead.lead_message_history "
        "WHERE type = 'REPLY')",
        # Half a campaign's leads gone, and its lead stats without a total.
        f"UPDATE smartlead.campaign_analytics SET campaign_lead_stats = "
        f"json_object('inprogress', 1) WHERE campaign_id = {campaign}",
        f"DELETE FROM smartlead.campaign_leads WHERE campaign_id = {campaign} "
        "AND campaign_lead_map_id % 2 = 0 AND lead_id NOT IN (SELECT lead_id FROM "
        "smartlead.lead_message_history)",
        # Three sends moved from the campaign's last analytics window to its first: the sum
        # over the windows still agrees.
        f"UPDATE smartlead.campaign_statistics SET sent_time = sent_time - INTERVAL 60 DAY "
        f"WHERE stats_id IN (SELECT stats_id FROM smartlead.campaign_statistics "
        f"WHERE campaign_id = {other} AND open_time IS NULL AND click_time IS NULL "
        f"AND reply_time IS NULL ORDER BY sent_time DESC LIMIT 3)",
        # A SENT message filed under another campaign, whose leads do not include its lead (a
        # lead with more than one email, so its thread is still there to miss it).
        f"UPDATE smartlead.lead_message_history SET campaign_id = {other} "
        "WHERE message_id = (SELECT min(message_id) FROM smartlead.lead_message_history "
        f"WHERE campaign_id = {campaign} AND type = 'SENT' AND email_seq_number IS NOT NULL "
        "AND lead_id IN (SELECT lead_id FROM smartlead.lead_message_history "
        f"WHERE campaign_id = {campaign} AND type = 'SENT' GROUP BY lead_id "
        "HAVING count(*) > 1))",
    ])


def test_a_reply_before_its_email_fails(broken: Crafted) -> None:
    failed = broken.failed()
    assert {name for name in failed if name.startswith(
        "smartlead_expression_is_true_int_smartlead__emails")}, sorted(failed)
    # The replies mart's own check fails too, unless dbt skipped the mart: a failed test of
    # an upstream model stops what depends on it.
    replies_check = {node: status for node, status in broken.run.results.items()
                     if ".smartlead_expression_is_true_smartlead__replies" in node}
    assert replies_check and set(replies_check.values()) <= {"fail", "skipped"}, replies_check


def test_leads_missing_from_a_campaign_without_a_total_warn_on_the_lead_count(
    broken: Crafted,
) -> None:
    # Leads deleted are an ordinary event: a warning that names the campaign (issue 25).
    assert "cross_check_leads_match_analytics_lead_stats" in broken.warned()


def test_sends_moved_between_analytics_windows_warn_on_the_per_window_check(
    broken: Crafted,
) -> None:
    assert "cross_check_sends_match_analytics_by_date" in broken.warned()


def test_a_message_under_another_campaigns_lead_fails_the_composite_relationship(
    broken: Crafted,
) -> None:
    flagged = broken.warned() | broken.failed()
    assert {name for name in flagged if name.startswith(
        "smartlead_relationships_stg_smartlead__lead_message_history")}, sorted(flagged)
    assert "cross_check_sends_statistics_match_history" in broken.warned()


# -- optional streams ------------------------------------------------------------------------

def test_with_only_the_campaigns_table_every_model_builds(
    synced: Synced, tmp_path: Path,
) -> None:
    tables = [row["table_name"] for row in duckdb_query(synced.duckdb_full)(
        "select table_name from information_schema.tables where table_schema = 'smartlead' "
        "and table_name <> 'campaigns'")]
    assert len(tables) >= 14
    crafted = craft(synced, tmp_path, [f"DROP TABLE smartlead.{table}" for table in tables])
    models = {node: status for node, status in crafted.run.results.items()
              if node.startswith("model.")}
    # 24 models of the per-campaign streams and 10 of the account-wide analytics streams
    assert crafted.run.returncode == 0 and len(models) == 24 + 10, crafted.run.output[-3000:]
    assert set(models.values()) == {"success"}
    assert not crafted.failed()
    campaigns = crafted.raw("select count(*) as n from smartlead.campaigns")[0]["n"]
    assert crafted.value(f"select count(*) from {MARTS}.smartlead__campaign_performance "
                         "where emails_sent_count = 0 and leads_count = 0") == campaigns
    assert crafted.value(f"select count(*) from {MARTS}.smartlead__lead_funnel") == 0
