"""The tap's (or a loader's) command line in a process of its own, without paying its imports
every run.

``tap-smartlead`` spends about 2 s of CPU importing the Singer SDK (which imports joblib and
numpy) before it reads its config, a loader as much or more; the suite starts them about a
hundred times. Here one server process (per test process and venv) runs the console script's
imports once and forks a child per run. The child is a real process of its own: its standard
streams are the pipes and files the caller passed, its environment and working directory the
caller's, its ``sys.argv`` the console script's, and it runs the console script as
``__main__`` and exits the way the interpreter does (threads joined, atexit, streams
flushed); signals, exit codes and whatever it writes are its own. This works for any console
script whose module-level code only imports (pip's and uv's do: the entry point runs under
``if __name__ == "__main__"``). What a child does not repeat is the interpreter's start-up
and the imports, which tests/package (the built wheel's console script),
tests/docs/test_run_messages.py and ``SMARTLEAD_TEST_TAP_SUBPROCESS=1`` (every run a fresh
process) still cover.

    process = popen_tap(["--config", path], stdout=subprocess.PIPE, stderr=err_file)

returns an object with what the tests use of ``subprocess.Popen``: ``pid``, ``stdin``,
``stdout``, ``poll``, ``wait``, ``send_signal``, ``kill``, ``returncode``.

A server is single-threaded (a fork from a process with threads could copy a held lock); it
listens on a Unix socket, receives each run's request and file descriptors on a connection of
its own, answers with the child's pid, and, when the child ends, its wait status, on the same
connection.
"""
from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import runpy
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

TAP = shutil.which("tap-smartlead", path=str(Path(sys.executable).parent)) or "tap-smartlead"
REAL_PROCESSES = os.environ.get("SMARTLEAD_TEST_TAP_SUBPROCESS") == "1"
_MAX_REQUEST = 1 << 20


# -- the server (run as a script) ------------------------------------------------------------


def _serve(listener: socket.socket) -> dict[str, Any] | None:
    """Accept runs until stdin closes. Returns in a forked child: the run to execute."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, socket.socket] = {}
    while True:
        readable, _, _ = select.select([listener, wake_r, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            return None  # the test process went away
        if wake_r in readable:
            os.read(wake_r, 4096)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"status": status}).encode() + b"\n")
                conn.close()
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        fds: list[int] = []
        try:
            data, fds = _receive(conn)
            request = json.loads(data)
            pid = os.fork()
        except Exception as exc:
            for fd in fds:
                os.close(fd)
            try:
                conn.sendall(json.dumps({"error": repr(exc)}).encode() + b"\n")
            finally:
                conn.close()
            continue
        if pid == 0:  # the child: leave the server behind
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for other in [*children.values(), conn, listener]:
                other.close()
            os.close(wake_r)
            os.close(wake_w)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            return request
        for fd in fds:
            os.close(fd)
        children[pid] = conn
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _receive(conn: socket.socket) -> tuple[bytes, list[int]]:
    """A request: its bytes up to the client's half-close, and the 3 descriptors sent with
    the first of them."""
    data, fds, _, _ = socket.recv_fds(conn, _MAX_REQUEST, 3)
    chunks = [data]
    while chunks[-1]:
        chunks.append(conn.recv(_MAX_REQUEST))
    return b"".join(chunks), list(fds)


def _server_main(path: str, script: str, *preload: str) -> None:
    # As in the console script: its bin/ first on the path (not tests/, this file's folder).
    sys.path[0] = str(Path(script).parent)
    # The script's imports (its entry point runs only as __main__): what every child shares;
    # and modules it would import later (dbt's adapters).
    runpy.run_path(script, run_name="__forkserver_preload__")
    for module in preload:
        importlib.import_module(module)

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    # Ctrl-C reaches the whole process group: the server outlives it until the test process
    # closes its stdin; SIGTERM ends it. Either way it removes its folder (socket and log).
    server = os.getpid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    try:
        request = _serve(listener)
    finally:
        if os.getpid() == server:
            shutil.rmtree(Path(path).parent, ignore_errors=True)
    if request is None:
        return
    # The child: the console script as __main__, in a process that already imported it, with
    # the signal dispositions a fresh interpreter has.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [request["argv0"], *request["args"]]
    runpy.run_path(script, run_name="__main__")


# -- the client ------------------------------------------------------------------------------


class _Server:
    def __init__(self, tap: str, preload: tuple[str, ...]) -> None:
        self.dir = tempfile.mkdtemp(prefix="tap-forkserver-")
        self.path = os.path.join(self.dir, "socket")
        # What the imports print (a library's warnings) goes to a log, not to every child.
        self.log = os.path.join(self.dir, "server.log")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [_interpreter(tap), __file__, self.path, tap, *preload], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=log,
                env={k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"},
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != b"ready":
            with open(self.log, "rb") as log:
                raise RuntimeError(f"the fork server of {tap} did not start: {line!r}\n"
                                   f"{log.read()[-5000:].decode(errors='replace')}")

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def _interpreter(tap: str) -> str:
    """The python of the console script ``tap`` (its ``#!`` line)."""
    with open(tap, "rb") as script:
        first = script.readline()
    if not first.startswith(b"#!"):
        raise ValueError(f"{tap} is not a console script")
    return first[2:].decode().strip()


_servers: dict[tuple[str, tuple[str, ...]], _Server] = {}
_server_lock = threading.Lock()


def _server_for(tap: str, preload: tuple[str, ...] = ()) -> _Server:
    """The server of console script ``tap`` (in the project's venv or another)."""
    with _server_lock:
        server = _servers.get((tap, preload))
        if server is None or server.process.poll() is not None:
            server = _servers[(tap, preload)] = _Server(tap, preload)
            atexit.register(server.close)
        return server


class ForkedTap:
    """A run of the tap forked by the server; the parts of ``subprocess.Popen`` tests use."""

    def __init__(self, tap: str, args: list[str], stdout: Any, stderr: Any,
                 env: dict[str, str], cwd: str | None, stdin: Any = None,
                 preload: tuple[str, ...] = ()) -> None:
        self.args = [tap, *args]
        self.returncode: int | None = None
        self.stdout: IO[bytes] | None = None
        self.stdin: IO[bytes] | None = None
        self._lock = threading.Lock()
        fds, close_here = [], []
        if stdin is subprocess.PIPE:
            read, write = os.pipe()
            self.stdin = os.fdopen(write, "wb")
            fds.append(read)
        elif stdin is None:
            with open(os.devnull, "rb") as devnull:
                fds.append(os.dup(devnull.fileno()))
        else:
            fds.append(os.dup(stdin.fileno()))
        close_here.append(fds[0])
        for stream in (stdout, stderr):
            if stream is subprocess.PIPE:
                read, write = os.pipe()
                self.stdout = os.fdopen(read, "rb")
                fds.append(write)
                close_here.append(write)
            else:
                fds.append(stream.fileno())
        request = {"args": args, "argv0": tap, "env": env, "cwd": cwd or os.getcwd()}
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._conn.connect(_server_for(tap, preload).path)
            socket.send_fds(self._conn, [json.dumps(request).encode()], fds)
            self._conn.shutdown(socket.SHUT_WR)  # the end of the request
        finally:
            for fd in close_here:
                os.close(fd)
        self._answers = self._conn.makefile("rb")
        answer = json.loads(self._answers.readline() or b'{"error": "no answer"}')
        if "pid" not in answer:
            raise RuntimeError(f"the tap's fork server could not start a run: {answer}")
        self.pid: int = answer["pid"]

    def _collect(self, timeout: float) -> int | None:
        """The exit code if the run ended (waiting up to ``timeout`` s for it), else None.
        Never blocks while holding the lock: a watchdog thread may poll meanwhile."""
        if self.returncode is not None:
            return self.returncode
        try:
            ready, _, _ = select.select([self._conn], [], [], timeout)
        except (OSError, ValueError):  # another thread collected it and closed the socket
            ready = []
        with self._lock:
            if self.returncode is None and ready:
                line = self._answers.readline()
                if not line:
                    raise RuntimeError("the tap's fork server went away")
                self.returncode = os.waitstatus_to_exitcode(json.loads(line)["status"])
                self._answers.close()
                self._conn.close()
            return self.returncode

    def poll(self) -> int | None:
        return self._collect(0)

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 0.5 if deadline is None else max(0.0, deadline - time.monotonic())
            code = self._collect(min(left, 0.5))
            if code is not None:
                return code
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def popen_tap(args: list[str], *, stdout: Any, stderr: Any, env: dict[str, str] | None = None,
              cwd: str | None = None, tap: str = TAP, stdin: Any = None,
              preload: tuple[str, ...] = ()) -> ForkedTap | subprocess.Popen[bytes]:
    """``tap-smartlead <args>``: forked from the server (a real process running the console
    script as ``__main__``), or a fresh process when SMARTLEAD_TEST_TAP_SUBPROCESS=1.
    ``stdout``/``stderr``: an open file or ``subprocess.PIPE`` (stdout only); ``stdin``: None
    (/dev/null), an open file or ``subprocess.PIPE``. ``tap``: the console script, this venv's
    or another's (Meltano's install of the tap, or of a loader: any console script whose
    module-level code only imports). ``preload``: modules the server imports beside the
    script's own (ones the command imports later, such as dbt's adapters)."""
    env = dict(os.environ) if env is None else env
    if REAL_PROCESSES:
        return subprocess.Popen([tap, *args], stdout=stdout, stderr=stderr, env=env, cwd=cwd,
                                stdin=subprocess.DEVNULL if stdin is None else stdin)
    if stderr is subprocess.PIPE:
        raise ValueError("stderr=PIPE is not supported here: pass a file")
    return ForkedTap(tap, args, stdout, stderr, env, cwd, stdin, preload)


def run_tap_command(args: list[str], *, timeout: float = 120, check: bool = False,
                    tap: str = TAP, env: dict[str, str] | None = None,
                    cwd: str | None = None, input: bytes | None = None,
                    preload: tuple[str, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    """``tap-smartlead <args>`` (or another console script ``tap``) to the end, like
    ``subprocess.run(..., capture_output=True, input=...)``; killed after ``timeout``."""
    with tempfile.TemporaryFile() as err:
        process = popen_tap(args, stdout=subprocess.PIPE, stderr=err, tap=tap, env=env, cwd=cwd,
                            stdin=None if input is None else subprocess.PIPE, preload=preload)
        assert process.stdout is not None
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        feeder = None
        if input is not None:
            assert process.stdin is not None
            feeder = threading.Thread(target=_feed, args=(process.stdin, input), daemon=True)
            feeder.start()
        try:
            stdout = process.stdout.read()
            if feeder is not None:
                feeder.join()
            process.stdout.close()
            returncode = process.wait()
        finally:
            watchdog.cancel()
        err.seek(0)
        result = subprocess.CompletedProcess([tap, *args], returncode, stdout, err.read())
    if check:
        result.check_returncode()
    return result


# dbt imports the adapter a profile names when it runs; these are the ones the project's venv
# has besides dbt-bigquery (whose gRPC clients are better imported after a fork).
DBT_PRELOAD = ("dbt.adapters.duckdb", "dbt.adapters.postgres")


def run_dbt(dbt: str, args: list[str], *, env: dict[str, str], cwd: str,
            timeout: float) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` forked from a server that imported dbt (about 5 s of CPU a run), like
    ``subprocess.run(..., capture_output=True, text=True)`` but killed at ``timeout``."""
    same_venv = Path(dbt).parent == Path(sys.executable).parent
    result = run_tap_command(args, tap=dbt, env=env, cwd=cwd, timeout=timeout,
                             preload=DBT_PRELOAD if same_venv else ())
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode(errors="replace"),
                                       result.stderr.decode(errors="replace"))


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError):
        stream.write(data)
    with contextlib.suppress(BrokenPipeError):
        stream.close()


if __name__ == "__main__":
    _server_main(*sys.argv[1:])
