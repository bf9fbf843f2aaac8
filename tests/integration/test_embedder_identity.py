"""One TEI server, one embedder identity: `--embed-base-url URL`, `--embed-model URL`,
`HFInferenceEmbeddings(model=URL)` and `base_url=URL` name the same vector space (the model the
server says it serves), and a server restarted on another port opens its own collection.
Each reopening runs in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
from hf_tools.rag.vectorstores import EMBEDDING_MODEL_KEY, EmbeddingModelMismatchError, chroma_client
from hf_tools.testing import LoopbackServer
from hf_tools.testing.tei import TEIServer

pytestmark = pytest.mark.slow  # each case starts the CLI in new processes

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"
CLI = [sys.executable, "-m", "hf_tools.cli"]
QUESTION = "Which is the tallest volcano in the Solar System?"

OPEN_WITH_MODEL_URL = """
import sys
from hf_tools import HFInferenceEmbeddings, chroma_store
store = chroma_store(HFInferenceEmbeddings(**{sys.argv[2]: sys.argv[3]}), path=sys.argv[1], collection="hf_tools")
print(store.similarity_search("tallest volcano", k=1)[0].metadata["file_name"])
"""


def env(tmp_path: Path) -> dict[str, str]:
    return {
        "HF_TOKEN": "",
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
    }


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env(tmp_path), timeout=180, cwd=tmp_path)


def ask(tmp_path: Path, db: Path, *how: str) -> subprocess.CompletedProcess[str]:
    return cli(tmp_path, "ask", QUESTION, "--db", str(db), "--extractive", "--json", *how)


def test_embed_base_url_and_model_url_name_one_vector_space(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with TEIServer(model_id="BAAI/bge-small-en-v1.5") as tei:
        done = cli(
            tmp_path, "ingest", str(CORPUS), "--db", str(db), "--embeddings", "inference", "--embed-base-url", tei.url
        )
        assert done.returncode == 0, done.stderr
        collection = chroma_client(path=str(db)).get_collection("hf_tools")
        assert collection.metadata[EMBEDDING_MODEL_KEY] == "BAAI/bge-small-en-v1.5"  # the served model, no port
        for keyword in ("model", "base_url"):  # the README's forms, in a fresh process
            opened = subprocess.run(
                [sys.executable, "-c", OPEN_WITH_MODEL_URL, str(db), keyword, tei.url],
                capture_output=True,
                text=True,
                env=env(tmp_path),
                timeout=120,
            )
            assert opened.returncode == 0, opened.stderr[-2000:]
            assert opened.stdout.strip() == "volcanoes.txt"
        by_model_url = ask(tmp_path, db, "--embeddings", "inference", "--embed-model", tei.url)
        assert by_model_url.returncode == 0, by_model_url.stderr
        assert json.loads(by_model_url.stdout)["source"].endswith("volcanoes.txt")


def test_a_collection_built_with_model_url_opens_with_embed_base_url(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with TEIServer() as tei:
        store = chroma_store(HFInferenceEmbeddings(model=tei.url), path=str(db), collection="hf_tools")
        assert ingest_files([CORPUS], store).files_new == 4
        done = ask(tmp_path, db, "--embeddings", "inference", "--embed-base-url", tei.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"].endswith("volcanoes.txt")


def test_a_tei_server_restarted_on_another_port_opens_its_collection(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with TEIServer() as first:
        done = cli(
            tmp_path, "ingest", str(CORPUS), "--db", str(db), "--embeddings", "inference", "--embed-model", first.url
        )
        assert done.returncode == 0, done.stderr
        old_port = first.port
    with TEIServer() as restarted:
        assert restarted.port != old_port
        for how in (["--embed-base-url", restarted.url], ["--embed-model", restarted.url]):
            again = ask(tmp_path, db, *how)
            assert again.returncode == 0, again.stderr
            assert json.loads(again.stdout)["source"].endswith("volcanoes.txt")
        assert restarted.stats()["requests"] > 0  # asked the new server, not the old address


def test_a_server_serving_another_model_is_still_refused(tmp_path: Path) -> None:
    with TEIServer(model_id="org/model-a") as a, TEIServer(model_id="org/model-b") as b:
        store = chroma_store(HFInferenceEmbeddings(base_url=a.url), path=str(tmp_path), collection="guarded")
        store.add_texts(["one text"])
        with pytest.raises(EmbeddingModelMismatchError) as refused:
            chroma_store(HFInferenceEmbeddings(model=b.url), path=str(tmp_path), collection="guarded")
    assert (refused.value.stored, refused.value.given) == ("org/model-a", "org/model-b")


def test_the_identity_of_an_endpoint_without_info() -> None:
    with LoopbackServer() as server:  # router-style URLs name the model in their path
        by_template = HFInferenceEmbeddings(base_url=server.base_url)
        by_url = HFInferenceEmbeddings(model=server.model_url("sentence-transformers/all-MiniLM-L6-v2"))
        assert (
            by_template.embedding_model_id() == by_url.embedding_model_id() == "sentence-transformers/all-MiniLM-L6-v2"
        )
        bare = HFInferenceEmbeddings(model="org/configured", base_url=server.url)  # 404 on /info: the configured model
        assert bare.embedding_model_id() == "org/configured"


def test_a_collection_recorded_under_an_endpoint_url_is_renamed_to_the_served_model(tmp_path: Path) -> None:
    with TEIServer(model_id="org/served") as tei:
        legacy = chroma_client(path=str(tmp_path)).create_collection("legacy", metadata={EMBEDDING_MODEL_KEY: tei.url})
        legacy.add(ids=["x"], documents=["x"], embeddings=[[1.0] * 384])  # type: ignore[arg-type]
        store = chroma_store(HFInferenceEmbeddings(model=tei.url), path=str(tmp_path), collection="legacy")
        assert store.collection.metadata[EMBEDDING_MODEL_KEY] == "org/served"
