"""The dbt project on BigQuery: the tables z3-target-bigquery really wrote into the local
BigQuery emulator (issue 18's harness, tests/warehouse/bigquery), after a full sync and after
an incremental one upserted into the same tables, built with dbt-bigquery. Both builds pass
every model and test, and the marts hold the tap's records."""

from __future__ import annotations

import pytest

from tests.dbt.mart_checks import (
    assert_days_are_utc_days,
    assert_marts_hold_the_records,
    lower_keys,
)
from tests.warehouse.bigquery.stack import BigQueryStack
from tests.warehouse.bigquery.sync import Round, Synced

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rounds(bigquery_stack: BigQueryStack, bigquery_synced: Synced
           ) -> dict[str, tuple[Round, dict]]:
    """The session's two syncs and builds (tests/conftest.py, shared with
    tests/warehouse/test_target_bigquery.py) and the marts each build wrote."""
    return {
        name: (found, lower_keys({table: data["rows"] for table, data in
                                  bigquery_stack.tables(f"{prefix}_marts").items()}))
        for name, found, prefix in (("full", bigquery_synced.full, "smartlead_full"),
                                    ("incremental", bigquery_synced.incremental,
                                     "smartlead_incremental"))
    }


@pytest.mark.parametrize("name", ["full", "incremental"])
def test_every_model_and_test_passes_on_bigquery(rounds: dict, name: str) -> None:
    found, _ = rounds[name]
    build = found.dbt
    assert build is not None and build.returncode == 0, build and build.output[-5000:]
    # A warning (a link the API lets you break, such as a campaign's client) is not a failure.
    failed = {n: s for n, s in build.statuses.items() if s not in ("success", "pass", "warn")}
    assert not failed, failed
    models = [n for n in build.statuses if n.startswith("model.")]
    tests = [n for n in build.statuses if n.startswith("test.")]
    assert len(models) == 24 + 10 and len(tests) >= 100, (len(models), len(tests))


def test_the_marts_hold_the_tap_records(rounds: dict) -> None:
    found, marts = rounds["full"]
    assert_marts_hold_the_records(marts, found.tap.records)
    assert_days_are_utc_days(marts, found.tap.records)


def test_the_incremental_marts_grow(rounds: dict) -> None:
    full, incremental = rounds["full"][1], rounds["incremental"][1]
    sent = {name: sum(r["sent_count"] for r in marts["smartlead__step_variant_performance"])
            for name, marts in (("full", full), ("incremental", incremental))}
    assert sent["incremental"] > sent["full"] > 0, sent


