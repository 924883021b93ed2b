"""A full sync and an incremental one into the local BigQuery, and ``dbt build`` after each.

Shared by tests/warehouse/test_target_bigquery.py and ``python -m tests.warehouse.bigquery``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.tap_runner import TapRun, run_tap, tap_config
from tests.warehouse.bigquery.stack import TAP_STREAM_MAPS, BigQueryStack, TargetRun

DATASET = "smartlead"
# A small account: every stream has rows, a sync takes a second or two.
ACCOUNT = {"seed": 17, "campaigns": 2, "leads_per_campaign": 20, "mailboxes": 2}


@dataclass
class DbtBuild:
    returncode: int
    output: str
    statuses: dict[str, str]  # unique_id -> success / pass / error / fail / skipped

    def failed(self) -> list[str]:
        return sorted(n for n, s in self.statuses.items() if s not in ("success", "pass"))

    def check(self) -> DbtBuild:
        if self.returncode != 0 or self.failed() or not self.statuses:
            raise AssertionError(f"dbt build failed: {self.failed()}\n{self.output[-8000:]}")
        return self


@dataclass
class Round:
    """One tap run, what the target(s) did with it, and the dataset read back afterwards."""

    tap: TapRun
    targets: list[TargetRun]
    tables: dict[str, dict[str, Any]]
    dbt: DbtBuild | None = None


@dataclass
class Synced:
    full: Round
    incremental: Round


def sync_round(bq: BigQueryStack, emu: EmulatorProcess, state: dict[str, Any] | None,
               dataset: str = DATASET) -> Round:
    tap = run_tap(tap_config(emu, stream_maps=TAP_STREAM_MAPS), state=state)
    if tap.returncode != 0:
        raise AssertionError(f"tap-smartlead exited {tap.returncode}:\n{tap.stderr_text[-5000:]}")
    targets = bq.load(tap.stdout, dataset)
    return Round(tap, targets, bq.tables(dataset))


def dbt_build(bq: BigQueryStack, dataset: str, models_prefix: str, *args: str) -> DbtBuild:
    return DbtBuild(*bq.dbt_build(dataset, models_prefix, *args))


def full_then_incremental(bq: BigQueryStack, *, build_models: bool = True,
                          dbt_args: tuple[str, ...] = ()) -> Synced:
    """A full sync, a day of activity, an incremental sync from its state; dbt after each
    (into ``smartlead_full_*`` and ``smartlead_incremental_*``)."""
    with EmulatorProcess(rate_limit="none", **ACCOUNT) as emu:
        full = sync_round(bq, emu, None)
        if build_models:
            full.dbt = dbt_build(bq, DATASET, "smartlead_full", *dbt_args)
        emu.advance(days=1)
        incremental = sync_round(bq, emu, full.tap.last_state)
        if build_models:
            incremental.dbt = dbt_build(bq, DATASET, "smartlead_incremental", *dbt_args)
    return Synced(full, incremental)
