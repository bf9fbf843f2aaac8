"""``HFEmbeddingFunction``: hf_tools embedders as a chromadb ``EmbeddingFunction``.

chromadb persists an embedding function by ``name()`` and ``get_config()`` and rebuilds it
with ``build_from_config``; this class is registered under the name ``"hf_tools"`` so a
collection created with it can be reopened without passing it again. The token is never
part of the config: a rebuilt function reads it from ``token_env_var`` (``HF_TOKEN``).
"""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from hf_tools.rag.embeddings import HFInferenceEmbeddings
from hf_tools.rag.local_embeddings import LocalEmbeddings

__all__ = ["HFEmbeddingFunction"]

_INFERENCE_KEYS = (
    "model",
    "batch_size",
    "normalize",
    "truncate",
    "truncation_direction",
    "prompt_name",
    "query_prompt_name",
    "dimensions",
)
_SETTINGS_KEYS = ("provider", "base_url", "timeout", "max_retries", "deadline", "max_concurrency")


@register_embedding_function
class HFEmbeddingFunction(EmbeddingFunction[Documents]):
    """An hf_tools embedder (Inference API or local) for plain chromadb collections.

    Args:
        embedder: an :class:`~hf_tools.HFInferenceEmbeddings` or :class:`~hf_tools.LocalEmbeddings`;
            when omitted, ``HFInferenceEmbeddings(**kwargs)`` is built.
        token_env_var: the variable a rebuilt function reads its token from.
        **kwargs: arguments of :class:`~hf_tools.HFInferenceEmbeddings` (model, base_url, ...).

    Example:
        >>> import chromadb
        >>> from hf_tools import HFEmbeddingFunction
        >>> from hf_tools.testing import LoopbackServer
        >>> with LoopbackServer() as server:
        ...     ef = HFEmbeddingFunction(base_url=server.base_url)
        ...     col = chromadb.EphemeralClient().get_or_create_collection("doc_ef", embedding_function=ef)
        ...     col.add(ids=["a", "b"], documents=["the cat purrs softly", "stocks fell sharply"])
        ...     col.query(query_texts=["why does a cat purr softly"], n_results=1)["ids"]
        [['a']]
        >>> HFEmbeddingFunction.name(), ef.get_config()["model"]
        ('hf_tools', 'sentence-transformers/all-MiniLM-L6-v2')

    """

    def __init__(
        self,
        embedder: HFInferenceEmbeddings | LocalEmbeddings | None = None,
        *,
        token_env_var: str = "HF_TOKEN",
        **kwargs: Any,
    ) -> None:
        if embedder is not None and kwargs:
            raise TypeError("pass either an embedder or HFInferenceEmbeddings keywords, not both")
        self.embedder = embedder if embedder is not None else HFInferenceEmbeddings(**kwargs)
        self.token_env_var = token_env_var

    def __call__(self, input: Documents) -> Embeddings:
        return self.embedder.embed_documents(list(input))  # type: ignore[return-value]

    def embed_query(self, input: Documents) -> Embeddings:
        """Embed queries (the query prompt of the embedder applies)."""
        if isinstance(self.embedder, HFInferenceEmbeddings):
            return self.embedder.embed_texts(list(input), query=True)  # type: ignore[return-value]
        return self.embedder.embed_documents(list(input))  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"HFEmbeddingFunction({self.embedder!r})"

    @staticmethod
    def name() -> str:
        return "hf_tools"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "l2", "ip"]

    def get_config(self) -> dict[str, Any]:
        """A JSON config without the token."""
        embedder = self.embedder
        if isinstance(embedder, LocalEmbeddings):
            return {"kind": "local", **embedder.model_dump()}
        config: dict[str, Any] = {"kind": "inference", "token_env_var": self.token_env_var}
        config.update({k: getattr(embedder, k) for k in _INFERENCE_KEYS})
        config.update({k: getattr(embedder.settings, k) for k in _SETTINGS_KEYS})
        return config

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HFEmbeddingFunction:
        """Rebuild from :meth:`get_config` output (the token comes from ``token_env_var``)."""
        import os

        values = dict(config)
        kind = values.pop("kind", "inference")
        if kind == "local":
            return HFEmbeddingFunction(LocalEmbeddings(**values))
        env = values.pop("token_env_var", "HF_TOKEN")
        token = os.environ.get(env) or None
        settings = {k: values.pop(k) for k in _SETTINGS_KEYS if values.get(k) is not None}
        kwargs = {k: v for k, v in values.items() if k in _INFERENCE_KEYS and v is not None}
        return HFEmbeddingFunction(token_env_var=env, token=token, **settings, **kwargs)

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        for key in ("kind", "model", "model_name", "dimensions"):
            if key in new_config and new_config[key] != old_config.get(key):
                raise ValueError(f"the embedding {key} of a collection cannot change (its vectors would not match)")
