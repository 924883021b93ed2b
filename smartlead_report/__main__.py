"""``python -m smartlead_report`` / ``smartlead-report``: write the report from a warehouse."""

from __future__ import annotations

import argparse
import sys

from smartlead_report.report import read_marts_duckdb, read_marts_postgres, write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="smartlead-report",
        description="Charts of the smartlead dbt marts: report.html and PNGs in --out.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--duckdb", metavar="PATH", help="the DuckDB file dbt wrote the models to")
    source.add_argument("--postgres", metavar="CONNINFO",
                        help="a PostgreSQL connection string (host=... dbname=... user=...)")
    parser.add_argument("--schema", default="smartlead_marts", help="the marts' schema")
    parser.add_argument("--out", default="output/report", help="directory to write")
    args = parser.parse_args(argv)
    try:
        if args.duckdb:
            marts = read_marts_duckdb(args.duckdb, args.schema)
            label = args.duckdb
        else:
            marts = read_marts_postgres(args.postgres, args.schema)
            label = "PostgreSQL"
    except Exception as err:  # a one-line error, not a traceback: a missing file, schema, table
        print(f"smartlead-report: cannot read the marts ({args.schema}): "
              f"{str(err).splitlines()[0]}", file=sys.stderr)
        return 1
    path = write_report(marts, args.out, source=f"{label} ({args.schema})")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
