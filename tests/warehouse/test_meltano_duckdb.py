"""`meltano run tap-smartlead target-duckdb` loads exactly the rows the tap emits.

The same emulator account is synced twice: once through Meltano into a DuckDB file, once by
running the tap directly. For each of the 13 streams the DuckDB table must hold one row per
distinct primary key of the tap's RECORD messages, no more and no fewer; a loader that drops or
duplicates rows (target-duckdb with DuckDB >= 1.3 drops the first row of every batch) fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import MeltanoProject
from tests.warehouse.helpers import (
    STREAM_KEYS,
    Key,
    TapOutput,
    format_counts,
    key_of,
    meltano_tap_env,
    run_tap,
    start_date_days_ago,
    tap_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.meltano]

SCHEMA = "smartlead"


def duckdb_tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table of ``SCHEMA`` in the file, as dictionaries."""
    with duckdb.connect(str(path), read_only=True) as conn:
        catalog = conn.execute("SELECT current_database()").fetchone()[0]
        names = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            [SCHEMA],
        ).fetchall()]
        tables: dict[str, list[dict[str, Any]]] = {}
        for name in names:
            cursor = conn.execute(f'SELECT * FROM "{catalog}"."{SCHEMA}"."{name}"')
            columns = [column[0] for column in cursor.description]
            tables[name] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return tables


@pytest.fixture(scope="module")
def synced(
    meltano_project: MeltanoProject, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, list[dict[str, Any]]], TapOutput]]:
    """One account synced twice: through Meltano into DuckDB, and by the tap alone."""
    workdir = tmp_path_factory.mktemp("duckdb")
    # Seed 5: its campaigns have clients, so client_daily_stats has rows too.
    with EmulatorProcess(seed=5, campaigns=3, leads_per_campaign=30, mailboxes=4,
                         rate_limit="none") as emu:
        config = tap_config(emu, start_date_days_ago(120))
        database = workdir / "warehouse.duckdb"
        meltano_project.run(
            # Full refresh under its own state id: nothing left by other tests applies.
            "run", "--full-refresh", "--state-id-suffix", "duckdb-test",
            "tap-smartlead", "target-duckdb",
            env={
                **meltano_tap_env(config),
                "TARGET_DUCKDB_FILEPATH": str(database),
                "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": SCHEMA,
            },
        )
        direct = run_tap(config, workdir)
    yield duckdb_tables(database), direct


def test_tap_declares_the_documented_primary_keys(synced: tuple[Any, TapOutput]) -> None:
    _, direct = synced
    assert {stream: tuple(keys) for stream, keys in direct.key_properties.items()} == STREAM_KEYS


def test_every_duckdb_table_holds_exactly_the_tap_records_by_primary_key(
    synced: tuple[dict[str, list[dict[str, Any]]], TapOutput],
) -> None:
    tables, direct = synced
    assert set(tables) == set(STREAM_KEYS), "one DuckDB table per stream"
    counts: dict[str, list[Any]] = {}
    problems: list[str] = []
    for stream in STREAM_KEYS:
        rows = tables[stream]
        emitted: set[Key] = direct.keys(stream)
        loaded = [key_of(stream, row) for row in rows]
        counts[stream] = [len(direct.records[stream]), len(emitted), len(rows)]
        if not emitted:
            problems.append(f"{stream}: the tap emitted no records (the test needs data)")
        if len(loaded) != len(set(loaded)):
            problems.append(f"{stream}: duplicate primary keys in DuckDB")
        if set(loaded) != emitted:
            missing = sorted(emitted - set(loaded))[:5]
            extra = sorted(set(loaded) - emitted)[:5]
            problems.append(f"{stream}: {len(rows)} rows for {len(emitted)} keys; "
                            f"missing {missing}, unexpected {extra}")
    print(format_counts("DuckDB vs tap", ["records", "keys", "rows"], counts))
    assert not problems, "\n".join(problems)
