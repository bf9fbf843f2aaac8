"""hf_tools: every Hugging Face Inference API task as a typed LangChain Runnable and Tool.

Example:
    >>> import hf_tools
    >>> "text-classification" in hf_tools.TASKS
    True
    >>> hf_tools.runnable("translation", model="Helsinki-NLP/opus-mt-en-de").target_model
    'Helsinki-NLP/opus-mt-en-de'

"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hf_tools.client import HFClient
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
        HFPaymentRequiredError,
        HFPermissionError,
        HFRateLimitError,
        HFResponseError,
        HFServerError,
        HFTimeoutError,
    )
    from hf_tools.runnables import HFTaskRunnable, runnable
    from hf_tools.settings import HFSettings
    from hf_tools.tasks import TASKS, TaskSpec, UnknownTaskError
    from hf_tools.tools import HFTaskTool, HFToolkit, tool

_EXPORTS: dict[str, str] = {
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
            "HFPaymentRequiredError",
            "HFPermissionError",
            "HFRateLimitError",
            "HFResponseError",
            "HFServerError",
            "HFTimeoutError",
        )
    },
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hf_tools' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
