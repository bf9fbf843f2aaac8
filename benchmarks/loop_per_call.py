"""Open files and memory over N calls that each run on a new event loop (asyncio.run per call).

    .venv/bin/python benchmarks/loop_per_call.py --calls 2000

Half the calls are ``runnable("text-classification").ainvoke``, half ``HFInferenceEmbeddings.aembed_documents``,
against the loopback server in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time

import hf_tools
from benchmarks._server import loopback_process
from hf_tools import HFInferenceEmbeddings


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with loopback_process() as url:
        base_url = url + "/models/{model}/pipeline/{task}"
        classify = hf_tools.runnable("text-classification", base_url=base_url)
        embed = HFInferenceEmbeddings(base_url=base_url)
        asyncio.run(classify.ainvoke("warm"))
        asyncio.run(embed.aembed_documents(["warm"]))
        files, rss, started = len(os.listdir("/proc/self/fd")), _rss_mb(), time.perf_counter()
        for i in range(args.calls // 2):
            asyncio.run(classify.ainvoke(f"call {i}"))
            asyncio.run(embed.aembed_documents([f"text {i}"]))
        seconds = time.perf_counter() - started
        print(
            f"{args.calls} calls, a new event loop each: open files {files} -> {len(os.listdir('/proc/self/fd'))}, "
            f"RSS {rss:.0f} -> {_rss_mb():.0f} MB, {seconds / args.calls * 1000:.1f} ms per call"
        )


if __name__ == "__main__":
    main()
