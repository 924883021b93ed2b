"""A one-page report of the smartlead dbt marts: replies per day per campaign, the step and
variant funnel, mailbox health. Charts are Vega-Lite (Altair) rendered offline by vl-convert
to SVG (inlined in the HTML page) and PNG (files beside it)."""

from smartlead_report.report import (
    CHARTS,
    Marts,
    build_charts,
    chart_rows,
    read_marts_duckdb,
    read_marts_postgres,
    write_report,
)

__all__ = [
    "CHARTS",
    "Marts",
    "build_charts",
    "chart_rows",
    "read_marts_duckdb",
    "read_marts_postgres",
    "write_report",
]
