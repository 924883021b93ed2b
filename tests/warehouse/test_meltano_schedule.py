"""The daily schedule in meltano.yml: what cron, Airflow or Dagster run (`meltano schedule run
daily-smartlead-to-postgres`) loads the account into PostgreSQL, and the next run of the same
schedule is incremental (the job keeps its own state)."""

from __future__ import annotations

import json

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import REPO_ROOT, MeltanoProject, PostgresServer
from tests.integration.tap_runner import threads_asked
from tests.warehouse.helpers import (
    STREAM_KEYS,
    meltano_tap_env,
    run_tap,
    start_date_days_ago,
    tap_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.meltano]

SCHEDULE = "daily-smartlead-to-postgres"
JOB = "smartlead-to-postgres"
SCHEMA = "scheduled"


def test_meltano_yml_schedules_the_postgres_job_daily(meltano_project: MeltanoProject):
    listed = json.loads(meltano_project.run("schedule", "list", "--format=json").stdout)
    [schedule] = [s for s in listed["schedules"]["job"] if s["name"] == SCHEDULE]
    assert schedule["interval"] == "@daily"
    assert schedule["cron_interval"] == "0 0 * * *"
    assert schedule["job"]["name"] == JOB
    assert schedule["job"]["tasks"][0] == "tap-smartlead target-postgres dbt:build"


def test_schedule_run_loads_everything_then_runs_incrementally(
    meltano_project: MeltanoProject, postgres: PostgresServer, tmp_path
):
    with EmulatorProcess(seed=19, campaigns=2, leads_per_campaign=15, mailboxes=2,
                         rate_limit="none") as emu:
        config = tap_config(emu, start_date_days_ago(60))
        env = {
            **meltano_tap_env(config),
            **postgres.target_env(SCHEMA),
            # The test's Meltano project is a copy of meltano.yml elsewhere: the dbt step
            # builds this checkout's transform/.
            "DBT_PROJECT_DIR": str(REPO_ROOT / "transform"),
            "DBT_PROFILES_DIR": str(REPO_ROOT / "transform"),
            "DBT_TARGET_PATH": str(tmp_path / "dbt-target"),
            "DBT_LOG_PATH": str(tmp_path / "dbt-logs"),
            "SMARTLEAD_SOURCE_SCHEMA": SCHEMA,
            "SMARTLEAD_DBT_SCHEMA": SCHEMA,
        }
        expected = run_tap(config, tmp_path)
        emu.reset_stats()
        meltano_project.run("schedule", "run", SCHEDULE, env=env, timeout=600)
        first_threads = threads_asked(emu.stats())
        with postgres.connect() as conn:
            counts = {
                stream: conn.execute(f'SELECT count(*) FROM "{SCHEMA}"."{stream}"').fetchone()[0]
                for stream in STREAM_KEYS
            }
        assert counts == {s: len(expected.keys(s)) for s in STREAM_KEYS}
        with postgres.connect() as conn:  # the job's dbt step built the marts on that schema
            funnel = conn.execute(
                f'SELECT count(*) FROM "{SCHEMA}_marts"."smartlead__lead_funnel"'
            ).fetchone()[0]
        assert funnel == len(expected.keys("campaign_leads"))

        emu.advance(days=1)
        emu.reset_stats()
        meltano_project.run("schedule", "run", SCHEDULE, env=env, timeout=600)
        second_threads = threads_asked(emu.stats())
    # The job's state carried over: the second run only asks for the threads of active leads
    # (requests alone no longer tell: threads come 100 leads per request).
    assert 0 < second_threads < 0.6 * first_threads, (first_threads, second_threads)
