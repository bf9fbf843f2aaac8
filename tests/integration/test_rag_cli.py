"""`hf-tools ingest` / `hf-tools ask` in process, embedding through a TEI-like loopback server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hf_tools.cli import main
from hf_tools.testing.tei import TEIServer

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"


@pytest.fixture
def tei() -> TEIServer:
    with TEIServer() as server:
        yield server  # type: ignore[misc]


def test_ingest_then_ask_with_sources(tmp_path: Path, tei: TEIServer, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    (folder / "broken.txt").write_bytes(b"\x00\x00")
    store = ["--db", str(tmp_path / "db"), "--embeddings", "inference", "--embed-model", tei.url]
    assert main(["ingest", str(folder), *store, "--chunk-size", "300", "--chunk-overlap", "30"]) == 0
    out = capsys.readouterr().out
    assert "4 new" in out and "1 skipped" in out and "binary" in out
    assert main(["ingest", str(folder), *store, "--chunk-size", "300", "--chunk-overlap", "30"]) == 0
    assert "0 added" in capsys.readouterr().out
    ask = ["ask", "Olympus Mons is the tallest volcano in the Solar System?", "--db", str(tmp_path / "db"), "--json"]
    assert main([*ask, "--embed-model", tei.url, "--extractive"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert "Olympus Mons" in answer["answer"] and answer["source"].endswith("volcanoes.txt")


def test_ask_uses_the_embedder_the_collection_was_built_with(
    tmp_path: Path, tei: TEIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(tmp_path / "db")]
    assert main(["ingest", str(CORPUS), *db, "--embeddings", "inference", "--embed-model", tei.url]) == 0
    capsys.readouterr()
    assert main(["ask", "anything", *db, "--embeddings", "local"]) == 1
    assert "was filled with inference" in capsys.readouterr().err


def test_ask_without_a_collection_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "anything", "--db", str(tmp_path / "empty")]) == 1
    assert "run `hf-tools ingest PATH` first" in capsys.readouterr().err


def test_chat_without_a_chat_model_is_a_clear_error(
    tmp_path: Path, tei: TEIServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_TOKEN", "")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    db = ["--db", str(tmp_path / "db")]
    assert main(["ingest", str(CORPUS), *db, "--embeddings", "inference", "--embed-model", tei.url]) == 0
    assert main(["ask", "What is matcha?", *db, "--chat"]) == 2
    assert "--chat needs a chat model" in capsys.readouterr().err


def test_help_explains_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("ingest", "ask"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert "--db" in text and "--chroma-url" in text


def test_ask_answers_several_questions_with_one_embedder(
    tmp_path: Path, tei: TEIServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from hf_tools.cli import rag_cmd

    store = ["--db", str(tmp_path / "db"), "--embeddings", "inference", "--embed-model", tei.url]
    assert main(["ingest", str(CORPUS), *store, "--chunk-size", "300", "--chunk-overlap", "30", "--no-progress"]) == 0
    capsys.readouterr()
    built: list[str] = []
    real = rag_cmd._embedder
    monkeypatch.setattr(rag_cmd, "_embedder", lambda *a: built.append("x") or real(*a))
    monkeypatch.setattr("sys.stdin", io.StringIO("What do bees dance about?\n\nnever read\n"))
    asked = ["ask", "What is the tallest volcano?", "-", *store, "--extractive", "--json"]
    assert main(asked) == 0
    answers = [json.loads(part) for part in capsys.readouterr().out.replace("}\n{", "}\n\x00{").split("\x00")]
    assert len(answers) == 2 and len(built) == 1  # two questions (stdin stops at the empty line), one embedder
    assert "Olympus Mons" in answers[0]["answer"] and answers[1]["source"].endswith("honeybees.md")
