"""Run the emulator as a real subprocess from tests.

    with EmulatorProcess(seed=3, leads_per_campaign=50, rate_limit="none") as emu:
        requests.get(f"{emu.base_url}/campaigns", params={"api_key": emu.api_key})
        emu.advance(days=1)
        truth = emu.dataset()

Options become flags (`leads_per_campaign=50` -> `--leads-per-campaign 50`; True -> a bare
flag; None/False -> omitted). Control calls use urllib so this module needs no dependencies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


class EmulatorError(RuntimeError):
    pass


class EmulatorProcess:
    def __init__(self, *, startup_timeout: float = 10.0, **options: Any) -> None:
        self.options = options
        self.api_key: str = str(options.get("api_key", "test-api-key"))
        self.host = "127.0.0.1"
        self._tmp = tempfile.TemporaryDirectory(prefix="smartlead-emulator-")
        port_file = Path(self._tmp.name) / "port"
        self._log_path = Path(self._tmp.name) / "output.log"
        cmd = [sys.executable, "-m", "smartlead_emulator", "--port", "0",
               "--port-file", str(port_file)]
        for name, value in options.items():
            if value is None or value is False:
                continue
            flag = "--" + name.replace("_", "-")
            if value is True:
                cmd.append(flag)
            else:
                cmd.extend([flag, str(value)])
        env = dict(os.environ)
        # Importable from a source checkout even when the project is not installed.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PROJECT_ROOT, env.get("PYTHONPATH", "")) if p)
        self._log = open(self._log_path, "wb")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        try:
            self.port = self._wait_for_port(port_file, startup_timeout)
        except BaseException:
            self.close()
            raise
        self.root_url = f"http://{self.host}:{self.port}"
        self.base_url = f"{self.root_url}/api/v1"

    # -- lifecycle ----------------------------------------------------------------------

    def _wait_for_port(self, port_file: Path, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"emulator exited with {self.process.returncode}:\n"
                                    f"{self.output()}")
            if port_file.exists():
                port = int(port_file.read_text().strip())
                try:
                    urllib.request.urlopen(f"http://{self.host}:{port}/_emulator/stats",
                                           timeout=2).read()
                    return port
                except OSError:
                    pass
            time.sleep(0.02)
        raise EmulatorError(f"emulator did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        try:
            self._log.flush()
            return self._log_path.read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if not self._log.closed:
            self._log.close()
        self._tmp.cleanup()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------

    def url(self, path: str, **params: Any) -> str:
        """An API URL with the api key, e.g. emu.url("/campaigns/1000/leads", limit=10)."""
        query = urlencode({"api_key": self.api_key, **params})
        return f"{self.base_url}{path}?{query}"

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.root_url}/_emulator{path}", data=data, method=method,
            headers={"Content-Type": "application/json"} if data is not None else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            raise EmulatorError(f"{method} {path}: {err.code} {err.read()!r}") from None

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "/stats")

    def reset_stats(self) -> None:
        self._control("POST", "/stats/reset", {})

    def advance(self, days: int = 1) -> dict[str, Any]:
        return self._control("POST", f"/advance?days={int(days)}", {})

    def delete_campaign(self, campaign_id: int, answer: str = "404") -> dict[str, Any]:
        """Delete a campaign: gone from /campaigns, its endpoints answering `answer` (404,
        empty-object or empty-body) as the live API does for a deleted campaign."""
        return self._control(
            "POST", f"/campaigns/{int(campaign_id)}/delete?{urlencode({'answer': answer})}", {})

    def remove_from_campaign(self, campaign_id: int, kind: str, child_id: int) -> dict[str, Any]:
        """Take a webhook, a sequence step or a mailbox off a live campaign (``kind``:
        ``webhooks``, ``sequences`` or ``email-accounts``), as a user does in Smartlead."""
        return self._control(
            "POST", f"/campaigns/{int(campaign_id)}/{kind}/{int(child_id)}/delete", {})

    def recategorise(self, old: int, new: int) -> dict[str, Any]:
        """Move every lead of category ``old`` to category ``new``."""
        return self._control("POST", f"/categories/{int(old)}/move-to/{int(new)}", {})

    def edit(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A change made by hand, without an email: ``kind`` lead, sequence, webhook or
        mailbox and its fields (smartlead_emulator/edits.py)."""
        return self._control("POST", "/edit", {"kind": kind, **fields})

    def dataset(self) -> dict[str, Any]:
        return self._control("GET", "/dataset")

    def fill_rate_limit(self) -> None:
        """Use up the api key's whole rate-limit window now, as another integration would."""
        self._control("POST", "/ratelimit/fill", {})

    def configure(self, **changes: Any) -> dict[str, Any]:
        return self._control("POST", "/config", changes)

    def analytics(self, **params: Any) -> dict[str, Any]:
        """What the analytics routes serve for ``start_date``..``end_date`` (``timezone``), day
        by day, and every campaign's mailbox statistics (global_analytics.truth)."""
        return self._control("GET", f"/analytics?{urlencode(params)}")
