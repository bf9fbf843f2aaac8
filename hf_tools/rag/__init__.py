"""RAG: embeddings (Inference API, TEI, local), Chroma, ingestion, RAG chains and the retriever tool.

``embeddings`` and ``local_embeddings`` embed texts; ``embedding_function`` is the same embedder
for plain chromadb apps; ``vectorstores`` is Chroma with split writes; ``loaders`` and ``ingest``
turn files into chunks in a store; ``chains`` answer questions with cited sources; and
``retriever_tool`` hands a retriever to an agent. Names are imported on first use.

Example:
    >>> from hf_tools.rag import rag_chain, chroma_store
    >>> callable(rag_chain) and callable(chroma_store)
    True

"""

from __future__ import annotations

from hf_tools.lazy import exports_from_stub, lazy_exports

_EXPORTS = exports_from_stub(__file__)
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
