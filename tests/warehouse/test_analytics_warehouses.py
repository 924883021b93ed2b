"""The analytics streams land in DuckDB and PostgreSQL with exactly the rows the emulator served.

The tap's output loaded by Meltano's target-duckdb (the emulator's live shapes) and
target-postgres (the older reference's shapes: `{"success": true, ...}`, days labelled
"20 Apr"). For each analytics table the warehouse must hold one row per key the emulator's
truth lists for the range (GET /_emulator/analytics), with its sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from psycopg.rows import dict_row

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import MeltanoProject, PostgresServer
from tests.warehouse.helpers import format_counts, meltano_tap_env, tap_config

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]

SCHEMA = "analytics"
DAYS = 25
ACCOUNT = {"seed": 5, "campaigns": 3, "leads_per_campaign": 40, "mailboxes": 4, "clients": 2,
           "rate_limit": "none"}
# table: (truth list, its key columns, the table's key columns, the sends column in each)
TABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, str]]] = {
    "account_daily_stats": ("account_by_event_date", ("date",), ("date",), ("sent", "sent")),
    "account_daily_stats_by_send_date": ("account_by_send_date", ("date",), ("date",),
                                         ("sent", "sent")),
    "campaign_daily_stats": ("campaign_days", ("id", "date"), ("campaign_id", "date"),
                             ("sent", "sent")),
    "mailbox_daily_stats": ("mailbox_days", ("from_email", "date"), ("from_email", "date"),
                            ("sent", "sent")),
    "client_daily_stats": ("client_days", ("client_id", "date"), ("client_id", "date"),
                           ("sent", "sent")),
    "reply_category_daily": ("category_days", ("name", "date"), ("name", "date"),
                             ("total_response", "total_response")),
    "campaign_mailbox_statistics": ("campaign_mailboxes", ("campaign_id", "email_account_id"),
                                    ("campaign_id", "email_account_id"),
                                    ("sent_count", "sent_count")),
}


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def served(truth: dict[str, Any]) -> dict[str, dict[tuple, Any]]:
    out = {}
    for table, (listed, keys, _, (column, _)) in TABLES.items():
        rows = {}
        for row in truth[listed]:
            figures = row.get("email_engagement_metrics") or row.get("campaign_stats") or row
            rows[tuple(str(row[k]) for k in keys)] = figures.get(column, row.get(column))
        out[table] = rows
    return out


def loaded(rows_of: Any) -> dict[str, dict[tuple, Any]]:
    out = {}
    for table, (_, _, keys, (_, column)) in TABLES.items():
        out[table] = {tuple(str(plain(r[k])) for k in keys): r[column] for r in rows_of(table)}
    return out


def sync(project: MeltanoProject, env: dict[str, str], target: str, suffix: str,
         **options: Any) -> dict[str, Any]:
    with EmulatorProcess(**ACCOUNT, **options) as emu:
        today = dt.datetime.now(dt.timezone.utc).date()
        start = (today - dt.timedelta(days=DAYS)).isoformat()
        # What `meltano run --full-refresh tap-smartlead <target>` does (MeltanoProject.pipe:
        # the same plugins and settings, no state), without Meltano's start-up and discovery.
        project.pipe(meltano_tap_env(tap_config(emu, start)), {suffix: (target, env)})
        return emu.analytics(start_date=start, end_date=today.isoformat(), timezone="UTC")


@pytest.fixture(scope="module")
def duckdb_outcome(meltano_project: MeltanoProject, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[dict, dict]]:
    path: Path = tmp_path_factory.mktemp("analytics-duckdb") / "warehouse.duckdb"
    truth = sync(meltano_project, {"TARGET_DUCKDB_FILEPATH": str(path),
                                   "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": SCHEMA},
                 "target-duckdb", "analytics-duckdb")
    with duckdb.connect(str(path), read_only=True) as conn:
        def rows_of(table: str) -> list[dict[str, Any]]:
            cursor = conn.execute(f'SELECT * FROM {SCHEMA}."{table}"')
            names = [c[0] for c in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        yield served(truth), loaded(rows_of)


@pytest.fixture(scope="module")
def postgres_outcome(meltano_project: MeltanoProject, postgres: PostgresServer
                     ) -> Iterator[tuple[dict, dict]]:
    truth = sync(meltano_project, postgres.target_env(SCHEMA), "target-postgres",
                 "analytics-postgres", analytics_shapes="reference")
    with postgres.connect(row_factory=dict_row) as conn:
        def rows_of(table: str) -> list[dict[str, Any]]:
            return conn.execute(f'SELECT * FROM {SCHEMA}."{table}"').fetchall()

        yield served(truth), loaded(rows_of)


@pytest.mark.parametrize("warehouse", ["duckdb_outcome", "postgres_outcome"])
def test_each_analytics_table_holds_exactly_the_served_rows_and_sends(
    warehouse: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str],
) -> None:
    expected, found = request.getfixturevalue(warehouse)
    with capsys.disabled():
        print()
        print(format_counts(f"{warehouse}: rows served vs loaded", ["served", "loaded"],
                            {t: [len(expected[t]), len(found[t])] for t in TABLES}))
    for table in TABLES:
        assert expected[table], f"{table}: the emulator served no rows (the test needs some)"
        assert found[table] == expected[table], table
