"""Embedding throughput against a TEI-like server in its own process.

Server: at most 32 inputs per request (413 above), 20 ms per request; clients keep 8 requests
in flight (12,800 texts/s in theory), except the ceiling (16). 20,000 distinct texts, all in one run:

* hf_tools ``HFInferenceEmbeddings.embed_documents`` (sync) and ``aembed_documents`` (async) at the
  default of 16 requests in flight, and sync at ``max_concurrency=8``;
* langchain-huggingface ``HuggingFaceEndpointEmbeddings`` and chromadb ``HuggingFaceEmbeddingServer``
  called as a user would (all texts at once), then chunked by 32 (the usual workaround);
* the raw ``InferenceClient`` with 8 threads (chunks of 32);
* httpx + orjson with 16 requests in flight: the ceiling on this machine.

Run (peers need the ``bench`` extra; langchain-huggingface needs huggingface_hub 1.x, so use .venv-hub1):

    .venv-hub1/bin/python benchmarks/embeddings_throughput.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _tei import DELAY, N_TEXTS, peer_embedder, tei_process, texts

BATCH = 32
results: dict[str, float] = {}


def chunks(items: list[str], size: int = BATCH) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def measure(name: str, run: Callable[[], Any], expect: int) -> None:
    started = time.perf_counter()
    try:
        out = run()
    except Exception as exc:  # noqa: BLE001 - a peer failing is a result
        print(f"{name:58} FAILED: {type(exc).__name__}: {str(exc)[:90]}")
        return
    seconds = time.perf_counter() - started
    count = len(out)
    ok = count == expect and all(len(v) == 384 for v in out[:: max(1, expect // 50)])
    rate = count / seconds
    results[name] = rate
    print(f"{name:58} {rate:9,.0f} texts/s  ({seconds:5.2f} s{'' if ok else ', WRONG OUTPUT'})")


def ceiling(url: str, data: list[str]) -> list[list[float]]:
    import httpx
    import orjson

    async def main() -> list[list[float]]:
        limit = asyncio.Semaphore(16)
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:

            async def one(batch: list[str]) -> list[list[float]]:
                async with limit:
                    response = await client.post(url, content=orjson.dumps({"inputs": batch}))
                    response.raise_for_status()
                    vectors: list[list[float]] = orjson.loads(response.content)
                    return vectors

            parts = await asyncio.gather(*(one(b) for b in chunks(data)))
        return [v for part in parts for v in part]

    return asyncio.run(main())


def raw_client_threads(url: str, data: list[str]) -> list[Any]:
    import numpy  # noqa: F401 - huggingface_hub imports it lazily, racily
    from huggingface_hub import InferenceClient

    def one(batch: list[str]) -> Any:
        return InferenceClient(timeout=30).feature_extraction(batch, model=url)

    with ThreadPoolExecutor(8) as pool:
        return [v for part in pool.map(one, chunks(data)) for v in part]


def main() -> int:
    from hf_tools import HFInferenceEmbeddings

    data = texts()
    print(f"{N_TEXTS:,} texts; TEI-like server in its own process: {BATCH} inputs max, {DELAY * 1000:.0f} ms/request")
    with tei_process() as url:
        hf = HFInferenceEmbeddings(model=url, batch_size=BATCH)  # the defaults: 16 requests in flight
        hf.embed_documents(data[:64])  # warm up connections and imports for every contender alike
        measure("ceiling: httpx + orjson, 16 in flight", lambda: ceiling(url, data), N_TEXTS)
        measure(
            "hf_tools HFInferenceEmbeddings.embed_documents (default 16)", lambda: hf.embed_documents(data), N_TEXTS
        )
        measure(
            "hf_tools HFInferenceEmbeddings.aembed_documents (default 16)",
            lambda: asyncio.run(hf.aembed_documents(data)),
            N_TEXTS,
        )
        hf8 = HFInferenceEmbeddings(model=url, batch_size=BATCH, max_concurrency=8)
        measure("hf_tools HFInferenceEmbeddings.embed_documents (8)", lambda: hf8.embed_documents(data), N_TEXTS)
        measure("raw InferenceClient, 8 threads", lambda: raw_client_threads(url, data), N_TEXTS)
        try:
            peer: Any = peer_embedder(url)
            measure(
                "langchain-huggingface embed_documents (as a user would)", lambda: peer.embed_documents(data), N_TEXTS
            )
            measure(
                "langchain-huggingface chunked by 32",
                lambda: [v for b in chunks(data) for v in peer.embed_documents(b)],
                N_TEXTS,
            )
        except ImportError as exc:
            print(f"langchain-huggingface not installed ({exc}); install the bench extra")
        from chromadb.utils.embedding_functions import HuggingFaceEmbeddingServer

        chroma_ef = HuggingFaceEmbeddingServer(url=url)
        measure("chromadb HuggingFaceEmbeddingServer (as a user would)", lambda: chroma_ef(data), N_TEXTS)
        measure(
            "chromadb HuggingFaceEmbeddingServer chunked by 32",
            lambda: [v for b in chunks(data) for v in chroma_ef(b)],
            N_TEXTS,
        )
    top = results.get("ceiling: httpx + orjson, 16 in flight")
    if top:
        print()
        for name, rate in results.items():
            print(f"{name:58} {rate / top:6.0%} of the ceiling")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
