"""Every command block of README.md and docs/*.md works as written, or says why it is not run.

Each shell block carries a marker (tests/docs/markdown_blocks.py). A ``docs-test: NAME`` block
is proven by the runner ``NAME`` below: the first sync and the incremental sync from the state
it produced are run as written, in a fresh directory, against one emulator; a block whose
command another test already runs (Meltano, the dbt package) is checked to be that command,
so the two cannot drift apart without this test failing; the dbt package blocks are the
files tests/package/test_dbt_package.py builds a fresh dbt project from.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from smartlead_emulator.testing import EmulatorProcess
from tests.docs.markdown_blocks import REPO_ROOT, Block, all_blocks

BIN = Path(sys.executable).parent
Runner = Callable[[Block, Path, pytest.FixtureRequest], None]
RUNNERS: dict[str, Runner] = {}


def runner(name: str) -> Callable[[Runner], Runner]:
    def register(function: Runner) -> Runner:
        RUNNERS[name] = function
        return function

    return register


def marked(name: str) -> Block:
    found = [b for b in all_blocks() if b.marker == ("docs-test", name)]
    assert len(found) == 1, f"expected one block marked docs-test: {name}, found {len(found)}"
    return found[0]


# -- every block says how it is proven ------------------------------------------------------


def test_every_shell_block_is_run_or_says_why_not() -> None:
    unmarked = [b.where for b in all_blocks() if b.is_shell and b.marker is None]
    assert not unmarked, (
        "shell blocks without a marker (put `<!-- docs-test: NAME -->` with a runner in "
        "tests/docs/test_documented_commands.py, or `<!-- not run: why -->` before the block; "
        f"an output sample is a ```text block): {unmarked}"
    )


def test_every_docs_test_marker_has_a_runner() -> None:
    names = [b.marker[1] for b in all_blocks() if b.marker and b.marker[0] == "docs-test"]
    assert sorted(set(names)) == sorted(RUNNERS), (names, sorted(RUNNERS))
    assert len(names) == len(set(names)), f"a runner proves one block: {names}"


def test_settings_page_is_the_taps_about() -> None:
    # docs/settings.md is the tap's own --about (scripts/settings_doc.py --check).
    result = subprocess.run([sys.executable, "scripts/settings_doc.py", "--check"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr


# -- the first sync, then an incremental one from its state ----------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(seed=3, campaigns=2, leads_per_campaign=10, mailboxes=2,
                         rate_limit="none") as emu:
        yield emu


def _shell(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_SMARTLEAD_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)


def _state_of(path: Path) -> dict:
    state = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(state.get("bookmarks"), dict) and state["bookmarks"], state
    return state


@runner("first-sync")
def first_sync(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    emu: EmulatorProcess = request.getfixturevalue("emulator")
    placeholder = '"api_key": "YOUR_KEY", "start_date": "2024-01-01"'
    assert placeholder in block.text, "the README's config line changed: update this runner"
    recent = (dt.date.today() - dt.timedelta(days=5)).isoformat()
    # The same config, pointed at the emulator; a short start date keeps the daily analytics
    # streams to a few requests.
    script = block.text.replace(placeholder, (
        f'"api_key": "{emu.api_key}", "start_date": "{recent}", '
        f'"base_url": "{emu.base_url}", "rate_limit_requests": 1000, '
        '"rate_limit_window_seconds": 1, "progress_interval_seconds": 0'
    ))
    first, later = script.split("# Every later sync", 1)
    later = "# Every later sync" + later

    emu.reset_stats()
    result = _shell(first, workdir)
    assert result.returncode == 0, result.stderr[-4000:]
    first_requests = emu.stats()["requests"]
    first_state = _state_of(workdir / "state.json")
    records = [json.loads(line) for line in (workdir / "out.jsonl").read_text().splitlines()]
    campaigns = {r["record"]["id"] for r in records
                 if r["type"] == "RECORD" and r["stream"] == "campaigns"}
    assert len(campaigns) == 2, campaigns

    emu.reset_stats()
    result = _shell(later, workdir)
    assert result.returncode == 0, result.stderr[-4000:]
    later_requests = emu.stats()["requests"]
    assert "tap-smartlead: error" not in result.stderr
    # Incremental: it started from the first run's bookmarks, so it asked for less.
    assert 0 < later_requests < first_requests, (first_requests, later_requests)
    second_state = _state_of(workdir / "state.json")
    assert set(second_state["bookmarks"]) >= set(first_state["bookmarks"])


# -- blocks whose command another test runs: the same command --------------------------------


def _test_source(relative: str) -> str:
    return (REPO_ROOT / relative).read_text(encoding="utf-8")


def _words(command: str) -> list[str]:
    return [w.removeprefix(".venv/bin/") for w in command.split()]


@runner("make-targets")
def make_targets(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    assert [c.split() for c in block.commands()] == [["make", "demo"], ["make", "test"]]
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    # CI runs the suite through the documented command.
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # `make test TESTS=...` runs only that part (the README says so): dry-run the recipe.
    dry = subprocess.run(["make", "-n", "test", "TESTS=tests/unit"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert re.search(r"-m pytest tests/unit(\s|$)", dry.stdout), dry.stdout


@runner("meltano-emulator")
def meltano_emulator(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    commands = [_words(c) for c in block.commands()]
    assert commands == [
        ["smartlead-emulator", "--port", "8765", "&"],
        ["export", "TAP_SMARTLEAD_API_KEY=test-api-key"],
        ["meltano", "install"],
        ["mkdir", "-p", "output"],
        ["meltano", "run", "tap-smartlead", "target-duckdb"],
    ], commands
    # The emulator's default key and meltano.yml's default base URL are the ones relied on.
    assert "--api-key\", default=\"test-api-key\"" in _test_source("smartlead_emulator/__main__.py")
    meltano = yaml.safe_load((REPO_ROOT / "meltano.yml").read_text(encoding="utf-8"))
    tap = next(p for p in meltano["plugins"]["extractors"] if p["name"] == "tap-smartlead")
    assert tap["config"]["base_url"] == "http://127.0.0.1:8765/api/v1", tap["config"]
    # tests/conftest.py's meltano_project runs `meltano install` on this meltano.yml, and
    # tests/warehouse/test_meltano_duckdb.py runs this `meltano run` into DuckDB, counting rows.
    assert 'project.run("install"' in _test_source("tests/conftest.py")
    assert '"tap-smartlead", "target-duckdb"' in _test_source(
        "tests/warehouse/test_meltano_duckdb.py")


@runner("dbt-package-packages")
def dbt_package_packages(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    (package,) = yaml.safe_load(block.text)["packages"]
    assert package["subdirectory"] == "transform"
    assert package["git"].endswith(".git")
    # The revision is one this repository has (a branch or tag): `dbt deps` checks it out.
    revision = str(package["revision"])
    if not (REPO_ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout: cannot check the revision")
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname:short)"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=30).stdout.split()
    assert revision in refs or f"origin/{revision}" in refs, (revision, refs)
    # tests/package/test_dbt_package.py installs the package from this very block.
    assert 'documented("dbt-package-packages")' in _test_source(
        "tests/package/test_dbt_package.py")


@runner("dbt-package-vars")
def dbt_package_vars(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    variables = yaml.safe_load(block.text)["vars"]
    assert set(variables) == {"smartlead_database", "smartlead_schema"}
    sources = _test_source("transform/models/staging/_sources.yml")
    for name in variables:
        assert f"var('{name}'" in sources, name
    assert 'documented("dbt-package-vars")' in _test_source("tests/package/test_dbt_package.py")


@runner("dbt-package-profile")
def dbt_package_profile(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    profiles = yaml.safe_load(block.text)
    (profile,) = profiles.values()
    output = profile["outputs"][profile["target"]]
    assert output["type"] == "duckdb"
    (attach,) = output["attach"]
    assert attach["read_only"] is True
    # The alias is the vars' smartlead_database, and the file is the one target-duckdb writes.
    variables = yaml.safe_load(marked("dbt-package-vars").text)["vars"]
    assert attach["alias"] == variables["smartlead_database"]
    meltano = yaml.safe_load((REPO_ROOT / "meltano.yml").read_text(encoding="utf-8"))
    duckdb = next(p for p in meltano["plugins"]["loaders"] if p["name"] == "target-duckdb")
    assert duckdb["config"]["filepath"].endswith("/" + attach["path"])
    # tests/package/test_dbt_package.py builds a fresh dbt project with this very profile.
    assert 'documented("dbt-package-profile")' in _test_source(
        "tests/package/test_dbt_package.py")


@runner("emulator-command-line")
def emulator_command_line(block: Block, workdir: Path, request: pytest.FixtureRequest) -> None:
    (command,) = block.commands()
    words = command.split()
    assert words[:3] == ["smartlead-emulator", "--port", "8765"], words
    # Run as written, on a free port (another process may hold 8765): it starts and serves.
    options = dict(zip(words[3::2], words[4::2], strict=True))
    with EmulatorProcess(**{k.removeprefix("--").replace("-", "_"): v
                            for k, v in options.items()}) as emu:
        stats = emu.stats()
        assert "requests" in stats


# After the runners: the parameters are the registered runners.
@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_documented_block(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    RUNNERS[name](marked(name), tmp_path, request)
