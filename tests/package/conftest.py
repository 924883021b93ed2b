"""Fixtures of the packaging tests: the wheel and sdist built once from this checkout, and the
wheel installed into a fresh virtual environment outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class InstalledWheel:
    venv: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def tap(self) -> Path:
        return self.venv / "bin" / "tap-smartlead"

    def run(self, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run a command of the venv from ``cwd`` with no trace of the checkout in the env."""
        return subprocess.run(
            list(args), cwd=cwd, env=isolated_env(), capture_output=True, text=True,
            timeout=timeout,
        )


def isolated_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "TAP_SMARTLEAD_", "MELTANO_"))
    }
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _uv() -> str | None:
    """uv (a dependency of Meltano) installs a fresh venv in seconds; pip is the fallback."""
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.exists() else shutil.which("uv")


@pytest.fixture(scope="session")
def dist() -> Iterator[Dist]:
    """``python -m build``: a wheel and an sdist of this checkout, in a temporary directory."""
    out = Path(tempfile.mkdtemp(prefix="tap-smartlead-dist-"))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)],
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        [wheel] = out.glob("*.whl")
        [sdist] = out.glob("*.tar.gz")
        yield Dist(wheel=wheel, sdist=sdist)
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def installed_wheel(dist: Dist) -> Iterator[InstalledWheel]:
    """The wheel (and its dependencies from PyPI) in a new venv under a temporary directory."""
    root = Path(tempfile.mkdtemp(prefix="tap-smartlead-wheel-venv-"))
    venv = root / "venv"
    try:
        uv = _uv()
        if uv:
            steps = [[uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                     [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                      str(dist.wheel)]]
        else:
            steps = [[sys.executable, "-m", "venv", str(venv)],
                     [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                      str(dist.wheel)]]
        for step in steps:
            result = subprocess.run(step, cwd=root, env=isolated_env(), capture_output=True,
                                    text=True, timeout=900)
            assert result.returncode == 0, f"{step}\n{result.stdout}\n{result.stderr}"
        yield InstalledWheel(venv=venv)
    finally:
        shutil.rmtree(root, ignore_errors=True)
