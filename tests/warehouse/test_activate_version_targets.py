"""What each of our Meltano loaders does with ACTIVATE_VERSION (docs/meltano.md pins the same):
a campaign is loaded, deleted in Smartlead, and the next run (the tap's output fed to each
loader as `meltano run` feeds it) sends the campaigns table's new version without it.

- target-postgres (meltano.yml: activate_version true): the deleted campaign's rows get
  `_sdc_deleted_at`, the others stay null; with `hard_delete: true` its campaigns row is
  removed, and its children's rows are removed or marked by their tombstones (the daily run
  reads configuration on the rotation and sends no version for those streams).
- target-duckdb 0.8.0 ignores the message: the row stays; the tap's tombstone (the campaign
  again, with `_sdc_deleted_at`, since its state says it listed it before) marks it, and the
  dbt staging drops it and its children.
- With the message off, target-postgres keeps the row, marked by the same tombstone.

Snowflake's loader is checked in test_target_snowflake.py (its venv lives there).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import MeltanoProject, PostgresServer
from tests.warehouse.helpers import meltano_tap_env, start_date_days_ago, tap_config

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.meltano]

DELETED = 1001
KEPT = {1000, 1002}
# Full-table children of a campaign: the deleted campaign's rows must follow it.
CHILDREN = ("campaign_sequences", "campaign_email_accounts", "campaign_analytics")


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=41, campaigns=3, leads_per_campaign=6, mailboxes=2, clients=1,
                         rate_limit="none") as process:
        yield process


@pytest.fixture(scope="module")
def loaded(meltano_project: MeltanoProject, postgres: PostgresServer, emu: EmulatorProcess,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Each loader loads the account, the campaign is deleted, each loads again.

    What ``meltano run tap-smartlead <loader>`` does, with the tap run once per tap setting and
    its output fed to every loader (``MeltanoProject.pipe``): the same plugins, settings and
    state hand-over, without Meltano's start-up and discovery per pipeline."""
    duckdb_file = Path(tmp_path_factory.mktemp("activate")) / "raw.duckdb"
    loaders = {
        "postgres-soft": ("target-postgres", postgres.target_env("av_soft")),
        "postgres-hard": ("target-postgres", {**postgres.target_env("av_hard"),
                                              "TARGET_POSTGRES_HARD_DELETE": "true"}),
        "duckdb": ("target-duckdb", {"TARGET_DUCKDB_FILEPATH": str(duckdb_file),
                                     "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": "smartlead"}),
    }
    tap_env = meltano_tap_env(tap_config(emu, start_date_days_ago(30)))
    # The tap's output differs with the message off: a tap run of its own.
    scenarios = {
        "on": (tap_env, loaders),
        "off": ({**tap_env, "TAP_SMARTLEAD_EMIT_ACTIVATE_VERSION_MESSAGES": "false"},
                {"postgres-off": ("target-postgres", postgres.target_env("av_off"))}),
    }
    for deleted in (False, True):
        if deleted:
            emu.delete_campaign(DELETED)
        for scenario, (env, targets) in scenarios.items():
            meltano_project.pipe(env, targets, state_id=f"av-{scenario}")
    return {"postgres": postgres, "duckdb": duckdb_file}


def postgres_rows(server: PostgresServer, schema: str, table: str) -> dict[int, bool]:
    """campaign id -> whether its row is marked deleted, for the campaigns table (or the
    campaign of each row of a child table: marked if any of its rows is)."""
    column = "id" if table == "campaigns" else "campaign_id"
    with server.connect() as conn:
        rows = conn.execute(
            f'SELECT "{column}", "_sdc_deleted_at" IS NOT NULL FROM "{schema}"."{table}"'
        ).fetchall()
    marked: dict[int, bool] = {}
    for campaign, gone in rows:
        marked[int(campaign)] = marked.get(int(campaign), False) or gone
    return marked


@pytest.mark.parametrize("table", ["campaigns", *CHILDREN])
def test_target_postgres_marks_the_deleted_campaigns_rows_with_sdc_deleted_at(loaded, table):
    marked = postgres_rows(loaded["postgres"], "av_soft", table)
    assert marked == {**dict.fromkeys(KEPT, False), DELETED: True}


def test_target_postgres_with_hard_delete_removes_the_campaign(loaded):
    assert postgres_rows(loaded["postgres"], "av_hard", "campaigns") == dict.fromkeys(KEPT, False)


@pytest.mark.parametrize("table", CHILDREN)
def test_with_hard_delete_the_children_are_removed_or_marked(loaded, table):
    # A daily run reads campaign configuration on the rotation, so these streams send no
    # version: the deleted campaign's rows leave by their tombstones (marked, not removed).
    marked = postgres_rows(loaded["postgres"], "av_hard", table)
    assert {k: v for k, v in marked.items() if k in KEPT} == dict.fromkeys(KEPT, False)
    assert marked.get(DELETED, True) is True


def test_without_the_message_target_postgres_keeps_the_deleted_campaign_as_a_tombstone(loaded):
    marked = postgres_rows(loaded["postgres"], "av_off", "campaigns")
    assert marked == {**dict.fromkeys(KEPT, False), DELETED: True}


def test_target_duckdb_ignores_activate_version_and_keeps_the_row_marked_by_a_tombstone(
        loaded):
    with duckdb.connect(str(loaded["duckdb"]), read_only=True) as conn:
        ids = {int(row[0]) for row in conn.execute("SELECT id FROM smartlead.campaigns").fetchall()}
        columns = {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'smartlead' AND table_name = 'campaigns'").fetchall()}
    assert ids == {*KEPT, DELETED}
    assert "_sdc_deleted_at" in columns
    with duckdb.connect(str(loaded["duckdb"]), read_only=True) as conn:
        marked = {int(row[0]) for row in conn.execute(
            "SELECT id FROM smartlead.campaigns WHERE _sdc_deleted_at IS NOT NULL").fetchall()}
    assert marked == {DELETED}
