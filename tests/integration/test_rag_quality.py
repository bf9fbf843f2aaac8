"""Retrieval quality on real data: a SciFact subset, ingested from files, real MiniLM vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hf_tools import LocalEmbeddings, chroma_store, ingest_files

DATA = Path(__file__).parents[1] / "data" / "scifact_small"


@pytest.mark.slow
def test_relevant_abstract_is_in_the_top_3_for_most_claims(tmp_path: Path) -> None:
    docs = [json.loads(line) for line in (DATA / "corpus.jsonl").read_text().splitlines()]
    queries = [json.loads(line) for line in (DATA / "queries.jsonl").read_text().splitlines()]
    folder = tmp_path / "abstracts"
    folder.mkdir()
    for doc in docs:
        (folder / f"{doc['_id']}.txt").write_text((doc["title"] + " " + doc["text"]).strip())
    store = chroma_store(LocalEmbeddings(), path=str(tmp_path / "db"), collection="scifact")
    report = ingest_files([folder], store, chunk_size=4000, chunk_overlap=200)
    assert report.files_new == len(docs) and not report.skipped
    retriever = store.as_retriever(k=3)
    hits = 0
    for query in queries:
        found = {Path(d.metadata["source"]).stem for d in retriever.invoke(query["text"])}
        hits += bool(found & set(query["relevant"]))
    rate = hits / len(queries)
    # all-MiniLM-L6-v2 scores nDCG@10 = 0.645 on the full SciFact corpus; on this subset the
    # relevant abstract is in the top 3 for 29 of the 30 claims (measured).
    print(f"top-3 hit rate {rate:.2f} over {len(queries)} claims")
    assert rate >= 0.8, f"top-3 hit rate {rate:.2f}"
