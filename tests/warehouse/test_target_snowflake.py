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
from typing import Any

import pytest

from tests.integration.expected import instant
from tests.warehouse.helpers import STREAM_KEYS, normalize
from tests.warehouse.snowflake_venv import stack
from tests.warehouse.snowflake_venv.stack import (  # noqa: F401 (imported by tests/dbt)
    Loaded,
    SnowflakeVenv,
    load,
    query_schema,
)
from tests.warehouse.venv_cache import clean_env as _clean_env  # noqa: F401 (tests/dbt)
from tests.warehouse.venv_cache import uv as _uv  # noqa: F401 (imported by tests/dbt)

pytestmark = pytest.mark.integration

DATABASE, SCHEMA = stack.DATABASE, stack.SCHEMA
HERE = stack.HERE
PACKAGES = list(stack.PACKAGES)

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


@pytest.fixture(scope="module")
def snowflake_venv(snowflake_target_venv: SnowflakeVenv) -> SnowflakeVenv:
    """The session's target-snowflake venv (tests/conftest.py)."""
    return snowflake_target_venv


@pytest.fixture(scope="module")
def fakesnow_port(fakesnow_server_port: int) -> int:
    """The session's fakesnow server (tests/conftest.py), shared with tests/dbt."""
    return fakesnow_server_port


@pytest.fixture(scope="module")
def loaded(snowflake_loaded: Loaded) -> Loaded:
    """The session's account loaded into schema SMARTLEAD (tests/conftest.py)."""
    return snowflake_loaded


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
