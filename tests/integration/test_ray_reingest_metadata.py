"""Ray ingestion re-ingests like ingest_files: after a re-ingest the collection equals a fresh
ingest (ids, documents, metadata, vectors), and text that did not change is not embedded again.
A local Ray, a real `chroma run` server and the loopback TEI server (huggingface_hub 2.x venv only,
as the other Ray tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub
import pytest

ray = pytest.importorskip("ray")
if int(huggingface_hub.__version__.split(".")[0]) < 2:
    pytest.skip("Ray tests run once, in the huggingface_hub 2.x venv", allow_module_level=True)

from hf_tools import HFInferenceEmbeddings, chroma_store  # noqa: E402
from hf_tools.rag.vectorstores import HFChroma  # noqa: E402
from hf_tools.ray import ingest_files_ray, init_ray  # noqa: E402
from hf_tools.testing.chroma_server import ChromaServer  # noqa: E402
from hf_tools.testing.tei import TEIServer  # noqa: E402

# each Ray Data job has 7-13 s of fixed cost, more on a loaded machine with other test files running
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SPLIT: dict[str, Any] = {"chunk_size": 60, "chunk_overlap": 0}
FIRST = "Cats purr when they are content."
SECOND = "Dogs wag their tails on long walks."


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    yield init_ray(num_cpus=2)
    ray.shutdown()


def contents(store: HFChroma) -> dict[str, tuple[str, dict[str, Any], tuple[float, ...]]]:
    got = store.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)  # type: ignore[arg-type]
    return {i: (doc, dict(meta), tuple(float(x) for x in vec)) for i, doc, meta, vec in rows}


def test_ray_reingest_equals_a_fresh_ingest(local_ray: Any, tmp_path: Path) -> None:
    notes = tmp_path / "docs" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text(f"{FIRST}\n\n{SECOND}\n")
    with ChromaServer(tmp_path / "chroma") as chroma, TEIServer() as tei:
        embedder = HFInferenceEmbeddings(model=tei.url)
        store = chroma_store(embedder, url=chroma.url, collection=f"again_{uuid.uuid4().hex[:8]}")
        assert ingest_files_ray([notes.parent], store, **SPLIT).chunks_added == 2

        notes.write_text(f"Cats purr loudly when they are warm and content.\n\n{SECOND}\n")
        before = tei.stats()["texts"]
        again = ingest_files_ray([notes.parent], store, **SPLIT)
        embedded = tei.stats()["texts"] - before

        fresh = chroma_store(embedder, url=chroma.url, collection=f"fresh_{uuid.uuid4().hex[:8]}")
        ingest_files_ray([notes.parent], fresh, **SPLIT)
        assert contents(store) == contents(fresh)  # ids, documents, metadata (start_index, file_sha256), vectors
        assert embedded == 1 == again.chunks_added  # the second paragraph was not embedded again
        assert (again.chunks_updated, again.chunks_removed, again.files_changed) == (1, 1, 1)
