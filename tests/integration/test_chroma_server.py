"""The same retrieval and ingestion, embedded and against a real Chroma server (`chroma run`),
which this module starts on 127.0.0.1 itself and stops at the end."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from hf_tools import chroma_store, ingest_files
from hf_tools.rag import ChromaRetriever
from hf_tools.testing.hash_embeddings import HashEmbeddings

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"
TEXTS = [
    "Bees dance to tell where the flowers are.",
    "Volcanoes erupt lava and ash.",
    "Fresnel lenses made lighthouse beams visible far out at sea.",
    "Green tea is not oxidised.",
    "Honey is made from nectar.",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `chroma run` server on a free loopback port with a temporary path."""
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    exe = Path(sys.executable).parent / "chroma"
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma server did not start: {(path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _retriever(url: str | None, **kwargs: Any) -> ChromaRetriever:
    store = chroma_store(HashEmbeddings(), url=url, collection=f"t_{uuid.uuid4().hex[:12]}")
    store.add_texts(TEXTS, metadatas=[{"n": i} for i in range(len(TEXTS))])
    return store.as_retriever(**kwargs)


class TestEmbeddedRetriever(RetrieversIntegrationTests):
    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return ChromaRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"vectorstore": _retriever(None).vectorstore}

    @property
    def retriever_query_example(self) -> str:
        return "where do bees find flowers"


class TestServerRetriever(RetrieversIntegrationTests):
    url = ""

    @pytest.fixture(autouse=True)
    def _server(self, chroma_server: str) -> None:
        type(self).url = chroma_server

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return ChromaRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"vectorstore": _retriever(self.url).vectorstore}

    @property
    def retriever_query_example(self) -> str:
        return "where do bees find flowers"


@pytest.mark.parametrize("where", ["embedded", "server"])
def test_ingest_is_idempotent_and_retrieves(where: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue("chroma_server") if where == "server" else None
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    collection = f"docs_{uuid.uuid4().hex[:12]}"
    path = None if url else str(tmp_path / "db")

    def store() -> Any:
        return chroma_store(HashEmbeddings(), url=url, path=path, collection=collection)

    first = ingest_files([folder], store(), chunk_size=300, chunk_overlap=30)
    second = ingest_files([folder], store(), chunk_size=300, chunk_overlap=30)
    assert first.chunks_added > 0 and second.chunks_added == 0 and second.chunks_unchanged == first.chunks_added
    hits = store().as_retriever(k=2, search_kwargs={"filter": {"file_name": "volcanoes.txt"}}).invoke("Olympus Mons")
    assert hits and all(h.metadata["file_name"] == "volcanoes.txt" for h in hits)
    assert "Olympus Mons" in hits[0].page_content
    assert store().distance == "cosine"


@pytest.mark.slow
def test_cli_ingest_and_ask_against_the_server(chroma_server: str, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    common = ["--chroma-url", chroma_server, "--collection", f"cli_{uuid.uuid4().hex[:8]}", "--embeddings", "local"]
    env = {"HF_TOKEN": "", "HF_HUB_DISABLE_TELEMETRY": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    cli = [sys.executable, "-m", "hf_tools.cli"]
    ingest = subprocess.run(
        [*cli, "ingest", str(folder), *common], capture_output=True, text=True, env=env, timeout=180
    )
    assert ingest.returncode == 0, ingest.stderr
    assert "4 new" in ingest.stdout
    ask = subprocess.run(
        [*cli, "ask", "What is the tallest volcano in the Solar System?", *common, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=tmp_path,
    )
    assert ask.returncode == 0, ask.stderr
    assert "Olympus Mons" in ask.stdout and "volcanoes.txt" in ask.stdout
