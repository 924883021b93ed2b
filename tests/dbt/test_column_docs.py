"""Staging columns a user can read: every one described in `dbt docs generate`, raw properties
with the catalog's own text, one name and one type for each thing (rates as fractions, dates
as dates, the lead's name and company as columns)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.dbt.conftest import TRANSFORM, Built, Synced, duckdb_project, duckdb_query

STAGING_YML = TRANSFORM / "models" / "staging" / "_staging.yml"


def test_dbt_docs_blocks_are_the_taps_property_descriptions() -> None:
    """transform/models/staging/_raw_columns.md is what scripts/dbt_column_docs.py writes from
    tap_smartlead/descriptions.py: a description changed there and not regenerated fails."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "dbt_column_docs.py"), "--check"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    blocks = re.findall(r"{% docs (\S+) %}(.*?){% enddocs %}",
                        (TRANSFORM / "models" / "staging" / "_raw_columns.md").read_text("utf-8"))
    # Hand-written expectation: campaign analytics' reply_count counts leads.
    assert dict(blocks)["smartlead_raw__campaign_analytics__reply_count"].startswith(
        "Leads that replied")


def test_every_staging_doc_reference_names_a_docs_block() -> None:
    defined = set()
    for path in (TRANSFORM / "models").rglob("*.md"):
        defined |= set(re.findall(r"{% docs (\S+) %}", path.read_text("utf-8")))
    used = set(re.findall(r"doc\('([^']+)'\)", STAGING_YML.read_text("utf-8")))
    assert used and used <= defined, sorted(used - defined)


@pytest.fixture(scope="module")
def docs(built: Built, synced: Synced) -> tuple[dict[str, Any], dict[str, Any]]:
    """`dbt docs generate` on the incremental DuckDB models: (manifest, catalog)."""
    project = duckdb_project(synced.duckdb_incremental, built.duckdb_incremental_models,
                             synced.workdir / "docs")
    target = project.workdir / "target"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "docs", "generate", "--project-dir",
         str(TRANSFORM), "--profiles-dir", str(TRANSFORM)],
        cwd=project.workdir, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
        env={**project.env, "DBT_TARGET_PATH": str(target),
             "DBT_LOG_PATH": str(project.workdir / "logs")})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return (json.loads((target / "manifest.json").read_text("utf-8")),
            json.loads((target / "catalog.json").read_text("utf-8")))


@pytest.mark.integration
@pytest.mark.meltano
@pytest.mark.postgres
def test_dbt_docs_describe_every_staging_column(docs: tuple[dict, dict]) -> None:
    manifest, catalog = docs
    staging = {uid: node for uid, node in manifest["nodes"].items()
               if node["resource_type"] == "model" and node["config"].get("schema") == "staging"}
    assert len(staging) >= 24
    assert set(staging) <= set(catalog["nodes"]), sorted(set(staging) - set(catalog["nodes"]))
    undescribed, counted = [], 0
    for uid, node in staging.items():
        for column in catalog["nodes"][uid]["columns"]:
            counted += 1
            text = node["columns"].get(column.lower(), {}).get("description", "")
            if not text.strip():
                undescribed.append(f"{node['name']}.{column.lower()}")
    assert not undescribed, f"staging columns without a description: {undescribed}"
    assert counted > 300
    # A raw property reads the catalog's own text (a doc() block, rendered).
    leads = manifest["nodes"]["model.smartlead.stg_smartlead__campaign_analytics"]["columns"]
    assert leads["reply_count"]["description"].startswith("Leads that replied")


def _columns(built: Built) -> dict[tuple[str, str], str]:
    rows = duckdb_query(built.duckdb_incremental_models)(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'smartlead_staging'")
    return {(r["table_name"], r["column_name"]): r["data_type"] for r in rows}


@pytest.mark.integration
@pytest.mark.meltano
@pytest.mark.postgres
def test_staging_gives_one_name_to_the_lead_id_and_the_spam_counts(built: Built) -> None:
    columns = _columns(built)
    for model in ("stg_smartlead__campaign_leads", "stg_smartlead__lead_engagement",
                  "stg_smartlead__lead_message_history"):
        assert (model, "lead_id") in columns and (model, "id") not in columns, model
    assert ("stg_smartlead__campaign_analytics", "id") not in columns
    assert ("stg_smartlead__warmup_stats", "warmup_spam_count") in columns
    assert ("stg_smartlead__warmup_totals", "warmup_spam_count_7d") in columns
    assert not [key for key in columns if key[1] in ("save_from_spam_count", "spam_count",
                                                     "spam_7d", "total_response", "percentage")]


@pytest.mark.integration
@pytest.mark.meltano
@pytest.mark.postgres
def test_staging_dates_are_dates_and_counts_bigint_on_duckdb(built: Built) -> None:
    """target-duckdb writes `format: date` as VARCHAR and integers as HUGEINT; staging not."""
    columns = _columns(built)
    dates = {key: kind for key, kind in columns.items()
             if key[1] in ("activity_date", "warmup_date", "as_of_date", "start_date",
                           "end_date", "sent_date", "message_date")}
    assert len(dates) >= 12 and set(dates.values()) == {"DATE"}, dates
    times = {key: kind for key, kind in columns.items() if key[1].endswith("_at")}
    assert set(times.values()) == {"TIMESTAMP"}, times
    # Ids and counts are BIGINT; the API's text ids (an email's stats_id, a Message-ID) text.
    counts = {key: kind for key, kind in columns.items()
              if key[1].endswith(("_count", "_id", "_7d"))
              and key[1] not in ("stats_id", "message_id")}
    assert len(counts) > 40 and set(counts.values()) == {"BIGINT"}, {
        key: kind for key, kind in counts.items() if kind != "BIGINT"}


@pytest.mark.integration
@pytest.mark.meltano
@pytest.mark.postgres
def test_staging_rates_are_fractions_of_the_apis_percents(built: Built, synced: Synced) -> None:
    import duckdb

    with duckdb.connect(str(synced.duckdb_incremental), read_only=True) as conn:
        raw = {(r[0], r[1][:10]): (r[2], r[3]) for r in conn.execute(
            "select campaign_id, date, reply_rate, bounce_rate "
            "from smartlead.campaign_daily_stats").fetchall()}
        shares = {(r[0], r[1][:10]): r[2] for r in conn.execute(
            "select name, date, percentage from smartlead.reply_category_daily").fetchall()}
    staged = duckdb_query(built.duckdb_incremental_models)
    rows = staged("select campaign_id, activity_date, reply_rate, bounce_rate "
                  "from smartlead_staging.stg_smartlead__campaign_daily_stats")
    assert rows and any(raw[(r["campaign_id"], r["activity_date"].isoformat())][0] for r in rows)
    for r in rows:
        reply, bounce = raw[(r["campaign_id"], r["activity_date"].isoformat())]
        assert r["reply_rate"] == (None if reply is None else pytest.approx(reply / 100))
        assert r["bounce_rate"] == (None if bounce is None else pytest.approx(bounce / 100))
    categories = staged("select category_name, activity_date, reply_share "
                        "from smartlead_staging.stg_smartlead__reply_category_daily")
    assert categories
    for r in categories:
        percent = shares[(r["category_name"], r["activity_date"].isoformat())]
        assert r["reply_share"] == pytest.approx(percent / 100)
        assert 0 <= r["reply_share"] <= 1


@pytest.mark.integration
@pytest.mark.meltano
@pytest.mark.postgres
def test_staging_flattens_the_leads_name_and_company(built: Built, synced: Synced) -> None:
    import duckdb

    with duckdb.connect(str(synced.duckdb_incremental), read_only=True) as conn:
        raw = {(r[0], r[1]): json.loads(r[2]) for r in conn.execute(
            "select campaign_id, campaign_lead_map_id, cast(lead as varchar) "
            "from smartlead.campaign_leads").fetchall()}
    rows = duckdb_query(built.duckdb_incremental_models)(
        "select campaign_id, campaign_lead_map_id, first_name, last_name, company_name "
        "from smartlead_staging.stg_smartlead__campaign_leads")
    assert rows and all(r["first_name"] for r in rows)
    for r in rows:
        lead = raw[(r["campaign_id"], r["campaign_lead_map_id"])]
        assert (r["first_name"], r["last_name"], r["company_name"]) == (
            lead["first_name"], lead["last_name"], lead["company_name"])
