"""``HashEmbeddings``: deterministic word-hashing vectors, an offline embedder for tests and docs.

Texts that share words get similar vectors, so retrieval behaves plausibly without a model.
It is the same function the loopback servers use for feature-extraction.

Example:
    >>> from hf_tools.testing.hash_embeddings import HashEmbeddings
    >>> emb = HashEmbeddings(size=16)
    >>> len(emb.embed_query("cats purr")), emb.embed_query("x") == emb.embed_query("x")
    (16, True)

"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.embeddings import check_texts
from hf_tools.tasks.embedding import HASH_DIM, hash_vectors

__all__ = ["HashEmbeddings"]


class HashEmbeddings(BaseModel, Embeddings):
    """Word-hashing embeddings (no model, no network).

    Example:
        >>> HashEmbeddings().embed_documents(["a b", "c"])[1][:0]
        []

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    size: int = Field(default=HASH_DIM, ge=1)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return hash_vectors(check_texts(texts), self.size)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
