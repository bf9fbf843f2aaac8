"""The playground's live calls: a streamed chat answer, and long jobs with their progress and a cancel.

Both run as one asyncio task owned by the page (so usage tracking and callbacks see the whole call
in one context) and report what happens as :class:`Update` values on a queue the page reads:

* :func:`stream_chat` streams a :class:`~hf_tools.ChatHFInference` answer (to a message with
  images too: they go as image content blocks, :func:`image_block`), then says who answered
  (the ``hf_tools_route`` event, else the provider in the answer's ``response_metadata``) and its
  tokens and cost (:func:`hf_tools.track_usage`).
* :func:`run_job_call` runs a task with ``ainvoke`` and turns every ``hf_tools_progress`` event
  into a status line; cancelling the task stops the polling and, on fal-ai's queue, calls the
  job's cancel route (whose answer is the last status).

Example:
    >>> import asyncio
    >>> from hf_tools.testing import LoopbackServer
    >>> async def main(url):
    ...     updates = [u async for u in stream_chat({"model": "org/chat", "base_url": url}, [], "Hello there")]
    ...     return updates[-1].text, updates[-1].route.provider
    >>> with LoopbackServer() as server:
    ...     asyncio.run(main(server.base_url))
    ('You said: Hello there', 'endpoint')

"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import AsyncCallbackHandler

from hf_tools.errors import HFInputError
from hf_tools.jobs import PROGRESS_EVENT
from hf_tools.playground.calls import Route, error_text, usage_block, usage_of
from hf_tools.route_events import ROUTE_EVENT
from hf_tools.tasks import TaskSpec

__all__ = ["MAX_CHAT_IMAGE_BYTES", "Update", "describe_progress", "image_block", "run_job_call", "stream_chat"]

MAX_CHAT_IMAGE_BYTES = 20 * 1024 * 1024
"""The largest image a chat message may carry (the media guards' limit)."""


def image_block(data: bytes) -> dict[str, Any]:
    """A LangChain image content block of ``data``, which must be a PNG, JPEG, GIF, WebP or BMP image.

    :class:`~hf_tools.ChatHFInference` sends it as an ``image_url`` part (a data URI).

    Raises:
        HFInputError: the bytes are not an image, or are over :data:`MAX_CHAT_IMAGE_BYTES`.

    Example:
        >>> block = image_block(bytes.fromhex("89504e470d0a1a0a") + bytes(24))
        >>> block["type"], block["mime_type"]
        ('image', 'image/png')

    """
    from hf_tools.media.sniff import sniff

    if len(data) > MAX_CHAT_IMAGE_BYTES:
        raise HFInputError(f"the image is {len(data)} bytes; at most {MAX_CHAT_IMAGE_BYTES} are sent")
    kind = sniff(data, "image")
    if kind is None or kind.kind != "image":
        raise HFInputError("the attached file is not an image (PNG, JPEG, GIF, WebP or BMP)")
    return {"type": "image", "base64": base64.b64encode(data).decode(), "mime_type": kind.mime_type}


@dataclass
class Update:
    """One step of a live call.

    Attributes:
        text: the answer so far (chat).
        status: the job's status line (jobs).
        progress: the raw ``hf_tools_progress`` event behind ``status``.
        route: set on the last update: who answered, the time, tokens and cost.
        output: the typed output (last update of a job that completed).
        error: the one-line typed error, or the cancel notice.
        done: this is the last update.

    """

    text: str = ""
    status: str = ""
    progress: dict[str, Any] | None = None
    route: Route | None = None
    output: Any = None
    error: str | None = None
    done: bool = False
    cancelled: bool = False


def describe_progress(event: dict[str, Any]) -> str:
    """A status line for one ``hf_tools_progress`` event.

    Example:
        >>> describe_progress({"provider": "fal-ai", "status": "IN_QUEUE", "state": "queued",
        ...     "queue_position": 2, "elapsed_s": 1.5})
        'queued (fal-ai IN_QUEUE) · position 2 in the queue · 1.5 s'

    """
    parts = [f"{event.get('state', '?')} ({event.get('provider', '?')} {event.get('status', '?')})"]
    if event.get("queue_position") is not None:
        parts.append(f"position {event['queue_position']} in the queue")
    if event.get("http_status") is not None:
        parts.append(f"cancel route answered HTTP {event['http_status']}")
    if event.get("elapsed_s") is not None:
        parts.append(f"{float(event['elapsed_s']):.1f} s")
    return " · ".join(parts)


class _Events(AsyncCallbackHandler):
    """Puts the run's route and progress events on a queue, as they come."""

    def __init__(self, queue: asyncio.Queue[tuple[str, Any]]) -> None:
        self.queue = queue
        self.routes: list[dict[str, Any]] = []

    async def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        if not isinstance(data, dict):
            return
        if name == ROUTE_EVENT:
            self.routes.append(data)
        elif name == PROGRESS_EVENT:
            self.queue.put_nowait(("progress", data))


def _apply_route(route: Route, events: list[dict[str, Any]]) -> None:
    if events:
        last = events[-1]
        route.model = str(last.get("model") or route.model)
        route.provider = str(last.get("provider") or route.provider)
        route.tried = [str(p) for p in last.get("tried") or []]


async def _drain(queue: asyncio.Queue[tuple[str, Any]], worker: asyncio.Task[Any]) -> AsyncIterator[tuple[str, Any]]:
    """The queue's items until ``worker`` has put its last one; cancels ``worker`` when abandoned."""
    try:
        while True:
            kind, value = await queue.get()
            yield kind, value
            if kind == "end":
                return
    finally:
        if not worker.done():
            worker.cancel()
            with contextlib.suppress(BaseException):
                await worker


async def stream_chat(
    chat_options: dict[str, Any],
    history: list[dict[str, Any]],
    message: str,
    images: Sequence[bytes] = (),
) -> AsyncIterator[Update]:
    """Stream the answer to ``message`` after ``history`` (``{"role", "content"}`` dicts).

    Args:
        chat_options: keyword arguments of :class:`~hf_tools.ChatHFInference` (``model``,
            ``provider``, ``base_url``, ...).
        history: the conversation so far (a content is a string or a list of LangChain content blocks).
        message: the new user message.
        images: images sent with the message (each a PNG, JPEG, GIF, WebP or BMP file's bytes).

    Yields the growing answer; the last update has the route and usage (or the typed error).
    """
    from hf_tools.chat_models import ChatHFInference

    options = dict(chat_options)
    endpoint = bool(options.get("base_url")) or str(options.get("model", "")).startswith(("http://", "https://"))
    route = Route(model=str(options.get("model") or ""), provider="endpoint" if endpoint else "auto")
    started = time.perf_counter()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    events = _Events(queue)
    if not message.strip() and not images:
        yield Update(error=error_text(HFInputError("the message is empty")), done=True)
        return
    try:
        blocks = [image_block(data) for data in images]
    except HFInputError as exc:
        yield Update(error=error_text(exc), done=True)
        return
    text_part = [{"type": "text", "text": message}] if message.strip() else []
    content: str | list[str | dict[str, Any]] = [*text_part, *blocks] if blocks else message

    async def work() -> None:
        try:
            chat = ChatHFInference(**options)
            route.model = str(chat.model)
            messages = [
                (m["role"], m["content"] if isinstance(m["content"], list) else str(m["content"]))
                for m in history
                if m.get("role") in ("user", "assistant")
            ]
            with usage_block() as usage:
                async for chunk in chat.astream([*messages, ("user", content)], {"callbacks": [events]}):
                    provider = chunk.response_metadata.get("provider")
                    if provider:
                        route.provider = str(provider)
                    if chunk.content:
                        queue.put_nowait(("text", str(chunk.content)))
            route.usage = usage_of(usage)
            if usage is not None and route.provider == "auto" and len(usage.by_provider) == 1:
                route.provider = next(iter(usage.by_provider))
            _apply_route(route, events.routes)
            queue.put_nowait(("end", None))
        except Exception as exc:  # noqa: BLE001 - the page shows one line, never a traceback
            queue.put_nowait(("end", error_text(exc)))

    worker = asyncio.create_task(work())
    text = ""
    async for kind, value in _drain(queue, worker):
        if kind == "text":
            text += value
            yield Update(text=text)
        elif kind == "end":
            route.seconds = time.perf_counter() - started
            yield Update(text=text, route=route, error=value, done=True)


@dataclass
class JobHandle:
    """The asyncio task running one job call; :meth:`cancel` stops it (and the provider's job)."""

    task: asyncio.Task[Any] | None = None
    cancelled: bool = field(default=False)

    def cancel(self) -> bool:
        """Cancel the running call; False when nothing is running."""
        if self.task is None or self.task.done():
            return False
        self.cancelled = True
        self.task.cancel()
        return True


async def run_job_call(
    spec: TaskSpec,
    data: dict[str, Any],
    *,
    model: str | None = None,
    settings: dict[str, Any] | None = None,
    handle: JobHandle | None = None,
) -> AsyncIterator[Update]:
    """Run ``spec`` on ``data`` with ``ainvoke``, yielding a status per progress event, then the output.

    ``handle.cancel()`` cancels the call: polling stops and fal-ai's cancel route is called; the
    last update then has ``cancelled=True`` and the cancel route's answer as its status.
    """
    from hf_tools.runnables import runnable

    settings = dict(settings or {})
    endpoint = bool(settings.get("base_url")) or bool(model and model.startswith(("http://", "https://")))
    route = Route(model=model or spec.default_model, provider="endpoint" if endpoint else "auto")
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    events = _Events(queue)
    started = time.perf_counter()
    output: list[Any] = []

    async def work() -> None:
        try:
            value = spec.coerce_input(data)
            task = runnable(spec.name, model=model or None, **settings)
            route.model = str(getattr(task, "target_model", None) or route.model)
            with usage_block() as usage:
                output.append(await task.ainvoke(value, {"callbacks": [events]}))
            route.usage = usage_of(usage)
            _apply_route(route, events.routes)
            queue.put_nowait(("end", None))
        except asyncio.CancelledError:
            queue.put_nowait(("cancelled", None))
            raise
        except Exception as exc:  # noqa: BLE001 - the page shows one line, never a traceback
            queue.put_nowait(("end", error_text(exc)))

    worker = asyncio.create_task(work())
    if handle is not None:
        handle.task = worker
    last: dict[str, Any] | None = None
    status = "starting"
    async for kind, value in _drain(queue, worker):
        if kind == "progress":
            last = value
            status = describe_progress(value)
            if last.get("provider") and not endpoint:
                route.provider = str(last["provider"])
            yield Update(status=status, progress=value)
            continue
        route.seconds = time.perf_counter() - started
        if kind == "cancelled":
            with contextlib.suppress(BaseException):
                await worker  # the cancel route has answered (its event is queued) once the task ends
            while not queue.empty():
                extra_kind, extra = queue.get_nowait()
                if extra_kind == "progress":
                    last, status = extra, describe_progress(extra)
            notice = "Cancelled: polling stopped"
            if last is not None and last.get("state") == "canceled":
                notice += f"; {last.get('provider')} job {last.get('request_id', '')} cancelled at the provider"
            yield Update(status=status, progress=last, route=route, error=notice, done=True, cancelled=True)
            return
        yield Update(
            status=status, progress=last, route=route, output=output[0] if output else None, error=value, done=True
        )
        return
