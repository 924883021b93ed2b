"""A test of the tests: rows broken on purpose in a copy of a synced DuckDB file make the dbt
build fail on the tests that guard against them; a duplicate of a primary key from another
extraction does not (the latest extraction wins); rows of a campaign that does not exist are
kept out and flagged (tests/dbt/test_marts_over_time.py has the other crafted cases)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import DbtRun, Synced, duckdb_project

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]


def build_on_broken_copy(synced: Synced, tmp_path: Path, *statements: str) -> DbtRun:
    raw = tmp_path / "broken.duckdb"
    shutil.copyfile(synced.duckdb_full, raw)
    with duckdb.connect(str(raw)) as conn:
        for statement in statements:
            conn.execute(statement)
    return duckdb_project(raw, tmp_path / "models.duckdb", tmp_path / "dbt").build()


def failed_tests(run: DbtRun) -> list[str]:
    return sorted(node.split(".")[2] for node, status in run.results.items()
                  if node.startswith("test.") and status in ("fail", "error"))


def test_a_statistics_row_of_a_campaign_that_does_not_exist_is_kept_out_and_flagged(
    synced: Synced, tmp_path: Path,
) -> None:
    run = build_on_broken_copy(
        synced, tmp_path,
        "INSERT INTO smartlead.campaign_statistics "
        "SELECT * REPLACE (999999 AS campaign_id, 'orphan-stats-id' AS stats_id) "
        "FROM smartlead.campaign_statistics LIMIT 1",
    )
    assert run.returncode == 0, run.output[-3000:]
    assert any(".smartlead_has_no_rows_stg_smartlead__gone_campaigns_" in node
               and status == "warn" for node, status in run.results.items())
    with duckdb.connect(str(tmp_path / "models.duckdb"), read_only=True) as conn:
        flagged = conn.execute(
            "SELECT campaign_id, how_gone, source_table, rows_kept_out "
            "FROM smartlead_staging.stg_smartlead__gone_campaigns").fetchall()
        staged = conn.execute(
            "SELECT count(*) FROM smartlead_staging.stg_smartlead__campaign_statistics "
            "WHERE campaign_id = 999999").fetchone()[0]
    assert flagged == [(999999, "not_listed", "campaign_statistics", 1)]
    assert staged == 0


def test_a_lead_twice_in_one_campaign_fails_the_funnel_key_and_warns_on_the_lead_count(
    synced: Synced, tmp_path: Path,
) -> None:
    run = build_on_broken_copy(
        synced, tmp_path,
        "INSERT INTO smartlead.campaign_leads "
        "SELECT * REPLACE (campaign_lead_map_id + 1000000 AS campaign_lead_map_id) "
        "FROM smartlead.campaign_leads ORDER BY campaign_lead_map_id LIMIT 1",
    )
    assert run.returncode != 0
    failed = failed_tests(run)
    assert "smartlead_unique_key_smartlead__lead_funnel_campaign_id__lead_id" in failed, failed
    # The lead count is a cross-check with the API's figure, which drifts: a warning.
    assert any(".cross_check_leads_match_analytics_lead_stats" in node and status == "warn"
               for node, status in run.results.items()), run.results


def test_an_older_extraction_of_a_key_loses_and_a_newer_one_wins(
    synced: Synced, tmp_path: Path,
) -> None:
    run = build_on_broken_copy(
        synced, tmp_path,
        # As an append-only loader keeps it: the same table without its primary key.
        "CREATE TABLE smartlead.appended AS SELECT * FROM smartlead.campaigns",
        "DROP TABLE smartlead.campaigns",
        "ALTER TABLE smartlead.appended RENAME TO campaigns",
        "INSERT INTO smartlead.campaigns SELECT * REPLACE ('stale name' AS name, "
        "_sdc_batched_at - INTERVAL 1 DAY AS _sdc_batched_at) "
        "FROM smartlead.campaigns ORDER BY id LIMIT 1",
        "INSERT INTO smartlead.campaigns SELECT * REPLACE ('renamed since' AS name, "
        "_sdc_batched_at + INTERVAL 1 DAY AS _sdc_batched_at) "
        "FROM smartlead.campaigns ORDER BY id DESC LIMIT 1",
    )
    run.check()
    with duckdb.connect(str(tmp_path / "models.duckdb"), read_only=True) as conn:
        rows = conn.execute(
            "SELECT campaign_id, campaign_name FROM smartlead_staging.stg_smartlead__campaigns "
            "ORDER BY campaign_id").fetchall()
    with duckdb.connect(str(synced.duckdb_full), read_only=True) as conn:
        original = conn.execute("SELECT id, name FROM smartlead.campaigns ORDER BY id").fetchall()
    assert [campaign for campaign, _ in rows] == [campaign for campaign, _ in original]
    assert rows[0] == original[0], "an older extraction must not replace the row"
    assert rows[-1] == (original[-1][0], "renamed since"), "the newer extraction must win"
