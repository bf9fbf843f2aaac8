"""`hf-tools ask --json` prints JSON Lines: one compact object per question, each line parses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
from hf_tools.chat_models import DEFAULT_CHAT_MODEL
from hf_tools.cli import main
from hf_tools.testing import LoopbackServer
from hf_tools.testing.chat import chat_reply
from hf_tools.testing.tei import TEIServer

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"
QUESTIONS = ["Which is the tallest volcano in the Solar System?", "What do honeybees dance about?"]


def ask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "HF_TOKEN": "",
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }
    command = [sys.executable, "-m", "hf_tools.cli", "ask", *QUESTIONS, "--json", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert all(line.startswith("{") and line.endswith("}") for line in lines), text
    return [json.loads(line) for line in lines]


@pytest.mark.slow
def test_ask_json_prints_one_object_per_line(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with TEIServer() as tei, LoopbackServer() as chat:
        ingest_files([CORPUS], chroma_store(HFInferenceEmbeddings(model=tei.url), path=str(db), collection="hf_tools"))
        store = ["--db", str(db), "--embed-base-url", tei.url]

        extractive = ask(tmp_path, *store, "--extractive")
        assert extractive.returncode == 0, extractive.stderr
        answers = json_lines(extractive.stdout)
        assert [a["question"] for a in answers] == QUESTIONS
        assert "Olympus Mons" in str(answers[0]["answer"]) and str(answers[1]["source"]).endswith("honeybees.md")

        chat.enqueue(DEFAULT_CHAT_MODEL, chat_reply("Olympus Mons [1]."), chat_reply("I do not know."))
        generated = ask(tmp_path, *store, "--chat-base-url", chat.url)
        assert generated.returncode == 0, generated.stderr
        first, second = json_lines(generated.stdout)
        assert (first["question"], first["answer"]) == (QUESTIONS[0], "Olympus Mons [1].")
        assert [s["number"] for s in first["sources"]] == [1]
        assert (second["answer"], second["sources"]) == ("I do not know.", [])


def test_help_says_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--help"])
    assert "JSON Lines" in " ".join(capsys.readouterr().out.split())
