"""A short fault soak (benchmarks/soak.py runs 10,000): every call ends in a result or a typed error."""

from __future__ import annotations

from benchmarks.soak import SOAK_MIX, TASKS, run_soak
from hf_tools.tasks import TASKS as REGISTRY
from hf_tools.testing import LoopbackServer

CALLS = 500
CAP = 32


async def test_five_hundred_mixed_calls_under_faults_lose_nothing() -> None:
    with LoopbackServer() as server:
        faults = SOAK_MIX.script(server, [REGISTRY[t].default_model for t in TASKS], requests=CALLS)
        report = await run_soak(server.base_url, CALLS, CAP, hard_limit=300)
        peak = server.max_in_flight
        served = len(server.requests)
    assert report.calls == CALLS
    assert report.lost == 0 and report.hung == 0
    assert not report.untyped_failures, report.untyped_failures  # nothing but the hf_tools error tree
    assert report.successes + sum(report.typed_failures.values()) == CALLS
    # only malformed bodies are final (never retried); every other fault was retried away here
    assert set(report.typed_failures) <= {"HFResponseError", "HFServerError", "HFTimeoutError", "HFConnectionError"}
    assert report.successes >= CALLS * 0.95
    assert 0 < peak <= CAP
    assert served > CALLS  # retries happened
    assert all(faults[kind] > 0 for kind in ("loading", "rate_limited", "dropped", "malformed", "slow"))
