"""Fault soak: N mixed task calls through ``abatch`` against a server that misbehaves on purpose.

    .venv/bin/python benchmarks/soak.py --calls 10000 --concurrency 32

The loopback server runs in its own process and answers 5% 503-loading, 2% 429 with Retry-After,
1% dropped connections, 1% malformed bodies and 1% slower than the client's timeout. The calls are
text-classification, summarization, object-detection (an image in), text-to-image (an image out)
and feature-extraction, in equal shares, all through one settings object (so one concurrency cap).
Reported: successes, typed failures by class (any other exception type is a bug), calls lost
(neither a result nor an error), hung calls, peak requests in flight vs the cap, p50/p99 latency
per call and the client's RSS before and after. ``tests/integration/test_soak.py`` runs 500 calls
with the same checks on counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from langchain_core.callbacks import AsyncCallbackHandler

import hf_tools
from hf_tools.errors import HFError
from hf_tools.testing.answers import png_bytes
from hf_tools.testing.faults import FaultMix

SOAK_MIX = FaultMix(loading=0.05, rate_limited=0.02, dropped=0.01, malformed=0.01, slow=0.01, wait=0.05)
# a slow answer takes slow_seconds; the client's timeout is below it, so it times out and retries
CLIENT = {"timeout": 0.5, "deadline": 20.0, "max_retries": 4, "backoff_base": 0.02, "backoff_max": 0.2}
TASKS = ("text-classification", "summarization", "object-detection", "text-to-image", "feature-extraction")
IMAGE = png_bytes(32, 32, objects=["cat"])


def inputs_for(task: str, count: int) -> list[Any]:
    if task == "object-detection":
        return [{"image": IMAGE, "threshold": 0.1} for _ in range(count)]
    if task == "text-to-image":
        return [{"prompt": f"a cat number {i}", "width": 16, "height": 16} for i in range(count)]
    return [f"Text number {i}. It is a fine day." for i in range(count)]


class _Latency(AsyncCallbackHandler):
    """Start and end time of each task run (the top-level runs abatch starts)."""

    def __init__(self) -> None:
        self.started: dict[UUID, float] = {}
        self.seconds: list[float] = []

    async def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any) -> None:  # noqa: E501
        if parent_run_id is None:
            self.started[run_id] = time.perf_counter()

    async def _end(self, run_id: UUID) -> None:
        start = self.started.pop(run_id, None)
        if start is not None:
            self.seconds.append(time.perf_counter() - start)

    async def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        await self._end(run_id)

    async def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        await self._end(run_id)


@dataclass
class SoakReport:
    calls: int
    successes: int = 0
    typed_failures: Counter[str] = field(default_factory=Counter)
    untyped_failures: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    hung: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def summary(self, peak_in_flight: int | None, cap: int, faults: Counter[str] | None = None) -> str:
        lines = [
            f"{self.calls} calls in {self.seconds:.1f} s: {self.successes} succeeded, "
            f"{sum(self.typed_failures.values())} typed failures {dict(self.typed_failures)}, "
            f"{sum(self.untyped_failures.values())} other exceptions {dict(self.untyped_failures)}",
            f"lost {self.lost}, hung {self.hung}; peak in flight {peak_in_flight} (cap {cap})",
            f"latency p50 {self.percentile(0.5) * 1000:.0f} ms, p99 {self.percentile(0.99) * 1000:.0f} ms; "
            f"RSS {self.rss_before_mb:.0f} -> {self.rss_after_mb:.0f} MB",
        ]
        if faults is not None:
            lines.append(f"faults scripted: {dict(faults)}")
        return "\n".join(lines)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


async def run_soak(base_url: str, calls: int, concurrency: int, hard_limit: float = 600.0) -> SoakReport:
    """Run ``calls`` mixed calls through abatch (one runnable per task, all concurrently)."""
    settings = hf_tools.HFSettings(base_url=base_url, max_concurrency=concurrency, check_model=False, **CLIENT)
    share = calls // len(TASKS)
    report = SoakReport(calls=share * len(TASKS))
    latency = _Latency()
    report.rss_before_mb = rss_mb()
    started = time.perf_counter()

    async def one_task(task: str) -> list[Any]:
        runnable = hf_tools.runnable(task, settings=settings)
        config: Any = {"callbacks": [latency]}
        return await runnable.abatch(inputs_for(task, share), config=config, return_exceptions=True)

    pending = [asyncio.ensure_future(one_task(task)) for task in TASKS]
    done, not_done = await asyncio.wait(pending, timeout=hard_limit)
    report.seconds = time.perf_counter() - started
    for future in not_done:
        future.cancel()
        report.hung += share
    for future in done:
        results = future.result()
        report.lost += share - len(results)
        for result in results:
            if result is None:
                report.lost += 1
            elif isinstance(result, HFError):
                report.typed_failures[type(result).__name__] += 1
            elif isinstance(result, BaseException):
                report.untyped_failures[f"{type(result).__name__}: {result}"[:120]] += 1
            else:
                report.successes += 1
    report.latencies = latency.seconds
    report.rss_after_mb = rss_mb()
    return report


_SERVER = r"""
import json, sys
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.faults import FaultMix
from hf_tools.tasks import TASKS
mix = FaultMix(**json.loads(sys.argv[1]))
server = LoopbackServer().start()
counts = mix.script(server, [TASKS[t].default_model for t in json.loads(sys.argv[2])], int(sys.argv[3]))
server.route("/stats", lambda s, r: Reply.ok({"max_in_flight": s.max_in_flight, "requests": len(s.requests),
                                              "faults": dict(counts)}))
print(server.url, flush=True)
sys.stdin.read()
"""


@contextmanager
def fault_server_process(mix: FaultMix, requests_per_model: int) -> Iterator[str]:
    """A loopback server in its own process with ``mix`` scripted; yields its URL."""
    mix_args = json.dumps({k: getattr(mix, k) for k in mix.__dataclass_fields__})
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, mix_args, json.dumps(TASKS), str(requests_per_model)],
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


def server_stats(url: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/stats", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def main() -> None:
    import logging

    logging.getLogger("hf_tools").setLevel(logging.ERROR)  # one warning per retry would drown the report
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    per_model = int(args.calls / len(TASKS) * 1.5)  # retries consume scripted replies too
    with fault_server_process(SOAK_MIX, per_model) as url:
        report = asyncio.run(run_soak(f"{url}/models/{{model}}/pipeline/{{task}}", args.calls, args.concurrency))
        stats = server_stats(url)
    print(report.summary(stats["max_in_flight"], args.concurrency, Counter(stats["faults"])))
    print(f"server requests {stats['requests']} for {report.calls} calls")


if __name__ == "__main__":
    main()
