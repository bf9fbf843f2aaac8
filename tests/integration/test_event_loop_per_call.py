"""A fresh event loop per call (``asyncio.run`` in a loop, as scripts and web handlers do) leaks nothing."""

from __future__ import annotations

import asyncio
import os
import resource

import pytest

import hf_tools
from hf_tools import HFInferenceEmbeddings
from hf_tools.testing import LoopbackServer

pytestmark = pytest.mark.slow


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def test_calls_each_on_a_new_loop_keep_files_and_memory_flat() -> None:
    # 400 calls here (each new loop costs ~80 ms of TLS set-up inside the hub client);
    # benchmarks/loop_per_call.py runs 2,000
    with LoopbackServer() as server:
        classify = hf_tools.runnable("text-classification", base_url=server.base_url)
        embed = HFInferenceEmbeddings(base_url=server.base_url)
        for _ in range(20):  # warm up: imports, caches, allocator
            asyncio.run(classify.ainvoke("warm"))
            asyncio.run(embed.aembed_documents(["warm"]))
        files, rss = _open_files(), _rss_mb()
        for i in range(200):
            assert asyncio.run(classify.ainvoke(f"call {i}"))[0].label
            assert len(asyncio.run(embed.aembed_documents([f"text {i}"]))[0]) == 384
        assert _open_files() - files <= 4  # was +2 per call (one pool per dead loop)
        assert _rss_mb() - rss < 25  # was +0.8 MB per call
        assert len(server.requests) == 2 * 220
