"""hf_tools.runnable vs the raw InferenceClient: 1,000 sequential text-classification calls.

Both hit the same loopback server, which runs in its own process. Rounds alternate between the
two so that drift on the machine affects both alike; the median round is reported.

Run: .venv/bin/python benchmarks/runnable_overhead.py [--calls 1000] [--rounds 5] [--delay 0.005]
Target: hf_tools / raw <= 1.05.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import InferenceClient

import hf_tools
from benchmarks._server import loopback_process

MODEL = hf_tools.TASKS["text-classification"].default_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds the server takes per request")
    args = parser.parse_args()
    with loopback_process(delay=args.delay) as url:
        model_url = f"{url}/models/{MODEL}"
        raw = InferenceClient(timeout=30)
        classify = hf_tools.runnable("text-classification", model=model_url, timeout=30)

        def run_raw() -> None:
            for i in range(args.calls):
                raw.text_classification(f"text {i}", model=model_url)

        def run_ours() -> None:
            for i in range(args.calls):
                classify.invoke(f"text {i}")

        run_raw(), run_ours()  # warm up connections and imports
        times: dict[str, list[float]] = {"raw": [], "hf_tools": []}
        for _ in range(args.rounds):
            for name, func in (("raw", run_raw), ("hf_tools", run_ours)):
                started = time.perf_counter()
                func()
                times[name].append(time.perf_counter() - started)
    raw_s, ours_s = statistics.median(times["raw"]), statistics.median(times["hf_tools"])
    print(
        f"{args.calls} sequential text-classification calls, server {args.delay * 1e3:.0f} ms/request,"
        f" median of {args.rounds} rounds"
    )
    print(f"  raw InferenceClient : {raw_s:.3f} s  ({raw_s / args.calls * 1e3:.3f} ms/call)")
    print(f"  hf_tools.runnable   : {ours_s:.3f} s  ({ours_s / args.calls * 1e3:.3f} ms/call)")
    print(f"  ratio hf_tools/raw  : {ours_s / raw_s:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main()
