"""The BigQuery path: the tap's output loaded by z3-target-bigquery into a local BigQuery emulator.

bqemulator (BigQuery's REST and Storage APIs over DuckDB) and a token stub run on 127.0.0.1
(``bigquery/stack.py``); the target (the SDK-based target-bigquery Meltano Hub lists) runs
unmodified with the settings docs/meltano.md recommends: ``method: batch_job`` (load jobs,
free in BigQuery, unlike streaming inserts and the Storage Write API), ``upsert: true`` (a
MERGE on the stream's key properties, so incremental runs update rows instead of adding
them), ``denormalized: true`` with ``schema_resolver_version: 2`` (a typed column per
property, JSON where a property has no single type), and the tap's stream map that sends nested
objects as JSON text (``JSON_TEXT_PROPERTIES``: as STRUCTs their undeclared keys would be
dropped). The emulator is patched where it is not BigQuery (``bigquery/emulator_sitecustomize.py``).

A full sync, a day of activity, an incremental sync from the full sync's state: after each,
every table is read back and must hold exactly the records the tap sent (after the second,
the upsert of both runs), value by value, with the column types a BigQuery user expects.
The target exits 0 and emits its final STATE even when a load job failed, so only what is
read back counts; the negative control loads a stream whose load BigQuery refuses and shows
the same comparison failing while the target exits 0. ``dbt build`` of transform/ runs on
the loaded tables after each sync.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shlex
import subprocess
from typing import Any

import pytest
import yaml

from tests.integration.tap_runner import TAP, merged
from tests.warehouse.bigquery.stack import (
    JSON_TEXT_PROPERTIES,
    REPO_ROOT,
    TAP_STREAM_MAPS,
    TARGET_PACKAGES,
    TARGET_SETTINGS,
    BigQueryStack,
)
from tests.warehouse.bigquery.sync import Synced
from tests.warehouse.helpers import STREAM_KEYS, normalize

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bigquery(bigquery_stack: BigQueryStack) -> BigQueryStack:
    """The session's local BigQuery (tests/conftest.py), shared with tests/dbt."""
    return bigquery_stack


@pytest.fixture(scope="module")
def synced(bigquery_synced: Synced) -> Synced:
    """The session's full and incremental syncs with their dbt builds (tests/conftest.py)."""
    return bigquery_synced


@pytest.fixture(scope="module")
def raw_schemas() -> dict[str, dict[str, Any]]:
    """The tap's own schemas (``--discover``), before the BigQuery stream map."""
    catalog = subprocess.run([TAP, "--discover"], capture_output=True, text=True, timeout=120,
                             check=True).stdout
    return {entry["tap_stream_id"]: entry["schema"] for entry in json.loads(catalog)["streams"]}


# -- what a column should be, from the tap's JSON Schema (written out by hand) -------------------


def _types(schema: dict[str, Any]) -> list[str]:
    types = schema.get("type", [])
    return [types] if isinstance(types, str) else [t for t in types if t != "null"]


def expected_column(schema: dict[str, Any]) -> list[str]:
    """[BigQuery type, mode] a property of the schema the tap sent should load as."""
    types = _types(schema)
    if types == ["array"]:
        items = schema.get("items", {})
        if not _types(items):
            return ["JSON", "REPEATED"]  # elements of any shape
        return [expected_column(items)[0], "REPEATED"]
    if types == ["object"]:
        assert not schema.get("properties"), "declared objects go as JSON text"
        return ["JSON", "NULLABLE"]
    if types == ["string"] and schema.get("format") == "date-time":
        return ["TIMESTAMP", "NULLABLE"]
    if types == ["string"] and schema.get("format") == "date":
        return ["DATE", "NULLABLE"]
    simple = {("integer",): "INTEGER", ("number",): "FLOAT", ("boolean",): "BOOLEAN",
              ("string",): "STRING"}
    return [simple[tuple(types)], "NULLABLE"]


def is_structured(schema: dict[str, Any]) -> bool:
    """An object with declared fields, a list of such objects, or an object-or-array."""
    types = _types(schema)
    if "object" in types and "array" in types:
        return True
    if types == ["array"]:
        return is_structured(schema.get("items", {}))
    return types == ["object"] and bool(schema.get("properties"))


# -- comparing a loaded row with the record the tap sent -----------------------------------------


def instant(text: str) -> dt.datetime:
    """An ISO 8601 date-time as the tap writes it (UTC, ``+00:00``), or as BigQuery returns it."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.utcoffset() == dt.timedelta(0), f"{text} is not UTC"
    return value


def same_value(column: list[str], loaded: Any, sent: Any, schema: dict[str, Any]) -> bool:
    kind, mode = column
    if mode == "REPEATED":
        sent = sent or []  # BigQuery has no NULL array: an absent list reads as []
        if not isinstance(sent, list) or len(loaded) != len(sent):
            return False
        item = {**schema.get("items", {})}
        return all(same_value([kind, "NULLABLE"], a, b, item)
                   for a, b in zip(loaded, sent, strict=True))
    if sent is None:
        return loaded is None
    if kind == "TIMESTAMP":
        return instant(loaded) == instant(sent)
    if kind == "DATE":
        return loaded == str(sent)[:10]
    if kind == "FLOAT":
        return math.isclose(loaded, float(sent), rel_tol=1e-12)
    return loaded == sent


def mismatches(table: dict[str, Any] | None, records: dict[tuple, dict[str, Any]],
               schema: dict[str, Any], stream: str) -> list[str]:
    """How the loaded ``table`` differs from the ``records`` (by key) the tap sent; [] if not."""
    if table is None:
        return [f"{stream}: no table"]
    problems: list[str] = []
    keys = STREAM_KEYS[stream]
    loaded = {}
    for row in table["rows"]:
        key = tuple(normalize(row[c]) for c in keys)
        if key in loaded:
            problems.append(f"{stream}: key {key} loaded twice")
        loaded[key] = row
    sent = {tuple(normalize(r[c]) for c in keys): r for r in records.values()}
    if set(loaded) != set(sent):
        problems.append(f"{stream}: keys missing {sorted(set(sent) - set(loaded))[:5]}, "
                        f"unexpected {sorted(set(loaded) - set(sent))[:5]}")
    for key in set(loaded) & set(sent):
        for name, property_schema in schema["properties"].items():
            column = table["types"].get(name)
            if column is None:
                problems.append(f"{stream}: no column {name}")
                break
            if not same_value(column, loaded[key][name], sent[key].get(name), property_schema):
                problems.append(f"{stream} {key}.{name}: loaded {loaded[key][name]!r}, "
                                f"sent {sent[key].get(name)!r}")
    return problems


# -- the tests ----------------------------------------------------------------------------------


def test_every_stream_gets_its_table_and_every_load_exits_cleanly(synced):
    for loaded in (synced.full, synced.incremental):
        assert {run.returncode for run in loaded.targets} == {0}, [
            run.stderr[-3000:] for run in loaded.targets if run.returncode]
        assert set(loaded.tables) == set(STREAM_KEYS)


@pytest.mark.parametrize("stream", sorted(STREAM_KEYS))
def test_full_sync_table_holds_exactly_the_tap_records(synced, stream):
    records = synced.full.tap.by_key(stream)
    assert records, f"the emulator account should have {stream}"
    assert len(synced.full.tap.records[stream]) == len(records)
    assert mismatches(synced.full.tables.get(stream), records,
                      synced.full.tap.schemas[stream], stream) == []


@pytest.mark.parametrize("stream", sorted(STREAM_KEYS))
def test_incremental_sync_upserts_on_the_stream_keys(synced, stream):
    """After both runs each key is one row, holding what the latest run sent for it."""
    expected = merged([synced.full.tap, synced.incremental.tap])[stream]
    table = synced.incremental.tables.get(stream)
    assert mismatches(table, expected, synced.incremental.tap.schemas[stream], stream) == []


def test_incremental_sync_resent_and_changed_rows(synced):
    """The incremental run re-sent rows that already existed (upserted, not duplicated), and
    some of them with new values (which must have replaced the old ones)."""
    resent = changed = 0
    for stream in STREAM_KEYS:
        before = synced.full.tap.by_key(stream)
        for key, record in synced.incremental.tap.by_key(stream).items():
            if key in before:
                resent += 1
                changed += record != before[key]
    assert resent > 10 and changed > 0


@pytest.mark.parametrize("stream", sorted(STREAM_KEYS))
def test_column_types_follow_the_tap_schema(synced, stream):
    types = synced.full.tables[stream]["types"]
    properties = synced.full.tap.schemas[stream]["properties"]
    assert {name: types.get(name) for name in properties} == {
        name: expected_column(schema) for name, schema in properties.items()}


def test_metadata_columns_are_timestamps(synced):
    types = synced.full.tables["campaigns"]["types"]
    for column in ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at"):
        assert types[column] == ["TIMESTAMP", "NULLABLE"]


def test_timestamps_are_the_tap_utc_instants(synced):
    checked = 0
    for stream, column in (("campaign_leads", "created_at"), ("lead_message_history", "time"),
                           ("campaign_statistics", "sent_time")):
        assert synced.full.tables[stream]["types"][column] == ["TIMESTAMP", "NULLABLE"]
        records = {tuple(normalize(r[c]) for c in STREAM_KEYS[stream]): r
                   for r in synced.full.tap.records[stream]}
        for row in synced.full.tables[stream]["rows"]:
            record = records[tuple(normalize(row[c]) for c in STREAM_KEYS[stream])]
            if record.get(column) is None:
                continue
            assert instant(row[column]) == instant(record[column])
            checked += 1
    assert checked > 50


def test_json_columns_hold_the_json_sent(synced):
    tables, tap = synced.full.tables, synced.full.tap
    leads = tap.by_key("campaign_leads")
    rows = tables["campaign_leads"]["rows"]
    assert rows and tables["campaign_leads"]["types"]["extra_fields"] == ["JSON", "NULLABLE"]
    for row in rows:
        record = leads[(row["campaign_id"], row["campaign_lead_map_id"])]
        assert row["extra_fields"] == record.get("extra_fields")  # a JSON column, parsed
        assert json.loads(row["lead"]) == json.loads(record["lead"])  # JSON text
        assert isinstance(json.loads(row["lead"])["custom_fields"], dict)
    custom = tables["lead_engagement"]["rows"]
    assert tables["lead_engagement"]["types"]["custom_fields"] == ["JSON", "NULLABLE"]
    assert any(row["custom_fields"] for row in custom)
    shapes = {type(json.loads(row["reply_details"])).__name__
              for row in tables["lead_message_history"]["rows"] if row["reply_details"]}
    assert "dict" in shapes


def test_keys_the_tap_does_not_declare_survive_in_nested_objects(synced, raw_schemas):
    """The reason for JSON text: the API's undeclared nested keys (campaign_lead_stats.skipped
    here) reach the table, where a STRUCT column would have dropped them."""
    declared = set(raw_schemas["campaign_analytics"]["properties"]["campaign_lead_stats"]
                   ["properties"])
    loaded = {key for row in synced.full.tables["campaign_analytics"]["rows"]
              for key in json.loads(row["campaign_lead_stats"])}
    assert loaded - declared


def test_the_json_text_map_covers_every_structured_property(raw_schemas):
    structured = {stream: {name for name, schema in raw["properties"].items()
                           if is_structured(schema)}
                  for stream, raw in raw_schemas.items()}
    assert {stream: names for stream, names in structured.items() if names} == {
        stream: set(names) for stream, names in JSON_TEXT_PROPERTIES.items()}


def test_meltano_yml_declares_the_target_and_tap_variant_tested_here(bigquery):
    plugins = yaml.safe_load((REPO_ROOT / "meltano.yml").read_text())["plugins"]
    [tap] = [p for p in plugins["extractors"] if p["name"] == "tap-smartlead--bigquery"]
    assert tap["inherit_from"] == "tap-smartlead"
    assert tap["config"]["stream_maps"] == TAP_STREAM_MAPS
    [target] = [p for p in plugins["loaders"] if p["name"] == "target-bigquery"]
    assert shlex.split(target["pip_url"]) == list(TARGET_PACKAGES)
    assert {k: target["config"][k] for k in TARGET_SETTINGS} == TARGET_SETTINGS
    about = subprocess.run([bigquery.venvs.target_bin("target-bigquery"), "--about",
                            "--format=json"], capture_output=True, text=True, timeout=120,
                           check=True).stdout
    assert {s["name"] for s in target["settings"]} == set(
        json.loads(about)["settings"]["properties"])


def test_a_failed_load_fails_the_comparison_though_the_target_exits_0(bigquery, synced):
    """Negative control: without the stream map, lead_message_history's reply_details (an
    object in some rows) goes to a REPEATED column; BigQuery refuses that load job. The
    target logs nothing, exits 0 and emits its final STATE; the comparison the tests above
    use is what catches it."""
    stream = "lead_message_history"
    tap = synced.full.tap
    unmapped = [
        json.dumps({"type": "SCHEMA", "stream": stream, "key_properties": list(STREAM_KEYS[stream]),
                    "schema": _unmapped_schema(tap.schemas[stream])}).encode(),
        *(json.dumps({"type": "RECORD", "stream": stream, "record": _unmapped(record)}).encode()
          for record in tap.records[stream]),
        json.dumps({"type": "STATE", "value": tap.last_state}).encode(),
    ]
    [run] = bigquery.load(b"\n".join(unmapped) + b"\n", "negative_control", groups=1)
    assert run.returncode == 0
    assert json.loads(run.stdout.splitlines()[-1]) == tap.last_state
    table = bigquery.tables("negative_control").get(stream)
    records = {k: _unmapped(r) for k, r in tap.by_key(stream).items()}
    problems = mismatches(table, records, _unmapped_schema(tap.schemas[stream]), stream)
    assert problems and "keys missing" in problems[0]


def _unmapped(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the tap sends it without the BigQuery stream map."""
    return {k: json.loads(v) if k in TAP_STREAM_MAPS["lead_message_history"] and v else v
            for k, v in record.items()}


def _unmapped_schema(schema: dict[str, Any]) -> dict[str, Any]:
    properties = dict(schema["properties"])
    for column in TAP_STREAM_MAPS["lead_message_history"]:
        properties[column] = {"type": ["object", "array", "null"]}
    return {**schema, "properties": properties}


# -- dbt ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("round_name", ["full", "incremental"])
def test_dbt_build_passes_on_the_loaded_tables(synced, round_name):
    build = getattr(synced, round_name).dbt
    assert build is not None
    build.check()
    models = [n for n in build.statuses if n.startswith("model.")]
    tests = [n for n in build.statuses if n.startswith("test.")]
    assert len(models) >= 20 and len(tests) >= 100


def test_dbt_staging_reads_every_loaded_row(bigquery, synced):
    """The models read the target's tables (types, names, dataset), not an empty schema."""
    staging = bigquery.tables("smartlead_incremental_staging")
    for stream in ("campaigns", "campaign_leads", "warmup_stats"):
        assert len(staging[f"stg_smartlead__{stream}"]["rows"]) == len(
            synced.incremental.tables[stream]["rows"]) > 0, stream
