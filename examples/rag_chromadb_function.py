"""Plug hf_tools' embedder into a plain chromadb app with HFEmbeddingFunction.

Runs offline against a TEI-like loopback server (32 inputs per request at most); point
``model`` at your TEI URL or drop it and set HF_TOKEN to use the Hugging Face router.
"""

import tempfile

import chromadb

from hf_tools import HFEmbeddingFunction
from hf_tools.testing.tei import TEIServer

facts = [f"Fact {i}: the number {i} is {'even' if i % 2 == 0 else 'odd'}." for i in range(100)]
facts.append("Olympus Mons on Mars is the tallest volcano in the Solar System.")

with TEIServer() as tei:
    path = tempfile.mkdtemp(prefix="hf-tools-chromadb-")
    ef = HFEmbeddingFunction(model=tei.url, batch_size=32)
    collection = chromadb.PersistentClient(path=path).get_or_create_collection("facts", embedding_function=ef)
    collection.add(ids=[str(i) for i in range(len(facts))], documents=facts)
    print(f"stored {collection.count()} documents in {tei.stats()['requests']} requests of at most 32")

    reopened = chromadb.PersistentClient(path=path).get_collection("facts")  # embedder rebuilt from its config
    hit = reopened.query(query_texts=["tallest volcano Solar System"], n_results=1)
    print("best match:", hit["documents"][0][0])
    print("persisted config:", reopened.configuration["embedding_function"].get_config()["model"])
