"""The offline servers of hf_tools.testing: runnable as programs, bounded answers, no dropped connections."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hf_tools.tasks import TASKS
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers import png_bytes

PNG_B64 = base64.b64encode(png_bytes(16, 16)).decode()
ROOT = Path(__file__).resolve().parents[2]


def test_hub_server_runs_as_a_program_until_interrupted() -> None:
    # faulthandler: if it ever hangs, SIGABRT below prints where each thread is
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONFAULTHANDLER": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hf_tools.testing.hub_server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Ctrl-C as in a terminal: a shell without job control starts background jobs with SIGINT
        # ignored, and a program inherits that (Python then installs no KeyboardInterrupt handler)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("ready http://127.0.0.1:"), first + (process.stderr.read() if process.stderr else "")
        endpoint = first.split()[1]
        with urllib.request.urlopen(f"{endpoint}/api/models/facebook/bart-large-cnn", timeout=10) as answer:
            assert json.loads(answer.read())["pipeline_tag"] == "summarization"
        assert process.poll() is None  # still serving
        process.send_signal(signal.SIGINT)  # as soon as it answers: before or after it printed the rest
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            _, errors = process.communicate(timeout=30)
            raise AssertionError(f"still serving 30 s after Ctrl-C:\n{errors[-4000:]}") from None
        assert code == 0, process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _post(url: str, body: object) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize(
    ("task", "body"),
    [
        ("text-generation", {"inputs": "Once", "parameters": {"max_new_tokens": 3_000_000}}),
        ("visual-question-answering", {"inputs": {"image": PNG_B64, "question": "?"}, "parameters": {"top_k": 10**8}}),
        ("image-to-image", {"inputs": PNG_B64, "parameters": {"target_size": {"width": 10**5, "height": 10**5}}}),
        ("feature-extraction", {"inputs": "hello", "dimensions": 10**8}),
    ],
)
def test_answers_do_not_grow_with_the_client_numbers(hf_server: LoopbackServer, task: str, body: object) -> None:
    status, payload = _post(hf_server.model_url(TASKS[task].default_model, task), body)
    assert status == 200 and len(payload) < 100_000


def test_a_streamed_generation_is_capped_too(hf_server: LoopbackServer) -> None:
    body = {"inputs": "Once", "parameters": {"max_new_tokens": 3_000_000}, "stream": True}
    status, payload = _post(hf_server.model_url(TASKS["text-generation"].default_model, "text-generation"), body)
    assert status == 200 and 0 < payload.count(b"data:") <= 1024


def test_a_ragged_table_gets_a_422_not_a_dropped_connection(hf_server: LoopbackServer) -> None:
    body = {"inputs": {"query": "Rome?", "table": {"city": ["Paris", "Rome"], "country": ["France"]}}}
    url = hf_server.model_url(TASKS["table-question-answering"].default_model, "table-question-answering")
    status, payload = _post(url, body)
    assert status == 422 and "same number of cells" in json.loads(payload)["error"]


def test_a_request_the_fake_cannot_read_gets_a_422(hf_server: LoopbackServer) -> None:
    url = hf_server.model_url(TASKS["image-classification"].default_model, "image-classification")
    status, payload = _post(url, {"inputs": base64.b64encode(b"\x89PNG\r\n\x1a\n truncated").decode()})
    assert status == 422 and "error" in json.loads(payload)
