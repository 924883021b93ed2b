"""Helpers of the fault suite: a tap run that can be watched and interrupted, secret scans,
error lines, and comparisons of what several runs emitted with a clean full run."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from tests.integration.expected import assert_no_secret
from tests.integration.tap_runner import PRIMARY_KEYS, TAP, TapRun, parse_messages
from tests.tap_forkserver import popen_tap

# Distinctive keys, so that a scan for them cannot match anything else the tap prints.
SUITE_API_KEY = "sl-faults-key-7c41e9d2a05b"
NO_ACCESS_KEY = "sl-faults-noaccess-3b8f60c1d7"

ERROR_PREFIX = "tap-smartlead: error: "
RETRY_LINE = "Retrying "
# What the tap's retry line says for each fault kind the emulator injects.
FAULT_CAUSES: dict[str, str] = {
    "500": "500 from /api/v1/",
    "502": "502 from /api/v1/",
    "503": "503 from /api/v1/",
    "reset": "ConnectionError for ",
    "truncated": "ChunkedEncodingError for ",
    "badjson": "with a body that is not valid JSON from /api/v1/",
    "slow": "ReadTimeout for ",
    "string": "with a bare JSON str from /api/v1/",
    "html": "an HTML page",
    "notjson": "with a body that is not valid JSON from /api/v1/",
}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def emulator_options(**options: Any) -> dict[str, Any]:
    """EmulatorProcess options with this suite's keys (override any of them)."""
    return {"api_key": SUITE_API_KEY, "no_access_key": NO_ACCESS_KEY, **options}


# -- running the tap ---------------------------------------------------------------------------

Watch = Callable[[dict[str, Any] | None, subprocess.Popen], None]


def run_tap_watched(
    config: dict[str, Any] | str,
    *,
    state: dict[str, Any] | str | None = None,
    state_path: str | None = None,
    watch: Watch | None = None,
    timeout: float = 240,
    catalog: dict[str, Any] | str | None = None,
) -> TapRun:
    """Run ``tap-smartlead`` reading its stdout as it is written (a process of its own, forked
    from one that imported the tap: tests/tap_forkserver.py).

    ``config``/``state`` are written to files (a str verbatim, so it can be invalid JSON);
    ``state_path`` is passed as it is (it may not exist); ``catalog`` like ``state``.
    ``watch(message, process)`` sees every stdout line as it arrives (``None`` for a line that
    is not JSON) and may signal the process or change the emulator. The process is killed
    after ``timeout`` seconds.
    """
    with tempfile.TemporaryDirectory(prefix="tap-smartlead-faults-") as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(config if isinstance(config, str) else json.dumps(config))
        cmd = [TAP, "--config", str(config_path)]
        state_bytes = b""
        if state is not None:
            path = Path(tmp) / "state.json"
            path.write_text(state if isinstance(state, str) else json.dumps(state))
            state_bytes = path.read_bytes()
            cmd += ["--state", str(path)]
        elif state_path is not None:
            cmd += ["--state", state_path]
        if catalog is not None:
            catalog_path = Path(tmp) / "catalog.json"
            catalog_path.write_text(catalog if isinstance(catalog, str) else json.dumps(catalog))
            cmd += ["--catalog", str(catalog_path)]
        err_path = Path(tmp) / "err"
        started = time.monotonic()
        with open(err_path, "wb") as err:
            process = popen_tap(cmd[1:], stdout=subprocess.PIPE, stderr=err)
            watchdog = threading.Timer(timeout, kill_quietly, (process,))
            watchdog.start()
            chunks: list[bytes] = []
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    chunks.append(line)
                    if watch is not None:
                        watch(_message(line), process)
                returncode = process.wait()
            finally:
                watchdog.cancel()
                kill_quietly(process)
                process.wait()
        run = TapRun(
            returncode=returncode,
            stdout=b"".join(chunks),
            stderr=err_path.read_bytes(),
            state_file_bytes=state_bytes,
            wall_seconds=time.monotonic() - started,
        )
    parse_messages(run.stdout, run)
    return run


def _message(line: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def kill_quietly(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)


class Trigger:
    """A ``watch`` that acts once the run has emitted ``count`` RECORDs of ``stream``.

    ``action(process)`` runs ``delay`` seconds later (on a timer thread). ``fired_at`` is the
    monotonic time the action ran.
    """

    def __init__(
        self, stream: str, count: int, action: Callable[[subprocess.Popen], None],
        delay: float = 0.0,
    ) -> None:
        self.stream, self.count, self.action, self.delay = stream, count, action, delay
        self.seen = 0
        self.fired_at: float | None = None

    def __call__(self, message: dict[str, Any] | None, process: subprocess.Popen) -> None:
        if not message or message.get("type") != "RECORD" or message.get("stream") != self.stream:
            return
        self.seen += 1
        if self.seen == self.count:
            timer = threading.Timer(self.delay, self._fire, (process,))
            timer.daemon = True
            timer.start()

    def _fire(self, process: subprocess.Popen) -> None:
        self.fired_at = time.monotonic()
        self.action(process)


def last_stream(run: TapRun) -> str | None:
    """The stream of the last complete RECORD or SCHEMA line: where the run was stopped."""
    for line in reversed(run.stdout.splitlines()):
        message = _message(line)
        if message and message.get("type") in ("RECORD", "SCHEMA"):
            return str(message["stream"])
    return None


# -- what several runs add up to -----------------------------------------------------------------


def merged(runs: Iterable[TapRun]) -> dict[str, dict[tuple, dict[str, Any]]]:
    """What a warehouse that upserts on primary keys holds after these runs, in order."""
    tables: dict[str, dict[tuple, dict[str, Any]]] = {stream: {} for stream in PRIMARY_KEYS}
    for run in runs:
        for stream in PRIMARY_KEYS:
            tables[stream].update(run.by_key(stream))
    return tables


def differences(
    got: dict[str, dict[tuple, dict[str, Any]]], want: dict[str, dict[tuple, dict[str, Any]]]
) -> dict[str, str]:
    """Per stream, what differs between two {stream: {key: record}} tables (empty: equal)."""
    problems: dict[str, str] = {}
    for stream in PRIMARY_KEYS:
        have, expected = got.get(stream, {}), want.get(stream, {})
        missing = set(expected) - set(have)
        extra = set(have) - set(expected)
        changed = [k for k in set(have) & set(expected) if have[k] != expected[k]]
        if missing or extra or changed:
            problems[stream] = (
                f"{len(missing)} missing (e.g. {sorted(missing, key=repr)[:2]}), "
                f"{len(extra)} extra (e.g. {sorted(extra, key=repr)[:2]}), "
                f"{len(changed)} with other values (e.g. {sorted(changed, key=repr)[:2]})"
            )
    return problems


def tables(run: TapRun) -> dict[str, dict[tuple, dict[str, Any]]]:
    return {stream: run.by_key(stream) for stream in PRIMARY_KEYS}


def records_lost(
    got: dict[str, dict[tuple, dict[str, Any]]], want: dict[str, dict[tuple, dict[str, Any]]]
) -> int:
    return sum(len(set(want[s]) - set(got.get(s, {}))) for s in want)


def duplicates(run: TapRun) -> dict[str, int]:
    """Records a single run emitted more than once for the same primary key, per stream."""
    return {
        stream: len(rows) - len(run.by_key(stream))
        for stream, rows in run.records.items()
        if len(rows) != len(run.by_key(stream))
    }


def bookmarks(state: dict[str, Any] | None) -> Any:
    """A state without the wall-clock parts that differ run to run: ``activity_checked_at``
    and ``read_on`` (the time the run began, to the second: two runs side by side on a loaded
    machine can begin either side of a second)."""
    wall_clock = {"activity_checked_at", "read_on"}

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in wall_clock}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip((state or {}).get("bookmarks", {}))


# -- what the tap said ---------------------------------------------------------------------------


def stderr_lines(run: TapRun) -> list[str]:
    return [line for line in run.stderr_text.splitlines() if line.strip()]


def error_lines(run: TapRun) -> list[str]:
    """The tap's one-line errors (``tap-smartlead: error: ...``)."""
    return [line for line in stderr_lines(run) if line.startswith(ERROR_PREFIX)]


def problem_lines(run: TapRun) -> list[str]:
    """Every line that reports a problem: the tap's error line, an ERROR log line (the SDK's
    config validation), or a command-line usage error (``Error: ...``)."""
    return [
        line
        for line in stderr_lines(run)
        if line.startswith((ERROR_PREFIX, "Error: ")) or "| ERROR " in line
    ]


def retry_lines(run: TapRun) -> list[str]:
    return [line for line in stderr_lines(run) if RETRY_LINE in line and " of 8) " in line]


def summary(run: TapRun, tail: int = 25) -> str:
    """The end of stderr without the per-request metric lines, for assertion messages."""
    lines = [line for line in stderr_lines(run) if "METRIC:" not in line]
    return "\n".join(lines[-tail:])


# -- secrets -------------------------------------------------------------------------------------


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as it is and URL-encoded (how it would appear inside a URL)."""
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= 4:
            forms |= {secret, quote(secret, safe=""), quote_plus(secret)}
    return sorted(forms)


def assert_run_leaks_nothing(secrets: Iterable[str], run: TapRun, what: str = "run") -> None:
    """No secret in any byte the tap wrote: stdout (records, schemas, states), stderr, and the
    state it emitted, nor in the state file it was given (which came from an earlier run)."""
    forms = secret_forms(secrets)
    assert forms, "no secrets to look for"
    assert_no_secret(
        forms,
        **{
            f"{what} stdout": run.stdout,
            f"{what} stderr": run.stderr,
            f"{what} emitted states": json.dumps(run.states, ensure_ascii=False),
            f"{what} state file": run.state_file_bytes,
        },
    )
