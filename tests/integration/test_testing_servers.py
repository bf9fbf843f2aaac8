"""The offline servers of hf_tools.testing: runnable as programs, bounded answers, no dropped connections."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_hub_server_runs_as_a_program_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.testing.hub_server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("ready http://127.0.0.1:"), first + (process.stderr.read() if process.stderr else "")
        endpoint = first.split()[1]
        with urllib.request.urlopen(f"{endpoint}/api/models/facebook/bart-large-cnn", timeout=10) as answer:
            assert json.loads(answer.read())["pipeline_tag"] == "summarization"
        assert process.poll() is None  # still serving
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
