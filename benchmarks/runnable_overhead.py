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

import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import InferenceClient

import hf_tools
from benchmarks._overhead import runs_by_delay

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
    for ratios in runs_by_delay("text-classification", contenders, "raw text_classification"):
        print(f"  target hf_tools / raw <= 1.03: {ratios['hf_tools runnable.invoke']:.3f}")


if __name__ == "__main__":
    main()
