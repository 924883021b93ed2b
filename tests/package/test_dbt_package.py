"""transform/ as a dbt package, added to a user's own dbt project the way Fivetran's are.

A fresh dbt project (its own name, profile and a model of its own), set up with the blocks
docs/dbt.md shows (packages.yml, the vars, the DuckDB profile with its ``attach:``), lists this
repository in ``packages.yml`` as a git package with ``subdirectory: transform`` (a local
clone stands in for the published repository), points the package at its raw data with the vars
``smartlead_database`` and ``smartlead_schema`` (names no default would find: a DuckDB file
attached as ``raw_warehouse``, schema ``smartlead_prod``, loaded by the real target-duckdb
through Meltano), runs ``dbt deps`` and ``dbt build``, and reads the marts back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from smartlead_emulator.testing import EmulatorProcess
from tests.conftest import REPO_ROOT, MeltanoProject
from tests.docs.markdown_blocks import all_blocks
from tests.warehouse.helpers import meltano_tap_env, start_date_days_ago, tap_config

pytestmark = [pytest.mark.integration, pytest.mark.meltano]

RAW_ALIAS, RAW_SCHEMA = "raw_warehouse", "smartlead_prod"

# The project's own lines; packages.yml, vars and profiles.yml come from docs/dbt.md.
DBT_PROJECT = """\
name: acme_analytics
version: "1.0.0"
config-version: 2
"""

# The user's own model on top of the package's mart.
LEADS_PER_CAMPAIGN = """\
select campaign_id, count(*) as leads
from {{ ref('smartlead__lead_funnel') }}
group by campaign_id
"""


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com",
                    "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, check=True, capture_output=True, timeout=60)


def published_repository(where: Path) -> Path:
    """A git repository holding this checkout's transform/ as it is now (committed or not)."""
    where.mkdir()
    shutil.copytree(REPO_ROOT / "transform", where / "transform",
                    ignore=shutil.ignore_patterns("target", "logs", ".user.yml", "dbt_packages"))
    _git("init", "-q", cwd=where)
    _git("add", "-A", cwd=where)
    _git("commit", "-q", "-m", "tap-smartlead's dbt package", cwd=where)
    return where


def documented(name: str) -> dict:
    """The YAML block of docs/dbt.md marked ``docs-test: NAME``, as a user copies it."""
    (block,) = [b for b in all_blocks() if b.marker == ("docs-test", name)]
    return yaml.safe_load(block.text)


def write_documented_project(project: Path, *, repository: Path, raw: Path, models: Path) -> None:
    """packages.yml, the vars and profiles.yml exactly as docs/dbt.md shows them, with this
    test's values: the published repository's URL, and names no default would find."""
    packages = documented("dbt-package-packages")
    packages["packages"][0]["git"] = repository.as_uri()  # revision as documented: main
    variables = documented("dbt-package-vars")["vars"]
    variables.update(smartlead_database=RAW_ALIAS, smartlead_schema=RAW_SCHEMA)
    profiles = documented("dbt-package-profile")
    ((profile_name, profile),) = profiles.items()
    output = profile["outputs"][profile["target"]]
    output.update(path=str(models), threads=1)
    output["attach"][0].update(path=str(raw), alias=RAW_ALIAS)
    dbt_project = {**yaml.safe_load(DBT_PROJECT), "profile": profile_name, "vars": variables}
    (project / "dbt_project.yml").write_text(yaml.safe_dump(dbt_project, sort_keys=False))
    (project / "packages.yml").write_text(yaml.safe_dump(packages, sort_keys=False))
    (project / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))


def dbt(*args: str, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "dbt"), *args,
                           "--project-dir", str(project), "--profiles-dir", str(project)],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def raw_duckdb(meltano_project: MeltanoProject, tmp_path_factory: pytest.TempPathFactory
               ) -> Path:
    """A DuckDB file Meltano's target-duckdb wrote from the tap's output (what `meltano run
    --full-refresh tap-smartlead target-duckdb` does: MeltanoProject.pipe), in schema
    smartlead_prod."""
    raw = tmp_path_factory.mktemp("raw") / "warehouse.duckdb"
    with EmulatorProcess(seed=23, campaigns=2, leads_per_campaign=15, mailboxes=2,
                         rate_limit="none") as emu:
        meltano_project.pipe(
            meltano_tap_env(tap_config(emu, start_date_days_ago(100))),
            {"dbt-package": ("target-duckdb", {"TARGET_DUCKDB_FILEPATH": str(raw),
                                               "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": RAW_SCHEMA})},
        )
    return raw


def test_a_user_project_installs_the_package_from_git_and_builds_it(raw_duckdb, tmp_path):
    import duckdb

    raw = raw_duckdb
    repository = published_repository(tmp_path / "tap-smartlead")
    project = tmp_path / "acme"
    (project / "models").mkdir(parents=True)
    models = tmp_path / "acme.duckdb"
    write_documented_project(project, repository=repository, raw=raw, models=models)
    (project / "models" / "leads_per_campaign.sql").write_text(LEADS_PER_CAMPAIGN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTLEAD_", "DBT_"))}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false")

    deps = dbt("deps", project=project, env=env)
    assert deps.returncode == 0, deps.stdout[-5000:] + deps.stderr[-5000:]
    assert (project / "dbt_packages" / "smartlead" / "dbt_project.yml").exists()
    build = dbt("build", project=project, env=env)
    assert build.returncode == 0, build.stdout[-8000:]

    with duckdb.connect(str(raw), read_only=True) as conn:
        loaded = dict(conn.execute(
            f"select campaign_id, count(*) from {RAW_SCHEMA}.campaign_leads group by 1"
        ).fetchall())
    with duckdb.connect(str(models), read_only=True) as conn:
        built = dict(conn.execute(
            "select campaign_id, leads from analytics.leads_per_campaign").fetchall())
        marts = {name for (name,) in conn.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'analytics_marts'").fetchall()}
    assert loaded and built == loaded
    assert {"smartlead__lead_funnel", "smartlead__campaign_performance_daily"} <= marts
