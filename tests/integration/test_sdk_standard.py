"""singer-sdk's built-in tap test suite (CLI, discovery, sync, schemas, keys, attribute types),
run against a real emulator process started for this module."""

from __future__ import annotations

import atexit
import datetime as dt

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from smartlead_emulator.testing import EmulatorProcess
from tap_smartlead.tap import TapSmartlead

# The SDK builds its test class from a config at import time, so the emulator starts here.
# Seed 6: every stream has records there (its campaigns have clients: client_daily_stats).
_EMULATOR = EmulatorProcess(
    seed=6, campaigns=2, leads_per_campaign=12, mailboxes=2, rate_limit="none"
)
atexit.register(_EMULATOR.close)

START = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=60)).date().isoformat()

TestTapSmartlead = pytest.mark.integration(
    get_tap_test_class(
        TapSmartlead,
        config={
            "api_key": _EMULATOR.api_key,
            "base_url": _EMULATOR.base_url,
            "start_date": START,
            "rate_limit_requests": 1000,
            "rate_limit_window_seconds": 1,
        },
        suite_config=SuiteConfig(max_records_limit=None),
    )
)
