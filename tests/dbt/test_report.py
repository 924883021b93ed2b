"""The report renders from the marts of a synced warehouse, and each chart draws exactly the
marts' numbers (queried here independently of the report's own reading)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from smartlead_report import CHARTS, chart_rows, read_marts_duckdb, write_report
from tests.dbt.conftest import Built, duckdb_query

pytestmark = [pytest.mark.integration, pytest.mark.meltano, pytest.mark.postgres]

SPEC = re.compile(
    r'<script type="application/json" class="vega-lite-spec" data-chart="([a-z_]+)">'
    r"(.*?)</script>", re.S)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(built: Built, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("report")
    path = write_report(read_marts_duckdb(built.duckdb_incremental_models), out)
    specs = {name: json.loads(text) for name, text in SPEC.findall(path.read_text("utf-8"))}
    return path, specs


def marts(built: Built, sql: str) -> list[dict[str, Any]]:
    return duckdb_query(built.duckdb_incremental_models)(sql)


def test_the_report_is_one_page_with_every_chart_and_a_png_of_each(
    report: tuple[Path, dict],
) -> None:
    path, specs = report
    page = path.read_text("utf-8")
    assert sorted(specs) == sorted(CHARTS)
    assert page.count("<svg") >= len(CHARTS)  # rendered inline: no script, no network
    assert "<script src" not in page
    for name in CHARTS:
        png = (path.parent / f"{name}.png").read_bytes()
        assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000, name


def test_replies_chart_holds_the_replies_per_campaign_per_day(
    built: Built, report: tuple[Path, dict],
) -> None:
    drawn = Counter({(r["date"], r["campaign"]): r["replies"]
                     for r in chart_rows(report[1]["replies_per_day"])})
    expected = Counter({
        (r["activity_date"].isoformat(), r["campaign_name"]): r["reply_count"]
        for r in marts(built, "select activity_date, campaign_name, reply_count "
                              "from smartlead_marts.smartlead__campaign_performance_daily "
                              "where reply_count > 0")
    })
    replies = marts(built, "select count(*) as n from smartlead_marts.smartlead__replies")[0]["n"]
    assert drawn == expected
    assert sum(drawn.values()) == replies > 0


def test_funnel_chart_holds_every_step_and_variant_count(
    built: Built, report: tuple[Path, dict],
) -> None:
    drawn = Counter()
    for row in chart_rows(report[1]["step_variant_funnel"]):
        drawn[(row["campaign"], row["stage"])] += row["emails"]
    expected = Counter()
    rows = marts(built, "select campaign_name, sent_count, opened_count, clicked_count, "
                        "replied_count from smartlead_marts.smartlead__step_variant_performance")
    bars = 0
    for row in rows:
        for stage in ("sent", "opened", "clicked", "replied"):
            if row[f"{stage}_count"] is not None:  # NULL: the campaign does not track it
                expected[(row["campaign_name"], stage)] += row[f"{stage}_count"]
                bars += 1
    assert drawn == expected
    assert len(chart_rows(report[1]["step_variant_funnel"])) == bars


def test_mailbox_chart_holds_the_last_two_weeks_of_mailbox_health(
    built: Built, report: tuple[Path, dict],
) -> None:
    drawn = {(r["mailbox"].split(" ")[0], r["date"], r["kind"]): r["emails"]
             for r in chart_rows(report[1]["mailbox_health"])}
    rows = marts(built, "select from_email, activity_date, warmup_inbox_count, "
                        "warmup_spam_count, campaign_sent_count "
                        "from smartlead_marts.smartlead__mailbox_health_daily")
    first = max(r["activity_date"] for r in rows) - dt.timedelta(days=13)
    expected = {}
    for r in rows:
        if r["activity_date"] >= first:
            day = r["activity_date"].isoformat()
            expected[(r["from_email"], day, "warmup inbox")] = r["warmup_inbox_count"]
            expected[(r["from_email"], day, "warmup spam")] = r["warmup_spam_count"]
            expected[(r["from_email"], day, "campaign sends")] = r["campaign_sent_count"]
    assert drawn == expected
    assert sum(v for (_, _, kind), v in drawn.items() if kind == "warmup inbox") > 0


def test_report_command_writes_the_page_and_fails_in_one_line_without_marts(
    built: Built, tmp_path: Path,
) -> None:
    command = [sys.executable, "-m", "smartlead_report"]
    ok = subprocess.run([*command, "--duckdb", str(built.duckdb_incremental_models),
                         "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert Path(ok.stdout.strip()) == tmp_path / "out" / "report.html"
    bad = subprocess.run([*command, "--duckdb", str(tmp_path / "none.duckdb"), "--out",
                          str(tmp_path / "bad")], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and "cannot read the marts" in bad.stderr, bad.stderr
