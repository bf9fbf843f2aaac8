"""Make chromadb know the ``"hf_tools"`` embedding function as soon as hf_tools is imported.

chromadb rebuilds a persisted collection's embedding function from a registry filled by
``@register_embedding_function``, so a collection made with
:class:`~hf_tools.rag.embedding_function.HFEmbeddingFunction` reopens only where that class
is known. ``import hf_tools`` must stay light (it imports neither chromadb nor the embedder),
so it registers a stand-in that builds the real function on first use: at once if chromadb is
already imported, else right after chromadb's registry module loads.

Example:
    >>> import chromadb.utils.embedding_functions as efs
    >>> import hf_tools
    >>> efs.known_embedding_functions["hf_tools"].name()
    'hf_tools'

"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["EMBEDDING_FUNCTION_NAME", "register_with_chromadb"]

EMBEDDING_FUNCTION_NAME = "hf_tools"
_REGISTRY_MODULE = "chromadb.utils.embedding_functions"


class _DeferredHFEmbeddingFunction:
    """Stands in for ``HFEmbeddingFunction`` in chromadb's registry until the real class is imported."""

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> Any:
        from hf_tools.rag.embedding_function import HFEmbeddingFunction

        return HFEmbeddingFunction.build_from_config(config)


def _register(registry_module: ModuleType) -> None:
    # the real class (registered by its own decorator) wins over the stand-in
    registry_module.known_embedding_functions.setdefault(EMBEDDING_FUNCTION_NAME, _DeferredHFEmbeddingFunction)


class _RegisterAfterImport:
    """A meta path finder: finds chromadb's registry module as usual, and registers the stand-in once it has run.

    (No ``importlib.abc`` base class: importing it would double the import time of ``hf_tools``.)
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _REGISTRY_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            _register(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def register_with_chromadb() -> None:
    """Register the ``"hf_tools"`` embedding function with chromadb now, or when chromadb is imported."""
    loaded = sys.modules.get(_REGISTRY_MODULE)
    if loaded is not None and hasattr(loaded, "known_embedding_functions"):
        _register(loaded)
    elif not any(isinstance(f, _RegisterAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterImport())
