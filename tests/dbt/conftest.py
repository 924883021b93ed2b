"""Fixtures of the dbt tests: one small emulator account synced into DuckDB and PostgreSQL by
Meltano's loaders (one tap run per round fed to both: ``MeltanoProject.pipe``), a full sync then
incremental rounds, and a runner for the dbt project.

``synced`` (session) leaves, in a temporary directory and in the ``postgres`` server:
- ``duckdb_full``: the DuckDB file right after the full sync (a copy, never written again);
- ``duckdb_incremental``: the same file after INCREMENTAL_ROUNDS incremental runs;
- schema ``dbt_full_a`` after the full sync, renamed ``dbt_incremental_a`` and carried on
  through the same incremental runs; ``dbt_fresh_b``: a fresh full sync of the final account.
"""

from __future__ import annotations

import decimal
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import REPO_ROOT, MeltanoProject, PostgresServer
from tests.tap_forkserver import run_dbt
from tests.warehouse.helpers import meltano_tap_env, start_date_days_ago, tap_config

TRANSFORM = REPO_ROOT / "transform"
RAW_SCHEMA = "smartlead"
INCREMENTAL_ROUNDS = 2
# Campaign leads reach back 120 days in the emulator: a start date inside that leaves sends
# before it, which the all-time analytics count and the statistics stream does not read.
START_DAYS_AGO = 100


@dataclass
class DbtRun:
    returncode: int
    output: str
    results: dict[str, str] = field(default_factory=dict)  # unique_id -> status

    def failed(self) -> list[str]:
        return sorted(node for node, status in self.results.items()
                      if status not in ("success", "pass"))

    def check(self) -> DbtRun:
        if self.returncode != 0 or self.failed():
            raise AssertionError(f"dbt build failed: {self.failed()}\n{self.output[-6000:]}")
        return self


@dataclass
class DbtProject:
    """``dbt build`` of transform/ against one warehouse, dbt's own files in ``workdir``."""

    workdir: Path
    env: dict[str, str]
    # Another venv's dbt (an adapter this venv does not install, e.g. dbt-snowflake).
    executable: Path | None = None

    def build(self, *args: str, timeout: float = 300) -> DbtRun:
        target = self.workdir / "target"
        # target/ stays between builds of this project: dbt's partial_parse.msgpack lets the
        # next build re-parse only what changed (dbt re-parses everything itself when the
        # profile's connection or the env vars it reads differ). Only the last build's results
        # go, so a build that dies early is never read with an earlier build's statuses.
        (target / "run_results.json").unlink(missing_ok=True)
        env = {**self.env, "DBT_TARGET_PATH": str(target),
               "DBT_LOG_PATH": str(self.workdir / "logs")}
        dbt = self.executable or Path(sys.executable).parent / "dbt"
        # Forked from a process that imported dbt and its adapters (tests/tap_forkserver.py).
        result = run_dbt(
            str(dbt), ["build", "--project-dir", str(TRANSFORM), "--profiles-dir",
                       str(TRANSFORM), *args],
            cwd=str(self.workdir), env=env, timeout=timeout,
        )
        run = DbtRun(result.returncode, result.stdout + result.stderr)
        results_file = target / "run_results.json"
        if results_file.exists():
            for item in json.loads(results_file.read_text(encoding="utf-8"))["results"]:
                run.results[item["unique_id"]] = item["status"]
        return run


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTLEAD_", "DBT_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def duckdb_project(raw: Path, models: Path, workdir: Path) -> DbtProject:
    """dbt reading the loader's DuckDB file ``raw`` and writing the models to ``models``."""
    workdir.mkdir(parents=True, exist_ok=True)
    return DbtProject(workdir, {
        **_base_env(),
        "SMARTLEAD_DBT_TARGET": "duckdb",
        "SMARTLEAD_DUCKDB_PATH": str(raw),
        "SMARTLEAD_DBT_DUCKDB_PATH": str(models),
        "SMARTLEAD_SOURCE_SCHEMA": RAW_SCHEMA,
        "SMARTLEAD_DBT_SCHEMA": "smartlead",
    })


def postgres_project(server: PostgresServer, raw_schema: str, models_prefix: str,
                     workdir: Path) -> DbtProject:
    """dbt reading ``raw_schema`` and writing ``<models_prefix>_staging`` / ``_marts``."""
    workdir.mkdir(parents=True, exist_ok=True)
    return DbtProject(workdir, {
        **_base_env(),
        "SMARTLEAD_DBT_TARGET": "postgres",
        "SMARTLEAD_PG_HOST": server.host,
        "SMARTLEAD_PG_PORT": str(server.port),
        "SMARTLEAD_PG_USER": server.user,
        "SMARTLEAD_PG_PASSWORD": server.password,
        "SMARTLEAD_PG_DATABASE": server.dbname,
        "SMARTLEAD_SOURCE_SCHEMA": raw_schema,
        "SMARTLEAD_DBT_SCHEMA": models_prefix,
    })


@dataclass(frozen=True)
class Synced:
    workdir: Path
    duckdb_full: Path
    duckdb_incremental: Path
    postgres: PostgresServer
    emulator_requests: Mapping[str, Any]


@pytest.fixture(scope="session")
def synced(meltano_project: MeltanoProject, postgres: PostgresServer,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    workdir = tmp_path_factory.mktemp("dbt")
    duckdb_incremental = workdir / "incremental.duckdb"
    duckdb_full = workdir / "full.duckdb"
    with EmulatorProcess(seed=5, campaigns=3, leads_per_campaign=40, mailboxes=3,
                         rate_limit="none") as emu:
        tap_env = meltano_tap_env(tap_config(emu, start_date_days_ago(START_DAYS_AGO)))
        # One tap run per round, its output fed to both loaders (MeltanoProject.pipe: what
        # `meltano run tap-smartlead target-duckdb` and `... target-postgres` do, sharing one
        # state id since they get the same messages). Full syncs first, then incremental runs
        # from the state they saved.
        loaders = {
            "duckdb": ("target-duckdb", {"TARGET_DUCKDB_FILEPATH": str(duckdb_incremental),
                                         "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": RAW_SCHEMA}),
            "postgres": ("target-postgres", postgres.target_env("dbt_incremental_a")),
        }
        meltano_project.pipe(tap_env, loaders, state_id="dbt")
        shutil.copyfile(duckdb_incremental, duckdb_full)
        with postgres.connect(autocommit=True) as conn:
            # Keep the full sync as it was: a copy of every table in schema dbt_full_a.
            conn.execute("CREATE SCHEMA dbt_full_a")
            for (table,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'dbt_incremental_a'"
            ).fetchall():
                conn.execute(f'CREATE TABLE dbt_full_a."{table}" AS '
                             f'SELECT * FROM dbt_incremental_a."{table}"')
        for _ in range(INCREMENTAL_ROUNDS):
            emu.advance(days=1)
            meltano_project.pipe(tap_env, loaders, state_id="dbt")
        meltano_project.pipe(
            tap_env, {"fresh": ("target-postgres", postgres.target_env("dbt_fresh_b"))},
            state_id="dbt-fresh",
        )
        requests = emu.stats()
    yield Synced(workdir, duckdb_full, duckdb_incremental, postgres, requests)


# -- the models built on each warehouse ---------------------------------------------------------

MART_KEYS: dict[str, tuple[str, ...]] = {
    "smartlead__campaign_performance": ("campaign_id",),
    "smartlead__campaign_performance_daily": ("campaign_id", "activity_date"),
    "smartlead__step_variant_performance": ("step_variant_key",),
    "smartlead__lead_funnel": ("campaign_lead_map_id",),
    "smartlead__mailbox_health_daily": ("email_account_id", "activity_date"),
    "smartlead__replies": ("campaign_id", "lead_id", "message_id"),
}

Mart = dict[tuple[Any, ...], dict[str, Any]]


def plain(value: Any) -> Any:
    """One spelling per value whichever warehouse returned it (floats to 9 places)."""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 9)
    return value


@dataclass(frozen=True)
class Warehouse:
    """One dbt build's outcome and a way to query the schemas it wrote."""

    name: str
    run: DbtRun
    query: Callable[[str], list[dict[str, Any]]]
    staging: str
    marts: str

    def mart(self, name: str) -> Mart:
        rows = self.query(f"select * from {self.marts}.{name}")
        table: Mart = {}
        for row in rows:
            key = tuple(plain(row[column]) for column in MART_KEYS[name])
            assert key not in table, f"{self.name}: duplicate key {key} in {name}"
            table[key] = {column: plain(value) for column, value in row.items()}
        return table


def duckdb_query(path: Path) -> Callable[[str], list[dict[str, Any]]]:
    def query(sql: str) -> list[dict[str, Any]]:
        import duckdb

        with duckdb.connect(str(path), read_only=True) as conn:
            cursor = conn.execute(sql)
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return query


def postgres_query(server: PostgresServer) -> Callable[[str], list[dict[str, Any]]]:
    def query(sql: str) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        with server.connect(row_factory=dict_row) as conn:
            return list(conn.execute(sql).fetchall())
    return query


@dataclass(frozen=True)
class Built:
    duckdb_full: Warehouse
    postgres_full: Warehouse
    duckdb_incremental: Warehouse
    postgres_incremental: Warehouse
    postgres_fresh: Warehouse
    duckdb_incremental_models: Path


@pytest.fixture(scope="session")
def built(synced: Synced) -> Built:
    """``dbt build`` on each of the five warehouses ``synced`` left (not checked here)."""
    work = synced.workdir

    def on_duckdb(name: str, raw: Path) -> tuple[Warehouse, Path]:
        models = work / f"{name}-models.duckdb"
        run = duckdb_project(raw, models, work / name).build()
        return Warehouse(name, run, duckdb_query(models), "smartlead_staging",
                         "smartlead_marts"), models

    def on_postgres(name: str, raw_schema: str) -> Warehouse:
        prefix = f"m_{name}"
        run = postgres_project(synced.postgres, raw_schema, prefix, work / name).build()
        return Warehouse(name, run, postgres_query(synced.postgres), f"{prefix}_staging",
                         f"{prefix}_marts")

    duckdb_full, _ = on_duckdb("duckdb_full", synced.duckdb_full)
    duckdb_incremental, models = on_duckdb("duckdb_incremental", synced.duckdb_incremental)
    return Built(
        duckdb_full=duckdb_full,
        postgres_full=on_postgres("postgres_full", "dbt_full_a"),
        duckdb_incremental=duckdb_incremental,
        postgres_incremental=on_postgres("postgres_incremental", "dbt_incremental_a"),
        postgres_fresh=on_postgres("postgres_fresh", "dbt_fresh_b"),
        duckdb_incremental_models=models,
    )
