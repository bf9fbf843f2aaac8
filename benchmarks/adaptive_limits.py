"""2,000 calls through ``batch`` against a provider that serves 8 at once and answers 429 beyond.

    .venv/bin/python benchmarks/adaptive_limits.py [--calls 2000] [--concurrency 32] [--limit 8]
        [--delay 0.1] [--retry-after 1] [--rounds 1] [--abatch]

The loopback provider runs in its own process: each request it admits takes ``--delay`` seconds,
and a request arriving while ``--limit`` are being answered gets an immediate 429 with
``Retry-After: --retry-after`` (``none``: no header, the client backs off). The same
text-classification batch runs with ``adaptive_concurrency=False`` (no shared limit: only the
batch's ``max_concurrency``) and with the adaptive in-flight limit (the default), alternating for
``--rounds`` rounds. Reported per run: 429s the provider sent, results lost (calls that ended in an
error, e.g. retries exhausted), wall time, and the provider's mean requests in service
(``results x delay / wall``; at most ``--limit``). Goal: at least 4x fewer 429s, wall time no worse.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import hf_tools

_SERVER = r"""
import sys
from hf_tools.testing import LoopbackServer, Reply
delay, limit, retry_after = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
server = LoopbackServer(delay=delay).start()
server.limit_in_flight(limit, retry_after=None if retry_after == "none" else float(retry_after))
server.route("/stats", lambda s, r: Reply.ok({"rate_limited": s.rate_limited[None], "requests": len(s.requests),
                                              "max_admitted": s.max_admitted}))
print(server.url, flush=True)
sys.stdin.read()
"""


@contextmanager
def limited_provider(delay: float, limit: int, retry_after: str) -> Iterator[str]:
    """A loopback provider in its own process (so it does not share the client's GIL); yields its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(delay), str(limit), retry_after],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.kill()
        proc.wait(timeout=10)


def stats(url: str) -> dict[str, Any]:
    # The stats route is a POST: it passes the in-flight limit, so ask only while the provider is idle.
    request = urllib.request.Request(f"{url}/stats", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result


def run(url: str, texts: list[str], concurrency: int, adaptive: bool, use_async: bool) -> dict[str, Any]:
    classify = hf_tools.runnable(
        "text-classification",
        base_url=f"{url}/models/{{model}}",
        max_concurrency=concurrency,
        adaptive_concurrency=adaptive,
        timeout=30,
    )
    before = stats(url)
    started = time.perf_counter()
    if use_async:
        results = asyncio.run(classify.abatch(texts, return_exceptions=True))
    else:
        results = classify.batch(texts, return_exceptions=True)
    wall = time.perf_counter() - started
    after = stats(url)
    return {
        "429s": after["rate_limited"] - before["rate_limited"],
        "lost": sum(isinstance(r, BaseException) for r in results),
        "wall": wall,
        "requests": after["requests"] - before["requests"],
    }


def main() -> None:
    logging.getLogger("hf_tools").setLevel(logging.ERROR)  # one warning per retry would drown the report
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--retry-after", default="1", help="seconds, or 'none'")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--abatch", action="store_true", help="abatch instead of batch")
    args = parser.parse_args()
    texts = [f"text number {i}" for i in range(args.calls)]
    ideal = args.calls * args.delay / args.limit
    face = "abatch" if args.abatch else "batch"
    print(
        f"{args.calls} calls through {face} at max_concurrency={args.concurrency}; provider: {args.limit} in flight,"
        f" {args.delay * 1e3:.0f} ms each, 429 with Retry-After {args.retry_after} beyond (ideal wall {ideal:.1f} s)"
    )
    for round_ in range(args.rounds):
        for adaptive in (False, True):
            # A fresh provider per run: its URL (the adaptive limit's key) is new, nothing learned carries over.
            with limited_provider(args.delay, args.limit, args.retry_after) as url:
                hf_tools.runnable("text-classification", base_url=f"{url}/models/{{model}}").invoke("warm up")
                out = run(url, texts, args.concurrency, adaptive, args.abatch)
            label = "adaptive limit" if adaptive else "adaptive_concurrency=False"
            print(
                f"  round {round_ + 1} {label:27s}: 429s {out['429s']:5d}  lost {out['lost']:4d}"
                f"  wall {out['wall']:6.2f} s  in service {(args.calls - out['lost']) * args.delay / out['wall']:4.1f}"
                f"  requests {out['requests']}"
            )


if __name__ == "__main__":
    main()
