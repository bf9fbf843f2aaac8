"""hf_tools: every Hugging Face Inference API task as a typed LangChain Runnable and Tool.

Example:
    >>> import hf_tools
    >>> "text-classification" in hf_tools.TASKS
    True
    >>> hf_tools.runnable("translation", model="Helsinki-NLP/opus-mt-en-de").target_model
    'Helsinki-NLP/opus-mt-en-de'

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hf_tools.lazy import lazy_exports

if TYPE_CHECKING:
    from hf_tools.chat_models import ChatHFInference
    from hf_tools.client import HFClient
    from hf_tools.embedding_function import HFEmbeddingFunction
    from hf_tools.embeddings import HFInferenceEmbeddings
    from hf_tools.errors import (
        HFAuthenticationError,
        HFConnectionError,
        HFDeadlineExceededError,
        HFError,
        HFInputError,
        HFInvalidRequestError,
        HFMissingTokenError,
        HFModelLoadingError,
        HFModelNotFoundError,
        HFModelNotServedError,
        HFPaymentRequiredError,
        HFPermissionError,
        HFRateLimitError,
        HFResponseError,
        HFServerError,
        HFTaskMismatchError,
        HFTimeoutError,
    )
    from hf_tools.hub import ModelCard, ModelSummary, ProviderStatus, find_models, model_card
    from hf_tools.hub_tools import FindModelTool, HFModelChoiceTool, model_tools
    from hf_tools.ingest import IngestReport, ingest_files
    from hf_tools.local_embeddings import LocalEmbeddings
    from hf_tools.media import (
        AudioArtifact,
        Detections,
        ImageArtifact,
        MediaError,
        MediaFetchError,
        MediaPathError,
        MediaTooLargeError,
        Segment,
        UnsafeURLError,
        UnsupportedMediaError,
    )
    from hf_tools.runnables import HFTaskRunnable, runnable
    from hf_tools.settings import HFSettings
    from hf_tools.tasks import TASKS, TaskSpec, UnknownTaskError
    from hf_tools.tools import HFTaskTool, HFToolkit, tool
    from hf_tools.vectorstores import ChromaRetriever, HFChroma, chroma_store

_EXPORTS: dict[str, str] = {
    "ChatHFInference": "hf_tools.chat_models",
    "HFClient": "hf_tools.client",
    "HFSettings": "hf_tools.settings",
    "TASKS": "hf_tools.tasks",
    "TaskSpec": "hf_tools.tasks",
    "UnknownTaskError": "hf_tools.tasks",
    "HFTaskRunnable": "hf_tools.runnables",
    "runnable": "hf_tools.runnables",
    "HFTaskTool": "hf_tools.tools",
    "HFToolkit": "hf_tools.tools",
    "tool": "hf_tools.tools",
    **{
        name: "hf_tools.media"
        for name in (
            "AudioArtifact",
            "Detections",
            "ImageArtifact",
            "MediaError",
            "MediaFetchError",
            "MediaPathError",
            "MediaTooLargeError",
            "Segment",
            "UnsafeURLError",
            "UnsupportedMediaError",
        )
    },
    **{name: "hf_tools.hub" for name in ("ModelCard", "ModelSummary", "ProviderStatus", "find_models", "model_card")},
    **{name: "hf_tools.hub_tools" for name in ("FindModelTool", "HFModelChoiceTool", "model_tools")},
    "HFInferenceEmbeddings": "hf_tools.embeddings",
    "HFEmbeddingFunction": "hf_tools.embedding_function",
    "LocalEmbeddings": "hf_tools.local_embeddings",
    "HFChroma": "hf_tools.vectorstores",
    "ChromaRetriever": "hf_tools.vectorstores",
    "chroma_store": "hf_tools.vectorstores",
    "IngestReport": "hf_tools.ingest",
    "ingest_files": "hf_tools.ingest",
    **{
        name: "hf_tools.errors"
        for name in (
            "HFAuthenticationError",
            "HFConnectionError",
            "HFDeadlineExceededError",
            "HFError",
            "HFInputError",
            "HFInvalidRequestError",
            "HFMissingTokenError",
            "HFModelLoadingError",
            "HFModelNotFoundError",
            "HFModelNotServedError",
            "HFPaymentRequiredError",
            "HFPermissionError",
            "HFRateLimitError",
            "HFResponseError",
            "HFServerError",
            "HFTaskMismatchError",
            "HFTimeoutError",
        )
    },
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports("hf_tools", globals(), _EXPORTS)
