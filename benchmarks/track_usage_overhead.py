"""What ``hf_tools.track_usage`` adds to each inference call.

The client's metering wrapper (who answered, budget check, usage record) runs around a client
method that returns a chat answer at once (no network), so only hf_tools' own per-call work is
timed: the same calls outside any block, then inside a ``track_usage`` block (priced from the
router's cached listing, counted by provider and model). Rounds alternate; the median is reported.

Run: .venv/bin/python benchmarks/track_usage_overhead.py [--calls 100000] [--rounds 5]
Target: under 20 µs per call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from decimal import Decimal
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import hf_tools
from hf_tools import metering, router_catalog
from hf_tools.router_catalog import Offer
from hf_tools.settings import HFSettings

MODEL = "Qwen/Qwen2.5-7B-Instruct"
ANSWER = {"choices": [], "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200}}


class _Client:
    """A client whose method answers at once: what remains is the metering around it."""

    def __init__(self) -> None:
        self.settings = HFSettings(token="hf_benchmark", provider="together")

    @metering.metered
    def call(self, method: str, model: str | None, /, *args: Any, **kwargs: Any) -> Any:
        return ANSWER


def _round(client: _Client, calls: int, tracked: bool) -> float:
    start = time.perf_counter()
    if tracked:
        with hf_tools.track_usage() as usage:
            for _ in range(calls):
                client.call("chat_completion", MODEL)
        assert usage.requests == calls
    else:
        for _ in range(calls):
            client.call("chat_completion", MODEL)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    offer = Offer("together", input_price=Decimal("0.2"), output_price=Decimal("0.6"))
    router_catalog._CACHE[router_catalog.router_base()] = (float("inf"), {MODEL: {"together": offer}})
    client = _Client()
    _round(client, 1000, True)  # warm up
    plain, tracked = [], []
    for _ in range(args.rounds):
        plain.append(_round(client, args.calls, False))
        tracked.append(_round(client, args.calls, True))
    base, with_usage = statistics.median(plain), statistics.median(tracked)
    print(f"metering without a block: {base:.2f} µs/call")
    print(f"inside track_usage:       {with_usage:.2f} µs/call")
    print(f"track_usage adds:         {with_usage - base:.2f} µs/call (target < 20)")


if __name__ == "__main__":
    main()
