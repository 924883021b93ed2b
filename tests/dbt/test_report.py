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

from smartlead_report import (
    CHARTS,
    Marts,
    build_charts,
    chart_rows,
    read_marts_duckdb,
    write_report,
)
from smartlead_report.report import drawable
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
    drawn = Counter({(r["date"], r["campaign_name"]): r["replies"]
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
    drawn, untracked = Counter(), Counter()
    for row in chart_rows(report[1]["step_variant_funnel"]):
        if row["note"] == "not tracked":
            assert row["emails"] is None
            untracked[(row["campaign_name"], row["stage"])] += 1
        else:
            drawn[(row["campaign_name"], row["stage"])] += row["emails"]
    expected = Counter()
    rows = marts(built, "select campaign_name, sent_count, opened_count, clicked_count, "
                        "replied_count from smartlead_marts.smartlead__step_variant_performance")
    expected_untracked = Counter()
    for row in rows:
        for stage in ("sent", "opened", "clicked", "replied"):
            if row[f"{stage}_count"] is not None:
                expected[(row["campaign_name"], stage)] += row[f"{stage}_count"]
            else:  # NULL: the campaign does not track it, drawn as "not tracked"
                expected_untracked[(row["campaign_name"], stage)] += 1
    assert drawn == expected
    assert untracked == expected_untracked
    assert len(chart_rows(report[1]["step_variant_funnel"])) == 4 * len(rows)


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


# -- what a manager reads: hand-written marts, the chart specs asserted (not pixels) ------------

DATE_RANGE = re.compile(r"\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}")


def _day(offset: int) -> str:
    return (dt.date(2026, 11, 1) + dt.timedelta(days=offset)).isoformat()


def _step(campaign: str, seq: int, label: str | None, sent: int, opened: int | None,
          clicked: int | None, replied: int) -> dict[str, Any]:
    return {"campaign_id": 1, "campaign_name": campaign, "seq_number": seq, "variant_id": None,
            "variant_label": label, "sent_count": sent, "opened_count": opened,
            "clicked_count": clicked, "replied_count": replied}


def _hand_marts() -> Marts:
    """Two campaigns (one with a rocket in its name and no open tracking), three mailboxes
    (one that sent nothing), 14 days of sends and 7 days of warmup."""
    campaign = "Founders \U0001F680 intro"
    daily = [{"campaign_id": 1, "campaign_name": campaign, "activity_date": _day(d),
              "sent_count": 10, "reply_count": 1} for d in range(14)]
    steps = [_step(campaign, 1, "A", 40, None, 4, 3), _step(campaign, 2, "-", 30, None, 2, 1),
             _step("Plain", 1, "A", 20, 9, 1, 2)]
    health = []
    for mailbox in ("a@x.example", "b@x.example", "idle@x.example"):
        for d in range(14):
            warm = d >= 7
            health.append({"email_account_id": 1, "from_email": mailbox,
                           "activity_date": _day(d), "warmup_inbox_count": 5 if warm else 0,
                           "warmup_spam_count": 1 if warm else 0,
                           "campaign_sent_count": 0 if mailbox.startswith("idle") else 3,
                           "current_warmup_reputation": 97})
    deliverability = [{"from_email": mailbox, "sending_domain": "x.example",
                       "activity_date": _day(d), "sent_count": sent, "bounced_count": bounced,
                       "replied_count": 0}
                      for d in range(14)
                      for mailbox, sent, bounced in (("a@x.example", 10, 1),
                                                     ("b@x.example", 5, 0),
                                                     ("idle@x.example", 0, 0))]
    account = [{"activity_date": _day(d), "sent_by_send_date": 10, "replied_by_send_date": 1,
                "positive_replied_by_send_date": 0, "bounced_by_send_date": 0}
               for d in range(14)]
    clients = [{"client_id": 7, "client_name": "Acme \u2728", "activity_date": _day(d),
                "sent_count": 10, "replied_count": 1, "positive_replied_count": 0,
                "bounced_count": 0} for d in range(14)]
    return Marts(daily, steps, health, account, deliverability, clients)


@pytest.fixture(scope="module")
def hand_specs() -> dict[str, dict[str, Any]]:
    return {name: chart.to_dict() for name, chart in build_charts(_hand_marts()).items()}


def _title(spec: dict[str, Any]) -> str:
    title = spec.get("title") or {}
    if isinstance(title, str):
        return title
    subtitle = title.get("subtitle") or []
    return " ".join([title.get("text", ""), *([subtitle] if isinstance(subtitle, str)
                                              else subtitle)])


def test_an_emoji_in_a_name_is_left_out_of_the_drawn_label_and_kept_in_the_data(
    hand_specs: dict[str, dict[str, Any]],
) -> None:
    for chart in ("replies_per_day", "step_variant_funnel"):
        rows = chart_rows(hand_specs[chart])
        founders = [r for r in rows if r["campaign_name"].startswith("Founders")]
        assert founders and {r["campaign"] for r in founders} == {"Founders intro"}, chart
        assert {r["campaign_name"] for r in founders} == {"Founders \U0001F680 intro"}
    assert {r["client"] for r in chart_rows(hand_specs["client_performance"])} == {"Acme"}
    # Letters with accents and dashes are drawn as they are.
    assert drawable("Réactivation \u2013 EMEA") == "Réactivation \u2013 EMEA"


def test_a_step_without_variants_reads_step_and_its_number(
    hand_specs: dict[str, dict[str, Any]],
) -> None:
    steps = {(r["campaign_name"], r["step"]) for r in chart_rows(hand_specs["step_variant_funnel"])}
    assert steps == {("Founders \U0001F680 intro", "step 1 · A"),
                     ("Founders \U0001F680 intro", "step 2"), ("Plain", "step 1 · A")}


def test_a_stage_the_campaign_does_not_track_reads_not_tracked(
    hand_specs: dict[str, dict[str, Any]],
) -> None:
    spec = hand_specs["step_variant_funnel"]
    notes = {(r["campaign_name"], r["step"], r["stage"]) for r in chart_rows(spec)
             if r["note"] == "not tracked"}
    assert notes == {("Founders \U0001F680 intro", "step 1 · A", "opened"),
                     ("Founders \U0001F680 intro", "step 2", "opened")}
    layers = spec["spec"]["layer"]
    texts = [layer for layer in layers if layer["mark"]["type"] == "text"]
    assert texts and texts[0]["encoding"]["text"]["field"] == "note"
    assert "not tracked" in _title(spec)


def test_the_mailbox_chart_says_how_many_of_its_days_have_warmup(
    hand_specs: dict[str, dict[str, Any]],
) -> None:
    spec = hand_specs["mailbox_health"]
    title = _title(spec)
    assert f"{_day(0)} to {_day(13)} (14 days)" in title
    assert "the 7 of those days with warmup stats" in title
    warmup_days = {r["date"] for r in chart_rows(spec) if r["group"] == "warmup" and r["emails"]}
    assert len(warmup_days) == 7


def test_the_bounce_chart_names_its_period_its_sends_and_the_mailboxes_not_drawn(
    hand_specs: dict[str, dict[str, Any]],
) -> None:
    spec = hand_specs["mailbox_bounce_rate"]
    title = _title(spec)
    assert f"{_day(0)} to {_day(13)}" in title
    assert "210 emails" in title  # 14 days x (10 + 5) sends
    assert "Not drawn, no email sent in the period: idle@x.example." in title
    labels = {r["label"]: r["bounce_rate"] for r in chart_rows(spec)}
    assert labels == {"a@x.example (140 sent)": pytest.approx(0.1),
                      "b@x.example (70 sent)": 0.0}
    assert spec["encoding"]["y"]["field"] == "label"
    assert "over emails sent" in spec["encoding"]["x"]["title"]


def test_every_chart_names_its_period(hand_specs: dict[str, dict[str, Any]]) -> None:
    for name, spec in hand_specs.items():
        title = _title(spec)
        assert DATE_RANGE.search(title) or "through" in title, (name, title)
    assert "over the emails sent" in _title(hand_specs["headline"])


def test_the_demo_report_names_the_mailboxes_that_sent_nothing(
    built: Built, report: tuple[Path, dict],
) -> None:
    idle = sorted(r["from_email"] for r in marts(
        built, "select from_email from smartlead_marts.smartlead__mailbox_deliverability_daily "
               "group by from_email having sum(sent_count) = 0"))
    title = _title(report[1]["mailbox_bounce_rate"])
    drawn = {r["mailbox"] for r in chart_rows(report[1]["mailbox_bounce_rate"])}
    assert not set(idle) & drawn
    if idle:
        assert f"Not drawn, no email sent in the period: {', '.join(idle)}." in title
