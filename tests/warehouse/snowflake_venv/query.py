"""Run by the Snowflake test's venv: every table of a schema in fakesnow, as JSON on stdout.

    python query.py PORT DATABASE SCHEMA  ->  {"TABLE": {"types": {"COL": "NUMBER", ...},
                                                         "rows": [{"COL": value, ...}, ...]}}
Values are JSON: NUMBER as numbers, dates and timestamps in ISO 8601, VARIANT as its JSON text.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys

import snowflake.connector


def plain(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def main() -> None:
    port, database, schema = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    conn = snowflake.connector.connect(
        user="fake", password="snow", account="fakesnow", database=database,
        host="127.0.0.1", port=port, protocol="http",
    )
    cur = conn.cursor()
    cur.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position", (schema,)
    )
    tables: dict[str, dict] = {}
    for table, column, data_type in cur.fetchall():
        tables.setdefault(table, {"types": {}, "rows": []})["types"][column] = data_type
    for table, found in tables.items():
        cur.execute(f'select * from "{schema}"."{table}"')
        names = [d[0] for d in cur.description]
        found["rows"] = [
            {n: plain(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()
        ]
    json.dump(tables, sys.stdout)


if __name__ == "__main__":
    main()
