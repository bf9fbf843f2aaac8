"""HF_ENDPOINT set before huggingface_hub is imported: every Hub request goes to the loopback Hub.

Each scenario runs in a fresh interpreter (huggingface_hub reads HF_ENDPOINT at import). The
scripts never let an inference request leave the machine: they stop at the model check, or
the Hub they talk to is down so the client's own provider look-up fails too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from hf_tools.testing.hub_server import LoopbackHub

ROOT = Path(__file__).resolve().parents[2]


def _run(hub: LoopbackHub, code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_ENDPOINT=hub.endpoint, HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=str(tmp_path / "hf-home"))
    command = [sys.executable, "-c", textwrap.dedent(code)] if code else [sys.executable, "-m", "hf_tools.cli", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


def test_find_models_and_the_check_use_hf_endpoint(hub: LoopbackHub, tmp_path: Path) -> None:
    done = _run(
        hub,
        """
        import json, hf_tools
        found = [m.id for m in hf_tools.find_models("summarization")]
        try:
            hf_tools.runnable("summarization", model="meta-llama/Llama-3.1-8B-Instruct", token="hf_x").invoke("hi")
        except hf_tools.errors.HFTaskMismatchError as exc:
            print(json.dumps({"found": found, "served": list(exc.served_tasks)}))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "found": ["facebook/bart-large-cnn", "sshleifer/distilbart-cnn-12-6"],
        "served": ["conversational"],
    }
    assert hub.count("meta-llama/Llama-3.1-8B-Instruct") == 1 and len(hub.listings()) == 1


def test_hub_down_warns_and_the_call_goes_on(hub: LoopbackHub, tmp_path: Path) -> None:
    hub.down(503)
    done = _run(
        hub,
        """
        import hf_tools
        summarize = hf_tools.runnable("summarization", model="facebook/bart-large-cnn", token="hf_x", max_retries=0)
        try:
            summarize.invoke("Some text.")
        except hf_tools.HFError as exc:
            print(type(exc).__name__, exc)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "could not check model 'facebook/bart-large-cnn'" in done.stderr
    # the check's look-up, then the inference client's own provider look-up: the call went on
    check, client = (r for r in hub.requests if r.model == "facebook/bart-large-cnn")
    assert "pipeline_tag" in check.params["expand"]
    assert client.params["expand"] == ["inferenceProviderMapping"]
    assert done.stdout.startswith("HFServerError")  # the call's own failure, not the check's
    assert "hf_x" not in done.stdout + done.stderr


def test_cli_reads_hf_endpoint(hub: LoopbackHub, tmp_path: Path) -> None:
    table = _run(hub, "", tmp_path, "models", "summarization")
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[1].startswith("facebook/bart-large-cnn")
    card = _run(hub, "", tmp_path, "model", "meta-llama/Llama-3.1-8B-Instruct")
    assert card.returncode == 0, card.stderr
    assert "gated (manual)" in card.stdout and "ChatHFInference" in card.stdout
