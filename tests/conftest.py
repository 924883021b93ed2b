"""Fixtures shared by several folders: a throwaway PostgreSQL, a Meltano project.

(A fixture one folder uses lives in that folder's conftest.py.)

- ``postgres`` (session) runs ``initdb`` + ``pg_ctl`` in a temporary directory on a free port
  of 127.0.0.1 and yields connection parameters; as root the server runs as the ``postgres``
  OS user. Without PostgreSQL binaries the test is skipped, or fails when ``CI`` is set.
- ``meltano_project`` (session) copies ``meltano.yml`` into a temporary project whose tap is
  installed from this checkout, runs ``meltano install`` once and returns a ``run(*args,
  env=...)`` function that raises with Meltano's output when a command fails; its
  ``pipe(tap_env, loaders)`` runs the tap once and feeds its output to several loaders, as
  ``meltano run`` would each (the same plugins and resolved settings), without Meltano's
  start-up, discovery and state store per loader.
- ``bigquery_stack`` (session): the local BigQuery (tests/warehouse/bigquery/stack.py), and
  ``bigquery_synced`` (session): a full and an incremental sync into it with ``dbt build``
  after each. tests/warehouse/test_target_bigquery.py reads the tables, tests/dbt/
  test_bigquery_models.py the marts: one emulator, one pair of syncs and builds for both.
- ``snowflake_target_venv``, ``fakesnow_server_port`` and ``snowflake_loaded`` (session): the
  Snowflake stack (tests/warehouse/snowflake_venv/stack.py) with one account loaded, read by
  tests/warehouse/test_target_snowflake.py and built on by tests/dbt/test_snowflake_models.py.

An interrupted run cleans up: SIGTERM and SIGHUP become a KeyboardInterrupt, so pytest tears
down every fixture as it does on Ctrl-C, and the teardowns that stop servers and delete
folders finish before a second interrupt is taken.
"""

from __future__ import annotations

import contextlib
import glob
import json
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.tap_forkserver import run_tap_command

REPO_ROOT = Path(__file__).resolve().parent.parent
MELTANO_TAP_PIP_URL = "pip_url: -e ${MELTANO_PROJECT_ROOT}"
PG_MISSING = "PostgreSQL not found: apt-get install postgresql to run the warehouse tests"


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; repeated so the marks exist whatever the rootdir.
    for line in (
        "integration: talks to a real emulator process",
        "postgres: needs a PostgreSQL server",
        "meltano: runs a real Meltano pipeline",
        "xdist_group(name): pytest-xdist --dist loadgroup runs the group on one worker",
    ):
        config.addinivalue_line("markers", line)
    _interrupt_on_termination()


# Under pytest-xdist (``-n 2 --dist loadgroup``) each worker builds its own session fixtures.
# Tests that share an expensive one (a synced warehouse, an emulator stack, a built wheel) are
# kept on one worker by an ``xdist_group`` named for it; a test using a module-scoped fixture
# stays with its module (its fixture is built once); any other test goes wherever a worker is
# free. Without xdist the marks do nothing.
SHARED_SESSION_FIXTURES = {  # (module defining it, fixture) -> group
    ("tests.dbt.conftest", "synced"): "dbt-synced",
    ("tests.conftest", "bigquery_stack"): "bigquery",
    ("tests.conftest", "snowflake_target_venv"): "snowflake",
    ("tests.package.conftest", "dist"): "package-dist",
}


def xdist_group_of(item: pytest.Item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    effective = {name: defs[-1] for name, defs in info.name2fixturedefs.items() if defs}
    for name, definition in effective.items():
        group = SHARED_SESSION_FIXTURES.get((getattr(definition.func, "__module__", ""), name))
        if group is not None:
            return group
    if any(d.scope in ("module", "package", "class") for d in effective.values()):
        return item.nodeid.split("::")[0]
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            group = xdist_group_of(item)
            if group is not None:
                item.add_marker(pytest.mark.xdist_group(group))


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
    _catalogs: dict[str, Path] = field(default_factory=dict, repr=False)
    _configs: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _checked: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _states: dict[str, Any] = field(default_factory=dict, repr=False)  # pipe(state_id=...)

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


    def plugin_config(self, plugin: str, env: Mapping[str, str] | None = None
                      ) -> dict[str, Any]:
        """The settings Meltano passes ``plugin`` (meltano.yml, then ``env`` on top), as
        ``meltano config --unsafe print`` prints them. Meltano prints them once for each
        plugin and set of ``<PLUGIN>_<SETTING>`` names in ``env``; a later env that only
        changes values (another schema, another client) gets them applied here with each
        setting's kind from meltano.yml, and the values Meltano printed are compared with the
        same reading of the env they were printed for (a difference fails loudly)."""
        env = dict(env or {})
        kinds = self._setting_kinds(plugin)
        prefix = plugin.upper().replace("-", "_") + "_"
        applied: dict[str, Any] = {}
        for name, value in env.items():
            setting = name[len(prefix):].lower() if name.startswith(prefix) else ""
            if setting in kinds:
                applied[setting] = _setting_value(value, kinds[setting])
        key = json.dumps([plugin, sorted(applied)])
        if key not in self._checked:
            printed = self._print_config(plugin, env)
            if {k: printed.get(k) for k in applied} != applied:
                raise MeltanoError(f"{plugin}: Meltano resolves {printed}, the tests {applied}")
            self._checked[key] = printed
        return {**json.loads(json.dumps(self._checked[key])), **applied}

    def _print_config(self, plugin: str, env: Mapping[str, str]) -> dict[str, Any]:
        key = json.dumps([plugin, sorted(env.items())])
        if key not in self._configs:
            printed = self.run("config", "--unsafe", "print", plugin, "--format=json",
                               env=env).stdout
            self._configs[key] = json.loads(printed[printed.index("{"):])
        return json.loads(json.dumps(self._configs[key]))

    def _setting_kinds(self, plugin: str) -> dict[str, str]:
        """setting -> kind, as meltano.yml declares them (following ``inherit_from``)."""
        import yaml

        declared = yaml.safe_load((self.root / "meltano.yml").read_text(encoding="utf-8"))
        plugins = {p["name"]: p for kind in declared["plugins"].values() for p in kind}
        kinds: dict[str, str] = {}
        name: str | None = plugin
        while name is not None:
            for setting in plugins[name].get("settings", []):
                kinds.setdefault(setting["name"], setting.get("kind", "string"))
            name = plugins[name].get("inherit_from")
        return kinds

    def executable_of(self, plugin_type: str, plugin: str) -> Path:
        """The executable ``meltano install`` put in ``plugin``'s venv (plugin_type:
        ``extractors``, ``loaders``)."""
        return self.root / ".meltano" / plugin_type / plugin / "venv" / "bin" / plugin

    def catalog(self, select: str) -> Path:
        """The catalog Meltano gives the tap with ``TAP_SMARTLEAD__SELECT=select`` (a JSON
        list), from ``meltano invoke --dump=catalog``; made once per selection (the tap's
        discovery reads no setting)."""
        cached = self._catalogs.get(select)
        if cached is None:
            dumped = self.run("invoke", "--dump=catalog", "tap-smartlead",
                              env={"TAP_SMARTLEAD__SELECT": select}).stdout
            cached = Path(tempfile.mkdtemp(prefix="catalog-", dir=self.root / "output")
                          ) / "catalog.json"
            cached.write_text(dumped[dumped.index("{"):], encoding="utf-8")
            self._catalogs[select] = cached
        return cached

    def pipe(self, tap_env: Mapping[str, str], loaders: Mapping[str, tuple[str, Mapping[str, str]]],
             state: Mapping[str, Any] | None = None, state_id: str | None = None) -> Pipe:
        """What ``meltano run tap-smartlead LOADER`` does for each of ``loaders`` (name ->
        (loader, env)), with the tap run once: the same plugins from this project's venvs,
        with the settings ``meltano config`` resolves (and the selection of
        ``TAP_SMARTLEAD__SELECT`` in ``tap_env``, as Meltano's catalog), the tap's messages fed
        to every loader at once, and the loaders' last STATE returned (``state`` is the tap's
        input state; or, with ``state_id``, the state the last pipe of that id ended on, as
        Meltano's state store keeps it). Meltano's own start-up, discovery and state store are
        paid once instead of once per loader; a test about Meltano itself uses ``run``."""
        if state_id is not None:
            assert state is None, "state or state_id, not both"
            state = self._states.get(state_id)
        work = Path(tempfile.mkdtemp(prefix="pipe-", dir=self.root / "output"))
        tap_config = work / "tap.json"
        tap_config.write_text(json.dumps(self.plugin_config("tap-smartlead", tap_env)))
        catalog_args: list[str] = []
        if "TAP_SMARTLEAD__SELECT" in tap_env:
            catalog_args = ["--catalog", str(self.catalog(tap_env["TAP_SMARTLEAD__SELECT"]))]
        state_args: list[str] = []
        if state is not None:
            (work / "state.json").write_text(json.dumps(state))
            state_args = ["--state", str(work / "state.json")]
        # Meltano's install of the tap, forked from a process that imported it once
        # (tests/tap_forkserver.py): the same command line without its 2 s of imports.
        tap = run_tap_command(
            ["--config", str(tap_config), *catalog_args, *state_args],
            tap=str(self.executable_of("extractors", "tap-smartlead")), cwd=str(self.root),
            env=dict(self.base_env), timeout=600,
        )
        if tap.returncode != 0:
            raise MeltanoError(f"tap-smartlead exited {tap.returncode}\n"
                               f"{tap.stderr.decode(errors='replace')[-20000:]}")

        def load(name: str, loader: str, env: Mapping[str, str]) -> dict[str, Any] | None:
            config = work / f"{name}.json"
            config.write_text(json.dumps(self.plugin_config(loader, env)))
            # Forked like the tap, from a process that imported the loader once.
            result = run_tap_command(
                ["--config", str(config)], tap=str(self.executable_of("loaders", loader)),
                input=tap.stdout, cwd=str(self.root), env=dict(self.base_env), timeout=600,
            )
            if result.returncode != 0:
                raise MeltanoError(f"{loader} ({name}) exited {result.returncode}\n"
                                   f"{result.stderr.decode(errors='replace')[-20000:]}")
            states = [line for line in result.stdout.splitlines() if line.strip()]
            return json.loads(states[-1]) if states else None

        with ThreadPoolExecutor(len(loaders)) as pool:
            futures = {name: pool.submit(load, name, loader, env)
                       for name, (loader, env) in loaders.items()}
            states = {name: future.result() for name, future in futures.items()}
        # Fed the same messages, the loaders end on the same state (the next run's input).
        ends = {json.dumps(end, sort_keys=True) for end in states.values()}
        if len(ends) != 1:
            raise MeltanoError(f"the loaders ended on different states: {states}")
        if state_id is not None:
            self._states[state_id] = next(iter(states.values()))
        return Pipe(tap_stdout=tap.stdout, states=states)


def _setting_value(text: str, kind: str) -> Any:
    """An environment variable's text as Meltano reads it for a setting of ``kind``."""
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        return float(text)
    if kind == "boolean":
        return text.strip().lower() in ("true", "1", "yes", "y", "on", "t")
    if kind in ("array", "object"):
        return json.loads(text)
    return text


@dataclass(frozen=True)
class Pipe:
    """One tap run fed to several loaders: the tap's messages, each loader's last STATE."""

    tap_stdout: bytes
    states: dict[str, dict[str, Any] | None]


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


# -- BigQuery ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def bigquery_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """bqemulator and the token stub on loopback, with their venvs (cached by their pins)."""
    from tests.warehouse.bigquery.stack import BigQueryStack, BigQueryVenvs

    with BigQueryStack(BigQueryVenvs.ensure(), tmp_path_factory.mktemp("bigquery")) as bq:
        yield bq


@pytest.fixture(scope="session")
def bigquery_synced(bigquery_stack: Any) -> Any:
    """A full sync, a day, an incremental sync into dataset ``smartlead``; dbt after each
    (``smartlead_full_*``, ``smartlead_incremental_*``). Read it, never write those datasets."""
    from tests.warehouse.bigquery.sync import full_then_incremental

    return full_then_incremental(bigquery_stack)


# -- Snowflake --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def snowflake_target_venv() -> Any:
    """target-snowflake and fakesnow with the test's patches (cached by their pins)."""
    from tests.warehouse.snowflake_venv.stack import SnowflakeVenv

    return SnowflakeVenv.ensure()


@pytest.fixture(scope="session")
def fakesnow_server_port(snowflake_target_venv: Any) -> Iterator[int]:
    """fakesnow's server, in memory, on a free port of 127.0.0.1."""
    from tests.warehouse.snowflake_venv.stack import FakesnowServer

    with FakesnowServer(snowflake_target_venv) as port:
        yield port


@pytest.fixture(scope="session")
def snowflake_loaded(snowflake_target_venv: Any, fakesnow_server_port: int,
                     tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One small account loaded by target-snowflake into schema SMARTLEAD (fakesnow hangs on a
    second load into existing tables: never load into it again)."""
    from tests.warehouse.snowflake_venv.stack import load_account

    return load_account(snowflake_target_venv, fakesnow_server_port,
                        tmp_path_factory.mktemp("snowflake"))
