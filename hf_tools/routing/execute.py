"""Make a planned call: the task's own method or ``chat_completion``, failing over along the plan.

The provider that answered is logged and sent as a LangChain custom event named
``"hf_tools_route"`` (``{"task", "model", "provider", "tried", "via_chat"}``) to the run's
callbacks, so it shows in ``astream_events``, callback handlers and traces of the Runnable or
Tool run that made the call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from hf_tools.client import HFClient
from hf_tools.errors import HFResponseError
from hf_tools.failover import Route
from hf_tools.prepared_call import RawBytes
from hf_tools.route_events import ROUTE_EVENT, areport_route, report_route
from hf_tools.routing.plan import CallPlan
from hf_tools.tasks import TaskSpec

__all__ = ["ROUTE_EVENT", "arun_plan", "astream_plan", "run_plan", "stream_plan"]



def _chat_kwargs(spec: TaskSpec, kwargs: dict[str, Any]) -> dict[str, Any]:
    fallback = spec.via_chat
    assert fallback is not None  # a plan goes through chat only for tasks that declare how
    return {"messages": fallback.messages(kwargs), **fallback.options(kwargs)}


def _reply_text(output: Any) -> str:
    choices = getattr(output, "choices", None) or output["choices"]
    if not choices:
        raise HFResponseError("the chat answer holds no choices")
    message = choices[0].message if hasattr(choices[0], "message") else choices[0]["message"]
    content = message.content if hasattr(message, "content") else message.get("content")
    return str(content or "")


def _delta_text(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None) or []
    if not choices:
        return ""
    delta = getattr(choices[0], "delta", None)
    return str(getattr(delta, "content", None) or "")


def _event(spec: TaskSpec, plan: CallPlan, route: Route) -> dict[str, Any] | None:
    if route.answered is None and not plan.via_chat and not plan.resolved:
        return None  # an endpoint, or the client's own choice: nothing to record
    return {
        "task": spec.name,
        "model": plan.model,
        "provider": route.answered,
        "tried": list(route.tried),
        "via_chat": plan.via_chat,
    }


def _report(spec: TaskSpec, plan: CallPlan, route: Route) -> None:
    event = _event(spec, plan, route)
    if event is not None:
        report_route(event)


async def _areport(spec: TaskSpec, plan: CallPlan, route: Route) -> None:
    event = _event(spec, plan, route)
    if event is not None:
        await areport_route(event)


def run_plan(
    client: HFClient, spec: TaskSpec, plan: CallPlan, kwargs: dict[str, Any], raw: RawBytes | None = None
) -> Any:
    """The call's raw result (for a chat fallback, already the task's output); ``raw``: the
    prepared call's :class:`~hf_tools.prepared_call.RawBytes` (the provider's bytes are the answer).
    """
    route = Route(plan.providers, plan.model)
    if plan.via_chat:
        assert spec.via_chat is not None
        output = client.call("chat_completion", plan.model, route=route, **_chat_kwargs(spec, kwargs))
        result = spec.via_chat.output(_reply_text(output), kwargs)
    else:
        result = client.call(spec.method, plan.model, task=spec.name, route=route, raw=raw, **kwargs)
    _report(spec, plan, route)
    return result


async def arun_plan(
    client: HFClient, spec: TaskSpec, plan: CallPlan, kwargs: dict[str, Any], raw: RawBytes | None = None
) -> Any:
    """Async :func:`run_plan`."""
    route = Route(plan.providers, plan.model)
    if plan.via_chat:
        assert spec.via_chat is not None
        output = await client.acall("chat_completion", plan.model, route=route, **_chat_kwargs(spec, kwargs))
        result = spec.via_chat.output(_reply_text(output), kwargs)
    else:
        result = await client.acall(spec.method, plan.model, task=spec.name, route=route, raw=raw, **kwargs)
    await _areport(spec, plan, route)
    return result


def stream_plan(client: HFClient, spec: TaskSpec, plan: CallPlan, kwargs: dict[str, Any]) -> Iterator[Any]:
    """Stream a streaming task (text chunks through chat, the method's chunks otherwise)."""
    route = Route(plan.providers, plan.model)
    if plan.via_chat:
        for chunk in client.stream("chat_completion", plan.model, route=route, **_chat_kwargs(spec, kwargs)):
            text = _delta_text(chunk)
            if text:
                yield text
    else:
        yield from client.stream(spec.method, plan.model, task=spec.name, route=route, **kwargs)
    _report(spec, plan, route)


async def astream_plan(client: HFClient, spec: TaskSpec, plan: CallPlan, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
    """Async :func:`stream_plan`."""
    route = Route(plan.providers, plan.model)
    if plan.via_chat:
        chunks = client.astream("chat_completion", plan.model, route=route, **_chat_kwargs(spec, kwargs))
        async for chunk in chunks:
            text = _delta_text(chunk)
            if text:
                yield text
    else:
        async for chunk in client.astream(spec.method, plan.model, task=spec.name, route=route, **kwargs):
            yield chunk
    await _areport(spec, plan, route)
