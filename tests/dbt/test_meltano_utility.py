"""meltano.yml's `dbt` utility builds the project: `meltano invoke dbt:build` on a synced
DuckDB file writes the marts and passes every test."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import MeltanoProject
from tests.dbt.conftest import TRANSFORM, Synced

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]


def test_meltano_invoke_dbt_build_builds_and_tests_the_models(
    meltano_project: MeltanoProject, synced: Synced,
) -> None:
    models = synced.workdir / "meltano-utility-models.duckdb"
    # The test's Meltano project is a copy of meltano.yml elsewhere: point the utility's
    # directory settings (DBT_<SETTING>) at this checkout's transform/.
    result = meltano_project.run("invoke", "dbt:build", env={
        "DBT_PROJECT_DIR": str(TRANSFORM),
        "DBT_PROFILES_DIR": str(TRANSFORM),
        "DBT_TARGET_PATH": str(synced.workdir / "meltano-dbt-target"),
        "DBT_LOG_PATH": str(synced.workdir / "meltano-dbt-logs"),
        "DBT_DUCKDB_PATH": str(synced.duckdb_full),
        "DBT_MODELS_DUCKDB_PATH": str(models),
    })
    assert "ERROR=0" in result.stdout + result.stderr
    with duckdb.connect(str(models), read_only=True) as conn:
        funnel = conn.execute(
            "SELECT count(*) FROM smartlead_marts.smartlead__lead_funnel").fetchone()[0]
    with duckdb.connect(str(synced.duckdb_full), read_only=True) as conn:
        leads = conn.execute("SELECT count(*) FROM smartlead.campaign_leads").fetchone()[0]
    assert funnel == leads > 0
