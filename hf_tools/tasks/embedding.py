"""Declaration of the feature-extraction task (text embeddings) and its shared helpers.

``pool`` turns any feature-extraction response (one vector, a batch of vectors, or
token-level vectors) into exactly one vector per input text.

Example:
    >>> from hf_tools.tasks.embedding import pool
    >>> pool([[1.0, 3.0], [3.0, 5.0]], 1)          # token-level vectors of one text: mean-pooled
    [[2.0, 4.0]]

"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.spec import TaskInput, TaskSpec

__all__ = ["FeatureExtractionInput", "pool", "register_embedding_tasks"]

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class FeatureExtractionInput(TaskInput):
    text: str = Field(min_length=1, description="The text to embed.")
    normalize: bool | None = Field(None, description="Scale the vector to unit length (TEI servers).")
    truncate: bool | None = Field(None, description="Cut inputs longer than the model's limit instead of failing.")
    truncation_direction: Literal["left", "right"] | None = Field(None, description="Which side truncate cuts.")
    prompt_name: str | None = Field(None, description="A prompt of the model's sentence-transformers config.")
    dimensions: int | None = Field(None, ge=1, description="Vector size (OpenAI-compatible endpoints).")


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        if hasattr(value, "tolist"):
            value = value.tolist()
            continue
        if not value:
            return depth + 1
        value = value[0]
        depth += 1
    return depth


def _mean(rows: list[list[float]]) -> list[float]:
    if not rows:
        raise ValueError("token-level output with no tokens")
    width = len(rows[0])
    return [sum(row[i] for row in rows) / len(rows) for i in range(width)]


def pool(raw: Any, count: int) -> list[list[float]]:
    """Exactly ``count`` vectors from a feature-extraction response for ``count`` texts.

    Accepts a numpy array or nested lists: ``[dim]`` (one text), ``[count][dim]``, or
    token-level ``[count][tokens][dim]`` (and ``[tokens][dim]`` for one text), which are
    mean-pooled over tokens.

    Raises:
        ValueError: the response does not hold ``count`` vectors.

    """
    data = raw.tolist() if hasattr(raw, "tolist") else raw
    depth = _depth(data)
    if depth == 1 and count == 1:
        vectors = [data]
    elif depth == 2 and count == 1 and len(data) != 1:
        vectors = [_mean(data)]
    elif depth == 2:
        vectors = data
    elif depth == 3:
        vectors = [_mean(tokens) for tokens in data]
    else:
        raise ValueError(f"expected {count} vector(s), got nesting depth {depth}")
    if len(vectors) != count:
        raise ValueError(f"expected {count} vector(s), got {len(vectors)}")
    if any(not isinstance(vector, list) or not vector for vector in vectors):
        raise ValueError("empty or malformed vector in response")
    width = len(vectors[0])
    if any(len(vector) != width for vector in vectors):
        raise ValueError("vectors of different lengths in response")
    # JSON decoders already give floats; convert only vectors that hold something else (ints)
    return [vector if type(vector[0]) is float else [float(x) for x in vector] for vector in vectors]


def _render(vector: list[float]) -> str:
    head = ", ".join(f"{x:.3f}" if isinstance(x, (int, float)) else str(x) for x in vector[:4])
    return f"{len(vector)}-dimensional vector [{head}{', ...' if len(vector) > 4 else ''}]"


def register_embedding_tasks(registry: TaskRegistry) -> None:
    """Declare feature-extraction in ``registry``."""
    registry.register(
        TaskSpec(
            name="feature-extraction",
            description="Embed a text as a vector of floats (for semantic search and clustering).",
            input_model=FeatureExtractionInput,
            output_type=list[float],
            method="feature_extraction",
            defaults=(DEFAULT_EMBEDDING_MODEL,),
            render=_render,
            normalize=lambda raw: pool(raw, 1)[0],
            example={"text": "Chroma stores embeddings for semantic search."},
        )
    )
