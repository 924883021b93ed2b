"""Fixtures shared by several folders: a throwaway PostgreSQL, a Meltano project.

(A fixture one folder uses lives in that folder's conftest.py.)

- ``postgres`` (session) runs ``initdb`` + ``pg_ctl`` in a temporary directory on a free port
  of 127.0.0.1 and yields connection parameters; as root the server runs as the ``postgres``
  OS user. Without PostgreSQL binaries the test is skipped, or fails when ``CI`` is set.
- ``meltano_project`` (session) copies ``meltano.yml`` into a temporary project whose tap is
  installed from this checkout, runs ``meltano install`` once and returns a ``run(*args,
  env=...)`` function that raises with Meltano's output when a command fails.

An interrupted run cleans up: SIGTERM and SIGHUP become a KeyboardInterrupt, so pytest tears
down every fixture as it does on Ctrl-C, and the teardowns that stop servers and delete
folders finish before a second interrupt is taken.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MELTANO_TAP_PIP_URL = "pip_url: -e ${MELTANO_PROJECT_ROOT}"
PG_MISSING = "PostgreSQL not found: apt-get install postgresql to run the warehouse tests"


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; repeated so the marks exist whatever the rootdir.
    for line in (
        "integration: talks to a real emulator process",
        "postgres: needs a PostgreSQL server",
        "meltano: runs a real Meltano pipeline",
    ):
        config.addinivalue_line("markers", line)
    _interrupt_on_termination()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def _interrupt_on_termination() -> None:
    """SIGTERM/SIGHUP (CI cancelling a job, `kill`, `timeout`, a closed terminal) end Python at
    once, skipping every fixture's teardown: the PostgreSQL server (pg_ctl detaches it into its
    own session, so no signal to the test's process group reaches it) and the temporary
    folders would stay. As a KeyboardInterrupt they get the teardown Ctrl-C gets."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _raise_interrupt)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Cleanup that a second Ctrl-C (or SIGTERM) must not cut short: signals wait until it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    pending: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        signal.signal(signum, lambda received, frame: pending.append(received))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending:
            raise KeyboardInterrupt(f"stopped by signal {pending[0]}")


# -- PostgreSQL -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    def connect(self, **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, password=self.password,
            dbname=self.dbname, **kwargs,
        )

    def target_env(self, schema: str) -> dict[str, str]:
        """Meltano env overrides that point ``target-postgres`` at this server and schema."""
        return {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            "TARGET_POSTGRES_PASSWORD": self.password,
            "TARGET_POSTGRES_DATABASE": self.dbname,
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": schema,
        }


def find_postgres_bin() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: PATH first, then Debian's layout."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    for bin_dir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if (Path(bin_dir) / "initdb").exists() and (Path(bin_dir) / "pg_ctl").exists():
            return Path(bin_dir)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` OS user then."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(map(_sh_quote, cmd))]


def _sh_quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def _run_checked(cmd: list[str], what: str, timeout: float = 120) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(
            f"{what} failed ({result.returncode}): {' '.join(cmd)}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with an empty database ``smartlead_test``."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail(PG_MISSING)
        pytest.skip(PG_MISSING)
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root but there is no `postgres` OS user to run PostgreSQL")
    else:
        owner = pwd.getpwuid(os.geteuid())

    # Directly under /tmp: pytest's own tmp dirs are private to root, the server user can't
    # enter them.
    base = Path(tempfile.mkdtemp(prefix="tap-smartlead-pg-"))
    os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    port = free_port()
    # Trust authentication on 127.0.0.1: any password is accepted; one is set for the loaders.
    user, password, dbname = owner.pw_name, "postgres", "smartlead_test"
    pg_ctl = str(bin_dir / "pg_ctl")
    started = False
    try:
        # Set before `pg_ctl start`: interrupted while it runs, the server may be up already.
        _run_checked(
            _as_postgres_user([
                str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync",
            ]),
            "initdb",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        started = True
        _run_checked(
            _as_postgres_user([pg_ctl, "-D", str(data), "-l", str(log), "-o", options,
                               "-w", "-t", "60", "start"]),
            "pg_ctl start",
        )
        server = PostgresServer("127.0.0.1", port, user, password, "postgres")
        _wait_for_postgres(server)
        with server.connect(autocommit=True) as conn:
            # CREATE DATABASE cannot run inside a transaction block: its own autocommit statement.
            conn.execute(f'CREATE DATABASE "{dbname}"')
        yield PostgresServer("127.0.0.1", port, user, password, dbname)
    finally:
        with _uninterrupted():
            if started:
                subprocess.run(
                    _as_postgres_user([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
                    capture_output=True, timeout=60, check=False,
                )
            shutil.rmtree(base, ignore_errors=True)


def _wait_for_postgres(server: PostgresServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with server.connect(connect_timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- Meltano ----------------------------------------------------------------------------------


class MeltanoError(RuntimeError):
    pass


@dataclass
class MeltanoProject:
    """A Meltano project in a temporary directory whose tap is installed from this checkout."""

    root: Path
    executable: list[str]
    base_env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, env: Mapping[str, str] | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run(*args, env=env, timeout=timeout)

    def run(self, *args: str, env: Mapping[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``meltano ARGS`` in the project with ``env`` on top; raises with output on failure."""
        full_env = {**self.base_env, **(env or {})}
        cmd = [*self.executable, *args]
        try:
            result = subprocess.run(cmd, cwd=self.root, env=full_env, capture_output=True,
                                    text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as err:
            raise MeltanoError(
                f"meltano {' '.join(args)} timed out after {timeout} s\n"
                f"stdout:\n{_text(err.stdout)}\nstderr:\n{_text(err.stderr)}"
            ) from None
        if result.returncode != 0:
            raise MeltanoError(
                f"meltano {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout[-20000:]}\nstderr:\n{result.stderr[-20000:]}"
            )
        return result


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def meltano_executable() -> list[str]:
    beside = Path(sys.executable).parent / "meltano"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("meltano")
    if found:
        return [found]
    pytest.fail("meltano is not installed: pip install -e '.[dev]'")


def _clean_env() -> dict[str, str]:
    """The caller's environment without settings that would leak into the pipelines."""
    prefixes = ("TAP_SMARTLEAD_", "TARGET_DUCKDB_", "TARGET_POSTGRES_", "MELTANO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update({
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_DISABLE_TRACKING": "true",
        "MELTANO_ENVIRONMENT": "dev",
        "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture(scope="session")
def meltano_project() -> Iterator[MeltanoProject]:
    """``meltano install`` once, in a temporary copy of meltano.yml; yields the runner."""
    source = (REPO_ROOT / "meltano.yml").read_text(encoding="utf-8")
    if source.count(MELTANO_TAP_PIP_URL) != 1:
        pytest.fail(f"meltano.yml must install the tap with exactly one `{MELTANO_TAP_PIP_URL}`")
    # The copy lives elsewhere, so the tap's pip_url names this checkout explicitly.
    project_yml = source.replace(MELTANO_TAP_PIP_URL, f"pip_url: -e '{REPO_ROOT}'")
    root = Path(tempfile.mkdtemp(prefix="tap-smartlead-meltano-"))
    try:
        (root / "meltano.yml").write_text(project_yml, encoding="utf-8")
        (root / "output").mkdir()
        project = MeltanoProject(root=root, executable=meltano_executable(), base_env=_clean_env())
        project.run("install", timeout=900)
        yield project
    finally:
        with _uninterrupted(), contextlib.suppress(OSError):
            shutil.rmtree(root)
