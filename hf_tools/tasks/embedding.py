"""Declaration of the feature-extraction task (text embeddings) and its shared helpers.

The task gives what the server sent for the text: one vector ``[dim]`` from a model that pools
(sentence-transformers, TEI), or token-level vectors ``[tokens][dim]`` from one that does not;
``pooling="mean"`` in its input averages token-level vectors into one vector.

``pool`` turns any feature-extraction response (one vector, a batch of vectors, or
token-level vectors) into exactly one vector per input text (the embedder's way).

Example:
    >>> from hf_tools.tasks.embedding import pool
    >>> pool([[1.0, 3.0], [3.0, 5.0]], 1)          # token-level vectors of one text: mean-pooled
    [[2.0, 4.0]]

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from hf_tools.prepared_call import AnswerHook
from hf_tools.tasks.registry import TaskRegistry
from hf_tools.tasks.spec import TaskInput, TaskSpec

__all__ = ["FeatureExtractionInput", "Pooling", "as_sent", "pool", "register_embedding_tasks"]

DEFAULT_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class FeatureExtractionInput(TaskInput):
    text: str = Field(min_length=1, description="The text to embed.")
    normalize: bool | None = Field(None, description="Scale the vector to unit length (TEI servers).")
    truncate: bool | None = Field(None, description="Cut inputs longer than the model's limit instead of failing.")
    truncation_direction: Literal["left", "right"] | None = Field(None, description="Which side truncate cuts.")
    prompt_name: str | None = Field(None, description="A prompt of the model's sentence-transformers config.")
    dimensions: int | None = Field(None, ge=1, description="Vector size (OpenAI-compatible endpoints).")
    pooling: Literal["mean"] | None = Field(
        None,
        description="'mean': average token-level vectors into one vector (for a model that does not pool);"
        " left out, the vectors come as the server sent them. Applied here, never sent.",
    )


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


def _floats(vector: Any) -> list[float]:
    if not isinstance(vector, list) or not vector:
        raise ValueError("empty or malformed vector in response")
    if type(vector[0]) is float and type(vector[-1]) is float:
        return vector
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in vector):
        raise ValueError("a vector holds something other than numbers")
    return [float(x) for x in vector]


Embedding = list[float] | list[list[float]]
"""One text's feature-extraction output: a vector, or token-level vectors."""


def as_sent(raw: Any) -> Embedding:
    """One text's feature-extraction answer as the server sent it, without a batch dimension of one.

    ``[dim]`` and ``[[dim]]`` (a batch of one, as TEI answers) give the vector; ``[tokens][dim]``
    and ``[1][tokens][dim]`` the token-level vectors, unpooled.

    Raises:
        ValueError: the answer is not one text's vector(s) (empty, ragged, several texts' vectors).

    Example:
        >>> as_sent([[0.5, 1.0]]), as_sent([[[1.0, 3.0], [3.0, 5.0]]])
        ([0.5, 1.0], [[1.0, 3.0], [3.0, 5.0]])

    """
    data = raw.tolist() if hasattr(raw, "tolist") else raw
    depth = _depth(data)
    if depth in (2, 3) and isinstance(data, list) and len(data) == 1:  # a batch of one text
        data, depth = data[0], depth - 1
    if depth == 1:
        return _floats(data)
    if depth == 2:
        rows = [_floats(row) for row in data]
        if any(len(row) != len(rows[0]) for row in rows):
            raise ValueError("token vectors of different lengths in response")
        return rows
    raise ValueError(f"expected one text's vector or token vectors, got nesting depth {depth}")


def _is_token_level(output: Embedding) -> bool:
    return bool(output) and isinstance(output[0], list)


class Pooling(AnswerHook):
    """A :class:`~hf_tools.tasks.spec.CallHook` for the ``pooling`` option: applied to the answer, never sent.

    Example:
        >>> from hf_tools import TASKS
        >>> spec = TASKS["feature-extraction"]
        >>> call = spec.prepare(spec.coerce_input({"text": "a cat", "pooling": "mean"}))
        >>> call.kwargs, call.finish([[[1.0, 3.0], [3.0, 5.0]]])
        ({'text': 'a cat'}, [2.0, 4.0])
        >>> spec.prepare(spec.coerce_input("a cat")).finish([[[1.0, 3.0], [3.0, 5.0]]])  # as sent
        [[1.0, 3.0], [3.0, 5.0]]

    """

    local_fields = ("pooling",)
    """Input fields this hook applies itself: never sent to the client."""

    def finisher(self, spec: TaskSpec, kwargs: dict[str, Any]) -> Callable[[Any], Any]:
        how = kwargs.pop("pooling", None)

        def pool(output: Embedding) -> Any:
            if how == "mean" and _is_token_level(output):
                return _mean(output)  # type: ignore[arg-type]
            return output

        return pool


def _head(vector: list[Any]) -> str:
    head = ", ".join(f"{x:.3f}" if isinstance(x, (int, float)) else str(x) for x in vector[:4])
    return f"[{head}{', ...' if len(vector) > 4 else ''}]"


def _render(output: Embedding) -> str:
    if _is_token_level(output):
        rows: list[list[float]] = output  # type: ignore[assignment]
        return f"{len(rows)} token vectors of {len(rows[0])} dimensions (not pooled), the first {_head(rows[0])}"
    return f"{len(output)}-dimensional vector {_head(output)}"


def register_embedding_tasks(registry: TaskRegistry) -> None:
    """Declare feature-extraction in ``registry``."""
    registry.register(
        TaskSpec(
            name="feature-extraction",
            description="Embed a text as a vector of floats (for semantic search and clustering); a model that"
            " does not pool gives one vector per token unless pooling='mean'.",
            input_model=FeatureExtractionInput,
            output_type=Embedding,
            method="feature_extraction",
            defaults=(DEFAULT_EMBEDDING_MODEL,),
            render=_render,
            normalize=as_sent,
            hook=Pooling(),
            example={"text": "Chroma stores embeddings for semantic search."},
        )
    )
