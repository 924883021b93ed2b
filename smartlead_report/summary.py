"""Text figures for the demo: rows per model and the cross-checks against the API's totals."""

from __future__ import annotations

from pathlib import Path

MARTS = (
    "smartlead__campaign_performance",
    "smartlead__campaign_performance_daily",
    "smartlead__step_variant_performance",
    "smartlead__lead_funnel",
    "smartlead__mailbox_health_daily",
    "smartlead__replies",
)

# Per campaign: the statistics rows against the API's own counts (the dbt cross-checks).
CROSS_CHECK_SQL = """
with windows as (
  select campaign_id, min(start_date) as first_day, max(end_date) as last_day,
         sum(sent_count) as by_date_sent, sum(reply_count) as by_date_replies
  from {staging}.stg_smartlead__campaign_analytics_by_date group by campaign_id
)
select
  analytics.campaign_id,
  (select count(*) from {staging}.stg_smartlead__campaign_statistics s
    where s.campaign_id = analytics.campaign_id
      and s.sent_date between windows.first_day and windows.last_day) as stats_sent,
  windows.by_date_sent,
  analytics.sent_count as all_time_sent,
  (select count(*) from {staging}.stg_smartlead__lead_message_history m
    where m.campaign_id = analytics.campaign_id and m.message_type = 'REPLY') as reply_messages,
  windows.by_date_replies,
  (select count(*) from {staging}.stg_smartlead__campaign_leads l
    where l.campaign_id = analytics.campaign_id) as leads,
  analytics.leads_total
from {staging}.stg_smartlead__campaign_analytics as analytics
left join windows on windows.campaign_id = analytics.campaign_id
order by analytics.campaign_id
"""

HEADER = ("campaign", "stats sent", "by-date sent", "all-time sent", "replies",
          "by-date replies", "leads", "lead_stats total")


def duckdb_summary(path: str | Path, prefix: str = "smartlead") -> str:
    """Rows per model and the per-campaign cross-check figures, as aligned text."""
    import duckdb

    staging, marts = f"{prefix}_staging", f"{prefix}_marts"
    lines = []
    with duckdb.connect(str(path), read_only=True) as conn:
        models = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (?, ?) order by table_schema desc, table_name",
            [staging, marts],
        ).fetchall()
        width = max((len(f"{schema}.{name}") for schema, name in models), default=10)
        lines.append(f"dbt models in {path}:")
        for schema, name in models:
            count = conn.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            lines.append(f"  {schema + '.' + name:<{width}}  {count:>7}")
        rows = conn.execute(CROSS_CHECK_SQL.format(staging=staging)).fetchall()
    lines.append("Cross-checks per campaign (statistics rows and message history against the "
                 "API's analytics):")
    lines.append("  " + "  ".join(f"{h:>{max(len(h), 8)}}" for h in HEADER))
    for row in rows:
        lines.append("  " + "  ".join(f"{'' if v is None else v!s:>{max(len(h), 8)}}"
                                      for h, v in zip(HEADER, row, strict=True)))
    return "\n".join(lines)
