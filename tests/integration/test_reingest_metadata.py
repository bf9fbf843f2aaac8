"""After any re-ingest the collection equals a fresh ingest of the same files (ids, documents,
metadata, vectors), and text that did not change is not embedded again."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
from hf_tools.rag.vectorstores import HFChroma
from hf_tools.testing.tei import TEIServer

SPLIT: dict[str, Any] = {"chunk_size": 60, "chunk_overlap": 0}
FIRST = "Cats purr when they are content."
SECOND = "Dogs wag their tails on long walks."


def contents(store: HFChroma) -> dict[str, tuple[str, dict[str, Any], tuple[float, ...]]]:
    got = store.collection.get(include=["documents", "metadatas", "embeddings"])
    rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)  # type: ignore[arg-type]
    return {i: (doc, dict(meta), tuple(float(x) for x in vec)) for i, doc, meta, vec in rows}


@pytest.fixture
def tei() -> Any:
    with TEIServer() as server:
        yield server


@pytest.mark.parametrize(
    "rewrite",
    [
        f"A longer first paragraph: cats purr loudly when they are content.\n\n{SECOND}\n",
        f"{SECOND}\n",  # the first paragraph dropped: the second moves to chunk 0, offset 0
        f"Short.\n\n{SECOND}\n\n{FIRST}\n",  # the first moved last: both kept, both re-labelled
    ],
    ids=["rewritten", "dropped", "moved"],
)
def test_reingest_equals_a_fresh_ingest_without_embedding_unchanged_text(
    tmp_path: Path, tei: TEIServer, rewrite: str
) -> None:
    notes = tmp_path / "docs" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text(f"{FIRST}\n\n{SECOND}\n")
    embedder = HFInferenceEmbeddings(model=tei.url)
    db = str(tmp_path / "db")
    store = chroma_store(embedder, path=db, collection=f"again_{uuid.uuid4().hex[:8]}")
    assert ingest_files([notes.parent], store, **SPLIT).chunks_added == 2

    notes.write_text(rewrite)
    before = tei.stats()["texts"]
    again = ingest_files([notes.parent], store, **SPLIT)
    embedded = tei.stats()["texts"] - before

    fresh = chroma_store(embedder, path=db, collection=f"fresh_{uuid.uuid4().hex[:8]}")
    ingest_files([notes.parent], fresh, **SPLIT)
    assert contents(store) == contents(fresh)  # ids, documents, metadata (start_index, file_sha256, ...), vectors
    new_texts = {doc for doc, _, _ in contents(fresh).values()} - {FIRST, SECOND}
    assert embedded == again.chunks_added == len(new_texts)  # only the new text was embedded
    assert again.chunks_updated == len({FIRST, SECOND} & {doc for doc, _, _ in contents(fresh).values()})
    assert again.files_changed == 1
    assert "with new metadata" in again.summary()

    unchanged = ingest_files([notes.parent], store, **SPLIT)
    assert (unchanged.files_unchanged, unchanged.chunks_added, unchanged.chunks_updated) == (1, 0, 0)
