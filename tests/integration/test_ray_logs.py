"""What a user sees on the console when hf_tools starts a local Ray and runs ``map_task`` (a fresh
process, as a user's program): no warning of ours to explain, and only the one line Ray's core prints
for every Ray Data actor pool (see the README's Ray section)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")

PROGRAM = """
import ray.data
from hf_tools.ray import init_ray, map_task
from hf_tools.testing import LoopbackServer

with LoopbackServer() as server:
    init_ray(num_cpus=2)
    ds = ray.data.from_items([{"text": "I love it"}, {"text": "I hate it"}])
    rows = map_task(ds, "text-classification", column="text", base_url=server.base_url, concurrency=1).take_all()
    print("ROWS", len(rows))
"""


@pytest.mark.slow
def test_map_task_on_a_local_ray_logs_no_warning_of_ours(tmp_path: Path) -> None:
    root = Path(__file__).parents[2]
    env = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(root)}
    env.pop("RAY_AUTH_MODE", None)
    env.pop("RAY_ADDRESS", None)
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ROWS 2" in done.stdout
    assert "Token authentication" not in done.stderr
    loud = [line for line in done.stderr.splitlines() if re.search(r" (ERROR|WARNING) | [EW] \d+ \d+\] ", line)]
    # the one line Ray's core prints for every Ray Data actor pool, a trivial one too (README: Ray)
    unavoidable = "has constructor arguments in the object store and max_restarts > 0"
    assert [line for line in loud if unavoidable not in line] == [], loud
