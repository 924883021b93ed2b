"""The Snowflake path: the tap's output loaded by MeltanoLabs' target-snowflake into fakesnow.

fakesnow (a Snowflake emulator backed by DuckDB) runs as a standalone server speaking
Snowflake's HTTP protocol; target-snowflake talks to it with the real Snowflake connector. Both
live in a venv this test makes from PyPI (pinned: the glue below relies on their internals),
with ``snowflake_venv/sitecustomize.py``, whose docstring lists the four things it takes:
the server's address, a named stage for the user stage, no-op clean-up statements, and
fakesnow reading JSON lines in COPY INTO with a transformation. The target loads with
``load_method: append-only`` (COPY INTO); its default, MERGE from a staged file, is beyond
fakesnow.

Every stream's table must hold exactly the tap's records (count and primary keys), with the
column types a Snowflake user expects: integers NUMBER, date-times TIMESTAMP_NTZ holding UTC,
dates DATE, objects and arrays VARIANT (holding the same JSON), booleans BOOLEAN.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.expected import instant
from tests.integration.tap_runner import TapRun, run_tap, tap_config
from tests.warehouse.helpers import STREAM_KEYS, normalize

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent / "snowflake_venv"
PACKAGES = ["meltanolabs-target-snowflake==0.20.4", "fakesnow[server]==0.12.1"]
DATABASE, SCHEMA = "ANALYTICS", "SMARTLEAD"

# What each JSON Schema type of the tap becomes in Snowflake (fakesnow reports TEXT for VARCHAR).
EXPECTED_TYPE = {
    "integer": "NUMBER",
    "number": "FLOAT",
    "boolean": "BOOLEAN",
    "string": "TEXT",
    "date-time": "TIMESTAMP_NTZ",
    "date": "DATE",
    "object": "VARIANT",
    "array": "VARIANT",
}


@dataclass(frozen=True)
class SnowflakeVenv:
    root: Path

    def bin(self, name: str) -> str:
        return str(self.root / "bin" / name)


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"  # uv comes with Meltano
    return str(beside) if beside.exists() else shutil.which("uv")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


@pytest.fixture(scope="module")
def snowflake_venv() -> Iterator[SnowflakeVenv]:
    root = Path(tempfile.mkdtemp(prefix="tap-smartlead-snowflake-venv-"))
    venv = root / "venv"
    try:
        uv = _uv()
        python = str(venv / "bin" / "python")
        steps = (
            [[uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
             [uv, "pip", "install", "--quiet", "--python", python, *PACKAGES]]
            if uv else
            [[sys.executable, "-m", "venv", str(venv)],
             [python, "-m", "pip", "install", "--quiet", *PACKAGES]]
        )
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True, timeout=900,
                                    env=_clean_env())
            assert result.returncode == 0, f"{step}\n{result.stdout}\n{result.stderr}"
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        shutil.copy(HERE / "sitecustomize.py", Path(site) / "sitecustomize.py")
        yield SnowflakeVenv(venv)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def fakesnow_port(snowflake_venv: SnowflakeVenv) -> Iterator[int]:
    """fakesnow's server, in memory, on a free port of 127.0.0.1."""
    port = _free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the server)
    server = subprocess.Popen(
        [snowflake_venv.bin("fakesnow"), "--server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=_clean_env(SMARTLEAD_TEST_FAKESNOW_SERVER="1"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"fakesnow did not start:\n{log.read().decode(errors='replace')}")
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@dataclass
class Loaded:
    tap: TapRun
    tables: dict[str, dict[str, Any]]  # TABLE -> {"types": {COL: TYPE}, "rows": [...]}


@pytest.fixture(scope="module")
def loaded(snowflake_venv: SnowflakeVenv, fakesnow_port: int, tmp_path_factory) -> Loaded:
    work = tmp_path_factory.mktemp("snowflake")
    with EmulatorProcess(seed=17, campaigns=2, leads_per_campaign=20, mailboxes=2,
                         rate_limit="none") as emu:
        tap = run_tap(tap_config(emu))
    assert tap.returncode == 0, tap.stderr_text[-3000:]
    load(snowflake_venv, fakesnow_port, work, tap.stdout, SCHEMA)
    return Loaded(tap=tap, tables=query_schema(snowflake_venv, fakesnow_port, SCHEMA))


def load(venv: SnowflakeVenv, port: int, work: Path, tap_stdout: bytes, schema: str) -> None:
    config = work / f"target-config-{schema}.json"
    config.write_text(json.dumps({
        "account": "fakesnow", "user": "fake", "password": "snow", "warehouse": "fake",
        "database": DATABASE, "default_target_schema": schema, "load_method": "append-only",
    }))
    target = subprocess.run(
        [venv.bin("target-snowflake"), "--config", str(config)],
        input=tap_stdout, capture_output=True, timeout=600, cwd=work,
        env=_clean_env(SMARTLEAD_TEST_FAKESNOW_PORT=str(port)),
    )
    assert target.returncode == 0, target.stderr.decode(errors="replace")[-5000:]


def query_schema(venv: SnowflakeVenv, port: int, schema: str) -> dict[str, dict[str, Any]]:
    query = subprocess.run(
        [venv.bin("python"), str(HERE / "query.py"), str(port), DATABASE, schema],
        capture_output=True, text=True, timeout=300, env=_clean_env(),
    )
    assert query.returncode == 0, query.stderr[-5000:]
    return json.loads(query.stdout)


# Full-table streams end with ACTIVATE_VERSION (docs/meltano.md): the target adds
# _SDC_TABLE_VERSION and marks rows of older versions with _SDC_DELETED_AT. fakesnow hangs on
# any second load into existing tables (with or without the message), so a deletion between two
# loads cannot be shown here; one load shows the target processed the message: every row of
# those tables carries the version, and none is marked.
FULL_TABLE = ("CAMPAIGNS", "CAMPAIGN_SEQUENCES", "CAMPAIGN_ANALYTICS", "EMAIL_ACCOUNTS", "CLIENTS")


@pytest.mark.parametrize("table", FULL_TABLE)
def test_target_snowflake_keeps_the_activated_versions_rows_unmarked(loaded, table):
    messages = [json.loads(line) for line in loaded.tap.stdout.splitlines() if line.strip()]
    versions = {m["stream"].upper(): m["version"] for m in messages
                if m["type"] == "ACTIVATE_VERSION"}
    rows = loaded.tables[table]["rows"]
    assert rows and table in versions
    assert {row["_SDC_TABLE_VERSION"] for row in rows} == {versions[table]}
    # Not marked: fakesnow reads the null _SDC_DELETED_AT of a JSON load as 1970-01-01; the
    # target would set the time of the activation.
    assert {row["_SDC_DELETED_AT"] for row in rows} <= {None, "1970-01-01T00:00:00"}


def _json_type(schema: dict[str, Any]) -> str:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    if types == ["string"] and schema.get("format") in ("date-time", "date"):
        return schema["format"]
    return types[0] if types else "object"


def test_target_snowflake_creates_one_table_per_stream(loaded):
    assert set(loaded.tables) == {stream.upper() for stream in STREAM_KEYS}


@pytest.mark.parametrize("stream", sorted(STREAM_KEYS))
def test_each_table_holds_exactly_the_tap_records(loaded, stream):
    rows = loaded.tables[stream.upper()]["rows"]
    records = loaded.tap.records[stream]
    assert records, f"the emulator account should have {stream}"
    assert len(rows) == len(records)
    columns = [c.upper() for c in STREAM_KEYS[stream]]
    loaded_keys = {tuple(normalize(row[c]) for c in columns) for row in rows}
    tap_keys = {tuple(normalize(r[c]) for c in STREAM_KEYS[stream]) for r in records}
    assert loaded_keys == tap_keys


@pytest.mark.parametrize("stream", sorted(STREAM_KEYS))
def test_column_types_are_what_a_snowflake_user_expects(loaded, stream):
    types = loaded.tables[stream.upper()]["types"]
    expected = {
        name.upper(): EXPECTED_TYPE[_json_type(schema)]
        for name, schema in loaded.tap.schemas[stream]["properties"].items()
    }
    assert {c: types[c] for c in expected} == expected


def test_timestamps_are_the_tap_utc_instants(loaded):
    checked = 0
    for stream, column in (("campaign_leads", "created_at"), ("lead_message_history", "time"),
                           ("campaign_statistics", "sent_time")):
        by_key = {
            tuple(normalize(r[c]) for c in STREAM_KEYS[stream]): r
            for r in loaded.tap.records[stream]
        }
        for row in loaded.tables[stream.upper()]["rows"]:
            record = by_key[tuple(normalize(row[c.upper()]) for c in STREAM_KEYS[stream])]
            if record.get(column) is None:
                assert row[column.upper()] is None
                continue
            emitted = instant(record[column])
            assert emitted is not None and record[column].endswith("+00:00")
            # TIMESTAMP_NTZ holds the UTC wall clock.
            assert dt.datetime.fromisoformat(row[column.upper()]) == emitted.replace(tzinfo=None)
            checked += 1
    assert checked > 50


def test_variant_columns_hold_the_same_json(loaded):
    by_key = {
        (r["campaign_id"], r["campaign_lead_map_id"]): r
        for r in loaded.tap.records["campaign_leads"]
    }
    for row in loaded.tables["CAMPAIGN_LEADS"]["rows"]:
        record = by_key[(row["CAMPAIGN_ID"], row["CAMPAIGN_LEAD_MAP_ID"])]
        assert json.loads(row["LEAD"]) == record["lead"]
    sequences = loaded.tables["CAMPAIGN_SEQUENCES"]["rows"]
    assert all(isinstance(json.loads(row["SEQUENCE_VARIANTS"]), list) for row in sequences
               if row["SEQUENCE_VARIANTS"] is not None)
