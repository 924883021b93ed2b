"""`make demo` installs only what the demo needs, keeps its own Meltano state, and writes a
DuckDB file whose name is not its schema's (``smartlead.campaigns`` would be ambiguous)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")


def _extras() -> dict[str, list[str]]:
    with open(REPO_ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["optional-dependencies"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=~\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_demo_extra_has_no_other_warehouse_stack() -> None:
    demo = _names(_extras()["demo"])
    assert {"meltano", "duckdb", "dbt-core", "dbt-duckdb", "smartlead-emulator",
            "smartlead-report"} <= demo
    assert not demo & {"dbt-bigquery", "dbt-postgres", "dbt-snowflake", "pytest", "build"}
    # The dev extra is a superset: after `make test`'s install, `make demo` installs nothing.
    assert demo <= _names(_extras()["dev"])


def test_make_demo_installs_the_demo_extra() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo: venv-demo$", makefile, re.M)
    assert '-e ".[demo]"' in makefile


def test_the_demo_keeps_its_own_state_and_file() -> None:
    script = (REPO_ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    run = next(line for line in script.splitlines()
               if "meltano run" in line and not line.lstrip().startswith(("#", "echo")))
    assert "--state-id-suffix demo" in run, run
    assert "meltano install tap-smartlead target-duckdb" in script
    database = re.search(r'^DATABASE="\$ROOT/output/([\w.]+)"', script, re.M)
    assert database, "DATABASE= line"
    meltano = (REPO_ROOT / "meltano.yml").read_text(encoding="utf-8")
    schema = re.search(r"default_target_schema: (\w+)", meltano).group(1)
    stem = database.group(1).removesuffix(".duckdb")
    assert stem != schema, (stem, schema)
    assert f"output/{database.group(1)}" in meltano  # the same file meltano.yml writes
