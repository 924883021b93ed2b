"""Run by the target's venv (google-cloud-bigquery): every table of a dataset, as JSON on stdout.

    python read_tables.py PROJECT DATASET  ->  {"table": {"types": {"col": ["INTEGER", "NULLABLE"]},
                                                         "rows": [{"col": value, ...}, ...]}}
Rows come from tabledata.list (no SQL, so nothing of the emulator's SQL translation is in the
way). Values as JSON: TIMESTAMP in ISO 8601 with its offset, DATE as YYYY-MM-DD, JSON columns
as the value they hold, REPEATED as lists, RECORD as objects.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys

from google.cloud import bigquery


def plain(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def main() -> None:
    project, dataset = sys.argv[1], sys.argv[2]
    client = bigquery.Client(project=project)
    tables: dict[str, dict] = {}
    for item in client.list_tables(f"{project}.{dataset}"):
        table = client.get_table(item)
        tables[table.table_id] = {
            "types": {f.name: [f.field_type, f.mode] for f in table.schema},
            "rows": [{k: plain(v) for k, v in row.items()} for row in client.list_rows(table)],
        }
    json.dump(tables, sys.stdout)


if __name__ == "__main__":
    main()
