"""Start the loopback Inference API server in its own process (so it does not share our GIL)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loopback_process(delay: float = 0.0) -> Iterator[str]:
    """Yield the server's base URL while a ``hf-tools serve`` process runs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.cli", "serve", "--port", "0", "--delay", str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not match:
            raise RuntimeError(f"server did not start: {line!r}")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
