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
    assert scripts.split("[console_scripts]")[1].split() == [
        "tap-smartlead", "=", "tap_smartlead.tap:main"], scripts
    # The tap's code only: no emulator, no report, no tests, no scripts, no project files.
    assert all(n.split("/")[0] == "tap_smartlead" or ".dist-info/" in n for n in names), names


def test_the_tap_requires_exactly_the_distributions_its_modules_import(dist, installed_wheel,
                                                                       tmp_path):
    """In a venv with only the wheel installed: every tap module imports, the emulator and the
    report are absent, and the wheel's requirements are the distributions that provide the
    third-party modules the tap's sources import (read from the sources, not from the tap)."""
    metadata, _ = wheel_metadata(dist.wheel)
    required = {canonical(re.split(r"[<>=~!\[ ;]", r, maxsplit=1)[0])
                for r in metadata.get_all("Requires-Dist") if "extra ==" not in r}
    probe = r"""
import ast, importlib, importlib.metadata, importlib.util, json, pathlib, pkgutil, sys
import tap_smartlead
root = pathlib.Path(tap_smartlead.__file__).parent
failed = {}
for info in pkgutil.walk_packages([str(root)], "tap_smartlead."):
    try:
        importlib.import_module(info.name)
    except Exception as exc:
        failed[info.name] = repr(exc)
imported = set()
for source in root.rglob("*.py"):
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
third_party = sorted(imported - set(sys.stdlib_module_names) - {"tap_smartlead", "__future__"})
providers = importlib.metadata.packages_distributions()
print(json.dumps({
    "failed": failed,
    "modules": third_party,
    "distributions": {m: providers.get(m, []) for m in third_party},
    "absent": [m for m in ("smartlead_emulator", "smartlead_report")
               if importlib.util.find_spec(m) is None],
}))
"""
    result = installed_wheel.run(str(installed_wheel.python), "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["failed"] == {}
    assert found["absent"] == ["smartlead_emulator", "smartlead_report"]
    assert {"singer_sdk", "requests"} <= set(found["modules"])
    providers = found["distributions"]
    assert all(len(dists) == 1 for dists in providers.values()), providers
    assert {canonical(dists[0]) for dists in providers.values()} == required
    assert not (installed_wheel.venv / "bin" / "smartlead-emulator").exists()
    assert not (installed_wheel.venv / "bin" / "smartlead-report").exists()


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize(("package", "module", "requires"), [
    ("smartlead-emulator", "smartlead_emulator", set()),
    ("smartlead-report", "smartlead_report", {"altair", "vl-convert-python", "duckdb"}),
])
def test_the_emulator_and_the_report_are_wheels_of_their_own(package, module, requires,
                                                             tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path),
         str(REPO_ROOT / "packages" / package)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [wheel] = tmp_path.glob("*.whl")
    metadata, names = wheel_metadata(wheel)
    assert metadata["Name"] == package
    assert all(n.split("/")[0] == module or ".dist-info/" in n for n in names), names
    assert f"{module}/__main__.py" in names
    with zipfile.ZipFile(wheel) as archive:
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    assert f"{package} = {module}.__main__:main" in scripts
    unconditional = {canonical(re.split(r"[<>=~!\[ ;]", r, maxsplit=1)[0])
                     for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r}
    assert unconditional == requires


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
