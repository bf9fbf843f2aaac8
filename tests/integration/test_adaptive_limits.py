"""Adaptive in-flight limits: a provider's 429s lower its limit for every caller, through the real client.

The loopback provider serves a few requests at once and answers 429 with ``Retry-After`` beyond
them (``LoopbackServer.limit_in_flight``); counts of 429s and results are asserted, never timings.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import hf_tools
from hf_tools import rate_limit, retry
from hf_tools.tasks import TASKS
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.router import LoopbackRouter

TEXTS = [f"text number {i}" for i in range(200)]
TEXT_MODEL = TASKS["text-classification"].default_model
# For tests about the limit, not the retries: a loaded machine must not exhaust them.
PATIENT = {"max_retries": 50, "deadline": 300}


def _limit_of(server: LoopbackServer) -> rate_limit.AdaptiveLimit:
    return rate_limit.adaptive_limit(endpoint=server.base_url)


@pytest.fixture
def provider() -> Any:
    """A provider that serves 8 requests at once (0.1 s each) and answers 429 (Retry-After 0.1 s) beyond."""
    with LoopbackServer(delay=0.1) as server:
        server.limit_in_flight(8, retry_after=0.1)
        yield server


@pytest.mark.slow
def test_batch_of_200_at_32_settles_under_a_limit_of_8(provider: LoopbackServer) -> None:
    classify = hf_tools.runnable("text-classification", base_url=provider.base_url, max_concurrency=32)
    out = classify.batch(TEXTS, return_exceptions=True)
    assert [o for o in out if isinstance(o, BaseException)] == []
    assert len(out) == 200
    # Without the shared limit this draws 250-370 429s and loses 25-50 results (measured): at least 4x fewer.
    assert provider.rate_limited[None] <= 60
    learned = _limit_of(provider).limit
    assert learned is not None and learned <= 16


@pytest.mark.slow
def test_abatch_of_200_at_32_settles_under_a_limit_of_8(provider: LoopbackServer) -> None:
    classify = hf_tools.runnable("text-classification", base_url=provider.base_url, max_concurrency=32)
    out = asyncio.run(classify.abatch(TEXTS, return_exceptions=True))
    assert [o for o in out if isinstance(o, BaseException)] == []
    assert provider.rate_limited[None] <= 60


def test_two_runnables_share_one_limit() -> None:
    """A second runnable (another task, other settings) starts under the limit the first one's 429s set."""
    with LoopbackServer(delay=0.05) as server:
        server.limit_in_flight(4, retry_after=0.05)
        classify = hf_tools.runnable("text-classification", base_url=server.base_url, max_concurrency=32, **PATIENT)
        assert len(classify.batch(TEXTS[:40])) == 40
        first = server.rate_limited[None]
        assert first > 0  # it learned the limit the hard way
        learned = _limit_of(server).limit
        assert learned is not None and learned < 8
        summarize = hf_tools.runnable(
            "summarization", base_url=server.base_url, max_concurrency=32, timeout=7, **PATIENT
        )
        assert len(summarize.batch([f"One. Two {i}." for i in range(40)])) == 40
        # 32 sent at once to a provider serving 4 would draw 28 429s; under the shared limit only its probes do.
        assert server.rate_limited[None] - first < 12


def test_the_limit_recovers_once_the_429s_stop() -> None:
    with LoopbackServer(delay=0.02) as server:
        server.limit_in_flight(2, retry_after=0.02)
        classify = hf_tools.runnable("text-classification", base_url=server.base_url, max_concurrency=16, **PATIENT)
        classify.batch(TEXTS[:30])
        lowered = _limit_of(server).limit
        assert lowered is not None and lowered < 4
        server.limit_in_flight(None)
        before = server.rate_limited[None]
        classify.batch(TEXTS[:120])
        assert server.rate_limited[None] == before
        recovered = _limit_of(server).limit
        assert recovered is not None and recovered >= lowered + 2  # additive increase while full


def test_a_429_retry_waits_its_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(retry, "sleep", waits.append)
    with LoopbackServer(delay=0.05) as server:
        server.limit_in_flight(1, retry_after=0.25)
        classify = hf_tools.runnable("text-classification", base_url=server.base_url, max_concurrency=4)
        assert len(classify.batch(TEXTS[:4])) == 4
    assert waits and set(waits) == {0.25}


def test_at_a_limit_of_one_retry_after_pauses_every_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Down to one request in flight, the call told to wait keeps the place: nothing is sent until it retries."""
    real_sleep = retry.sleep
    waits: list[tuple[float, int, int]] = []  # (seconds, requests received before the wait, and after it)
    with LoopbackServer(delay=0.02) as server:
        limit = _limit_of(server)
        lease = limit.acquire(timeout=None)
        assert lease is not None
        limit.rate_limited(lease)  # an earlier 429 with one request in flight: the limit is down to one
        limit.release(lease)
        server.enqueue(TEXT_MODEL, Reply.error(429, "Rate limit reached", retry_after=0.3))

        def sleep(seconds: float) -> None:
            before = len(server.requests)
            real_sleep(seconds)
            waits.append((seconds, before, len(server.requests)))

        monkeypatch.setattr(retry, "sleep", sleep)
        classify = hf_tools.runnable("text-classification", base_url=server.base_url, max_concurrency=4)
        assert len(classify.batch(TEXTS[:4])) == 4
    assert len(waits) == 1
    seconds, before, after = waits[0]
    assert seconds == 0.3 and before == after == 1  # the refused request only, then nothing during its wait


def test_a_router_provider_has_its_own_limit(hf_router: LoopbackRouter) -> None:
    hf_router.delay = 0.05
    hf_router.limit_in_flight(3, provider="hf-inference", retry_after=0.05)
    summarize = hf_tools.runnable("summarization", token="hf_example", provider="hf-inference", max_concurrency=16)
    out = summarize.batch([f"One. Two {i}." for i in range(30)], return_exceptions=True)
    assert [o for o in out if isinstance(o, BaseException)] == []
    assert hf_router.rate_limited["hf-inference"] > 0
    learned = rate_limit.adaptive_limit(provider="hf-inference", token="hf_example").limit
    assert learned is not None and learned < 16
    assert all("hf_example" not in name for name in rate_limit.limits())


def test_adaptive_concurrency_false_keeps_no_limit() -> None:
    with LoopbackServer(delay=0.02) as server:
        server.limit_in_flight(2, retry_after=0.02)
        classify = hf_tools.runnable(
            "text-classification", base_url=server.base_url, max_concurrency=4, adaptive_concurrency=False
        )
        # An earlier server in this process may have had the same port, and so a limit of the same name.
        name = f"endpoint {server.base_url}"
        before = rate_limit.limits().get(name)
        classify.batch(TEXTS[:8], return_exceptions=True)
        assert server.rate_limited[None] > 0
        assert rate_limit.limits().get(name) == before  # no limit made, none lowered by the 429s
