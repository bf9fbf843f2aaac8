"""ChatHFInference.invoke vs the raw InferenceClient.chat_completion vs langchain-huggingface's ChatHuggingFace.

All three send the same one-message chat to the same loopback server, which runs in its own
process and answers after ``--delay`` seconds. Rounds interleave the contenders by blocks of 100
calls; the report is each one's median per-call latency and its ratio to the raw client.
langchain-huggingface (the ``bench`` extra) pins huggingface_hub<2: run this in an environment
with huggingface_hub 1.x to include it (it is left out, with a note, where it is missing).

Run: .venv-hub1/bin/python -m benchmarks.chat_overhead [--calls 500] [--rounds 5] [--delays 0.005,0.05]
Targets: ChatHFInference / raw <= 1.05; ChatHuggingFace / ChatHFInference >= 1.08.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import InferenceClient

from benchmarks._overhead import interleaved, report
from benchmarks._server import loopback_process
from hf_tools import ChatHFInference

MODEL = "my/chat-model"


def contenders(url: str) -> dict[str, object]:
    raw = InferenceClient(base_url=f"{url}/v1", timeout=30)
    chat = ChatHFInference(model=MODEL, base_url=f"{url}/v1", timeout=30)
    found: dict[str, object] = {
        "raw chat_completion": lambda i: raw.chat_completion(
            messages=[{"role": "user", "content": f"question {i}"}], model=MODEL
        ),
        "ChatHFInference.invoke": lambda i: chat.invoke(f"question {i}"),
    }
    try:
        from langchain_huggingface import ChatHuggingFace, HuggingFaceEndpoint
    except ImportError:
        print("(langchain-huggingface is not installed here: install the bench extra under huggingface_hub 1.x)")
        return found
    llm = HuggingFaceEndpoint(endpoint_url=f"{url}/v1", timeout=30, task="conversational")  # type: ignore[call-arg]
    theirs = ChatHuggingFace(llm=llm, model_id=MODEL)
    found["ChatHuggingFace.invoke"] = lambda i: theirs.invoke(f"question {i}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500, help="calls per round at 5 ms (a fifth at 50 ms)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--delays", default="0.005,0.05", help="server seconds per request, comma-separated")
    args = parser.parse_args()
    for delay in (float(d) for d in args.delays.split(",")):
        calls = args.calls if delay < 0.02 else max(args.calls // 5, 20)
        with loopback_process(delay=delay) as url:
            found = contenders(url)
            times = interleaved(found, calls=calls, rounds=args.rounds)  # type: ignore[arg-type]
        ratios = report(
            f"chat invoke, server {delay * 1e3:.0f} ms/request, {args.rounds} interleaved rounds of {calls} calls",
            times,
            baseline="raw chat_completion",
        )
        if "ChatHuggingFace.invoke" in ratios:
            lead = ratios["ChatHuggingFace.invoke"] / ratios["ChatHFInference.invoke"]
            print(f"  ChatHuggingFace / ChatHFInference: {lead:.3f}  (target >= 1.08)")
        print(f"  target ChatHFInference / raw <= 1.05: {ratios['ChatHFInference.invoke']:.3f}")


if __name__ == "__main__":
    main()
