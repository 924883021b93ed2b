"""Staging reads whatever types the loader chose: timestamps as ISO strings with an offset or
as TIMESTAMPTZ, counts as strings, JSON as text give the same staging rows as the loader's own
types."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import Built, Synced, duckdb_project, duckdb_query

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]

RETYPE = (
    # 2 hours ahead, with the offset that says so: the same instant.
    "ALTER TABLE smartlead.campaign_statistics ALTER sent_time TYPE VARCHAR USING "
    "strftime(sent_time + INTERVAL 2 HOUR, '%Y-%m-%dT%H:%M:%S.%f') || '+02:00'",
    "ALTER TABLE smartlead.campaign_statistics ALTER open_count TYPE VARCHAR",
    "ALTER TABLE smartlead.campaign_leads ALTER created_at TYPE TIMESTAMPTZ "
    "USING timezone('UTC', created_at)",
    # JSON kept as text.
    "ALTER TABLE smartlead.campaign_sequences ALTER sequence_variants TYPE VARCHAR",
    "ALTER TABLE smartlead.campaign_leads ALTER lead TYPE VARCHAR",
)


def test_other_loader_types_give_the_same_staging_rows(
    synced: Synced, built: Built, tmp_path: Path,
) -> None:
    raw = tmp_path / "retyped.duckdb"
    shutil.copyfile(synced.duckdb_full, raw)
    with duckdb.connect(str(raw)) as conn:
        conn.execute("SET TimeZone = 'America/New_York'")  # must not matter
        for statement in RETYPE:
            conn.execute(statement)
        types = dict(conn.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE column_name IN ('sent_time', 'open_count', 'created_at') "
            "AND table_name IN ('campaign_statistics', 'campaign_leads')").fetchall())
    assert types["campaign_statistics.sent_time"] == "VARCHAR"
    assert types["campaign_leads.created_at"] == "TIMESTAMP WITH TIME ZONE"
    models = tmp_path / "models.duckdb"
    duckdb_project(raw, models, tmp_path / "dbt").build().check()

    queries = {
        "stg_smartlead__campaign_statistics":
            "select stats_id, sent_at, sent_date, open_count from {schema}."
            "stg_smartlead__campaign_statistics order by stats_id",
        "stg_smartlead__campaign_leads":
            "select campaign_lead_map_id, created_at, first_name, company_name, is_unsubscribed "
            "from {schema}.stg_smartlead__campaign_leads order by campaign_lead_map_id",
        "stg_smartlead__sequence_variants":
            "select variant_id, sequence_id, variant_label, subject from {schema}."
            "stg_smartlead__sequence_variants order by variant_id",
    }
    for name, sql in queries.items():
        retyped = duckdb_query(models)(sql.format(schema="smartlead_staging"))
        original = built.duckdb_full.query(sql.format(schema=built.duckdb_full.staging))
        assert retyped == original and original, name
