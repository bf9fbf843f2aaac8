"""Ingestion under faults with real parts: two processes writing one embedded database, and a
real Chroma server (`chroma run`) that dies mid-ingest or is down from the start."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from hf_tools import chroma_store, ingest_files
from hf_tools.rag.vectorstores import HFChroma, HFStoreError
from hf_tools.testing.chroma_server import ChromaServer, free_port
from hf_tools.testing.hash_embeddings import HashEmbeddings
from hf_tools.testing.tei import TEIServer

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"
CLI = [sys.executable, "-m", "hf_tools.cli"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


@pytest.fixture(scope="module")
def tei() -> Iterator[TEIServer]:
    with TEIServer(delay=0.05) as server:
        yield server


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HF_TOKEN": "", "HF_HUB_DISABLE_TELEMETRY": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}


def snapshot(store: HFChroma) -> dict[str, tuple[str, str]]:
    got = store.collection.get(include=["documents", "metadatas"])
    return {
        i: (doc, str(meta["source"]))
        for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)  # type: ignore[arg-type]
    }


@pytest.mark.slow
def test_two_ingests_into_one_database_take_turns(corpus: Path, tmp_path: Path, tei: TEIServer) -> None:
    db = tmp_path / "db"
    command = [*CLI, "ingest", str(corpus), "--db", str(db), "--no-progress", "--chunk-size", "200"]
    command += ["--chunk-overlap", "20", "--embeddings", "inference", "--embed-base-url", tei.url]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    # one stored everything, the other found it all unchanged: the database was never written twice at once
    assert sorted("4 unchanged" in out for out, _ in outputs) == [False, True], outputs
    store = chroma_store(HashEmbeddings(), path=str(db), collection="hf_tools")
    fresh = chroma_store(HashEmbeddings(), path=str(tmp_path / "fresh"), collection="hf_tools")
    ingest_files([corpus], fresh, chunk_size=200, chunk_overlap=20)
    assert set(snapshot(store)) == set(snapshot(fresh))
    assert store.similarity_search("volcano", k=1)


_HOLD = """
import sys, time, pathlib
from hf_tools.rag.vectorstores import database_lock
with database_lock(sys.argv[1]):
    print("held", flush=True)
    while not pathlib.Path(sys.argv[2]).exists():
        time.sleep(0.05)
"""


@pytest.mark.slow
def test_a_second_writer_waits_or_stops_with_a_clear_message(corpus: Path, tmp_path: Path, tei: TEIServer) -> None:
    db, release = tmp_path / "db", tmp_path / "release"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db), str(release)], stdout=subprocess.PIPE, text=True, env=_env(tmp_path)
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        command = [*CLI, "ingest", str(corpus), "--db", str(db), "--no-progress", "--embeddings", "inference"]
        command += ["--embed-base-url", tei.url]
        stopped = subprocess.run(
            [*command, "--lock-timeout", "0"], capture_output=True, text=True, env=_env(tmp_path), timeout=120
        )
        assert stopped.returncode == 1 and "HFStoreBusyError" in stopped.stderr, stopped.stderr
        assert "another process is writing" in stopped.stderr and "files:" not in stopped.stdout
        waiting = subprocess.Popen(
            [*command, "--lock-timeout", "120"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp_path),
        )
        assert waiting.stderr is not None and "waiting" in waiting.stderr.readline()
        release.touch()
        out, err = waiting.communicate(timeout=120)
        assert waiting.returncode == 0 and "4 new" in out, err
    finally:
        release.touch()
        holder.wait(timeout=30)


class KillingEmbeddings(HashEmbeddings):
    """Kills the Chroma server on the n-th embedding call, as a crash mid-ingest would."""

    server: ClassVar[ChromaServer | None] = None
    kill_on: ClassVar[int] = 3
    calls: ClassVar[list[int]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        if len(self.calls) == self.kill_on and self.server is not None:
            self.server.kill()
        return super().embed_documents(texts)


@pytest.mark.slow
def test_a_server_that_dies_mid_ingest_gives_a_typed_error_and_rerunning_resumes(corpus: Path, tmp_path: Path) -> None:
    server = ChromaServer(tmp_path / "chroma").start()
    try:
        KillingEmbeddings.server, KillingEmbeddings.calls = server, []
        name = f"dies_{uuid.uuid4().hex[:8]}"
        store = chroma_store(KillingEmbeddings(), url=server.url, collection=name)
        with pytest.raises(HFStoreError) as caught:
            ingest_files([corpus], store, chunk_size=200, chunk_overlap=20, write_batch=2, embed_ahead=1)
        message = str(caught.value)
        assert server.url in message and "storing chunks" in message and "again to resume" in message
        server.start()  # same port, same data
        KillingEmbeddings.server = None
        store = chroma_store(HashEmbeddings(), url=server.url, collection=name)
        partial = len(store.ids_where())
        assert partial > 0
        resumed = ingest_files([corpus], store, chunk_size=200, chunk_overlap=20)
        assert resumed.files_resumed == 1 and resumed.files_changed == 0, resumed.summary()
        assert resumed.chunks_unchanged == partial
        fresh = chroma_store(HashEmbeddings(), url=server.url, collection=f"fresh_{uuid.uuid4().hex[:8]}")
        ingest_files([corpus], fresh, chunk_size=200, chunk_overlap=20)
        assert snapshot(store) == snapshot(fresh)
    finally:
        server.stop()


def test_a_server_down_from_the_start_is_a_clear_error(corpus: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(HFStoreError, match="cannot reach the Chroma server"):
        chroma_store(HashEmbeddings(), url=url)
    run = subprocess.run(
        [*CLI, "ingest", str(corpus), "--chroma-url", url, "--embeddings", "inference", "--no-progress"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
    )
    assert run.returncode == 1 and "cannot reach the Chroma server" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and "files:" not in run.stdout
