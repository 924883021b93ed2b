"""`--active-campaigns`: idle campaigns stay exactly as they were when the clock advances."""

from __future__ import annotations

from smartlead_emulator.ratelimit import RateLimiter
from smartlead_emulator.testing import EmulatorProcess


def test_advance_changes_only_the_active_campaigns():
    with EmulatorProcess(seed=5, campaigns=4, leads_per_campaign=20, mailboxes=2,
                         active_campaigns=1, rate_limit="none") as emu:
        before = {c["id"]: c for c in emu.dataset()["campaigns"]}
        emu.advance(days=2)
        after = {c["id"]: c for c in emu.dataset()["campaigns"]}
    assert before[1000] != after[1000]  # the active one got leads and events
    assert len(after[1000]["leads"]) > len(before[1000]["leads"])
    for cid in (1001, 1002, 1003):
        # Its mailboxes' warmup totals move (mailboxes warm up every day); nothing else may.
        changed = sorted(k for k in after[cid] if k != "email_accounts"
                         and before[cid][k] != after[cid][k])
        assert not changed, f"idle campaign {cid} changed: {changed}"


def test_live_policy_allows_200_per_minute_and_answers_a_bare_429():
    limiter = RateLimiter("live")
    decisions = [limiter.check("key") for _ in range(201)]
    assert all(d.allowed for d in decisions[:200])
    assert not decisions[200].allowed
    assert decisions[200].headers == {}  # bare: no X-RateLimit-*, no Retry-After
    assert (limiter.limit, limiter.window) == (200, 60.0)
