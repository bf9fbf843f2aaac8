"""Whether anything would observe a LangChain run: callbacks, tracing, debug output or a hook.

LangChain sets up a callback manager for every ``Runnable.invoke`` (about 130 µs here). A leaf
Runnable such as a task call has no child runs, so when nothing would receive the events the
set-up can be skipped with no observable difference. :func:`has_observers` reads exactly what
``ensure_config`` and ``langchain_core.callbacks.manager._configure`` read to decide which handlers
a run gets: the config's callbacks, those of an enclosing run (a function inside a chain that calls
``invoke`` without passing the config on), debug output, tracing and configure hooks.

Example:
    >>> has_observers(None)
    False
    >>> from langchain_core.callbacks import StdOutCallbackHandler
    >>> has_observers({"callbacks": [StdOutCallbackHandler()]})
    True

"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.globals import get_debug
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config

__all__ = ["has_observers"]


def _has_handlers(callbacks: Any) -> bool:
    if not callbacks:
        return False
    if isinstance(callbacks, list):
        return True
    return bool(getattr(callbacks, "handlers", None) or getattr(callbacks, "inheritable_handlers", None))


_tracer_context: Any = None  # langchain_core.tracers.context, imported on first use (it loads langsmith)
_langsmith_tracing: Any = None  # the LangSmith check below, or langsmith's own where it cannot be read directly


_UNSET = frozenset({"", "0", "false", "False"})


def _env_set(name: str) -> bool:
    """``langchain_core.utils.env.env_var_is_set``, with one lookup."""
    value = os.environ.get(name)
    return value is not None and value not in _UNSET


def _tracing_check() -> Any:
    """LangSmith's ``tracing_is_enabled()`` without its per-call imports and context dict.

    It reads, in langsmith's order: the ``tracing_context(enabled=...)`` override, a parent run,
    the process-wide default, then the ``*_TRACING_V2``/``*_TRACING`` variables (langsmith reads
    each variable once per process). A langsmith release that keeps these elsewhere gets its own
    function (``tests/unit/test_observers_langsmith.py`` compares the two in every state).
    """
    import langsmith.utils as ls_utils

    try:
        from langsmith._internal import _context as ls_context

        enabled_var = ls_context._TRACING_ENABLED
        parent_var = ls_context._PARENT_RUN_TREE_REF
        ls_context._GLOBAL_TRACING_ENABLED  # noqa: B018 - present in this release
    except (ImportError, AttributeError):
        return ls_utils.tracing_is_enabled
    read_env = ls_utils.get_env_var

    def tracing_is_enabled() -> Any:
        enabled = enabled_var.get()
        if enabled is not None:
            return enabled
        parent = parent_var.get()
        if parent is not None and parent() is not None:
            return True
        if ls_context._GLOBAL_TRACING_ENABLED is not None:
            return ls_context._GLOBAL_TRACING_ENABLED
        return read_env("TRACING_V2", default=read_env("TRACING", default="")) == "true"

    return tracing_is_enabled


def has_observers(config: RunnableConfig | None) -> bool:
    """True when a run with ``config`` would get any callback handler (then take LangChain's full path)."""
    global _tracer_context, _langsmith_tracing
    if config is not None and _has_handlers(config.get("callbacks")):
        return True
    enclosing = var_child_runnable_config.get()  # a run that calls this one without passing its config
    if enclosing is not None and _has_handlers(enclosing.get("callbacks")):
        return True
    if get_debug() or _env_set("LANGCHAIN_TRACING") or _env_set("LANGCHAIN_HANDLER"):
        return True
    if _tracer_context is None:
        import langchain_core.tracers.context as tracer_context

        _langsmith_tracing = _tracing_check()
        _tracer_context = tracer_context
    # langchain_core.tracers.context._tracing_v2_is_enabled: a tracing_v2 callback, or LangSmith's verdict
    if _tracer_context.tracing_v2_callback_var.get() is not None or _langsmith_tracing():
        return True
    for var, _inheritable, handler_class, env_var in _tracer_context._configure_hooks:
        if var.get() is not None or (env_var is not None and handler_class is not None and _env_set(env_var)):
            return True
    return False
