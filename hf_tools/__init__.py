"""hf_tools: every Hugging Face Inference API task as a typed LangChain Runnable and Tool.

The public names are listed once, in ``__init__.pyi``, and imported on first use.

Example:
    >>> import hf_tools
    >>> "text-classification" in hf_tools.TASKS
    True
    >>> hf_tools.runnable("translation", model="Helsinki-NLP/opus-mt-en-de").target_model
    'Helsinki-NLP/opus-mt-en-de'

"""

from __future__ import annotations

from hf_tools._checkout import install_checkout_agents
from hf_tools.lazy import exports_from_stub, lazy_exports

_EXPORTS = exports_from_stub(__file__)
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
install_checkout_agents(__path__)
