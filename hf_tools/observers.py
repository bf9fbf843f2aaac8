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

from typing import Any

from langchain_core.globals import get_debug
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langchain_core.utils.env import env_var_is_set

__all__ = ["has_observers"]


def _has_handlers(callbacks: Any) -> bool:
    if not callbacks:
        return False
    if isinstance(callbacks, list):
        return True
    return bool(getattr(callbacks, "handlers", None) or getattr(callbacks, "inheritable_handlers", None))


_tracer_context: Any = None  # langchain_core.tracers.context, imported on first use (it loads langsmith)


def has_observers(config: RunnableConfig | None) -> bool:
    """True when a run with ``config`` would get any callback handler (then take LangChain's full path)."""
    global _tracer_context
    if config is not None and _has_handlers(config.get("callbacks")):
        return True
    enclosing = var_child_runnable_config.get()  # a run that calls this one without passing its config
    if enclosing is not None and _has_handlers(enclosing.get("callbacks")):
        return True
    if get_debug() or env_var_is_set("LANGCHAIN_TRACING") or env_var_is_set("LANGCHAIN_HANDLER"):
        return True
    if _tracer_context is None:
        import langchain_core.tracers.context as tracer_context

        _tracer_context = tracer_context
    if _tracer_context._tracing_v2_is_enabled():
        return True
    return any(
        var.get() is not None or (env_var is not None and handler_class is not None and env_var_is_set(env_var))
        for var, _inheritable, handler_class, env_var in _tracer_context._configure_hooks
    )
