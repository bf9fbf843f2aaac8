"""`hf-tools mcp` over stdio: time from start to the `initialize` answer and to the tool list.

Cold starts of the real command (a new process each), driven by the mcp SDK's stdio client:

    .venv/bin/python benchmarks/mcp_startup.py --starts 10

Prints the median and the worst of each over the starts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def one_start(tasks: str | None) -> tuple[float, float]:
    args = ["-m", "hf_tools.cli", "mcp"] + (["--tasks", tasks] if tasks else [])
    params = StdioServerParameters(
        command=sys.executable, args=args, env={**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1"}
    )
    started = time.perf_counter()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        initialized = time.perf_counter() - started
        await session.list_tools()
        listed = time.perf_counter() - started
    return initialized, listed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--tasks", default=None, help="comma-separated tasks (default: all)")
    options = parser.parse_args()
    runs = [await one_start(options.tasks) for _ in range(options.starts)]
    for label, values in (("initialize", [r[0] for r in runs]), ("tools/list", [r[1] for r in runs])):
        print(f"{label:>10}: median {statistics.median(values):.3f} s, worst {max(values):.3f} s")


if __name__ == "__main__":
    asyncio.run(main())
