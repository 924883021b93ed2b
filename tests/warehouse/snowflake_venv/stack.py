"""The Snowflake test stack: MeltanoLabs' target-snowflake and fakesnow's server, in a venv of
their own (cached by its pins, tests/warehouse/venv_cache.py) with ``sitecustomize.py`` from
this folder (its docstring lists what it patches).

    venv = SnowflakeVenv.ensure()
    with FakesnowServer(venv) as port:                 # in memory, on a free loopback port
        load(venv, port, workdir, tap_stdout, SCHEMA)  # the real target, append-only
        tables = query_schema(venv, port, SCHEMA)       # every table read back

tests/conftest.py starts one server per session and loads the tap's output into it once
(``snowflake_loaded``); tests/warehouse/test_target_snowflake.py reads the tables and
tests/dbt/test_snowflake_models.py builds the models on them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from smartlead_emulator.testing import EmulatorProcess
from tests.integration.tap_runner import TapRun, run_tap, tap_config
from tests.warehouse.venv_cache import cached_venv, clean_env

HERE = Path(__file__).resolve().parent
PACKAGES = ("meltanolabs-target-snowflake==0.20.4", "fakesnow[server]==0.12.1")
DATABASE, SCHEMA = "ANALYTICS", "SMARTLEAD"
# dbt-snowflake gets a venv of its own: its Snowflake connector need not be the target's.
DBT_PACKAGES = ("dbt-core~=1.11.0", "dbt-snowflake~=1.11.0")


@dataclass(frozen=True)
class SnowflakeVenv:
    root: Path

    def bin(self, name: str) -> str:
        return str(self.root / "bin" / name)

    @classmethod
    def ensure(cls) -> SnowflakeVenv:
        """The target's and fakesnow's venv, with the patches; built once per set of pins."""
        return cls(cached_venv("target-snowflake", PACKAGES, HERE / "sitecustomize.py") / "venv")


def dbt_snowflake_executable() -> Path:
    """The dbt executable of a venv with dbt-snowflake (cached by its pins)."""
    return cached_venv("dbt-snowflake", DBT_PACKAGES) / "venv" / "bin" / "dbt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakesnowServer:
    """fakesnow's server, in memory, on a free port of 127.0.0.1; ``with`` yields the port."""

    def __init__(self, venv: SnowflakeVenv) -> None:
        self.venv = venv
        self.port = 0
        self._server: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def __enter__(self) -> int:
        self.port = free_port()
        self._log = tempfile.TemporaryFile()
        self._server = subprocess.Popen(
            [self.venv.bin("fakesnow"), "--server", "--host", "127.0.0.1", "--port",
             str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT,
            env=clean_env(SMARTLEAD_TEST_FAKESNOW_SERVER="1"),
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                        return self.port
                if self._server.poll() is not None or time.monotonic() > deadline:
                    self._log.seek(0)
                    raise RuntimeError(
                        f"fakesnow did not start:\n{self._log.read().decode(errors='replace')}")
                time.sleep(0.1)
        except BaseException:
            self.close()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.terminate()
            try:
                self._server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
            self._server = None
        if self._log is not None:
            self._log.close()
            self._log = None


def load(venv: SnowflakeVenv, port: int, work: Path, tap_stdout: bytes, schema: str) -> None:
    config = work / f"target-config-{schema}.json"
    config.write_text(json.dumps({
        "account": "fakesnow", "user": "fake", "password": "snow", "warehouse": "fake",
        "database": DATABASE, "default_target_schema": schema, "load_method": "append-only",
    }))
    target = subprocess.run(
        [venv.bin("target-snowflake"), "--config", str(config)],
        input=tap_stdout, capture_output=True, timeout=600, cwd=work,
        env=clean_env(SMARTLEAD_TEST_FAKESNOW_PORT=str(port)),
    )
    assert target.returncode == 0, target.stderr.decode(errors="replace")[-5000:]


def query_schema(venv: SnowflakeVenv, port: int, schema: str) -> dict[str, dict[str, Any]]:
    """Every table of ``schema``: {"TABLE": {"types": {COL: TYPE}, "rows": [...]}}."""
    query = subprocess.run(
        [venv.bin("python"), str(HERE / "query.py"), str(port), DATABASE, schema],
        capture_output=True, text=True, timeout=300, env=clean_env(),
    )
    assert query.returncode == 0, query.stderr[-5000:]
    return json.loads(query.stdout)


@dataclass
class Loaded:
    tap: TapRun
    tables: dict[str, dict[str, Any]]  # TABLE -> {"types": {COL: TYPE}, "rows": [...]}


def load_account(venv: SnowflakeVenv, port: int, work: Path) -> Loaded:
    """A small emulator account: the tap's output through the target into ``SCHEMA``."""
    with EmulatorProcess(seed=17, campaigns=2, leads_per_campaign=20, mailboxes=2,
                         rate_limit="none") as emu:
        tap = run_tap(tap_config(emu))
    assert tap.returncode == 0, tap.stderr_text[-3000:]
    load(venv, port, work, tap.stdout, SCHEMA)
    return Loaded(tap=tap, tables=query_schema(venv, port, SCHEMA))
