"""LangChain's standard vector store suite for HFChroma (embedded, in a temporary directory)."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Generator

import pytest
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import VectorStoreIntegrationTests

from hf_tools import chroma_store


class TestHFChromaStandard(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self) -> Generator[VectorStore, None, None]:  # type: ignore[override]
        with tempfile.TemporaryDirectory() as path:
            store = chroma_store(self.get_embeddings(), path=path, collection=f"std_{uuid.uuid4().hex[:12]}")
            yield store
            store.delete_collection()
