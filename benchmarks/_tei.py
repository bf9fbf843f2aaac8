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
