"""The dbt project on Snowflake: the tables MeltanoLabs' target-snowflake really wrote into
fakesnow's server (upper-case table and column names, TIMESTAMP_NTZ, VARIANT), built with
dbt-snowflake, which talks to the same server through the Snowflake connector.

The loading side (the target's venv, fakesnow's server, the tap's records) is
tests/warehouse/test_target_snowflake.py's, reused here. dbt-snowflake gets a venv of its
own: its Snowflake connector need not be the one the target pins.

fakesnow runs on DuckDB, which resolves even quoted identifiers without regard to case; real
Snowflake does not (``"campaign_id"`` is not the column ``CAMPAIGN_ID``). So besides building
and checking the marts' numbers against the tap's records, the test reads the SQL dbt
compiled for Snowflake and requires every quoted identifier in it to be spelled as the
warehouse spells it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.conftest import DbtProject, DbtRun, _base_env
from tests.dbt.mart_checks import (
    assert_days_are_utc_days,
    assert_marts_hold_the_records,
    lower_keys,
)
from tests.warehouse.snowflake_venv import stack
from tests.warehouse.snowflake_venv.stack import dbt_snowflake_executable
from tests.warehouse.test_target_snowflake import (  # noqa: F401 (fixtures)
    DATABASE,
    HERE,
    SCHEMA,
    Loaded,
    SnowflakeVenv,
    _clean_env,
    _uv,
    fakesnow_port,
    loaded,
    snowflake_venv,
)

pytestmark = pytest.mark.integration

DBT_PACKAGES = list(stack.DBT_PACKAGES)
MODELS_PREFIX = "smartlead"  # models in SMARTLEAD_STAGING and SMARTLEAD_MARTS


@pytest.fixture(scope="module")
def dbt_snowflake() -> Path:
    """The dbt executable of a venv with dbt-snowflake (cached by its pins)."""
    return dbt_snowflake_executable()


@pytest.fixture(scope="module")
def built(loaded: Loaded, fakesnow_port: int, dbt_snowflake: Path,  # noqa: F811
          tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtRun, Path]:
    work = tmp_path_factory.mktemp("dbt-snowflake")
    project = DbtProject(work, {
        **_base_env(),
        "SMARTLEAD_DBT_TARGET": "snowflake",
        "SMARTLEAD_SF_ACCOUNT": "fakesnow", "SMARTLEAD_SF_USER": "fake",
        "SMARTLEAD_SF_PASSWORD": "snow", "SMARTLEAD_SF_WAREHOUSE": "fake",
        "SMARTLEAD_SF_DATABASE": DATABASE,
        "SMARTLEAD_SF_HOST": "127.0.0.1", "SMARTLEAD_SF_PORT": str(fakesnow_port),
        "SMARTLEAD_SF_PROTOCOL": "http",
        "SMARTLEAD_SOURCE_SCHEMA": SCHEMA,
        "SMARTLEAD_DBT_SCHEMA": MODELS_PREFIX,
    }, executable=dbt_snowflake)
    return project.build(timeout=900), work / "target"


@pytest.fixture(scope="module")
def marts(built: tuple[DbtRun, Path], snowflake_venv: SnowflakeVenv,  # noqa: F811
          fakesnow_port: int) -> dict[str, list[dict[str, Any]]]:  # noqa: F811
    query = subprocess.run(
        [snowflake_venv.bin("python"), str(HERE / "query.py"), str(fakesnow_port), DATABASE,
         f"{MODELS_PREFIX}_MARTS".upper()],
        capture_output=True, text=True, timeout=300, env=_clean_env(),
    )
    assert query.returncode == 0, query.stderr[-3000:]
    return {name.lower(): found["rows"] for name, found in json.loads(query.stdout).items()}


def test_every_model_and_test_passes_on_snowflake(built: tuple[DbtRun, Path]) -> None:
    run, _ = built
    run.check()
    models = [n for n in run.results if n.startswith("model.")]
    tests = [n for n in run.results if n.startswith("test.")]
    assert len(models) == 24 + 10 and len(tests) >= 100, (len(models), len(tests))
    assert any(".cross_check_marts_add_up" in n for n in tests)


def test_the_marts_hold_the_tap_records(marts: dict[str, list[dict[str, Any]]],
                                        loaded: Loaded) -> None:  # noqa: F811
    assert_marts_hold_the_records(lower_keys(marts), loaded.tap.records)


def test_days_are_the_utc_days_of_the_tap_instants(
    marts: dict[str, list[dict[str, Any]]], loaded: Loaded,  # noqa: F811
) -> None:
    """TIMESTAMP_NTZ holds UTC; read through a session time zone, sends would move days."""
    assert_days_are_utc_days(lower_keys(marts), loaded.tap.records)


QUOTED = re.compile(r'"([^"]+)"')
JSON_KEY = re.compile(r':"([^"]+)"')  # doc:"first_name": a key of the API's JSON, not a column
COMMENT = re.compile(r"--[^\n]*")


def test_the_compiled_sql_quotes_names_as_the_warehouse_spells_them(
    built: tuple[DbtRun, Path], loaded: Loaded,  # noqa: F811
) -> None:
    """target-snowflake created upper-case columns: a quoted name must be one of them, and
    every name the models define is unquoted (Snowflake folds it to upper case, as it does
    every later unquoted reference)."""
    _, target = built
    columns = {column for table in loaded.tables.values() for column in table["types"]}
    compiled = sorted(path for path in (target / "compiled" / "smartlead" / "models").rglob("*.sql")
                      if path.parent.suffix != ".yml")  # the models, not their tests
    assert len(compiled) == 24 + 10  # and the analytics streams: 7 staging, 3 marts
    wrong = {}
    for path in compiled:
        sql = COMMENT.sub("", path.read_text(encoding="utf-8"))
        bad = set(QUOTED.findall(sql)) - set(JSON_KEY.findall(sql)) - columns
        if bad:
            wrong[path.name] = sorted(bad)
    assert not wrong, wrong
    assert any('"SENT_TIME"' in path.read_text(encoding="utf-8") for path in compiled)
