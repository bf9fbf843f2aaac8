"""The ``"hf_tools_route"`` custom event: which provider answered a call, and which were tried first.

Task runnables run inside their own LangChain run, so :func:`dispatch_custom_event` finds it. A chat
model's methods do not: langchain-core hands no run manager to ``_stream`` (neither from ``stream``
nor when ``invoke`` streams for ``astream_events``). :class:`RouteReporter` therefore carries the
run's callback handlers and id to where the route is known: built from the run manager around
``_generate_with_cache``, or from the config (with the run id fixed in advance) around each step of
``stream``/``astream``, and found through a context variable that is set and reset within one frame.

Example:
    >>> from langchain_core.callbacks import BaseCallbackHandler
    >>> class Seen(BaseCallbackHandler):
    ...     events = []
    ...     def on_custom_event(self, name, data, **kwargs):
    ...         self.events.append((name, data["provider"]))
    >>> import uuid
    >>> reporter = RouteReporter.for_config({"callbacks": [Seen()]}, uuid.uuid4())
    >>> with reporting(reporter):
    ...     report_route({"provider": "together", "tried": []})
    >>> Seen.events
    [('hf_tools_route', 'together')]

"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any
from uuid import UUID

__all__ = ["ROUTE_EVENT", "RouteReporter", "areport_route", "report_route", "reporting"]

ROUTE_EVENT = "hf_tools_route"
"""Name of the custom callback event that records which provider answered a call."""


class RouteReporter:
    """Sends custom events to one run's callback handlers, as that run's events."""

    __slots__ = ("handlers", "metadata", "run_id", "tags")

    def __init__(
        self, handlers: list[Any], run_id: UUID, tags: list[str] | None, metadata: dict[str, Any] | None
    ) -> None:
        self.handlers = handlers
        self.run_id = run_id
        self.tags = tags
        self.metadata = metadata

    @classmethod
    def for_run(cls, run_manager: Any) -> RouteReporter | None:
        """The reporter of a run manager's run (None without a run manager or handlers)."""
        if run_manager is None or not run_manager.handlers:
            return None
        return cls(run_manager.handlers, run_manager.run_id, run_manager.tags, run_manager.metadata)

    @classmethod
    def for_config(cls, config: dict[str, Any], run_id: UUID) -> RouteReporter | None:
        """The reporter of the run ``config`` starts with ``run_id`` (None without handlers)."""
        from langchain_core.callbacks import CallbackManager

        manager = CallbackManager.configure(
            inheritable_callbacks=config.get("callbacks"),
            inheritable_tags=config.get("tags"),
            inheritable_metadata=config.get("metadata"),
        )
        if not manager.handlers:
            return None
        return cls(manager.handlers, run_id, manager.tags, manager.metadata)

    def send(self, data: dict[str, Any]) -> None:
        """Send ``data`` as the run's ``hf_tools_route`` event."""
        from langchain_core.callbacks import CallbackManager

        CallbackManager(self.handlers, tags=self.tags, metadata=self.metadata).on_custom_event(
            ROUTE_EVENT, data, run_id=self.run_id
        )

    async def asend(self, data: dict[str, Any]) -> None:
        """Send ``data`` as the run's ``hf_tools_route`` event, awaiting async handlers."""
        from langchain_core.callbacks import AsyncCallbackManager

        await AsyncCallbackManager(self.handlers, tags=self.tags, metadata=self.metadata).on_custom_event(
            ROUTE_EVENT, data, run_id=self.run_id
        )


_current: ContextVar[RouteReporter | None] = ContextVar("hf_tools_route_reporter", default=None)


@contextlib.contextmanager
def reporting(reporter: RouteReporter | None) -> Iterator[None]:
    """Make ``reporter`` the one :func:`report_route` uses while the block runs."""
    token = _current.set(reporter)
    try:
        yield
    finally:
        _current.reset(token)


def report_route(data: dict[str, Any], run_manager: Any = None) -> None:
    """Send the route event to ``run_manager``'s run, the current reporter's, or the enclosing run's."""
    reporter = RouteReporter.for_run(run_manager) or _current.get()
    if reporter is not None:
        reporter.send(data)
        return
    from langchain_core.callbacks.manager import dispatch_custom_event

    with contextlib.suppress(RuntimeError):  # not inside a LangChain run (e.g. a direct call)
        dispatch_custom_event(ROUTE_EVENT, data)


async def areport_route(data: dict[str, Any], run_manager: Any = None) -> None:
    """Async :func:`report_route`."""
    reporter = RouteReporter.for_run(run_manager) or _current.get()
    if reporter is not None:
        await reporter.asend(data)
        return
    from langchain_core.callbacks.manager import adispatch_custom_event

    with contextlib.suppress(RuntimeError):
        await adispatch_custom_event(ROUTE_EVENT, data)
