"""The feature-extraction answer: a TEI-shaped list of word-hashing vectors."""

from __future__ import annotations

from typing import Any

from hf_tools.testing.hash_embeddings import HASH_DIM, hash_vector, hash_vectors

__all__ = ["feature_extraction"]


def feature_extraction(body: dict[str, Any]) -> Any:
    """A TEI-shaped answer: one vector per input (a list of vectors for a list input)."""
    inputs = body.get("inputs")
    dim = min(int(body.get("dimensions") or HASH_DIM), 4096)  # never sized by the client beyond this
    if isinstance(inputs, list):
        return hash_vectors([str(t) for t in inputs], int(dim))
    return [hash_vector(str(inputs), int(dim))]
