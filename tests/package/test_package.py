"""The package as a user gets it: a wheel and an sdist that twine accepts, which install into
a fresh venv and run there (``--about``, a sync against the emulator) with no checkout in sight."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tap_smartlead import __version__
from tests.integration.tap_runner import PRIMARY_KEYS
from tests.package.conftest import REPO_ROOT

pytestmark = pytest.mark.integration


def wheel_metadata(wheel: Path) -> tuple[object, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [meta] = [n for n in names if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(meta).decode()), names


def test_wheel_and_sdist_pass_twine_check(dist):
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dist.wheel), str(dist.sdist)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_version_comes_from_the_package_and_names_both_files(dist):
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    assert dist.wheel.name == f"tap_smartlead-{__version__}-py3-none-any.whl"
    assert dist.sdist.name == f"tap_smartlead-{__version__}.tar.gz"
    metadata, _ = wheel_metadata(dist.wheel)
    assert metadata["Version"] == __version__
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    assert f"## [{__version__}]" in changelog, "CHANGELOG.md has no section for this version"


def test_wheel_declares_license_python_versions_and_entry_points(dist):
    metadata, names = wheel_metadata(dist.wheel)
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    classifiers = metadata.get_all("Classifier")
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert metadata["Requires-Python"] == ">=3.10"
    with zipfile.ZipFile(dist.wheel) as archive:
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    assert "tap-smartlead = tap_smartlead.tap:main" in scripts
    # Code only: no tests, no scripts, no project files in the wheel.
    assert all(n.split("/")[0] in ("tap_smartlead", "smartlead_emulator", "smartlead_report")
               or ".dist-info/" in n for n in names), names


def test_sdist_holds_the_sources_license_and_changelog(dist):
    with tarfile.open(dist.sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml",
            "tap_smartlead/tap.py", "tap_smartlead/progress.py"} <= names
    assert not any(n.startswith(("output/", ".meltano/")) for n in names)


def test_installed_wheel_answers_about_from_outside_the_checkout(installed_wheel, tmp_path):
    result = installed_wheel.run(str(installed_wheel.tap), "--about", "--format=json",
                                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    about = json.loads(result.stdout)
    assert about["name"] == "tap-smartlead"
    assert about["version"] == __version__
    assert "api_key" in about["settings"]["required"]
    # The code that ran is the venv's copy, not this checkout.
    where = installed_wheel.run(str(installed_wheel.python), "-c",
                                "import tap_smartlead; print(tap_smartlead.__file__)",
                                cwd=tmp_path)
    location = Path(where.stdout.strip())
    assert installed_wheel.venv in location.parents, location
    assert REPO_ROOT not in location.parents


def test_installed_wheel_syncs_every_stream_from_the_emulator(installed_wheel, tmp_path):
    with EmulatorProcess(seed=11, campaigns=2, leads_per_campaign=10, mailboxes=2,
                         rate_limit="none") as emu:
        config = tmp_path / "config.json"
        config.write_text(json.dumps({
            "api_key": emu.api_key, "base_url": emu.base_url,
            "rate_limit_requests": 1000, "rate_limit_window_seconds": 1,
        }))
        result = installed_wheel.run(str(installed_wheel.tap), "--config", str(config),
                                     cwd=tmp_path)
        served = emu.stats()["requests"]
    assert result.returncode == 0, result.stderr[-3000:]
    records: dict[str, int] = {}
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            records[message["stream"]] = records.get(message["stream"], 0) + 1
    assert set(records) == set(PRIMARY_KEYS)
    assert served > 0
    assert "progress: sync finished" in result.stderr
