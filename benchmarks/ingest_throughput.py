"""Embed-and-store throughput into an embedded Chroma, against a TEI-like server in its own process.

20,000 distinct texts (written as 200 files of 100 lines; one chunk per line), 32 inputs per
request, 20 ms per request, 8 requests in flight:

* ceiling: Chroma storing the same records with precomputed vectors, nothing else;
* hf_tools ``ingest_files`` (split, hash ids, embed ahead while storing, skip what is stored);
* langchain-chroma ``Chroma.add_texts`` with langchain-huggingface's embedder, as a user would
  (all at once) and in chunks of 32 (the workaround for the 413).

Run (langchain-huggingface needs huggingface_hub 1.x, so use .venv-hub1):

    .venv-hub1/bin/python benchmarks/ingest_throughput.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _tei import DELAY, N_TEXTS, peer_embedder, tei_process, texts

FILES = 200


def main() -> int:
    import chromadb

    from hf_tools import HFInferenceEmbeddings, chroma_store, ingest_files
    from hf_tools.rag.ingest import chunk_file
    from hf_tools.rag.loaders import iter_files, load_file

    data = texts()
    work = Path(tempfile.mkdtemp(prefix="hf-ingest-bench-"))
    corpus = work / "corpus"
    corpus.mkdir()
    per_file = N_TEXTS // FILES
    for f in range(FILES):
        (corpus / f"doc{f:04d}.txt").write_text("\n".join(data[f * per_file : (f + 1) * per_file]) + "\n")
    chunk_args = {"chunk_size": 100, "chunk_overlap": 0}
    chunks = [c for p in iter_files([corpus]) for c in chunk_file(load_file(p), **chunk_args)]
    print(f"{len(chunks):,} chunks from {FILES} files; TEI-like server: 32 inputs max, {DELAY * 1000:.0f} ms/request")
    rates: dict[str, float] = {}
    with tei_process() as url:
        embedder = HFInferenceEmbeddings(model=url)
        vectors = embedder.embed_documents([c.text for c in chunks])

        client = chromadb.PersistentClient(path=str(work / "ceiling"))
        collection = client.create_collection("ceiling", configuration={"hnsw": {"space": "cosine"}})
        size = client.get_max_batch_size()
        started = time.perf_counter()
        for i in range(0, len(chunks), size):
            part = chunks[i : i + size]
            collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[c.metadata for c in part],  # type: ignore[misc]
                embeddings=vectors[i : i + size],  # type: ignore[arg-type]
            )
        rates["ceiling: Chroma storing precomputed vectors"] = len(chunks) / (time.perf_counter() - started)

        store = chroma_store(embedder, path=str(work / "hf_tools"), collection="docs")
        started = time.perf_counter()
        report = ingest_files([corpus], store, **chunk_args)
        seconds = time.perf_counter() - started
        assert report.chunks_added == len(chunks), report.summary()
        rates["hf_tools ingest_files"] = len(chunks) / seconds
        started = time.perf_counter()
        again = ingest_files([corpus], store, **chunk_args)
        print(f"re-ingest of the same files: {again.chunks_added} added, {time.perf_counter() - started:.2f} s")

        try:
            from langchain_chroma import Chroma

            peer_embeddings: Any = peer_embedder(url)
        except ImportError as exc:
            print(f"peer not installed ({exc}); install the bench extra in .venv-hub1")
        else:
            peer = Chroma(
                collection_name="peer",
                embedding_function=peer_embeddings,
                persist_directory=str(work / "peer"),
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            all_texts = [c.text for c in chunks]
            try:
                peer.add_texts(all_texts)
            except Exception as exc:  # noqa: BLE001 - a peer failing is a result
                print(f"langchain-chroma add_texts (as a user would): FAILED: {type(exc).__name__}: {str(exc)[:80]}")
            started = time.perf_counter()
            for i in range(0, len(all_texts), 32):
                peer.add_texts(all_texts[i : i + 32])
            rates["langchain-chroma add_texts + langchain-huggingface, chunks of 32"] = len(all_texts) / (
                time.perf_counter() - started
            )
    top = rates["ceiling: Chroma storing precomputed vectors"]
    for name, rate in rates.items():
        print(f"{name:66} {rate:7,.0f} texts/s  {rate / top:5.0%} of the ceiling")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
