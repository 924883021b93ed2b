"""``dbt build`` of transform/ on a local BigQuery, after a full and an incremental sync.

    .venv/bin/python -m tests.warehouse.bigquery [--keep DIR] [-- DBT BUILD ARGS]

Builds (or reuses) the emulator's and the target's venvs, starts bqemulator and the token stub
on 127.0.0.1, syncs a small Smartlead emulator account through z3-target-bigquery into dataset
``smartlead``, runs ``dbt build`` into ``smartlead_full_staging`` / ``_marts``, then a day later
an incremental sync (upserted into the same tables) and ``dbt build`` into
``smartlead_incremental_*``. Prints each build's failures; exits 1 if either failed. With
``--keep DIR`` dbt's target/ and logs/ folders and the emulator's log stay in DIR.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.warehouse.bigquery.stack import BigQueryStack, BigQueryVenvs
from tests.warehouse.bigquery.sync import full_then_incremental


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.warehouse.bigquery",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep dbt's and the emulator's files here")
    parser.add_argument("dbt_args", nargs="*", help="after --: extra `dbt build` arguments")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tap-smartlead-bigquery-") as tmp, \
            BigQueryStack(BigQueryVenvs.ensure(), args.keep or Path(tmp)) as bq:
        synced = full_then_incremental(bq, dbt_args=tuple(args.dbt_args))
    failed = False
    for name, loaded in (("full", synced.full), ("incremental", synced.incremental)):
        rows = sum(len(table["rows"]) for table in loaded.tables.values())
        build = loaded.dbt
        assert build is not None
        print(f"{name} sync: {len(loaded.tables)} tables, {rows} rows; dbt build: exit "
              f"{build.returncode}, {len(build.statuses)} nodes, failed: "
              f"{build.failed() or 'none'}")
        if build.returncode != 0 or build.failed() or not build.statuses:
            failed = True
            print(build.output[-8000:])
    print(f"{time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
