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

import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from huggingface_hub import InferenceClient

from benchmarks._overhead import runs_by_delay
from hf_tools import ChatHFInference

MODEL = "my/chat-model"


def contenders(url: str) -> dict[str, Callable[[int], object]]:
    raw = InferenceClient(base_url=f"{url}/v1", timeout=30)
    chat = ChatHFInference(model=MODEL, base_url=f"{url}/v1", timeout=30)
    found: dict[str, Callable[[int], object]] = {
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
    for ratios in runs_by_delay("chat invoke", contenders, "raw chat_completion"):
        if "ChatHuggingFace.invoke" in ratios:
            lead = ratios["ChatHuggingFace.invoke"] / ratios["ChatHFInference.invoke"]
            print(f"  ChatHuggingFace / ChatHFInference: {lead:.3f}  (target >= 1.08)")
        print(f"  target ChatHFInference / raw <= 1.05: {ratios['ChatHFInference.invoke']:.3f}")


if __name__ == "__main__":
    main()
