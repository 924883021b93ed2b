"""Venvs of the warehouse tests' own tools (loaders and emulators whose pins clash with the
project's), built once per set of pins and reused by every later session and clone.

    root = cached_venv("target-snowflake", ("meltanolabs-target-snowflake==0.20.4", ...))
    root / "venv" / "bin" / "target-snowflake"

Where: ``$SMARTLEAD_TEST_VENV_CACHE``, else ``~/.cache/tap-smartlead/venvs``: outside the
checkout on purpose, so that a fresh clone (CI) reuses them; one directory per hash of the
Python interpreter, the pins and any file copied in (a patch), so a changed pin or patch gets
a new venv and nothing stale is ever reused. From a cold cache a venv is built with uv (a
Meltano dependency; pip without it) in seconds to a minute. Built in place (a venv's scripts
name their interpreter by absolute path), under a file lock so two sessions (or two xdist
workers) never build the same one at once; ``.complete`` marks it whole, and a directory
without it is rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"  # uv comes with Meltano
    return str(beside) if beside.exists() else shutil.which("uv")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without its venv, so a child venv's python is itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


def cache_root() -> Path:
    configured = os.environ.get("SMARTLEAD_TEST_VENV_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "tap-smartlead" / "venvs"


def _run(step: list[str], **kwargs: Any) -> None:
    result = subprocess.run(step, capture_output=True, text=True, timeout=1200, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{step}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def site_packages(python: Path) -> Path:
    return Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, env=clean_env(),
    ).stdout.strip())


def build_venv(root: Path, packages: Iterable[str], sitecustomize: Path | None = None) -> Path:
    """A venv at ``root`` with ``packages`` from PyPI (and ``sitecustomize``); its python."""
    python = root / "bin" / "python"
    found = uv()
    steps = (
        [[found, "venv", "--quiet", "--python", sys.executable, str(root)],
         [found, "pip", "install", "--quiet", "--python", str(python),
          *packages]]
        if found else
        [[sys.executable, "-m", "venv", str(root)],
         [str(python), "-m", "pip", "install", "--quiet", *packages]]
    )
    for step in steps:
        _run(step, env=clean_env())
    if sitecustomize is not None:
        shutil.copy(sitecustomize, site_packages(python) / "sitecustomize.py")
    return python


def cached_venv(name: str, packages: Iterable[str], sitecustomize: Path | None = None,
                finish: Callable[[Path], None] | None = None) -> Path:
    """``<cache>/<name>-<hash>``, holding ``venv/`` (and whatever ``finish(root)`` adds)."""
    packages = tuple(packages)
    digest = hashlib.sha256(json.dumps([sys.version, sys._base_executable, packages]).encode())
    if sitecustomize is not None:
        digest.update(sitecustomize.read_bytes())
    root = cache_root() / f"{name}-{digest.hexdigest()[:12]}"
    if (root / ".complete").exists():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{root}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            build_venv(root / "venv", packages, sitecustomize)
            if finish is not None:
                finish(root)
            (root / ".complete").touch()
    return root
