"""A local BigQuery for tests: bqemulator, a token stub, z3-target-bigquery, all on 127.0.0.1.

    venvs = BigQueryVenvs.ensure()                 # from PyPI, cached by their pins
    with BigQueryStack(venvs, workdir) as bq:       # emulator + token stub on free ports
        bq.load(tap_stdout, "smartlead")            # the real target, recommended settings
        tables = bq.tables("smartlead")             # every table read back: types and rows
        bq.dbt_build("smartlead", "models")         # transform/ built on the loaded tables

Nothing here talks to Google. The emulator (``bqemulator``, BigQuery's REST and Storage
gRPC APIs over DuckDB) binds 127.0.0.1 only. Clients find it through
``BIGQUERY_EMULATOR_HOST``, which google-cloud-bigquery reads for its endpoint; they sign
in with a service-account key made here, whose ``token_uri`` is the token stub (a few lines
of http.server that hand out a dummy access token), so google-auth's real OAuth flow runs and
stays on loopback. The emulator gets the fixes listed in ``emulator_sitecustomize.py`` (each
a place where it is not BigQuery); the target and dbt run unmodified.

The emulator and the target each have a venv of their own (their pins clash with each other
and with the project's): ``BigQueryVenvs.ensure()`` builds them with uv (pip without it) under
``$SMARTLEAD_TEST_VENV_CACHE`` (default ``~/.cache/tap-smartlead/venvs``), one directory per
set of pins, reused while the pins and patches are unchanged (tests/warehouse/venv_cache.py).
dbt-bigquery is in the project's own dev extra.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.warehouse.venv_cache import cached_venv

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
TRANSFORM = REPO_ROOT / "transform"
PROJECT = "smartlead-local"

# bqemulator needs DuckDB's spatial and avro extensions; from PyPI they install offline (the
# emulator would download them from DuckDB's site otherwise). numpy: its Arrow bridge.
EMULATOR_PACKAGES = (
    "bqemulator==1.4.0",
    "duckdb==1.5.5",
    "duckdb-extensions==1.5.5",
    "duckdb-extension-spatial==1.5.5",
    "duckdb-extension-avro==1.5.5",
    "numpy==2.4.6",
)
# z3-target-bigquery imports pkg_resources (gone from setuptools 70) and its
# storage_write_api module's generated protos need protobuf 4.
TARGET_PACKAGES = ("z3-target-bigquery==0.7.2", "setuptools<70", "protobuf<5")

# The settings docs/meltano.md recommends (see there for why): typed columns (denormalized,
# resolver v2: JSON where a property has no single type), load jobs, MERGE on the keys.
TARGET_SETTINGS: dict[str, Any] = {
    "method": "batch_job",
    "denormalized": True,
    "schema_resolver_version": 2,
    "upsert": True,
}
# Properties the tap for BigQuery sends as JSON text (a STRING column), with a stream map:
# - every nested object whose fields the tap declares, and every list of such objects:
#   z3-target-bigquery makes them STRUCTs, and its load jobs drop any key a STRUCT does not
#   declare (ignore_unknown_values); the live API sends such keys (campaign_lead_stats.skipped,
#   lead.time_zone, seq_delay_details.delayInHours, ...), and nothing may be lost;
# - click_details and reply_details, an object or an array as the live API sends them: the
#   target makes a property that may be an array a REPEATED column, which a load job refuses
#   an object for.
# Free-form objects (extra_fields, custom_fields) become JSON columns as they are.
JSON_TEXT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "campaigns": ("scheduler_cron_value",),
    "campaign_sequences": ("seq_delay_details", "sequence_variants"),
    "campaign_leads": ("lead",),
    "campaign_analytics": ("campaign_lead_stats", "tags"),
    "campaign_email_accounts": ("warmup_details", "tags"),
    "email_accounts": ("warmup_details", "tags"),
    "email_account_details": ("warmup_details", "tags"),
    "clients": ("client_permision",),
    "lead_message_history": ("click_details", "reply_details"),
}
TAP_STREAM_MAPS: dict[str, Any] = {
    stream: {name: f"json.dumps({name}) if {name} is not None else None" for name in names}
    for stream, names in JSON_TEXT_PROPERTIES.items()
}


# requests, urllib3 and gRPC all honour these; 127.0.0.1:9 (discard) refuses connections.
NO_EGRESS = {
    name: value
    for proxy in ("http_proxy", "https_proxy", "grpc_proxy")
    for name, value in ((proxy, "http://127.0.0.1:9"), (proxy.upper(), "http://127.0.0.1:9"))
} | {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without its venv, so a child venv's python is itself."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "BIGQUERY_", "GOOGLE_", "CLOUDSDK_"))}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- venvs ------------------------------------------------------------------------------------


def _run(step: list[str], **kwargs: Any) -> None:
    result = subprocess.run(step, capture_output=True, text=True, timeout=1200, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{step}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def _install_duckdb_extensions(root: Path) -> None:
    # DuckDB looks for extensions under $HOME/.duckdb; the emulator runs with HOME=<root>/home.
    (root / "home").mkdir(exist_ok=True)
    _run([str(root / "venv" / "bin" / "python"), "-c",
          "from duckdb_extensions import import_extension; "
          "import_extension('spatial'); import_extension('avro')"],
         env=_clean_env(HOME=str(root / "home")))


@dataclass(frozen=True)
class BigQueryVenvs:
    emulator: Path  # cache directory: venv/ and home/
    target: Path

    @classmethod
    def ensure(cls) -> BigQueryVenvs:
        """Both venvs, built in parallel when missing (a minute or two), else reused."""
        with ThreadPoolExecutor(2) as pool:
            emulator = pool.submit(cached_venv, "bqemulator", EMULATOR_PACKAGES,
                                   HERE / "emulator_sitecustomize.py",
                                   _install_duckdb_extensions)
            target = pool.submit(cached_venv, "target-bigquery", TARGET_PACKAGES, None)
            return cls(emulator.result(), target.result())

    def target_bin(self, name: str) -> str:
        return str(self.target / "venv" / "bin" / name)


# -- token stub and key -----------------------------------------------------------------------


class _TokenHandler(BaseHTTPRequestHandler):
    """OAuth2's token endpoint, as far as google-auth's service-account flow needs it."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"access_token": "local-emulator-token", "token_type": "Bearer",
                           "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def service_account_key(token_uri: str) -> dict[str, Any]:
    """A service-account key (a fresh RSA key) whose tokens come from ``token_uri``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {
        "type": "service_account", "project_id": PROJECT, "private_key_id": "local",
        "private_key": pem, "client_email": f"loader@{PROJECT}.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": token_uri,
    }


# -- the stack --------------------------------------------------------------------------------


@dataclass
class TargetRun:
    streams: list[str]
    returncode: int
    stdout: bytes
    stderr: str


@dataclass
class BigQueryStack:
    """The emulator and the token stub, started on free loopback ports; closed on exit."""

    venvs: BigQueryVenvs
    workdir: Path
    rest_port: int = 0
    grpc_port: int = 0
    keyfile: Path = field(init=False)
    _server: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _stub: ThreadingHTTPServer | None = field(default=None, init=False)
    _loads: int = field(default=0, init=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def client_env(self, **extra: str) -> dict[str, str]:
        """What a BigQuery client process needs to find the emulator, and only it: any request
        to another host goes to a proxy on a closed loopback port and fails at once."""
        return _clean_env(BIGQUERY_EMULATOR_HOST=self.endpoint,
                          GOOGLE_APPLICATION_CREDENTIALS=str(self.keyfile),
                          GOOGLE_CLOUD_PROJECT=PROJECT, **NO_EGRESS, **extra)

    def __enter__(self) -> BigQueryStack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._stub = ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
        threading.Thread(target=self._stub.serve_forever, daemon=True).start()
        token_uri = f"http://127.0.0.1:{self._stub.server_address[1]}/token"
        self.keyfile = self.workdir / "service-account.json"
        self.keyfile.write_text(json.dumps(service_account_key(token_uri)))
        try:
            self._start_emulator()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _start_emulator(self) -> None:
        self.rest_port = self.rest_port or free_port()
        self.grpc_port = self.grpc_port or free_port()
        uploads = self.workdir / "emulator-uploads"
        uploads.mkdir(exist_ok=True)
        self._log = self.workdir / "emulator.log"
        with open(self._log, "wb") as log:
            self._server = subprocess.Popen(
                [str(self.venvs.emulator / "venv" / "bin" / "bqemulator"), "start",
                 "--rest-host", "127.0.0.1", "--rest-port", str(self.rest_port),
                 "--grpc-host", "127.0.0.1", "--grpc-port", str(self.grpc_port),
                 "--project", PROJECT, "--ephemeral", "--log-level", "warning",
                 "--log-format", "console"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=_clean_env(**NO_EGRESS, HOME=str(self.venvs.emulator / "home"),
                               SMARTLEAD_TEST_BQEMULATOR="1",
                               BQEMU_UPLOAD_STAGING_DIR=str(uploads)),
            )
        deadline = time.monotonic() + 120
        url = f"{self.endpoint}/bigquery/v2/projects/{PROJECT}/datasets"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if self._server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bqemulator did not start:\n{self.emulator_log()[-5000:]}")
            time.sleep(0.2)

    def emulator_log(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def close(self) -> None:
        if self._server is not None:
            self._server.terminate()
            try:
                self._server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait()
            self._server = None
        if self._stub is not None:
            self._stub.shutdown()
            self._stub.server_close()
            self._stub = None

    # -- loading ----------------------------------------------------------------------------

    def target_config(self, dataset: str, **overrides: Any) -> dict[str, Any]:
        return {"credentials_path": str(self.keyfile), "project": PROJECT,
                "dataset": dataset, "location": "US", **TARGET_SETTINGS, **overrides}

    def load(self, tap_stdout: bytes, dataset: str, *, groups: int = 8,
             **overrides: Any) -> list[TargetRun]:
        """The tap's messages through z3-target-bigquery into ``dataset``.

        The target sleeps 5 s after creating a table and 2.5 s after each staging table
        (BigQuery's eventual consistency), one stream after another: 12.5 s a stream on a
        first load, 7.5 s after. So the streams are dealt to ``groups`` target processes that
        run at once, each fed every message of its streams, in the tap's order, plus every
        STATE; the dataset is created first, so that they do not race to create it. Exit
        codes are returned, not checked: the target exits 0 even when a load job failed, so
        only reading the rows back proves a load.
        """
        self._loads += 1
        self.create_dataset(dataset)
        config = self.workdir / f"target-config-{dataset}.json"
        config.write_text(json.dumps(self.target_config(dataset, **overrides)))
        lines = [line for line in tap_stdout.splitlines(keepends=True) if line.strip()]
        streams = sorted({json.loads(line)["stream"] for line in lines
                          if json.loads(line).get("type") == "SCHEMA"})
        dealt = [streams[i::groups] for i in range(groups) if streams[i::groups]]

        def run(group: list[str]) -> TargetRun:
            wanted = set(group)
            feed = b"".join(line for line in lines
                            if json.loads(line).get("stream", "") in wanted
                            or json.loads(line).get("type") == "STATE")
            # Forked from a process that imported the target (tests/tap_forkserver.py).
            from tests.tap_forkserver import run_tap_command

            result = run_tap_command(
                ["--config", str(config)], tap=self.venvs.target_bin("target-bigquery"),
                input=feed, timeout=900, cwd=str(self.workdir), env=self.client_env(),
            )
            stderr = result.stderr.decode(errors="replace")
            log = self.workdir / f"target-{dataset}-{self._loads}-{'-'.join(group)}.log"
            log.write_text(stderr)
            return TargetRun(group, result.returncode, result.stdout, stderr)

        with ThreadPoolExecutor(len(dealt)) as pool:
            return list(pool.map(run, dealt))

    def create_dataset(self, dataset: str) -> None:
        """Create ``dataset`` unless it exists. Each target process creates a missing one
        itself, and when several start at once all but the first fail with 409 Conflict."""
        request = urllib.request.Request(
            f"{self.endpoint}/bigquery/v2/projects/{PROJECT}/datasets", method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"datasetReference": {"projectId": PROJECT, "datasetId": dataset},
                             "location": "US"}).encode(),
        )
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except urllib.error.HTTPError as error:
            if error.code != 409:
                raise

    def tables(self, dataset: str) -> dict[str, dict[str, Any]]:
        """Every table of ``dataset``: {"types": {column: [TYPE, MODE]}, "rows": [...]}."""
        result = subprocess.run(
            [self.venvs.target_bin("python"), str(HERE / "read_tables.py"), PROJECT, dataset],
            capture_output=True, text=True, timeout=300, env=self.client_env(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"reading {dataset} failed:\n{result.stderr[-5000:]}")
        return json.loads(result.stdout)

    # -- dbt ---------------------------------------------------------------------------------

    def dbt_env(self, source_dataset: str, models_prefix: str) -> dict[str, str]:
        """transform/profiles.yml's ``bigquery`` output on this emulator."""
        return self.client_env(
            SMARTLEAD_DBT_TARGET="bigquery",
            SMARTLEAD_BQ_PROJECT=PROJECT,
            SMARTLEAD_BQ_KEYFILE=str(self.keyfile),
            SMARTLEAD_SOURCE_SCHEMA=source_dataset,
            SMARTLEAD_DBT_SCHEMA=models_prefix,
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )

    def dbt_build(self, source_dataset: str, models_prefix: str, *args: str,
                  project_dir: Path = TRANSFORM, timeout: float = 900
                  ) -> tuple[int, str, dict[str, str]]:
        """``dbt build`` of ``project_dir``: (exit code, output, {unique_id: status})."""
        work = self.workdir / f"dbt-{models_prefix}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        env = {k: v for k, v in self.dbt_env(source_dataset, models_prefix).items()
               if not k.startswith("DBT_") or k == "DBT_SEND_ANONYMOUS_USAGE_STATS"}
        env.update(DBT_TARGET_PATH=str(work / "target"), DBT_LOG_PATH=str(work / "logs"))
        dbt = Path(sys.executable).parent / "dbt"
        # 8 threads: the emulator answers each query in well under a second, and dbt's
        # per-node overhead is most of the build (35 s against 45 s with the profile's 4).
        # Forked from a process that imported dbt (tests/tap_forkserver.py).
        from tests.tap_forkserver import run_dbt

        result = run_dbt(
            str(dbt), ["build", "--project-dir", str(project_dir), "--profiles-dir",
                       str(TRANSFORM), "--threads", "8", *args],
            cwd=str(work), env=env, timeout=timeout,
        )
        statuses: dict[str, str] = {}
        results = work / "target" / "run_results.json"
        if results.exists():
            for item in json.loads(results.read_text(encoding="utf-8"))["results"]:
                statuses[item["unique_id"]] = item["status"]
        return result.returncode, result.stdout + result.stderr, statuses
