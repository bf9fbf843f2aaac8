"""``HashEmbeddings``: deterministic word-hashing vectors, an offline embedder for tests and docs.

Texts that share words get similar vectors, so retrieval behaves plausibly without a model.
The loopback servers answer feature-extraction with the same :func:`hash_vectors`.

Example:
    >>> from hf_tools.testing.hash_embeddings import HashEmbeddings
    >>> emb = HashEmbeddings(size=16)
    >>> len(emb.embed_query("cats purr")), emb.embed_query("x") == emb.embed_query("x")
    (16, True)

"""

from __future__ import annotations

import hashlib
import math
import re

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.rag.embeddings import check_texts

__all__ = ["HASH_DIM", "HashEmbeddings", "hash_vector", "hash_vectors"]

HASH_DIM = 384
_WORD = re.compile(r"\w+", re.UNICODE)


def hash_vector(text: str, dim: int = HASH_DIM) -> list[float]:
    """A deterministic unit vector from word hashing: texts sharing words point the same way."""
    vector = [0.0] * dim
    words = [w.lower() for w in _WORD.findall(text)] or [text]
    for word in words:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dim
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def hash_vectors(texts: list[str], dim: int = HASH_DIM) -> list[list[float]]:
    """:func:`hash_vector` for each text."""
    return [hash_vector(text, dim) for text in texts]


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
