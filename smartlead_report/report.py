"""Read the marts, build the charts, write ``report.html`` and one PNG per chart.

The page opens with a headline row from the account-wide analytics (sent, reply rate, positive
reply rate, bounce rate: the last 30 days against the 30 before), then the charts."""

from __future__ import annotations

import datetime as dt
import decimal
import html
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

Row = dict[str, Any]

# The marts the report reads, and the columns it needs from each.
MART_QUERIES: dict[str, str] = {
    "campaign_performance_daily": (
        "select campaign_id, campaign_name, activity_date, sent_count, reply_count "
        "from {schema}.smartlead__campaign_performance_daily"
    ),
    "step_variant_performance": (
        "select campaign_id, campaign_name, seq_number, variant_id, variant_label, sent_count, "
        "opened_count, clicked_count, replied_count "
        "from {schema}.smartlead__step_variant_performance"
    ),
    "mailbox_health_daily": (
        "select email_account_id, from_email, activity_date, warmup_inbox_count, "
        "warmup_spam_count, campaign_sent_count, current_warmup_reputation "
        "from {schema}.smartlead__mailbox_health_daily"
    ),
    # The account-wide analytics marts.
    "account_daily": (
        "select activity_date, sent_by_send_date, replied_by_send_date, "
        "positive_replied_by_send_date, bounced_by_send_date "
        "from {schema}.smartlead__account_daily"
    ),
    "mailbox_deliverability_daily": (
        "select from_email, sending_domain, activity_date, sent_count, bounced_count, "
        "replied_count from {schema}.smartlead__mailbox_deliverability_daily"
    ),
    "client_performance_daily": (
        "select client_id, client_name, activity_date, sent_count, replied_count, "
        "positive_replied_count, bounced_count from {schema}.smartlead__client_performance_daily"
    ),
}

CHARTS = ("headline", "replies_per_day", "step_variant_funnel", "mailbox_health",
          "mailbox_bounce_rate", "client_performance")
HEADLINE_DAYS = 30  # the headline compares the last 30 days with the 30 before
MAILBOX_DAYS = 14  # the mailbox chart shows the last two weeks of campaign sends
WARMUP_API_DAYS = 7  # the API's warmup stats cover its last 7 days
FUNNEL_STAGES = ("sent", "opened", "clicked", "replied")
NOT_TRACKED = "not tracked"


@dataclass(frozen=True)
class Marts:
    """The mart rows the report draws, as plain JSON-ready dictionaries."""

    campaign_performance_daily: list[Row]
    step_variant_performance: list[Row]
    mailbox_health_daily: list[Row]
    account_daily: list[Row] = field(default_factory=list)
    mailbox_deliverability_daily: list[Row] = field(default_factory=list)
    client_performance_daily: list[Row] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """A JSON value: dates as ISO strings, decimals as numbers."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _read(query: Callable[[str], tuple[list[str], Sequence[Sequence[Any]]]], schema: str) -> Marts:
    tables: dict[str, list[Row]] = {}
    for name, sql in MART_QUERIES.items():
        columns, rows = query(sql.format(schema=schema))
        tables[name] = [
            {column: _plain(value) for column, value in zip(columns, row, strict=True)}
            for row in rows
        ]
    return Marts(**tables)


def read_marts_duckdb(path: str | Path, schema: str = "smartlead_marts") -> Marts:
    """The marts from the DuckDB file dbt wrote (read-only)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as conn:

        def query(sql: str) -> tuple[list[str], Sequence[Sequence[Any]]]:
            cursor = conn.execute(sql)
            return [c[0] for c in cursor.description], cursor.fetchall()

        return _read(query, schema)


def read_marts_postgres(conninfo: str, schema: str = "smartlead_marts") -> Marts:
    """The marts from PostgreSQL (``conninfo``: a libpq connection string or URL)."""
    import psycopg

    with psycopg.connect(conninfo) as conn:

        def query(sql: str) -> tuple[list[str], Sequence[Sequence[Any]]]:
            cursor = conn.execute(sql)
            return [c.name for c in cursor.description or []], cursor.fetchall()

        return _read(query, schema)


# -- chart data: what each chart draws, row by row ---------------------------------------------

# Characters the charts' font (vl-convert's Liberation Sans, DejaVu as fallback) has no glyph
# for draw as a box: emoji and pictographs (symbols from U+2300 on), their modifiers and
# joiners, private-use and unassigned code points. Drawn labels leave them out ("Founders 🚀
# intro" draws as "Founders intro"); the rows keep the name as it is (campaign_name, tooltips).
_JOINERS = {"\u200d", "\u20e3", "\ufe0e", "\ufe0f"}


def _drawable_char(char: str) -> bool:
    category = unicodedata.category(char)
    if char in _JOINERS or category in ("Cs", "Co", "Cn"):
        return False
    if category in ("So", "Sk") and ord(char) >= 0x2300:
        return False
    return not 0x1F000 <= ord(char) <= 0x1FFFF and not 0xE0000 <= ord(char) <= 0xE007F


def drawable(text: str) -> str:
    """``text`` without the characters the charts' font cannot draw (spaces tidied)."""
    kept = "".join(char for char in text if _drawable_char(char))
    return re.sub(r"\s+", " ", kept).strip() or text.encode("ascii", "replace").decode()


def _period(days: Sequence[str]) -> str:
    """"2026-09-07 to 2026-12-06" (ISO days), or "no days"."""
    return f"{min(days)} to {max(days)}" if days else "no days"


def _campaign(r: Row) -> tuple[str, str]:
    name = r["campaign_name"] or str(r["campaign_id"])
    return drawable(name), name


def replies_rows(marts: Marts) -> list[Row]:
    """Replies per campaign per day, days with at least one reply."""
    return sorted(
        ({"date": r["activity_date"], "campaign": _campaign(r)[0],
          "campaign_name": _campaign(r)[1], "replies": r["reply_count"]}
         for r in marts.campaign_performance_daily if r["reply_count"]),
        key=lambda r: (r["date"], r["campaign"]),
    )


def funnel_rows(marts: Marts) -> list[Row]:
    """Per campaign, step and variant: emails sent, opened, clicked and replied to. A stage
    the campaign does not track (NULL in the mart) is a row with ``emails`` None and the note
    "not tracked", drawn as that text where its bar would be."""
    rows = []
    for r in marts.step_variant_performance:
        # The mart's variant_label is "-" on a step without variants: "step 2", not "step 2 · -".
        variant = r["variant_label"] if r["variant_label"] not in (None, "", "-") else (
            r["variant_id"])
        step = f"step {r['seq_number']}" + (f" · {variant}" if variant else "")
        counts = (r["sent_count"], r["opened_count"], r["clicked_count"], r["replied_count"])
        campaign, name = _campaign(r)
        for order, (stage, count) in enumerate(zip(FUNNEL_STAGES, counts, strict=True)):
            rows.append({"campaign": campaign, "campaign_name": name, "step": step,
                         "stage": stage, "order": order, "emails": count,
                         "note": NOT_TRACKED if count is None else None})
    return sorted(rows, key=lambda r: (r["campaign"], r["step"], r["order"]))


def mailbox_rows(marts: Marts) -> list[Row]:
    """Per mailbox and day of the last MAILBOX_DAYS: warmup inbox, warmup spam, campaign sends."""
    days = [r["activity_date"] for r in marts.mailbox_health_daily]
    if not days:
        return []
    first = (dt.date.fromisoformat(max(days)) - dt.timedelta(days=MAILBOX_DAYS - 1)).isoformat()
    rows = []
    for r in marts.mailbox_health_daily:
        if r["activity_date"] < first:
            continue
        reputation = r["current_warmup_reputation"]
        mailbox = r["from_email"] + (f" (reputation {reputation:g}%)" if reputation is not None
                                     else "")
        for group, kind, count in (("warmup", "warmup inbox", r["warmup_inbox_count"]),
                                   ("warmup", "warmup spam", r["warmup_spam_count"]),
                                   ("campaign", "campaign sends", r["campaign_sent_count"])):
            rows.append({"mailbox": mailbox, "date": r["activity_date"], "group": group,
                         "kind": kind, "emails": count})
    return sorted(rows, key=lambda r: (r["mailbox"], r["date"], r["kind"]))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def headline_rows(marts: Marts) -> list[Row]:
    """Sent, reply rate, positive reply rate and bounce rate (by send date) of the last
    HEADLINE_DAYS days up to the newest day in the marts, and of the HEADLINE_DAYS before."""
    days = [r["activity_date"] for r in marts.account_daily]
    if not days:
        return []
    last = dt.date.fromisoformat(max(days))
    periods = {"last 30 days": (last - dt.timedelta(days=HEADLINE_DAYS - 1), last),
               "30 days before": (last - dt.timedelta(days=2 * HEADLINE_DAYS - 1),
                                  last - dt.timedelta(days=HEADLINE_DAYS))}
    totals: dict[str, dict[str, int]] = {}
    for period, (first, end) in periods.items():
        inside = [r for r in marts.account_daily
                  if first.isoformat() <= r["activity_date"] <= end.isoformat()]
        totals[period] = {
            name: sum(r[f"{name}_by_send_date"] or 0 for r in inside)
            for name in ("sent", "replied", "positive_replied", "bounced")
        }
    rows = []
    for metric, value in (
        ("sent", lambda t: t["sent"]),
        ("reply rate", lambda t: _share(t["replied"], t["sent"])),
        ("positive reply rate", lambda t: _share(t["positive_replied"], t["sent"])),
        ("bounce rate", lambda t: _share(t["bounced"], t["sent"])),
    ):
        now, before = value(totals["last 30 days"]), value(totals["30 days before"])
        rows.append({"metric": metric, "last_30_days": now, "previous_30_days": before,
                     "through": last.isoformat()})
    return rows


def _headline_text(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if metric == "sent" else f"{100 * value:.1f}%"


def mailbox_bounce_rows(marts: Marts) -> list[Row]:
    """Per sending mailbox: sends, bounces and bounce rate over the marts' days."""
    per: dict[str, Row] = {}
    for r in marts.mailbox_deliverability_daily:
        entry = per.setdefault(r["from_email"], {
            "mailbox": r["from_email"], "domain": r["sending_domain"], "sent": 0, "bounced": 0})
        entry["sent"] += r["sent_count"] or 0
        entry["bounced"] += r["bounced_count"] or 0
    rows = [{**e, "bounce_rate": _share(e["bounced"], e["sent"]),
             "label": f"{e['mailbox']} ({e['sent']:,} sent)"} for e in per.values()
            if e["sent"]]
    return sorted(rows, key=lambda r: r["mailbox"])


def mailboxes_without_sends(marts: Marts) -> list[str]:
    """The account's mailboxes (in either mailbox mart) that sent nothing in the bounce
    chart's period: no rate to draw, named under the chart instead."""
    sent = {r["mailbox"] for r in mailbox_bounce_rows(marts)}
    known = {r["from_email"] for r in marts.mailbox_deliverability_daily if r["from_email"]}
    known |= {r["from_email"] for r in marts.mailbox_health_daily if r["from_email"]}
    return sorted(known - sent)


def client_rows(marts: Marts) -> list[Row]:
    """Per client and day: emails sent and replies (by event date)."""
    return sorted(
        ({"client": drawable(r["client_name"] or str(r["client_id"])),
          "client_name": r["client_name"] or str(r["client_id"]), "date": r["activity_date"],
          "sent": r["sent_count"] or 0, "replies": r["replied_count"] or 0,
          "positive_replies": r["positive_replied_count"] or 0}
         for r in marts.client_performance_daily),
        key=lambda r: (r["date"], r["client"]),
    )


# -- charts -------------------------------------------------------------------------------------


def mailbox_title(marts: Marts) -> alt.Title:
    """The mailbox chart's title: its days, and the days of them that have warmup stats (the
    API shows the last WARMUP_API_DAYS; older ones only where earlier syncs kept them)."""
    rows = mailbox_rows(marts)
    days = sorted({r["date"] for r in rows})
    warmup = sorted({r["date"] for r in rows if r["group"] == "warmup" and r["emails"]})
    return alt.Title(
        f"Mailbox health, {_period(days)} ({len(days)} days)",
        subtitle=f"Campaign sends per day; warmup inbox vs spam on the {len(warmup)} of those "
                 f"days with warmup stats (the API reports its last {WARMUP_API_DAYS} days; "
                 "older ones only where earlier syncs kept them).")


def build_charts(marts: Marts) -> dict[str, alt.TopLevelMixin]:
    reply_days = [r["activity_date"] for r in marts.campaign_performance_daily]
    replies = alt.Chart(alt.Data(values=replies_rows(marts)), title=(
        f"Replies per day, {_period(reply_days)}: reply emails received, by campaign"
    )).mark_bar().encode(
        x=alt.X("date:T", timeUnit="utcyearmonthdate", title="day (UTC)"),
        y=alt.Y("sum(replies):Q", title="replies", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("campaign:N", title="campaign", legend=alt.Legend(labelLimit=400)),
        tooltip=["date:N", "campaign_name:N", "replies:Q"],
    ).properties(width=720, height=240)

    send_days = [r["activity_date"] for r in marts.campaign_performance_daily
                 if r.get("sent_count")]
    funnel_base = alt.Chart().encode(
        x=alt.X("step:N", title=None),
        xOffset=alt.XOffset("stage:N", sort=list(FUNNEL_STAGES)),
    )
    funnel_bars = funnel_base.mark_bar().encode(
        y=alt.Y("emails:Q", title="emails"),
        color=alt.Color("stage:N", sort=list(FUNNEL_STAGES), title="stage"),
        tooltip=["campaign_name:N", "step:N", "stage:N", "emails:Q"],
    ).transform_filter("datum.note == null")
    funnel_notes = funnel_base.mark_text(
        angle=270, align="left", baseline="middle", dx=4, fontSize=9, color="#666",
    ).encode(y=alt.datum(0), text="note:N").transform_filter("datum.note != null")
    funnel = alt.layer(funnel_bars, funnel_notes, data=alt.Data(values=funnel_rows(marts))
                       ).properties(width=220, height=180).facet(
        facet=alt.Facet("campaign:N", title=None), columns=3,
        title=alt.Title(
            f"Step and variant funnel, emails sent {_period(send_days)}",
            subtitle=f"Of each step's sends, how many were opened, clicked, replied to. "
                     f"\"{NOT_TRACKED}\": the campaign does not record opens or clicks."),
    ).resolve_scale(x="independent", xOffset="independent")

    colors = alt.Scale(domain=["warmup inbox", "warmup spam", "campaign sends"],
                       range=["#4c9a2a", "#d62728", "#1f77b4"])
    mailboxes = alt.Chart(alt.Data(values=mailbox_rows(marts))).mark_bar().encode(
        x=alt.X("date:O", title=None),
        xOffset=alt.XOffset("group:N"),
        y=alt.Y("sum(emails):Q", title="emails"),
        color=alt.Color("kind:N", scale=colors, title=None),
        tooltip=["mailbox:N", "date:N", "kind:N", "emails:Q"],
    ).properties(width=330, height=140).facet(
        facet=alt.Facet("mailbox:N", title=None), columns=2, title=mailbox_title(marts),
    )
    tiles = [{**r, "value": _headline_text(r["metric"], r["last_30_days"]),
              "before": "30 days before: " + _headline_text(r["metric"], r["previous_30_days"])}
             for r in headline_rows(marts)]
    base = alt.Chart(alt.Data(values=tiles)).encode(
        x=alt.X("metric:N", sort=[t["metric"] for t in tiles], title=None,
                axis=alt.Axis(orient="top", labelFontSize=13, labelAngle=0, ticks=False,
                              domain=False)))
    headline = alt.layer(
        base.mark_text(fontSize=30, fontWeight="bold", dy=-10).encode(text="value:N"),
        base.mark_text(fontSize=12, dy=22, color="#666").encode(text="before:N"),
    ).properties(width=900, height=90, title=alt.Title(
        "Last 30 days (by send date) against the 30 before, through "
        + (tiles[0]["through"] if tiles else "-"),
        subtitle="Rates are over the emails sent in the period: replies, positive replies "
                 "and bounces of those emails, whenever they came."))

    bounce_rows = mailbox_bounce_rows(marts)
    bounce_days = [r["activity_date"] for r in marts.mailbox_deliverability_daily]
    silent = mailboxes_without_sends(marts)
    bounce = alt.Chart(alt.Data(values=bounce_rows)).mark_bar().encode(
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=400)),
        x=alt.X("bounce_rate:Q", title="bounce rate: bounces over emails sent",
                axis=alt.Axis(format="%")),
        color=alt.Color("domain:N", title="sending domain"),
        tooltip=["mailbox:N", "domain:N", "sent:Q", "bounced:Q",
                 alt.Tooltip("bounce_rate:Q", format=".1%")],
    ).properties(width=600, title=alt.Title(
        f"Deliverability: bounce rate per sending mailbox, {_period(bounce_days)}",
        subtitle=[f"Bounces over emails sent in the period, {sum(r['sent'] for r in bounce_rows):,}"
                  " emails in all (each mailbox's sends beside it)."]
        + ([f"Not drawn, no email sent in the period: {', '.join(silent)}."] if silent
           else [])))

    client_days = [r["date"] for r in client_rows(marts)]
    clients = alt.Chart(alt.Data(values=client_rows(marts))).mark_bar().encode(
        x=alt.X("date:T", timeUnit="utcyearmonthdate", title="day"),
        y=alt.Y("sum(sent):Q", title="emails sent"),
        color=alt.Color("client:N", title="client", legend=alt.Legend(labelLimit=400)),
        tooltip=["date:N", "client_name:N", "sent:Q", "replies:Q", "positive_replies:Q"],
    ).properties(width=720, height=200,
                 title=f"Clients: emails sent per day, {_period(client_days)}")
    return {"headline": headline, "replies_per_day": replies, "step_variant_funnel": funnel,
            "mailbox_health": mailboxes, "mailbox_bounce_rate": bounce,
            "client_performance": clients}


def chart_rows(spec: dict[str, Any]) -> list[Row]:
    """The data rows a Vega-Lite spec draws (inline ``data.values`` or a named dataset)."""
    data = spec.get("data") or {}
    if "values" in data:
        return list(data["values"])
    return list(spec.get("datasets", {}).get(data.get("name"), []))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Smartlead report</title>
<style>body{{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}}
figure{{margin:2em 0}} figcaption{{color:#666;font-size:90%}}
svg{{max-width:100%;height:auto;overflow:visible}}</style></head>
<body><h1>Smartlead report</h1>
<p>From the dbt marts in {source}, {generated}. PNGs of each chart are beside this file.</p>
{figures}
</body></html>
"""


def write_report(marts: Marts, out_dir: str | Path, source: str = "the warehouse") -> Path:
    """Write ``report.html`` (SVG charts inline, Vega-Lite specs embedded) and a PNG per chart."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = []
    for name, chart in build_charts(marts).items():
        spec = chart.to_dict()
        (out / f"{name}.png").write_bytes(vl_convert.vegalite_to_png(spec, scale=2))
        svg = vl_convert.vegalite_to_svg(spec)
        embedded = json.dumps(spec).replace("</", "<\\/")  # no "</script>" inside the tag
        figures.append(
            f'<figure id="{name}">{svg}'
            f'<figcaption><a href="{name}.png">{name}.png</a></figcaption>'
            f'<script type="application/json" class="vega-lite-spec" data-chart="{name}">'
            f"{embedded}</script></figure>"
        )
    page = PAGE.format(
        source=html.escape(source),
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        figures="\n".join(figures),
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
