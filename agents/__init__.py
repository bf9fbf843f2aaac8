"""Agents built on hf_tools (installed as ``hf_tools.agents``; imported lazily).

:func:`create_hf_agent` (any chat model and the hf_tools tools), :func:`create_task_router_agent`
(picks classifier, summarizer, translator, detector, ... by the request),
:func:`create_multimodal_assistant` (image and audio tools; shows the images it gets back to a
vision model) and :func:`rag_agent` (searches the user's documents and cites them). Chains that
are not agents live with their feature: :mod:`hf_tools.rag` and :mod:`hf_tools.media.workflows`.
Needs the ``agents`` extra (``pip install "hf-tools[agents]"``: langchain and langgraph).

Example:
    >>> import hf_tools.agents
    >>> "create_hf_agent" in hf_tools.agents.__all__
    True

"""

from __future__ import annotations

from hf_tools.lazy import exports_from_stub, lazy_exports

_EXPORTS = exports_from_stub(__file__)
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
