"""Write the report images in docs/ from the demo's models (what README.md and docs/dbt.md
show): run `make demo` first, then

    .venv/bin/python scripts/report_pngs.py [output/smartlead_models.duckdb]

docs/report-headline.png, report-mailbox-bounce-rate.png and report-client-performance.png are
those charts' PNGs as `smartlead-report` writes them; docs/report-screenshot.png is the page's
first three charts (replies per day, the step and variant funnel, mailbox health) stacked, as
vl-convert renders them (no browser needed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import altair as alt
import vl_convert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smartlead_report import build_charts, read_marts_duckdb  # noqa: E402

SINGLE = {"headline": "report-headline.png",
          "mailbox_bounce_rate": "report-mailbox-bounce-rate.png",
          "client_performance": "report-client-performance.png"}
PAGE = ("replies_per_day", "step_variant_funnel", "mailbox_health")


def main(argv: list[str]) -> int:
    models = Path(argv[0] if argv else ROOT / "output" / "smartlead_models.duckdb")
    charts = build_charts(read_marts_duckdb(models))
    docs = ROOT / "docs"
    for name, file in SINGLE.items():
        (docs / file).write_bytes(vl_convert.vegalite_to_png(charts[name].to_dict(), scale=2))
    page = alt.vconcat(*(charts[name] for name in PAGE), spacing=40).resolve_scale(
        color="independent")
    (docs / "report-screenshot.png").write_bytes(
        vl_convert.vegalite_to_png(page.to_dict(), scale=1.5))
    for file in (*SINGLE.values(), "report-screenshot.png"):
        print(f"wrote docs/{file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
