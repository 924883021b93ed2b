"""Installed as ``sitecustomize`` into the Snowflake test's own venv (never into the project's).

It lets MeltanoLabs' target-snowflake load into fakesnow's local server with the least change
to what the target does. Each patch is switched on by an environment variable the test sets.

In the target's process (``SMARTLEAD_TEST_FAKESNOW_PORT``):
1. The target has no setting for the host, port or protocol (it always connects to
   ``<account>.snowflakecomputing.com:443`` over https); its connector's connect arguments get
   ``host=127.0.0.1, port=<port>, protocol=http``, which the Snowflake connector accepts.
2. fakesnow has no user stage: the target's ``'@~/target-snowflake/<sync id>'`` (in PUT and
   COPY INTO) becomes a named internal stage, created before the first PUT.
3. fakesnow cannot parse the target's clean-up statements (``REMOVE @~/...`` and
   ``DROP FILE FORMAT``); they become ``select 1``. Nothing the test checks depends on them.

In fakesnow's server process (``SMARTLEAD_TEST_FAKESNOW_SERVER``):
4. fakesnow's COPY INTO with a transformation (``select $1:col::TYPE ... from @stage``) reads
   columns by name, as from CSV or Parquet; for a JSON file format, where each line is one
   VARIANT (``$1``), it reads the file with ``read_json_objects`` and here ``$1`` becomes that
   column, so fakesnow's own translation of ``$1:col::TYPE`` applies to each line's object.

The target's DDL (its types for each JSON Schema type), its batch files, the PUT upload and its
COPY INTO statement with its casts run unchanged. Its default load method, MERGE from a staged
file, is beyond fakesnow: the test uses the target's ``load_method: append-only`` (COPY INTO).
"""

from __future__ import annotations

import os
import re

if os.environ.get("SMARTLEAD_TEST_FAKESNOW_PORT"):
    import snowflake.connector.cursor
    import target_snowflake.connector

    _PORT = int(os.environ["SMARTLEAD_TEST_FAKESNOW_PORT"])
    _connect_args = target_snowflake.connector.SnowflakeConnector.get_connect_args

    def get_connect_args(self):  # type: ignore[no-untyped-def]
        return {**_connect_args(self), "host": "127.0.0.1", "port": _PORT, "protocol": "http"}

    target_snowflake.connector.SnowflakeConnector.get_connect_args = get_connect_args

    _USER_STAGE = re.compile(r"'@~/target-snowflake/([^']*)'")
    _STAGE = "target_snowflake_stages.files"
    _execute = snowflake.connector.cursor.SnowflakeCursor.execute

    def execute(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(command, str):
            statement = command.lstrip().lower()
            if statement.startswith(("remove ", "drop file format")):
                command = "select 1"
            elif "@~/target-snowflake/" in command:
                if statement.startswith("put "):
                    _execute(self, "create schema if not exists target_snowflake_stages")
                    _execute(self, f"create stage if not exists {_STAGE}")
                command = _USER_STAGE.sub(lambda m: f"@{_STAGE}/{m.group(1)}", command)
        return _execute(self, command, *args, **kwargs)

    snowflake.connector.cursor.SnowflakeCursor.execute = execute

if os.environ.get("SMARTLEAD_TEST_FAKESNOW_SERVER"):
    import fakesnow.copy_into
    from sqlglot import exp

    _inserts = fakesnow.copy_into._inserts
    _DOLLAR_1 = exp.Parameter(this=exp.Literal(this="1", is_string=False))

    def inserts(expr, params, urls, parquet_info=None):  # type: ignore[no-untyped-def]
        source = expr.args["files"][0]
        if not (isinstance(params.file_format, fakesnow.copy_into.ReadJSON)
                and isinstance(source, exp.Subquery)):
            return _inserts(expr, params, urls, parquet_info)
        select = source.this.copy()
        for parameter in list(select.find_all(exp.Parameter)):
            if parameter == _DOLLAR_1:
                parameter.replace(exp.column("json"))  # read_json_objects' one column
        return [
            exp.Insert(
                this=expr.this,
                expression=exp.Select(expressions=select.expressions).from_(
                    exp.Table(this=params.file_format.read_expression(url))
                ),
                by_name=False,
            )
            for url in urls
        ]

    fakesnow.copy_into._inserts = inserts
