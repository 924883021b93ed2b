"""Progress a person can watch: every ``interval`` seconds, one line per stream on stderr.

A full sync at the documented rate limit takes minutes; without these lines it is silent until the
end. Each line says how many campaigns (or mailboxes) of the stream are done of how many, the
records written, the requests made, how many of them were answered 429 or retried, and the time
left at the stream's pace so far::

    progress: lead_message_history: campaigns 2/5, 419 records, 431 requests (0 answered 429,
    1 retry), about 48 s left

The counters are fed by small hooks in the streams (``client.py``): requests and retries come
from the worker threads, records and finished partitions from the main thread, so every update
takes a lock. A daemon thread calls :meth:`ProgressReporter.poll`; tests call it directly with
a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_INTERVAL_SECONDS = 15
# How often the reporter thread wakes to see whether a line is due.
_TICK_SECONDS = 1.0


@dataclass
class StreamProgress:
    """What one stream has done so far."""

    name: str
    started: float
    unit: str | None = None  # "campaigns" or "mailboxes" for partitioned streams
    total: int | None = None
    done: int = 0
    last_done: float | None = None  # when the last partition was finished
    records: int = 0
    requests: int = 0
    throttled: int = 0  # answered 429
    retries: int = 0
    # The counters at the last line written, so that idle streams are not repeated.
    reported: tuple[int, ...] = field(default=())

    def snapshot(self) -> tuple[int, ...]:
        return (self.done, self.records, self.requests, self.throttled, self.retries)

    def seconds_left(self, now: float) -> float | None:
        """The remaining partitions at the pace of the finished ones, less the time already
        spent on the current one (so the estimate counts down between partitions), but never
        less than the partitions after the current one need. None before the first is done."""
        if self.total is None or self.done == 0 or self.last_done is None:
            return None
        remaining = self.total - self.done
        if remaining <= 0:
            return 0.0
        per_partition = (self.last_done - self.started) / self.done
        left = per_partition * remaining - (now - self.last_done)
        return max(left, per_partition * (remaining - 1), 0.0)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


def describe_duration(seconds: float) -> str:
    """``48 s``, ``3 min 20 s``, ``1 h 05 min``: precise enough to plan a coffee."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProgressReporter:
    """Counts what the sync does and writes a line per active stream every ``interval`` s.

    ``interval`` of 0 (or less) switches the periodic lines off; the counters still run and
    :meth:`finish` still writes the closing line.
    """

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        *,
        emit: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = float(interval)
        self._emit = emit
        self._clock = clock
        self._lock = threading.Lock()
        self._streams: dict[str, StreamProgress] = {}
        self._started = clock()
        self._last_report = self._started
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._expected_streams = 0
        self._finished = False

    # --- hooks (any thread) -----------------------------------------------------------------

    def _stream(self, name: str) -> StreamProgress:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = StreamProgress(name, started=self._clock())
        return stream

    def partitions(self, stream: str, unit: str, total: int) -> None:
        """``stream`` walks ``total`` partitions (campaigns or mailboxes)."""
        with self._lock:
            progress = self._stream(stream)
            progress.unit, progress.total = unit, total

    def partition_done(self, stream: str) -> None:
        with self._lock:
            progress = self._stream(stream)
            progress.done += 1
            progress.last_done = self._clock()

    def record(self, stream: str) -> None:
        with self._lock:
            self._stream(stream).records += 1

    def request(self, stream: str, status: int | None) -> None:
        """One HTTP attempt answered with ``status`` (None: no answer, e.g. a timeout)."""
        with self._lock:
            progress = self._stream(stream)
            progress.requests += 1
            if status == 429:
                progress.throttled += 1

    def retry(self, stream: str) -> None:
        with self._lock:
            self._stream(stream).retries += 1

    # --- lines ------------------------------------------------------------------------------

    def line(self, progress: StreamProgress, now: float) -> str:
        parts = []
        if progress.unit is not None and progress.total is not None:
            parts.append(f"{progress.unit} {progress.done}/{progress.total}")
        parts.append(_plural(progress.records, "record"))
        parts.append(
            f"{_plural(progress.requests, 'request')} ({progress.throttled} answered 429, "
            f"{_plural(progress.retries, 'retry', 'retries')})"
        )
        if progress.total is not None:
            left = progress.seconds_left(now)
            if progress.done >= progress.total:
                parts.append("done")
            elif left is None:
                parts.append("time left: estimating")
            else:
                parts.append(f"about {describe_duration(left)} left")
        return f"progress: {progress.name}: " + ", ".join(parts)

    def expect_streams(self, count: int) -> None:
        """The sync will run ``count`` streams (for the sync-wide line's "N of M")."""
        with self._lock:
            self._expected_streams = count

    def _due_lines(self, now: float, *, final: bool = False) -> list[str]:
        # Under the lock. A stream whose only requests so far are another stream's reads of
        # its listing (the campaign list is read first, for every stream) has nothing to say
        # yet; the last report (final) gives every stream its last line.
        lines = []
        for progress in self._streams.values():
            snapshot = progress.snapshot()
            if snapshot == progress.reported:
                continue
            idle = (progress.records == 0 and progress.total is None
                    and progress.throttled == 0 and progress.retries == 0)
            if idle and not final:
                continue
            progress.reported = snapshot
            lines.append(self.line(progress, now))
        return lines

    def sync_line(self, now: float) -> str | None:
        """The whole sync: streams done of expected, and the time left at the pace of the
        streams done so far (streams differ a lot: a rough figure, refined as they finish)."""
        with self._lock:
            expected = self._expected_streams
            done = sum(1 for s in self._streams.values()
                       if s.total is not None and s.done >= s.total)
        if not expected:
            return None
        elapsed = now - self._started
        text = (f"progress: sync: {done} of {_plural(expected, 'stream')} done, "
                f"{describe_duration(elapsed)} so far")
        if 0 < done < expected:
            left = elapsed / done * (expected - done)
            text += f", about {describe_duration(left)} left"
        return text

    def poll(self) -> list[str]:
        """Write (and return) the lines due now: one per stream that did something since the
        last report, then the whole sync's. Nothing before ``interval`` has passed since the
        last report; the first report comes one interval after the start."""
        if self.interval <= 0:
            return []
        now = self._clock()
        with self._lock:
            if now - self._last_report < self.interval:
                return []
            self._last_report = now
            lines = self._due_lines(now)
        overall = self.sync_line(now)
        if overall and lines:
            lines.append(overall)
        for text in lines:
            self._emit(text)
        return lines

    def summary(self, outcome: str = "finished", *, wait: bool = True) -> str:
        now = self._clock()
        if self._lock.acquire(timeout=5 if wait else 0):
            try:
                streams = list(self._streams.values())
            finally:
                self._lock.release()
        else:  # held by the interrupted main thread: the figures as they stand
            streams = list(self._streams.copy().values())
        records = sum(s.records for s in streams)
        requests = sum(s.requests for s in streams)
        throttled = sum(s.throttled for s in streams)
        retries = sum(s.retries for s in streams)
        return (
            f"progress: sync {outcome}: {_plural(records, 'record')} from "
            f"{_plural(len(streams), 'stream')}, {_plural(requests, 'request')} "
            f"({throttled} answered 429, "
            f"{_plural(retries, 'retry', 'retries')}) in "
            f"{describe_duration(now - self._started)}"
        )

    # --- the reporter thread ------------------------------------------------------------------

    def start(self) -> None:
        """Poll on a daemon thread, so lines keep coming while the main thread waits."""
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="smartlead-progress", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(min(_TICK_SECONDS, self.interval)):
            self.poll()

    def finish(self, outcome: str = "finished", *, wait: bool = True) -> None:
        """Stop the thread and write the closing line (``outcome``: finished, stopped...), once.

        ``wait=False`` (a signal handler, which may have interrupted this very object's lock on
        the main thread) neither joins the thread nor waits for the lock: the streams' last
        lines are left out if it is held, the closing line is written all the same.
        """
        if self._finished:
            return
        self._finished = True
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        last: list[str] = []
        if self._lock.acquire(timeout=5 if wait else 0):
            try:
                last = self._due_lines(self._clock(), final=True) if self.interval > 0 else []
            finally:
                self._lock.release()
        for text in last:  # every stream's last figures, then the sync's
            self._emit(text)
        self._emit(self.summary(outcome, wait=wait))
