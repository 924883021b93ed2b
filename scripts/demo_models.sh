#!/usr/bin/env bash
# The demo's last step: build and test the dbt models (transform/) on the DuckDB file the
# loader wrote, print rows per model and the cross-check figures, write the report.
#
#   bash scripts/demo_models.sh [RAW_DUCKDB]    # default output/smartlead_raw.duckdb
#
# Writes output/smartlead_models.duckdb (the models; the loader's file is only read) and
# output/report/ (report.html and a PNG per chart), and prints the report's path last.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
RAW="$(realpath "${1:-$ROOT/output/smartlead_raw.duckdb}")"
MODELS="$ROOT/output/smartlead_models.duckdb"
REPORT_DIR="$ROOT/output/report"
if [[ ! -x "$BIN/dbt" || ! -x "$BIN/smartlead-report" ]]; then
  echo "demo: $BIN has no dbt/smartlead-report; run 'make demo' (or 'make venv')" >&2
  exit 1
fi
if [[ ! -f "$RAW" ]]; then
  echo "demo: no loader database at $RAW; run the pipeline first ('make demo')" >&2
  exit 1
fi

export SMARTLEAD_DBT_TARGET=duckdb
export SMARTLEAD_DUCKDB_PATH="$RAW"
export SMARTLEAD_DBT_DUCKDB_PATH="$MODELS"
export SMARTLEAD_DBT_SCHEMA=smartlead
# dbt's own files (compiled SQL, run results, logs) go under output/, not into the checkout.
export DBT_TARGET_PATH="$ROOT/output/dbt/target" DBT_LOG_PATH="$ROOT/output/dbt/logs"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
rm -f "$MODELS" "$MODELS.wal"
mkdir -p "$ROOT/output/dbt"

echo "demo: dbt build (transform/: staging, marts, tests, cross-checks) on $RAW"
if ! "$BIN/dbt" build --project-dir transform --profiles-dir transform \
    >"$ROOT/output/dbt/build.log" 2>&1; then
  echo "demo: dbt build failed; its log:" >&2
  grep -E "FAIL|ERROR|Error|error" "$ROOT/output/dbt/build.log" | tail -n 40 >&2
  exit 1
fi
grep -E "Done\. PASS" "$ROOT/output/dbt/build.log" | sed 's/^.*Done\./demo: dbt build:/'

"$BIN/python" -c 'import sys; from smartlead_report.summary import duckdb_summary; print(duckdb_summary(sys.argv[1]))' "$MODELS"

report="$("$BIN/smartlead-report" --duckdb "$MODELS" --out "$REPORT_DIR")"
echo "demo: report: $report (PNGs beside it)"
