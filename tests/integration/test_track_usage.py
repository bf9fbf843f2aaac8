"""``hf_tools.track_usage``: requests, tokens and cost (at the router's ``/v1/models`` price for the
provider that answered) in sync, async, threaded and nested blocks; the budget refuses the next call
before any request; the CLI prints a run's usage. Real hub clients against the ``hf_router`` fixture.

Prices here: together 0.2 / 0.6 $ per million input/output tokens (the fixture's default), featherless-ai
1.0 / 2.0. "one two three" is 3 prompt tokens and the answer "You said: one two three" 5.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from decimal import Decimal

import pytest

import hf_tools
from hf_tools import router_catalog
from hf_tools.errors import HFBudgetExceededError
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_usage_0123456789"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}
QWEN = "Qwen/Qwen2.5-7B-Instruct"
PROMPT = "one two three"
TOGETHER = Decimal("0.0000036")  # (3 * 0.2 + 5 * 0.6) / 1e6
FEATHERLESS = Decimal("0.000013")  # (3 * 1.0 + 5 * 2.0) / 1e6


@pytest.fixture(autouse=True)
def _fresh_catalog() -> None:
    router_catalog.clear_catalog()


@pytest.fixture
def router(hf_router: LoopbackRouter) -> LoopbackRouter:
    hf_router.offer(QWEN, "featherless-ai", input_price=1.0, output_price=2.0)
    return hf_router


def chat(**options: object) -> hf_tools.ChatHFInference:
    return hf_tools.ChatHFInference(model=QWEN, **{**FAST, **options})  # type: ignore[arg-type]


def test_sync_calls_are_totalled_to_the_dollar(router: LoopbackRouter) -> None:
    with hf_tools.track_usage() as usage:
        chat().invoke(PROMPT)  # auto: the router picks together
        chat(provider="featherless-ai").invoke(PROMPT)
        list(chat(provider="featherless-ai").stream(PROMPT))  # usage from the stream's last chunk
        hf_tools.runnable("summarization", **FAST).invoke("Short. Text.")  # a task call: a request, no token price
    assert usage.requests == 4
    assert (usage.input_tokens, usage.output_tokens) == (9, 15)
    assert usage.cost == TOGETHER + 2 * FEATHERLESS
    assert usage.cost_usd == 0.0000296
    assert usage.by_provider["together"].as_dict() == {
        "requests": 1,
        "input_tokens": 3,
        "output_tokens": 5,
        "cost_usd": 0.0000036,
    }
    assert usage.by_provider["featherless-ai"].cost == 2 * FEATHERLESS
    assert usage.by_provider["hf-inference"].as_dict() == {
        "requests": 1,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": 0.0,
    }
    assert usage.by_model[QWEN].requests == 3 and usage.by_model["facebook/bart-large-cnn"].requests == 1
    assert [r for r in router.log if r == ("GET", "/v1/models")] == [("GET", "/v1/models")]  # read once


def test_async_calls_and_tasks_started_inside_count(router: LoopbackRouter) -> None:
    async def run() -> hf_tools.usage.UsageTracker:
        with hf_tools.track_usage() as usage:
            await asyncio.gather(chat().ainvoke(PROMPT), chat(provider="featherless-ai").ainvoke(PROMPT))
            async for _ in chat(provider="featherless-ai").astream(PROMPT):
                pass
        return usage

    usage = asyncio.run(run())
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (3, 9, 15)
    assert usage.cost == TOGETHER + 2 * FEATHERLESS


def test_threads_started_with_the_block_context_count(router: LoopbackRouter) -> None:
    with hf_tools.track_usage() as usage:
        chat(provider="featherless-ai").batch(
            [PROMPT] * 6, {"max_concurrency": 3}
        )  # LangChain's context-copying threads
        embeddings = hf_tools.HFInferenceEmbeddings(
            base_url=router.url + "/hf-inference/models/{model}", max_concurrency=4, **FAST
        )
        embeddings.embed_documents(["a"] * 100)  # 4 batches of 32 in hf_tools' own worker threads
    assert usage.requests == 10
    assert usage.cost == 6 * FEATHERLESS
    assert usage.by_provider["hf-inference"].requests == 4  # the router's /hf-inference/ route answered


def test_blocks_nest_and_an_outer_block_sees_inner_calls(router: LoopbackRouter) -> None:
    with hf_tools.track_usage() as outer:
        chat().invoke(PROMPT)
        with hf_tools.track_usage() as inner:
            chat(provider="featherless-ai").invoke(PROMPT)
        other: list[hf_tools.usage.UsageTracker] = []
        worker = threading.Thread(target=lambda: other.append(_separate_block()))
        worker.start()
        worker.join()
    assert inner.cost == FEATHERLESS and inner.requests == 1
    assert outer.cost == TOGETHER + FEATHERLESS and outer.requests == 2  # the thread's own block is not the outer's
    assert other[0].cost == TOGETHER


def _separate_block() -> hf_tools.usage.UsageTracker:
    with hf_tools.track_usage() as usage:
        chat().invoke(PROMPT)
    return usage


def test_budget_refuses_the_next_call_before_any_request(router: LoopbackRouter) -> None:
    with hf_tools.track_usage(max_cost_usd=0.00001) as usage:
        chat(provider="featherless-ai").invoke(PROMPT)  # 0.000013 > 0.00001: spent
        sent = router.count()
        with pytest.raises(HFBudgetExceededError) as caught:
            chat(provider="featherless-ai").invoke(PROMPT)
        with pytest.raises(HFBudgetExceededError):
            hf_tools.runnable("summarization", **FAST).invoke("Short. Text.")
        with pytest.raises(HFBudgetExceededError):
            asyncio.run(chat().ainvoke(PROMPT))
        with pytest.raises(HFBudgetExceededError):
            list(chat().stream(PROMPT))
    assert router.count() == sent == 1  # no request was sent after the budget was spent
    assert caught.value.is_retryable is False
    assert usage.requests == 1
    chat(provider="featherless-ai").invoke(PROMPT)  # outside the block: no budget
    assert router.count() == 2


def test_within_budget_calls_go_through(router: LoopbackRouter) -> None:
    with hf_tools.track_usage(max_cost_usd=1.0) as usage:
        for _ in range(3):
            chat(provider="featherless-ai").invoke(PROMPT)
    assert usage.cost == 3 * FEATHERLESS


@pytest.mark.slow
def test_cli_prints_the_runs_usage(router: LoopbackRouter) -> None:
    base_url = f"{router.url}/hf-inference/models/{{model}}/pipeline/{{task}}"
    env = {**os.environ, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hf_tools.cli",
            "run",
            "summarization",
            "Short. Text.",
            "--base-url",
            base_url,
            "--usage",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["usage"]["requests"] == 1
    assert line["usage"]["by_provider"] == {
        "endpoint": {"requests": 1, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
    }
