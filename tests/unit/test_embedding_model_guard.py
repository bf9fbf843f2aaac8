"""A Chroma collection records its embedding model and refuses another one (no mixed vector spaces)."""

from __future__ import annotations

import uuid

import chromadb
import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from hf_tools.rag.embeddings import HFInferenceEmbeddings
from hf_tools.rag.vectorstores import EMBEDDING_MODEL_KEY, EmbeddingModelMismatchError, chroma_store


def _name() -> str:
    return f"guard-{uuid.uuid4().hex[:8]}"


def test_collection_records_the_model_and_refuses_another(tmp_path: object) -> None:
    client = chromadb.EphemeralClient()
    name = _name()
    store = chroma_store(HFInferenceEmbeddings(model="org/embedder-a", token="hf_x"), client=client, collection=name)
    assert store._collection.metadata[EMBEDDING_MODEL_KEY] == "org/embedder-a"
    with pytest.raises(EmbeddingModelMismatchError) as info:
        chroma_store(HFInferenceEmbeddings(model="org/embedder-b", token="hf_x"), client=client, collection=name)
    assert (info.value.stored, info.value.given) == ("org/embedder-a", "org/embedder-b")
    assert "mix two vector spaces" in str(info.value)
    chroma_store(HFInferenceEmbeddings(model="org/embedder-a", token="hf_x"), client=client, collection=name)


def test_other_embedders_are_not_checked() -> None:
    client = chromadb.EphemeralClient()
    name = _name()
    chroma_store(DeterministicFakeEmbedding(size=8), client=client, collection=name)
    store = chroma_store(HFInferenceEmbeddings(model="org/embedder-a", token="hf_x"), client=client, collection=name)
    assert store._collection.metadata[EMBEDDING_MODEL_KEY] == "org/embedder-a"  # empty: recorded now
