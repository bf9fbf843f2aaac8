"""Ray Data scale-out with real parts: a local Ray (`ray.init(num_cpus=2)`, one per module), a real
`chroma run` server and the loopback TEI and Inference API servers.

These tests do not depend on the huggingface_hub version, and a Ray start costs seconds and
memory on a 2-core machine: they run in the huggingface_hub 2.x venv only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub
import pytest

ray = pytest.importorskip("ray")
if int(huggingface_hub.__version__.split(".")[0]) < 2:
    pytest.skip("Ray tests run once, in the huggingface_hub 2.x venv", allow_module_level=True)

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files  # noqa: E402
from hf_tools.rag.vectorstores import HFChroma, HFStoreError  # noqa: E402
from hf_tools.ray import ingest_files_ray, init_ray, map_task  # noqa: E402
from hf_tools.testing import LoopbackServer, Reply  # noqa: E402
from hf_tools.testing.chroma_server import ChromaServer, free_port  # noqa: E402
from hf_tools.testing.hash_embeddings import HashEmbeddings  # noqa: E402
from hf_tools.testing.tei import TEIServer  # noqa: E402

# each Ray Data job has 7-13 s of fixed cost, more on a loaded machine with other test files running
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CORPUS = Path(__file__).parents[2] / "examples" / "corpus"
CLI = [sys.executable, "-m", "hf_tools.cli"]
SPLIT = {"chunk_size": 200, "chunk_overlap": 20}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    # the killing embedder below is defined here: ship it to the workers by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield init_ray(num_cpus=2)
    ray.shutdown()


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    with ChromaServer(tmp_path_factory.mktemp("chroma")) as server:
        yield server


@pytest.fixture(scope="module")
def tei() -> Iterator[TEIServer]:
    with TEIServer() as server:
        yield server


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    (folder / "notes").mkdir()
    parts = (f"# Part {i}\n\nVolcano note {i} on lava." for i in range(40))
    (folder / "notes" / "long.md").write_text("\n\n".join(parts))
    (folder / "blob.txt").write_bytes(b"\x00binary")
    return folder


def contents(store: HFChroma) -> dict[str, tuple[str, dict[str, Any], tuple[float, ...]]]:
    got = store.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)  # type: ignore[arg-type]
    return {i: (doc, dict(meta), tuple(float(x) for x in vec)) for i, doc, meta, vec in rows}


def counts(report: Any) -> tuple[Any, ...]:
    return (
        report.files_new,
        report.files_changed,
        report.files_resumed,
        report.files_unchanged,
        report.files_removed,
        report.skipped,
        report.chunks_added,
        report.chunks_removed,
        report.chunks_unchanged,
    )


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def test_ray_ingest_converges_with_ingest_files(
    local_ray: Any, chroma: ChromaServer, tei: TEIServer, corpus: Path
) -> None:
    embedder = HFInferenceEmbeddings(model=tei.url)
    single = chroma_store(embedder, url=chroma.url, collection=new_name("single"))
    spread = chroma_store(embedder, url=chroma.url, collection=new_name("ray"))
    first_single = ingest_files([corpus], single, **SPLIT)
    first_ray = ingest_files_ray([corpus], spread, write_batch=16, **SPLIT)
    assert counts(first_ray) == counts(first_single) and first_ray.files_new == 5
    assert contents(spread) == contents(single)  # same ids, documents, metadata and vectors

    again = ingest_files_ray([corpus], spread, **SPLIT)
    assert (again.chunks_added, again.chunks_removed, again.files_unchanged) == (0, 0, 5)

    volcano = corpus / "volcanoes.txt"
    volcano.write_text(volcano.read_text().replace("Mauna Loa", "Kilauea") + "\n\nEtna is in Sicily.\n")
    (corpus / "honeybees.md").unlink()
    changed_ray = ingest_files_ray([corpus], spread, **SPLIT)
    changed_single = ingest_files([corpus], single, **SPLIT)
    assert counts(changed_ray) == counts(changed_single)
    assert (changed_ray.files_changed, changed_ray.files_removed) == (1, 1) and changed_ray.chunks_removed > 0
    assert contents(spread) == contents(single)


class DyingEmbeddings(HashEmbeddings):
    """Kills its own worker process (os._exit) on the third call of the whole job, once."""

    marker: str = ""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        calls = Path(self.marker)
        with calls.open("a") as log:
            log.write("x")
        if len(calls.read_text()) == 3:
            os._exit(1)
        return super().embed_documents(texts)


def test_a_worker_killed_mid_job_loses_nothing_and_doubles_nothing(
    local_ray: Any, chroma: ChromaServer, corpus: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "calls"
    spread = chroma_store(DyingEmbeddings(marker=str(marker)), url=chroma.url, collection=new_name("dying"))
    report = ingest_files_ray([corpus], spread, write_batch=8, **SPLIT)
    assert len(marker.read_text()) > 3  # the worker died and its block ran again
    single = chroma_store(HashEmbeddings(), url=chroma.url, collection=new_name("clean"))
    clean = ingest_files([corpus], single, **SPLIT)
    assert counts(report) == counts(clean)  # each chunk counted once, though its block ran twice
    assert contents(spread) == contents(single)


class ServerKillingEmbeddings(HashEmbeddings):
    """SIGKILLs the Chroma server (by pid) on the second call of the whole job."""

    marker: str = ""
    pid: int = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        calls = Path(self.marker)
        with calls.open("a") as log:
            log.write("x")
        if len(calls.read_text()) == 2 and self.pid:
            os.kill(self.pid, signal.SIGKILL)
        return super().embed_documents(texts)


def test_a_chroma_server_dying_mid_job_is_a_typed_error_and_a_rerun_resumes(
    local_ray: Any, corpus: Path, tmp_path: Path
) -> None:
    server = ChromaServer(tmp_path / "chroma").start()
    try:
        assert server._proc is not None
        killer = ServerKillingEmbeddings(marker=str(tmp_path / "calls"), pid=server._proc.pid)
        store = chroma_store(killer, url=server.url, collection="dies")
        with pytest.raises(HFStoreError) as caught:
            ingest_files_ray([corpus], store, write_batch=4, **SPLIT)
        assert server.url in str(caught.value) and "run the same ingest again to resume" in str(caught.value)
        server.kill()
        server.start()
        resumed = ingest_files_ray([corpus], chroma_store(HashEmbeddings(), url=server.url, collection="dies"), **SPLIT)
        single = chroma_store(HashEmbeddings(), url=server.url, collection="clean")
        clean = ingest_files([corpus], single, **SPLIT)
        assert resumed.chunks_added + resumed.chunks_unchanged == clean.chunks_added
        assert contents(chroma_store(HashEmbeddings(), url=server.url, collection="dies")) == contents(single)
    finally:
        server.stop()


def test_map_task_keeps_failed_rows_with_their_errors(local_ray: Any) -> None:
    model = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    with LoopbackServer() as server:
        # 10% of the requests fail: 15 transient 503s (retried) and 5 400s (not retried)
        faults = [Reply.error(503, "loading", estimated_time=0.01)] * 15 + [Reply.error(400, "bad input")] * 5
        server.enqueue(model, *faults)
        ds = ray.data.from_items([{"text": f"row {i}", "n": i} for i in range(200)])
        rows = map_task(
            ds, "text-classification", base_url=server.base_url, concurrency=2, max_concurrency=4, batch_size=25
        ).take_all()
        assert sorted(r["n"] for r in rows) == list(range(200))
        failed = [r for r in rows if r["error"] is not None]
        assert len(failed) == 5 and all(r["error"].startswith("HFInvalidRequestError") for r in failed)
        assert all(r["label"] is None and r["score"] is None for r in failed)
        good = [r for r in rows if r["error"] is None]
        assert all(isinstance(r["label"], str) and isinstance(r["score"], float) and r["output"] for r in good)
        assert len(server.requests) == 200 + 15  # each 503 retried once, on the server's count

        server.enqueue(model, Reply.error(400, "bad input"))
        with pytest.raises(Exception) as caught:
            map_task(ds.limit(10), "text-classification", base_url=server.base_url, fail_fast=True).take_all()
        # the job failed on the row's own error (Ray wraps it; its text names it)
        assert "HFInvalidRequestError: HTTP 400" in "".join(traceback.format_exception(caught.value))


def test_cli_engine_ray_joins_the_given_cluster(
    local_ray: Any, chroma: ChromaServer, tei: TEIServer, corpus: Path, tmp_path: Path
) -> None:
    address = ray.get_runtime_context().gcs_address
    common = [str(corpus), "--chroma-url", chroma.url, "--no-progress", "--chunk-size", "200", "--chunk-overlap", "20"]
    common += ["--embeddings", "inference", "--embed-base-url", tei.url]
    env = {**os.environ, "HF_TOKEN": "", "HF_HUB_DISABLE_TELEMETRY": "1"}
    local = subprocess.run(
        [*CLI, "ingest", *common, "--collection", new_name("cli_local")], capture_output=True, text=True, env=env
    )
    spread = subprocess.run(
        [*CLI, "ingest", *common, "--collection", new_name("cli_ray"), "--engine", "ray", "--ray-address", address],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert local.returncode == 0 and spread.returncode == 0, spread.stderr
    assert spread.stdout.splitlines()[:2] == local.stdout.splitlines()[:2]
    assert "5 new" in spread.stdout and "skipped" in spread.stdout


def test_cli_engine_ray_refuses_an_embedded_db_and_a_dead_server(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HF_TOKEN": "", "HF_HUB_DISABLE_TELEMETRY": "1"}
    base = [*CLI, "ingest", str(corpus), "--engine", "ray", "--embeddings", "inference", "--no-progress"]
    embedded = subprocess.run([*base, "--db", str(tmp_path / "db")], capture_output=True, text=True, env=env)
    assert embedded.returncode == 2 and "--chroma-url" in embedded.stderr
    dead = f"http://127.0.0.1:{free_port()}"
    down = subprocess.run([*base, "--chroma-url", dead], capture_output=True, text=True, env=env, timeout=120)
    assert down.returncode == 1 and "cannot reach the Chroma server" in down.stderr, down.stderr
    assert "Traceback" not in down.stderr and "files:" not in down.stdout
