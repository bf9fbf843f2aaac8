"""Compositions built on hf_tools: agents, RAG chains and multimodal workflows.

Agents (``create_agent`` graphs, imported lazily): :func:`create_hf_agent` (any chat model and
the hf_tools tools), :func:`create_task_router_agent` (picks classifier, summarizer, translator,
detector, ... by the request) and :func:`create_multimodal_assistant` (image and audio tools;
shows the images it gets back to a vision model).

Example:
    >>> import agents
    >>> "create_hf_agent" in agents.__all__
    True

"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hf_tools.lazy import lazy_exports

if TYPE_CHECKING:
    from agents.router import MULTIMODAL_TASKS, ROUTER_TASKS, create_multimodal_assistant, create_task_router_agent
    from agents.tool_agent import (
        HFAgentState,
        MediaArtifactMiddleware,
        MediaItem,
        create_hf_agent,
        find_media,
        hf_tool_error_middleware,
        tool_error_content,
    )

_EXPORTS: dict[str, str] = {
    **{
        name: "agents.router"
        for name in ("MULTIMODAL_TASKS", "ROUTER_TASKS", "create_multimodal_assistant", "create_task_router_agent")
    },
    **{
        name: "agents.tool_agent"
        for name in (
            "HFAgentState",
            "MediaArtifactMiddleware",
            "MediaItem",
            "create_hf_agent",
            "find_media",
            "hf_tool_error_middleware",
            "tool_error_content",
        )
    },
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports("agents", globals(), _EXPORTS)
