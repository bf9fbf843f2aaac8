"""`hf-tools serve` prints only URLs that work as printed; `hf-tools run` with the printed one answers."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path


def test_the_url_serve_prints_works_with_run() -> None:
    env = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1"}
    cli = [sys.executable, "-m", "hf_tools.cli"]
    server = subprocess.Popen([*cli, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        first = server.stdout.readline().strip()
        assert first.startswith("hf-tools run TASK INPUT --base-url ")
        urls = re.findall(r"http://127\.0\.0\.1:\d+\S*", first + server.stdout.readline())
        assert urls and all("{" not in u or "{model}" in u for u in urls)
        base_url = shlex.split(first)[-1]
        done = subprocess.run(
            [*cli, "run", "summarization", "Cats sleep. They eat.", "--base-url", base_url],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=Path(__file__).parent,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["summary_text"] == "Cats sleep."
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_root_url_as_base_url_gets_a_404_naming_the_url_forms_that_work(tmp_path: Path) -> None:
    from hf_tools.testing import LoopbackServer

    env = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1"}
    with LoopbackServer() as server:
        done = subprocess.run(
            [sys.executable, "-m", "hf_tools.cli", "run", "summarization", "Cats sleep.", "--base-url", server.url],
            capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode != 0
    assert "Model None" not in done.stderr and "Traceback" not in done.stderr
    assert f"{server.url}/models/{{model}}/pipeline/{{task}}" in done.stderr and "404" in done.stderr
