"""Bad input fails fast and clearly: a non-zero exit, a line that names the problem, no retry
storm, and never the API key (nor any mailbox password) in what the tap prints.

Each case runs the real ``tap-smartlead`` once against one emulator (the seed rate limit); the
emulator's request counter shows how many requests the bad input cost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from smartlead_emulator.testing import EmulatorProcess
from tests.faults.helpers import (
    ERROR_PREFIX,
    NO_ACCESS_KEY,
    SUITE_API_KEY,
    emulator_options,
    problem_lines,
    retry_lines,
    run_tap_watched,
    summary,
)
from tests.integration.expected import secrets_of
from tests.integration.tap_runner import TapRun

pytestmark = pytest.mark.integration

WRONG_KEY = "sl-faults-wrong-key-51a7c3e09f"
UNREACHABLE = "http://127.0.0.1:9/api/v1"  # the discard port: nothing listens there


@dataclass(frozen=True)
class BadInput:
    name: str
    # The config (a dict, or text written as it is) for an emulator.
    config: Callable[[EmulatorProcess], dict[str, Any] | str]
    # Words the line reporting the problem must contain (case-insensitive); a tuple holds
    # alternatives.
    must_say: tuple[str | tuple[str, ...], ...]
    state: str | None = None
    state_path: str | None = None
    catalog: str | None = None
    max_requests: int = 0  # requests the emulator may see
    max_seconds: float = 15.0
    # Runtime errors come from the tap's own handler: one `tap-smartlead: error: ...` line.
    tap_error_line: bool = False
    extra_secrets: tuple[str, ...] = field(default=())


def good(emu: EmulatorProcess, **overrides: Any) -> dict[str, Any]:
    return {"api_key": emu.api_key, "base_url": emu.base_url, **overrides}


CASES = [
    BadInput("wrong_api_key_401", lambda e: good(e, api_key=WRONG_KEY),
             ("401", "api_key"), max_requests=1, tap_error_line=True,
             extra_secrets=(WRONG_KEY,)),
    BadInput("key_without_api_access_403", lambda e: good(e, api_key=NO_ACCESS_KEY),
             ("403", "access"), max_requests=1, tap_error_line=True,
             extra_secrets=(NO_ACCESS_KEY,)),
    BadInput("unreachable_host", lambda e: good(e, base_url=UNREACHABLE),
             ("could not connect", "127.0.0.1:9"), max_seconds=60, tap_error_line=True),
    BadInput("config_is_not_json",
             lambda e: f'{{"api_key": "{e.api_key}", "base_url": "{e.base_url}",',
             ("config", "json")),
    BadInput("campaign_ids_not_integers", lambda e: good(e, campaign_ids=["abc"]),
             ("campaign_ids", "abc")),
    BadInput("analytics_window_days_0", lambda e: good(e, analytics_window_days=0),
             ("analytics_window_days", "got 0")),
    BadInput("analytics_window_days_31", lambda e: good(e, analytics_window_days=31),
             ("analytics_window_days", "31")),
    BadInput("warmup_within_days_0", lambda e: good(e, warmup_within_days=0),
             ("warmup_within_days", "got 0")),
    BadInput("warmup_within_days_7", lambda e: good(e, warmup_within_days=7),
             ("warmup_within_days", "at most 6", "7")),
    BadInput("warmup_within_days_not_a_number", lambda e: good(e, warmup_within_days="x"),
             ("warmup_within_days", "'x'", "integer")),
    BadInput("start_date_in_the_future",
             lambda e: good(e, start_date="2999-01-01T00:00:00Z"), ("start_date", "future")),
    BadInput("start_date_not_a_date", lambda e: good(e, start_date="not-a-date"),
             ("start_date", "not-a-date")),
    BadInput("base_url_not_http", lambda e: good(e, base_url="ftp://x"),
             ("base_url", "ftp://x")),
    BadInput("state_file_does_not_exist", good,
             ("state", ("no such file", "not found", "does not exist")),
             state_path="/nonexistent/tap-smartlead/state.json"),
    BadInput("state_file_is_not_json", good, ("state", "json"),
             state='{"bookmarks": {"campaigns": '),
    BadInput("campaign_id_that_does_not_exist", lambda e: good(e, campaign_ids=[999999]),
             ("999999", "campaign_ids"), max_requests=1, tap_error_line=True),
    # The host's root instead of its API root: the campaign list answers 404.
    BadInput("base_url_without_api_v1", lambda e: good(e, base_url=e.root_url),
             ("base_url", "404", "campaigns list", "/api/v1"), max_requests=1,
             tap_error_line=True),
    BadInput("state_bookmarks_not_an_object", good,
             ("state file", "state.json", "bookmarks", "must be an object"),
             state='{"bookmarks": "x"}'),
    BadInput("state_bookmarks_a_list", good, ("state file", "bookmarks", "got a list"),
             state='{"bookmarks": []}'),
    BadInput("state_stream_bookmark_not_an_object", good,
             ("state file", 'bookmarks["campaign_leads"]', "must be an object"),
             state='{"bookmarks": {"campaign_leads": "x"}}'),
    BadInput("state_partitions_not_objects", good,
             ("state file", "partitions", "list of objects"),
             state='{"bookmarks": {"campaign_leads": {"partitions": ["x"]}}}'),
    BadInput("state_is_meltano_wrapper", good, ("state file", "singer_state"),
             state='{"singer_state": {"bookmarks": {}}}'),
    BadInput("catalog_streams_not_a_list", good, ("catalog file", "streams", "must be a list"),
             catalog='{"streams": "x"}'),
    BadInput("catalog_without_streams", good, ("catalog file", "streams"), catalog="{}"),
    BadInput("catalog_stream_without_id", good, ("catalog file", "tap_stream_id"),
             catalog='{"streams": [{"stream": "campaigns"}]}'),
    BadInput("catalog_unknown_stream", good, ("catalog file", "does not have", "nope"),
             catalog='{"streams": [{"tap_stream_id": "nope", "schema": {}, "metadata": []}]}'),
    BadInput("catalog_schema_not_an_object", good,
             ("catalog file", "schema", "campaigns", "must be an object"),
             catalog='{"streams": [{"tap_stream_id": "campaigns", "schema": "x", '
                     '"metadata": []}]}'),
    # Was a TypeError from urllib3 (the SDK reads JSON numbers as Decimal); whole seconds now.
    BadInput("request_timeout_seconds_fractional",
             lambda e: good(e, request_timeout_seconds=2.5),
             ("request_timeout_seconds", "2.5", "integer")),
    BadInput("progress_interval_negative", lambda e: good(e, progress_interval_seconds=-1),
             ("progress_interval_seconds", "-1")),
]


@dataclass
class Outcome:
    run: TapRun
    requests: int


@pytest.fixture(scope="module")
def account():
    with EmulatorProcess(**emulator_options(seed=3, campaigns=2, leads_per_campaign=5,
                                            mailboxes=2)) as emu:
        yield emu, secrets_of(emu.dataset(), emu.api_key)


@pytest.fixture(scope="module")
def outcomes(account) -> dict[str, Outcome]:
    emu, _ = account
    found: dict[str, Outcome] = {}
    for case in CASES:
        emu.reset_stats()
        run = run_tap_watched(
            case.config(emu), state=case.state, state_path=case.state_path, timeout=120,
            catalog=case.catalog,
        )
        found[case.name] = Outcome(run, emu.stats()["requests"])
    return found


def says(line: str, words: tuple[str | tuple[str, ...], ...]) -> bool:
    text = line.lower()
    return all(
        any(w.lower() in text for w in (word if isinstance(word, tuple) else (word,)))
        for word in words
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_fast_with_a_line_naming_the_problem_and_no_secret(
    case, account, outcomes, leak_scan
):
    _, secrets = account
    outcome = outcomes[case.name]
    run = outcome.run
    leak_scan([*secrets, SUITE_API_KEY, *case.extra_secrets], run)
    traceback = "traceback printed" if "Traceback (most recent" in run.stderr_text else ""
    print(f"{case.name}: exit {run.returncode}, {run.wall_seconds:.2f}s, "
          f"{outcome.requests} requests, {len(retry_lines(run))} retries {traceback}")
    assert run.returncode != 0, summary(run)
    assert run.wall_seconds < case.max_seconds
    assert not run.records, "records emitted despite the bad input"
    lines = problem_lines(run)
    assert lines, f"no line reports the problem:\n{summary(run)}"
    naming = [line for line in lines if says(line, case.must_say)]
    assert naming, f"no line names the problem {case.must_say}:\n" + "\n".join(lines)
    if case.tap_error_line:
        assert any(line.startswith(ERROR_PREFIX) for line in naming), "\n".join(lines)
    # No retry storm: a rejected key, a missing campaign or a config error cost at most one
    # request (none for settings the tap can check itself).
    assert outcome.requests <= case.max_requests, outcome.requests
    if case.max_requests <= 1 and case.name != "unreachable_host":
        assert not retry_lines(run), "\n".join(retry_lines(run))


def test_unreachable_host_is_retried_a_bounded_number_of_times(outcomes, account, leak_scan):
    _, secrets = account
    run = outcomes["unreachable_host"].run
    leak_scan([*secrets, SUITE_API_KEY], run)
    retries = retry_lines(run)
    assert len(retries) == 7, "\n".join(retries)  # 8 attempts
    assert all("127.0.0.1:9" in line and "could not connect" in line for line in retries)


def test_rejected_key_is_reported_in_one_line_without_a_traceback(outcomes, account, leak_scan):
    _, secrets = account
    for name in ("wrong_api_key_401", "key_without_api_access_403",
                 "campaign_id_that_does_not_exist", "base_url_without_api_v1",
                 "state_bookmarks_not_an_object", "catalog_stream_without_id"):
        run = outcomes[name].run
        leak_scan([*secrets, SUITE_API_KEY, WRONG_KEY, NO_ACCESS_KEY], run)
        assert "Traceback" not in run.stderr_text, summary(run, 60)
        assert run.stderr_text.rstrip("\n").splitlines()[-1].startswith(ERROR_PREFIX)
        assert [line for line in run.stdout.splitlines()
                if json.loads(line).get("type") == "RECORD"] == []
