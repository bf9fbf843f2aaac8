"""abatch of 1,000 text-classification inputs with concurrency 16 vs sequential calls.

The loopback server runs in its own process and takes 20 ms per request.

Run: .venv/bin/python benchmarks/abatch_speedup.py [--calls 1000] [--delay 0.02]
Target: abatch at least 12x faster than sequential.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import hf_tools
from benchmarks._server import loopback_process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    texts = [f"text number {i}" for i in range(args.calls)]
    with loopback_process(delay=args.delay) as url:
        classify = hf_tools.runnable(
            "text-classification",
            base_url=f"{url}/models/{{model}}",
            max_concurrency=args.concurrency,
            timeout=30,
        )
        classify.invoke("warm up")
        started = time.perf_counter()
        sequential = [classify.invoke(text) for text in texts]
        sequential_s = time.perf_counter() - started

        async def run_abatch() -> list[object]:
            return await classify.abatch(texts)

        started = time.perf_counter()
        batched = asyncio.run(run_abatch())
        abatch_s = time.perf_counter() - started

        started = time.perf_counter()
        threaded = classify.batch(texts)
        batch_s = time.perf_counter() - started
    assert batched == sequential == threaded
    print(f"{args.calls} text-classification calls, server {args.delay * 1e3:.0f} ms/request")
    print(f"  sequential invoke        : {sequential_s:.2f} s")
    print(f"  abatch (concurrency {args.concurrency}) : {abatch_s:.2f} s  -> {sequential_s / abatch_s:.1f}x faster")
    print(f"  batch  (concurrency {args.concurrency}) : {batch_s:.2f} s  -> {sequential_s / batch_s:.1f}x faster")
    print(f"  ideal with {args.concurrency} in flight : {args.calls * args.delay / args.concurrency:.2f} s")


if __name__ == "__main__":
    main()
