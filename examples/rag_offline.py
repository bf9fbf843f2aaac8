"""Ingest the sample corpus into an embedded Chroma and answer questions with their sources, offline.

Local all-MiniLM-L6-v2 embeddings (the ``local`` extra), no token, no network. Re-running the
ingestion adds nothing: chunk ids come from the content and the source file.
"""

import tempfile
from pathlib import Path

from hf_tools import LocalEmbeddings, chroma_store, ingest_files
from hf_tools.rag import document_qa_chain

corpus = Path(__file__).parent / "corpus"
db = tempfile.mkdtemp(prefix="hf-tools-rag-")
store = chroma_store(LocalEmbeddings(), path=db, collection="sample")

print(ingest_files([corpus], store, chunk_size=800, chunk_overlap=100).summary())
print("again:", ingest_files([corpus], store, chunk_size=800, chunk_overlap=100).summary().splitlines()[1])

qa = document_qa_chain(store.as_retriever(k=3))
for question in ["Who designed the lens used in lighthouses?", "What is matcha?", "How do bees make honey?"]:
    best = qa.invoke(question)
    assert best is not None
    page = f", page {best.page}" if best.page else ""
    answer = " ".join(best.answer.split())
    print(f"\nQ: {question}\nA: {answer}\n   ({Path(best.source).name}{page}, score {best.score:.2f})")
