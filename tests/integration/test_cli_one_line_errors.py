"""Every `hf-tools` error is one line on stderr (one JSON object with `--json`) and a non-zero exit,
never a traceback: the CLI runs in its own process, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
from hf_tools.testing.chroma_server import free_port
from hf_tools.testing.tei import TEIServer

pytestmark = pytest.mark.slow  # each case starts the CLI in a new process

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "HF_TOKEN": "",
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }
    command = [sys.executable, "-m", "hf_tools.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_an_embedding_model_mismatch_on_ask_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with TEIServer(model_id="org/model-a") as a, TEIServer(model_id="org/model-b") as b:
        store = chroma_store(HFInferenceEmbeddings(model=a.url), path=str(db), collection="hf_tools")
        ingest_files([CORPUS], store)
        del store
        asked = ["ask", "Which volcano is tallest?", "--db", str(db), "--extractive", "--embed-base-url", b.url]
        line = one_line(run(tmp_path, *asked))
        assert line.startswith("hf-tools: EmbeddingModelMismatchError: collection 'hf_tools' holds vectors of")
        assert "'org/model-a'" in line and "'org/model-b'" in line
        error = json.loads(one_line(run(tmp_path, *asked, "--json")))
        assert error["error"] == "EmbeddingModelMismatchError" and "org/model-a" in error["message"]
        ingested = one_line(run(tmp_path, "ingest", str(CORPUS), "--db", str(db), "--embed-model", b.url))
        assert ingested.startswith("hf-tools: EmbeddingModelMismatchError:")


def test_a_missing_collection_and_a_dead_chroma_server_are_one_line(tmp_path: Path) -> None:
    line = one_line(run(tmp_path, "ask", "anything", "--db", str(tmp_path / "empty")))
    assert line.startswith("hf-tools: HFInputError: no collection 'hf_tools'") and "hf-tools ingest PATH" in line
    dead = f"http://127.0.0.1:{free_port()}"
    error = json.loads(one_line(run(tmp_path, "ask", "anything", "--chroma-url", dead, "--json")))
    assert error["error"] == "HFStoreError" and dead in error["message"]
