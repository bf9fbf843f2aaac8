"""Time from a video job's COMPLETED status to the bytes in the caller's hands, on the loopback.

Runs text-to-video through fal-ai's queue (and replicate's polled predictions) on the loopback
router with the real huggingface_hub client, and measures, per job, from the moment the status
answer saying the job is done has been read (the ``hf_tools_progress`` event with state
``completed``) to the moment ``invoke``/``ainvoke`` returns the ``VideoArtifact``: fal-ai's result
request, the media download and the artifact's checks. The loopback shares this process (and
the GIL) with the client, so the figures are an upper bound for the client's own work.

Run:  python benchmarks/video_job_latency.py [--jobs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from langchain_core.callbacks import BaseCallbackHandler

import hf_tools
from hf_tools.testing.router import routed


class _Done(BaseCallbackHandler):
    def __init__(self) -> None:
        self.at: float | None = None

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        if name == "hf_tools_progress" and data.get("state") == "completed":
            self.at = time.perf_counter()


def _figures(label: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    print(
        f"{label:32s} n={len(ms):3d}  median {statistics.median(ms):6.2f} ms  p95 {p95:6.2f} ms  max {ms[-1]:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=50)
    args = parser.parse_args()
    settings = {"token": "hf_benchmark_0000000000", "job_poll_interval": 0.005}
    with routed() as (router, _):
        for provider in ("fal-ai", "replicate"):
            router.hold_jobs(2)
            run = hf_tools.runnable("text-to-video", provider=provider, **settings)
            run.invoke("warm up")
            sync: list[float] = []
            for index in range(args.jobs):
                done = _Done()
                run.invoke(f"a cat {index}", {"callbacks": [done]})
                assert done.at is not None
                sync.append(time.perf_counter() - done.at)
            _figures(f"{provider} invoke", sync)

            async def many(run: Any = run) -> list[float]:
                out: list[float] = []
                for index in range(args.jobs):
                    done = _Done()
                    await run.ainvoke(f"a dog {index}", {"callbacks": [done]})
                    assert done.at is not None
                    out.append(time.perf_counter() - done.at)
                return out

            _figures(f"{provider} ainvoke", asyncio.run(many()))
        size = len(next(iter(router.files.values())))
    print(f"(video file {size} bytes; loopback router in this process)")


if __name__ == "__main__":
    main()
