"""Installed as ``sitecustomize`` into the BigQuery emulator's venv (never the target's).

bqemulator 1.4.0 answers z3-target-bigquery 0.7.2 and dbt-bigquery like BigQuery, except in
the places below, where it differs from BigQuery itself; each patch makes it do what BigQuery
does, switched on by ``SMARTLEAD_TEST_BQEMULATOR=1`` (the test sets it for the emulator only).

1. Gzipped load files. BigQuery reads a load job's NDJSON whether or not it is gzipped (it
   looks at the bytes); the emulator's ``COPY ... FROM ? (FORMAT JSON)`` leaves the decision to
   DuckDB, which decides by the file name, and an upload's staging file has no ``.gz``. The
   target's ``batch_job`` method gzips every batch, so each load job failed (``Malformed
   JSON``). A load path that starts with gzip's magic bytes is given to DuckDB as ``<path>.gz``
   (a hard link).
2. Qualified columns in ``MERGE ... WHEN MATCHED THEN UPDATE SET``. BigQuery accepts
   ``UPDATE SET target.col = source.col`` (the target's ``upsert`` writes it so); DuckDB's
   parser does not ("Qualified column names in UPDATE .. SET not supported") and the emulator
   passes it through. The SET targets lose their table qualifier before translation (they can
   only name the MERGE's target table, so nothing changes meaning).
"""

from __future__ import annotations

import os

if os.environ.get("SMARTLEAD_TEST_BQEMULATOR"):
    import bqemulator.jobs.executor as executor
    import bqemulator.sql.translator as translator
    import sqlglot
    from sqlglot import exp

    _GZIP_MAGIC = b"\x1f\x8b"
    _load_path_into_target = executor._load_path_into_target

    def load_path_into_target(path, job, ctx):  # type: ignore[no-untyped-def]
        with open(path, "rb") as file:
            gzipped = file.read(2) == _GZIP_MAGIC
        if not gzipped or path.endswith(".gz"):
            return _load_path_into_target(path, job, ctx)
        named = f"{path}.gz"
        os.link(path, named)
        try:
            return _load_path_into_target(named, job, ctx)
        finally:
            os.unlink(named)

    executor._load_path_into_target = load_path_into_target

    _translate = translator.SQLTranslator.translate

    def unqualified_merge_set(sql: str) -> str:
        """``MERGE ... UPDATE SET t.a = s.a`` -> ``... UPDATE SET a = s.a`` (BigQuery SQL)."""
        try:
            tree = sqlglot.parse_one(sql, read="bigquery")
        except sqlglot.errors.ParseError:
            return sql
        if not isinstance(tree, exp.Merge):
            return sql
        changed = False
        for when in tree.find_all(exp.When):
            update = when.args.get("then")
            if not isinstance(update, exp.Update):
                continue
            for assignment in update.expressions:
                column = assignment.this
                if isinstance(column, exp.Column) and column.table:
                    column.set("table", None)
                    changed = True
        return tree.sql(dialect="bigquery") if changed else sql

    def translate(self, bq_sql, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "MERGE" in bq_sql.upper() and "UPDATE" in bq_sql.upper():
            bq_sql = unqualified_merge_set(bq_sql)
        return _translate(self, bq_sql, *args, **kwargs)

    translator.SQLTranslator.translate = translate
