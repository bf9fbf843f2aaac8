"""Start the TEI-like embeddings server in its own process (so it does not share our GIL)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

N_TEXTS = 20_000
DELAY = 0.02


def texts(n: int = N_TEXTS) -> list[str]:
    """``n`` distinct sentences of a realistic length."""
    return [f"Benchmark sentence number {i} talks about topic {i % 97} and item {i * 7919 % 10007}." for i in range(n)]


@contextmanager
def tei_process(delay: float = DELAY, vectors: str = "pool") -> Iterator[str]:
    """Yield the URL of a ``python -m hf_tools.testing.tei`` process (32 inputs max, ``delay`` s)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.testing.tei", "--port", "0", "--delay", str(delay), "--vectors", vectors],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"TEI server did not start: {line!r}")
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def peer_embedder(url: str) -> object:
    """langchain-huggingface's ``HuggingFaceEndpointEmbeddings`` pointed at ``url``.

    It rejects URLs as ``model`` (a known complaint), so its clients are swapped for ones bound
    to the URL, the usual workaround for a self-hosted TEI.
    """
    from huggingface_hub import AsyncInferenceClient, InferenceClient
    from langchain_huggingface import HuggingFaceEndpointEmbeddings

    peer = HuggingFaceEndpointEmbeddings(
        model="sentence-transformers/all-MiniLM-L6-v2", huggingfacehub_api_token="hf_x"
    )
    peer.client = InferenceClient(model=url)
    peer.async_client = AsyncInferenceClient(model=url)
    return peer
