#!/usr/bin/env bash
# `make demo`: the whole pipeline on this machine, no API key, no network beyond PyPI.
#
# 1. starts the Smartlead emulator with the default account (seed 1: 5 campaigns x 200 leads,
#    8 mailboxes) on a free port, with the rate limit of PLAN (below);
# 2. `meltano install tap-smartlead target-duckdb` (only the two plugins the demo runs; venvs
#    under .meltano/, from PyPI and this checkout);
# 3. `meltano run --full-refresh --state-id-suffix demo tap-smartlead target-duckdb` into
#    output/smartlead_raw.duckdb (schema smartlead: the file is not named like its schema, so
#    `smartlead.campaigns` is not ambiguous), showing the tap's progress lines as they come.
#    The demo keeps its state under its own id (dev:tap-smartlead-to-target-duckdb:demo): your
#    own first `meltano run tap-smartlead target-duckdb` is a full sync, not an incremental one;
# 4. prints the rows per table, the emulator's request and 429 counts and the wall time;
# 5. builds and tests the dbt models and writes the report (scripts/demo_models.sh).
# The emulator is stopped however the script ends.
#
# PLAN (make demo PLAN=...): the rate limit both the emulator enforces and the tap is told,
#   fast        50 requests per 2 s (default): the sync takes under a minute;
#   documented  10 requests per 2 s, the limit Smartlead's API reference documents.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
if [[ ! -x "$BIN/meltano" || ! -x "$BIN/smartlead-emulator" ]]; then
  echo "demo: $BIN has no meltano/smartlead-emulator; run 'make venv' (or 'make demo')" >&2
  exit 1
fi
export PATH="$BIN:$PATH"

PLAN="${PLAN:-fast}"
case "$PLAN" in
  fast) RATE_REQUESTS=50 ;;
  documented|seed) RATE_REQUESTS=10 ;;
  *) echo "demo: PLAN must be fast or documented, not '$PLAN'" >&2; exit 2 ;;
esac
RATE_WINDOW=2

DATABASE="$ROOT/output/smartlead_raw.duckdb"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tap-smartlead-demo.XXXXXX")"
EMULATOR_PID=""

cleanup() {
  local status=$?
  if [[ -n "$EMULATOR_PID" ]] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { python -c 'import time; print(f"{time.monotonic():.3f}")'; }
elapsed() { python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

demo_start="$(now)"

# -- 1. emulator ------------------------------------------------------------------------------
smartlead-emulator --port 0 --port-file "$WORK/port" \
  --seed 1 --campaigns 5 --leads-per-campaign 200 --mailboxes 8 --rate-limit seed \
  --rate-limit-requests "$RATE_REQUESTS" --rate-limit-window "$RATE_WINDOW" \
  >"$WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 1 150); do
  [[ -s "$WORK/port" ]] && break
  if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
    echo "demo: the emulator exited:" >&2
    cat "$WORK/emulator.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ ! -s "$WORK/port" ]]; then
  echo "demo: the emulator did not start within 15 s:" >&2
  cat "$WORK/emulator.log" >&2
  exit 1
fi
PORT="$(cat "$WORK/port")"
ROOT_URL="http://127.0.0.1:$PORT"
echo "demo: $(head -n 1 "$WORK/emulator.log")"

# -- 2. meltano install -------------------------------------------------------------------------
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
echo "demo: meltano install tap-smartlead target-duckdb"
if ! meltano install tap-smartlead target-duckdb >"$WORK/install.log" 2>&1; then
  echo "demo: meltano install failed:" >&2
  cat "$WORK/install.log" >&2
  exit 1
fi

# -- 3. meltano run -----------------------------------------------------------------------------
export TAP_SMARTLEAD_API_KEY="test-api-key"        # the emulator's key
export TAP_SMARTLEAD_BASE_URL="$ROOT_URL/api/v1"   # overrides meltano.yml's port 8765
export TAP_SMARTLEAD_RATE_LIMIT_REQUESTS="$RATE_REQUESTS"
export TAP_SMARTLEAD_RATE_LIMIT_WINDOW_SECONDS="$RATE_WINDOW"
export TARGET_DUCKDB_FILEPATH="$DATABASE"
mkdir -p "$(dirname "$DATABASE")"
rm -f "$DATABASE" "$DATABASE.wal"
python - "$ROOT_URL" <<'PY'
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(
    sys.argv[1] + "/_emulator/stats/reset", data=b"{}", method="POST"), timeout=10).read()
PY
echo "demo: meltano run tap-smartlead target-duckdb (PLAN=$PLAN: $RATE_REQUESTS requests per" \
  "$RATE_WINDOW s; progress every 15 s)"
run_start="$(now)"
# Everything goes to run.log; the tap's progress lines are also shown as they come.
# With pipefail the pipeline fails when meltano does (the filter never fails).
if ! meltano run --full-refresh --state-id-suffix demo tap-smartlead target-duckdb 2>&1 | tee "$WORK/run.log" \
    | { grep --line-buffered -o 'progress: .*' | sed -u 's/^/  /' || true; }; then
  echo "demo: meltano run failed; last lines of its log:" >&2
  tail -n 60 "$WORK/run.log" >&2
  exit 1
fi
run_end="$(now)"

# -- 4. report ------------------------------------------------------------------------------
python - "$DATABASE" "$ROOT_URL" "$(elapsed "$run_start" "$run_end")" <<'PY'
import json
import sys
import urllib.request

import duckdb

database, root_url, run_seconds = sys.argv[1], sys.argv[2], sys.argv[3]
schema = "smartlead"
with duckdb.connect(database, read_only=True) as conn:
    catalog = conn.execute("SELECT current_database()").fetchone()[0]
    tables = [row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
        "ORDER BY table_name", [schema]).fetchall()]
    counts = {t: conn.execute(f'SELECT count(*) FROM "{catalog}"."{schema}"."{t}"').fetchone()[0]
              for t in tables}
# What the emulator holds (its ground truth), reduced to what the tap should extract with the
# default start_date (90 days before today): the same rule the integration tests assert.
import datetime as dt

sys.path.insert(0, ".")
from tests.integration.expected import expected_keys

with urllib.request.urlopen(root_url + "/_emulator/dataset", timeout=60) as answer:
    dataset = json.load(answer)
today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
served = {k: len(v) for k, v in expected_keys(dataset, today - dt.timedelta(days=90)).items()}

width = max(map(len, counts), default=5)
print(f"\nRows in {database} (schema {schema}) next to the emulator's own counts:")
print(f"  {'table':<{width}}  {'rows':>7}  {'emulator':>8}")
for table, n in counts.items():
    mark = "" if n == served.get(table) else "   <- differs"
    print(f"  {table:<{width}}  {n:>7}  {served.get(table, '?'):>8}{mark}")
print(f"  {'total':<{width}}  {sum(counts.values()):>7}  {sum(served.values()):>8}"
      f"   ({len(counts)} tables)")

with urllib.request.urlopen(root_url + "/_emulator/stats", timeout=10) as answer:
    stats = json.load(answer)
by_status = ", ".join(f"{k}: {v}" for k, v in sorted(stats.get("by_status", {}).items()))
print(f"\nEmulator: {stats['requests']} API requests ({by_status}), "
      f"{stats.get('rate_limited', 0)} answered 429, "
      f"at most {stats.get('max_in_window', '?')} in one rate-limit window")
print(f"meltano run: {run_seconds} s")
if set(counts) != set(served):
    sys.exit(f"demo: expected the tables {sorted(served)}, found {sorted(counts)}")
PY
echo "demo: wall time $(elapsed "$demo_start" "$(now)") s (emulator, meltano install, run)"

# -- 5. dbt models and the report ----------------------------------------------------------------
bash "$ROOT/scripts/demo_models.sh" "$DATABASE"
