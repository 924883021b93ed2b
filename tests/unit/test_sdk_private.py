"""What the tap relies on beyond singer-sdk's documented hooks (tap_smartlead/sdk_private.py):
each test fails loudly when a new SDK (or Python) changes it, naming what changed."""

from __future__ import annotations

import datetime as dt
import decimal
import inspect
import io
import json
import logging
import re
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from singer_sdk import RESTStream, Stream, Tap
from singer_sdk import typing as th
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage
from singer_sdk.singerlib.json import serialize_json

from tap_smartlead import sdk_private
from tap_smartlead.sdk_private import VersionStampingWriter, install_record_factory
from tap_smartlead.tap import TapSmartlead

PACKAGE = Path(sdk_private.__file__).parent

# --- a tiny tap of the SDK's own, to watch what the SDK calls and writes ---------------------


class _Watched(Stream):
    name = "watched"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType), th.Property("at", th.StringType)
    ).to_dict()
    primary_keys = ("id",)
    calls: list[str]
    tail: Any = None  # run after the last record, inside get_records

    def get_replication_key_signpost(self, context: Any = None) -> Any:
        self.calls.append("signpost")
        return super().get_replication_key_signpost(context)

    def get_records(self, context: Any) -> Any:
        self.calls.append("get_records")
        yield {"id": 1, "at": "2026-01-02"}
        yield {"id": 2, "at": "2026-01-03"}
        if self.tail is not None:
            self.tail(self, context)

    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        self.calls.append("finalize")
        super().finalize_state_progress_markers(state)


class _WatchedTap(Tap):
    name = "tap-watched"
    config_jsonschema = th.PropertiesList().to_dict()
    message_writer_class = VersionStampingWriter
    stream_setup: Any = None

    def discover_streams(self) -> list[Stream]:
        stream = _Watched(tap=self)
        stream.calls = []
        if self.stream_setup is not None:
            self.stream_setup(stream)
        return [stream]


def _run(setup: Any = None) -> tuple[_WatchedTap, list[dict[str, Any]]]:
    _WatchedTap.stream_setup = staticmethod(setup) if setup else None
    tap = _WatchedTap(config={})
    out = io.StringIO()
    with redirect_stdout(out):
        tap.sync_all()
    return tap, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_a_streams_sync_starts_with_the_signpost_hook_and_ends_with_finalize():
    # SmartleadStream starts a stream's sync in get_replication_key_signpost and ends it in
    # finalize_state_progress_markers: the SDK must call them first and last.
    tap, _ = _run()
    assert tap.streams["watched"].calls == ["signpost", "get_records", "finalize"]


def test_finalize_is_not_called_after_a_sync_that_raised():
    def failing(stream: _Watched) -> None:
        def tail(_stream: Any, _context: Any) -> None:
            raise RuntimeError("half-way")
        stream.tail = tail

    with pytest.raises(RuntimeError, match="half-way"):
        _run(failing)


def test_the_sdk_writes_no_activate_version_of_its_own_when_told_not_to():
    def full_table_without_versions(stream: _Watched) -> None:
        type(stream).emit_activate_version_messages = property(lambda self: False)

    try:
        _, messages = _run(full_table_without_versions)
    finally:
        del _Watched.emit_activate_version_messages
    assert [m for m in messages if m["type"] == "ACTIVATE_VERSION"] == []
    assert [m["record"]["id"] for m in messages if m["type"] == "RECORD"] == [1, 2]


def test_the_writer_gets_record_messages_whose_version_it_may_set():
    seen: list[Any] = []
    _WatchedTap.stream_setup = None
    tap = _WatchedTap(config={})
    assert isinstance(tap.message_writer, VersionStampingWriter)
    tap.message_writer.versions["watched"] = 1234
    original = VersionStampingWriter.write_message

    def spy(self: VersionStampingWriter, message: Any) -> None:
        seen.append(type(message))
        original(self, message)

    out = io.StringIO()
    VersionStampingWriter.write_message = spy  # type: ignore[method-assign]
    try:
        with redirect_stdout(out):
            tap.sync_all()
    finally:
        VersionStampingWriter.write_message = original  # type: ignore[method-assign]
    assert RecordMessage in seen
    assert RecordMessage.__dataclass_fields__["version"].default is None
    records = [json.loads(line) for line in out.getvalue().splitlines()
               if json.loads(line)["type"] == "RECORD"]
    assert [r["version"] for r in records] == [1234, 1234]


def test_a_tombstone_is_written_without_a_version():
    writer = VersionStampingWriter()
    writer.versions["s"] = 7
    out = io.StringIO()
    with redirect_stdout(out):
        writer.write_message(RecordMessage(stream="s", record={"id": 1}))
        writer.write_message(RecordMessage(stream="s", record={"id": 2, "_sdc_deleted_at": "x"}))
        writer.write_message(RecordMessage(stream="other", record={"id": 3}))
    versions = [json.loads(line).get("version") for line in out.getvalue().splitlines()]
    assert versions == [7, None, None]


def test_records_and_state_are_written_as_the_sdks_own_serialiser_writes_them():
    # The writer's own RECORD and STATE lines skip the SDK's dataclasses.asdict copy; they
    # must stay the lines the SDK's path writes (a new message field, or a change to how
    # to_dict drops Nones, fails here).
    when = dt.datetime(2026, 3, 2, 9, 0, 1, 250000, tzinfo=dt.timezone.utc)
    record = {"id": 1, "note": None, "lead": {"custom_fields": {"x": None}, "tags": [None, 2]},
              "amount": decimal.Decimal("12.30"), "sent_at": when}
    state = {"bookmarks": {"campaign_leads": {"partitions": [
        {"context": {"campaign_id": 7}, "replication_key_value": None, "read_on": "x"}]}}}
    messages = [
        RecordMessage(stream="s", record=record),
        RecordMessage(stream="s", record=record, version=3, time_extracted=when),
        StateMessage(value=state),
        StateMessage(value={}),
        SchemaMessage(stream="s", schema={"type": "object"}, key_properties=["id"]),
    ]
    writer = VersionStampingWriter()
    for message in messages:
        assert writer.serialize_message(message) == serialize_json(message.to_dict())
    first = json.loads(writer.serialize_message(messages[0]))
    assert "version" not in first and first["record"]["note"] is None


def test_progress_markers_become_the_bookmark_only_after_get_records_ended():
    # SmartleadStream.cap_bookmarks changes the marker at the end of get_records: the SDK
    # must promote it after that, not while the records are read.
    def incremental(stream: _Watched) -> None:
        stream.replication_key = "at"

        def tail(s: Any, context: Any) -> None:
            markers = s.get_context_state(context)["progress_markers"]
            assert markers["replication_key_value"] == "2026-01-03"
            markers["replication_key_value"] = "2026-01-02T12"
        stream.tail = tail

    tap, messages = _run(incremental)
    assert not tap.streams["watched"].is_sorted
    final = [m for m in messages if m["type"] == "STATE"][-1]["value"]
    assert final["bookmarks"]["watched"]["replication_key_value"] == "2026-01-02T12"


def test_every_incremental_stream_of_the_tap_is_unsorted():
    # cap_bookmarks caps the progress marker; a sorted stream's bookmark moves per record.
    tap = TapSmartlead(config={"api_key": "unit-test-key-555"})
    sorted_ones = [s.name for s in tap.streams.values() if s.replication_key and s.is_sorted]
    assert sorted_ones == []


def test_no_sdk_method_marked_final_is_overridden():
    tap = TapSmartlead(config={"api_key": "unit-test-key-555"})
    classes = {type(tap), *(type(s) for s in tap.streams.values())}
    overridden = []
    for cls in classes:
        for klass in cls.__mro__:
            if klass.__module__.startswith("singer_sdk") or klass is object:
                break
            for name in vars(klass):
                for base in cls.__mro__:
                    if not base.__module__.startswith("singer_sdk"):
                        continue
                    sdk = inspect.getattr_static(base, name, None)
                    if sdk is not None and getattr(sdk, "__final__", False):
                        overridden.append(f"{klass.__name__}.{name}")
    assert overridden == []


class _BareRest(RESTStream):
    name = "bare"
    path = "/bare"
    url_base = "http://bare.test"
    schema = th.PropertiesList(th.Property("id", th.IntegerType)).to_dict()


def _sdk_private_names() -> set[str]:
    """Private members of the SDK's Tap and RESTStream: class attributes, and those the SDK's
    constructors set on an instance (a bare SDK stream's and tap's)."""
    names = {n for cls in (Tap, RESTStream) for n in dir(cls)
             if n.startswith("_") and not n.startswith("__")}
    bare_tap = _WatchedTap(config={})
    names |= {n for n in vars(bare_tap) if n.startswith("_") and not n.startswith("__")}
    names |= {n for n in vars(_BareRest(tap=bare_tap)) if n.startswith("_")}
    return names


def test_no_private_sdk_member_is_used_outside_sdk_private():
    names = _sdk_private_names()
    assert {"_config", "_tap", "_stream_version", "_state_writer"} <= names  # the test sees them
    used = []
    # The modules whose classes are the SDK's (their `self` may reach the SDK's members).
    for path in [PACKAGE / "tap.py", PACKAGE / "client.py", PACKAGE / "http_client.py",
                 PACKAGE / "paging.py", *sorted((PACKAGE / "streams").glob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        for name in names:
            if re.search(rf"(?<![\w]){re.escape('self.' + name)}\b|\bsuper\(\)\.{name}\b"
                         rf"|\bdef {name}\(", text):
                used.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert used == []


# --- process-wide hooks ------------------------------------------------------------------------


def test_the_record_factory_wrapper_sees_every_record():
    before = logging.getLogRecordFactory()
    seen: list[str] = []

    def wrap(inner: Any) -> Any:
        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = inner(*args, **kwargs)
            seen.append(record.getMessage())
            return record
        return factory

    try:
        install_record_factory(wrap)
        logging.getLogger("anyone.at.all").warning("hello %s", "there")
    finally:
        logging.setLogRecordFactory(before)
    assert "hello there" in seen


def test_exit_now_ends_the_process_without_joining_a_busy_thread():
    code = (
        "import threading, time\n"
        "from tap_smartlead.sdk_private import exit_now\n"
        "threading.Thread(target=time.sleep, args=(60,)).start()\n"
        "exit_now(7)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], timeout=30, check=False)
    assert done.returncode == 7
    assert time.monotonic() - started < 20  # not the thread's 60 s


def test_the_signal_handler_takes_no_lock_the_interrupted_main_thread_may_hold(monkeypatch):
    # A handler runs on the main thread between two of its instructions: here, while the main
    # thread holds the runtime's, the limiter's and the progress reporter's locks.
    tap = TapSmartlead(config={"api_key": "unit-test-key-555", "progress_interval_seconds": 0})
    tap.stream_starting(tap.streams["campaigns"])
    exits: list[int] = []
    monkeypatch.setattr("tap_smartlead.tap.exit_now", exits.append)
    held = [tap.runtime._lock, tap.progress._lock]
    for lock in held:
        lock.acquire()
    out = io.StringIO()
    finished = threading.Event()

    def handle() -> None:
        with redirect_stdout(out):
            tap.stopped_by_signal(15, None)
        finished.set()

    try:
        worker = threading.Thread(target=handle, daemon=True)
        worker.start()
        assert finished.wait(10), "the handler waited on a lock"
    finally:
        for lock in held:
            lock.release()
    assert exits == [143]
    assert [json.loads(line)["type"] for line in out.getvalue().splitlines()] == ["STATE"]
