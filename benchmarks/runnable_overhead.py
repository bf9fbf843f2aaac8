"""hf_tools.runnable vs the raw InferenceClient: sequential text-classification calls.

Both hit the same loopback server, which runs in its own process and answers after ``--delay``
seconds. Rounds interleave the two by blocks of 100 calls so that drift on the machine affects
both alike; the report is each one's median per-call latency and its ratio to the raw client.
(langchain-huggingface has no text-classification Runnable; the chat twin, ``chat_overhead.py``,
compares it.)

Run: .venv/bin/python -m benchmarks.runnable_overhead [--calls 500] [--rounds 5] [--delays 0.005,0.05]
Target: hf_tools / raw <= 1.03.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import InferenceClient

import hf_tools
from benchmarks._overhead import interleaved, report
from benchmarks._server import loopback_process

MODEL = hf_tools.TASKS["text-classification"].default_model


def contenders(url: str) -> dict[str, Callable[[int], object]]:
    model_url = f"{url}/models/{MODEL}"
    raw = InferenceClient(timeout=30)
    classify = hf_tools.runnable("text-classification", model=model_url, timeout=30)
    return {
        "raw text_classification": lambda i: raw.text_classification(f"text {i}", model=model_url),
        "hf_tools runnable.invoke": lambda i: classify.invoke(f"text {i}"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500, help="calls per round at 5 ms (a fifth at 50 ms)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--delays", default="0.005,0.05", help="server seconds per request, comma-separated")
    args = parser.parse_args()
    for delay in (float(d) for d in args.delays.split(",")):
        calls = args.calls if delay < 0.02 else max(args.calls // 5, 20)
        with loopback_process(delay=delay) as url:
            times = interleaved(contenders(url), calls=calls, rounds=args.rounds)
        ratios = report(
            f"text-classification, server {delay * 1e3:.0f} ms/request, {args.rounds} interleaved rounds of {calls}"
            " calls",
            times,
            baseline="raw text_classification",
        )
        print(f"  target hf_tools / raw <= 1.03: {ratios['hf_tools runnable.invoke']:.3f}")


if __name__ == "__main__":
    main()
