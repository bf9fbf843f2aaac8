"""The process-wide caches stay bounded: shared clients (closed when dropped) and the model check's tables."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest
from huggingface_hub import AsyncInferenceClient

import hf_tools
from hf_tools import client as client_module
from hf_tools.client import MAX_SHARED_CLIENTS, get_client
from hf_tools.hub import check
from hf_tools.lru import LRUCache
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer


def test_lru_keeps_the_most_recently_used() -> None:
    cache: LRUCache[int, str] = LRUCache(3)
    for key in range(10):
        cache[key] = str(key)
        cache.get(0)  # used again and again: never evicted
    assert cache.keys() == [8, 9, 0]
    assert cache.get_or_create(0, lambda: "new") == "0"
    assert cache.get(5, "gone") == "gone"


def test_a_thousand_tokens_keep_at_most_the_bound_of_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_CLIENTS", LRUCache(MAX_SHARED_CLIENTS))
    settings = [HFSettings(token=f"hf_token_{i:04d}") for i in range(1000)]
    for one in settings:
        assert get_client(one) is get_client(one)
        assert len(client_module._CLIENTS) <= MAX_SHARED_CLIENTS
    assert len(client_module._CLIENTS) == MAX_SHARED_CLIENTS
    assert client_module._CLIENTS.keys() == settings[-MAX_SHARED_CLIENTS:]


async def test_a_dropped_client_closes_its_async_pool_on_its_loop(
    hf_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_CLIENTS", LRUCache(2))
    closed: list[AsyncInferenceClient] = []
    original_close = AsyncInferenceClient.close

    async def recording_close(self: AsyncInferenceClient) -> None:
        closed.append(self)
        await original_close(self)

    monkeypatch.setattr(AsyncInferenceClient, "close", recording_close)
    loop = asyncio.get_running_loop()
    pools: list[Any] = []
    dropped: list[weakref.ref[Any]] = []
    for i in range(3):
        summarize = hf_tools.runnable("summarization", base_url=hf_server.base_url, token=f"hf_token_{i}")
        assert (await summarize.ainvoke("One. Two.")).summary_text == "One."
        shared = get_client(summarize.settings)
        pools.append(shared._loops[loop].clients[None])
        dropped.append(weakref.ref(shared))
        del shared, summarize
    gc.collect()
    assert dropped[0]() is None, "the evicted client is gone"
    await asyncio.sleep(0)  # the close was handed to this loop with call_soon_threadsafe
    await asyncio.gather(*client_module._CLOSING)
    assert closed == [pools[0]], "only the evicted client's pool is closed"


def test_the_model_check_lock_table_is_bounded() -> None:
    for table in (check._LOCKS, check._MODELS, check._VERDICTS):
        assert isinstance(table, LRUCache) and table.maxsize == check.MAX_CACHED_MODELS
    check._LOCKS.clear()
    first = check._lock_for((None, "org/model-0"))
    assert check._lock_for((None, "org/model-0")) is first
    for i in range(3 * check.MAX_CACHED_MODELS):
        check._lock_for((None, f"org/model-{i}"))
        assert len(check._LOCKS) <= check.MAX_CACHED_MODELS
    assert len(check._LOCKS) == check.MAX_CACHED_MODELS
    check._LOCKS.clear()
