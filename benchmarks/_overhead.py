"""Interleaved per-call timing of several ways to make the same call (the overhead benchmarks' harness).

Each round runs every contender over blocks of ``block`` calls in turn (raw, ours, theirs, raw, ...),
so drift on the machine affects all of them alike; every call is timed on its own and the report
gives each contender's median per-call latency over all rounds, and its ratio to the first
contender's (the raw client's).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator


def interleaved(
    contenders: dict[str, Callable[[int], object]], *, calls: int, rounds: int, block: int = 100, warmup: int = 50
) -> dict[str, list[float]]:
    """Per-call seconds of each contender: ``rounds`` rounds of ``calls`` calls each, interleaved by blocks."""
    for call in contenders.values():
        for i in range(warmup):
            call(i)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    clock = time.perf_counter
    for _ in range(rounds):
        for start in range(0, calls, block):
            for name, call in contenders.items():
                seen = times[name]
                for i in range(start, min(start + block, calls)):
                    began = clock()
                    call(i)
                    seen.append(clock() - began)
    return times


def report(title: str, times: dict[str, list[float]], baseline: str = "raw") -> dict[str, float]:
    """Print each contender's median ms/call and ratio to ``baseline``; return the ratios."""
    base = statistics.median(times[baseline])
    print(title)
    ratios = {}
    for name, seen in times.items():
        median = statistics.median(seen)
        ratios[name] = median / base
        print(
            f"  {name:<28} median {median * 1e3:7.3f} ms/call  mean {statistics.fmean(seen) * 1e3:7.3f} ms"
            f"  ratio {median / base:.3f}  (+{(median - base) * 1e3:.3f} ms)"
        )
    return ratios


def runs_by_delay(
    what: str, contenders: Callable[[str], dict[str, Callable[[int], object]]], baseline: str
) -> Iterator[dict[str, float]]:
    """The overhead benchmarks' command line: ``--calls``, ``--rounds``, ``--delays``.

    For each delay, start the loopback server in its own process, time ``contenders(url)`` interleaved
    (a fifth of the calls at delays of 20 ms and more), print the report and yield the ratios.
    """
    from benchmarks._server import loopback_process

    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500, help="calls per round at 5 ms (a fifth at 50 ms)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--delays", default="0.005,0.05", help="server seconds per request, comma-separated")
    args = parser.parse_args()
    for delay in (float(d) for d in args.delays.split(",")):
        calls = args.calls if delay < 0.02 else max(args.calls // 5, 20)
        with loopback_process(delay=delay) as url:
            times = interleaved(contenders(url), calls=calls, rounds=args.rounds)
        title = f"{what}, server {delay * 1e3:.0f} ms/request, {args.rounds} interleaved rounds of {calls} calls"
        yield report(title, times, baseline=baseline)
