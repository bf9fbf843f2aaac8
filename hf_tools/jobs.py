"""Long-running provider jobs (video, queued images): submit, poll with progress, cancel, deadline.

huggingface_hub's methods block until a queued job ends and poll in their own loop, so a caller
sees no progress and cannot stop the job. Here the request is built by huggingface_hub's own
provider helper (see :mod:`hf_tools.exact_media`) and the job is driven from its answer, with the
provider knowledge in one table (:data:`QUEUES`), as huggingface_hub keeps it:

============  ======================================  =================================  ==========
provider      submit answer                           status (polled)                    cancel
============  ======================================  =================================  ==========
fal-ai        ``request_id``, ``response_url``         ``<app>/requests/<id>/status``     ``PUT .../cancel``
replicate     a prediction (held by ``Prefer: wait``)  ``/v1/predictions/<id>``           not sent
together      ``id`` (``/v2/videos``)                  ``/v2/videos/<id>``                not sent
wavespeed     ``data.urls.get``                        ``data.urls.get``                  not sent
novita        the video at once                        (no job)                           (no job)
============  ======================================  =================================  ==========

Status, result and cancel requests go where huggingface_hub sends them: through the router
(``<router>/<provider>/...``) when the job was submitted through it, else to the provider's host.

* **Progress:** for every call the provider answers with a job (the table below), the custom
  callback event :data:`PROGRESS_EVENT` (``"hf_tools_progress"``) is sent to the run's callbacks
  once the job is accepted (``status="submitted"``) and at every change of the provider's status
  or queue position, with ``{"task", "model", "provider", "status",
  "state", "elapsed_s"}`` plus ``queue_position`` and ``request_id`` where known. ``status`` is
  the provider's own word (fal-ai ``IN_QUEUE``/``IN_PROGRESS``/``COMPLETED``, replicate
  ``starting``/``processing``/``succeeded``, together ``queued``/``in_progress``/``completed``,
  wavespeed ``created``/``processing``/``completed``); ``state`` is one of :data:`STATES`. A
  provider that answers a video at once (novita: ``completed``; replicate when ``Prefer: wait``
  holds the request until the output exists: ``succeeded``) gives ``submitted`` and that one.
  Answers that are no job (an image from hf-inference or together) send no progress event.
* **Cancellation:** when the caller stops the job (the asyncio task is cancelled, Ctrl-C, or the
  deadline passes) polling stops at once (no status request follows) and, for fal-ai's queue,
  the job's cancel route is called, and its answer is sent as one more progress event (fal-ai
  ``CANCELLATION_REQUESTED``, ``state="canceled"``, with ``http_status``). The router forwards
  no cancel route for the other providers: for them stopping the polling is the promise.
* **Deadline:** ``HFSettings.job_deadline`` seconds from submit to bytes (default 900); a job
  still running then is cancelled as above and ends with
  :class:`~hf_tools.errors.HFDeadlineExceededError`.
* **Bytes:** the media file is fetched from the provider's result URL as huggingface_hub fetches
  it, and kept exactly as served, up to ``HFSettings.media_max_output_bytes``
  (:class:`~hf_tools.errors.HFResponseError` beyond).

Polling interval: ``HFSettings.job_poll_interval`` (1 s by default). A video job takes 30 s to
10 minutes, so 1 s adds at most 1 s (at most ~3 %) to a job and costs at most 600 status
requests for a 10-minute job; huggingface_hub polls fal-ai every 0.5 s (twice the requests for
no visible gain at that scale) and together every 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from hf_tools.errors import HFDeadlineExceededError, HFResponseError

__all__ = ["PROGRESS_EVENT", "QUEUES", "STATES", "JobContext", "arun_job", "dig", "run_job"]

logger = logging.getLogger("hf_tools")

PROGRESS_EVENT = "hf_tools_progress"
"""Name of the custom callback event that reports a job's progress."""

STATES = ("submitted", "queued", "running", "completed", "failed", "canceled")
"""The normalised ``state`` of a progress event."""

# provider's own status word → normalised state
_STATE = {
    "IN_QUEUE": "queued",
    "IN_PROGRESS": "running",
    "COMPLETED": "completed",
    "starting": "queued",
    "processing": "running",
    "succeeded": "completed",
    "failed": "failed",
    "canceled": "canceled",
    "cancelled": "canceled",
    "queued": "queued",
    "in_progress": "running",
    "completed": "completed",
    "created": "queued",
    "CANCELLATION_REQUESTED": "canceled",
    "cancel_failed": "canceled",
    "ALREADY_COMPLETED": "completed",
}


@dataclass
class JobContext:
    """What one job call needs besides its request: who it is for and its limits.

    Attributes:
        task: the task name (for the progress events).
        model: the model id or endpoint (for the progress events and errors).
        remaining: seconds left before the job's deadline (None: no deadline).
        poll_interval: seconds between status requests.
        max_bytes: the largest media file downloaded.
        timeout: seconds for one HTTP request.
        deadline: the deadline's length in seconds, for the error message.

    Example:
        >>> ctx = JobContext("text-to-video", "org/model", remaining=lambda: None)
        >>> ctx.event("fal-ai", "IN_QUEUE", queue_position=3)["state"]
        'queued'

    """

    task: str
    model: str | None
    remaining: Callable[[], float | None]
    poll_interval: float = 1.0
    max_bytes: int = 512 * 1024 * 1024
    timeout: float = 60.0
    deadline: float | None = None
    started: float = field(default_factory=time.monotonic)
    _last: tuple[Any, ...] | None = None

    def event(self, provider: str, status: str, **extra: Any) -> dict[str, Any]:
        """A progress event's data."""
        data: dict[str, Any] = {
            "task": self.task,
            "model": self.model,
            "provider": provider,
            "status": status,
            "state": "submitted" if status == "submitted" else _STATE.get(status, "running"),
            "elapsed_s": round(time.monotonic() - self.started, 3),
        }
        data.update({k: v for k, v in extra.items() if v is not None})
        return data

    def _changed(self, provider: str, status: str, extra: dict[str, Any]) -> bool:
        key = (provider, status, extra.get("queue_position"))
        if key == self._last:
            return False
        self._last = key
        return True

    def report(self, provider: str, status: str, **extra: Any) -> None:
        """Send a progress event to the current run's callbacks (sync), if the status changed."""
        if not self._changed(provider, status, extra):
            return
        from langchain_core.callbacks.manager import dispatch_custom_event

        with contextlib.suppress(RuntimeError):  # not inside a LangChain run
            dispatch_custom_event(PROGRESS_EVENT, self.event(provider, status, **extra))

    async def areport(self, provider: str, status: str, **extra: Any) -> None:
        """Async :meth:`report`."""
        if not self._changed(provider, status, extra):
            return
        from langchain_core.callbacks.manager import adispatch_custom_event

        with contextlib.suppress(RuntimeError):
            await adispatch_custom_event(PROGRESS_EVENT, self.event(provider, status, **extra))

    def request_timeout(self) -> float:
        left = self.remaining()
        return self.timeout if left is None else max(0.001, min(self.timeout, left))

    def check_time_left(self) -> None:
        """Raise :meth:`expired` once the job's deadline has passed: no new job is submitted after it
        (a retry of a call whose job ran out of time must not start another job that would bill too).
        """
        left = self.remaining()
        if left is not None and left <= 0:
            raise self.expired()

    def expired(self) -> HFDeadlineExceededError:
        return HFDeadlineExceededError(
            f"the {self.task} job did not finish within the job deadline of {self.deadline}s", model=self.model
        )


# -- the provider table ------------------------------------------------------------------------
@dataclass
class Job:
    """A submitted job: where to poll, what the provider last said, and how to get the media."""

    provider: str
    status: str | None
    request_id: str | None = None
    queue_position: int | None = None
    status_url: str | None = None
    result_url: str | None = None
    cancel_url: str | None = None
    answer: dict[str, Any] = field(default_factory=dict)
    done: bool = False


def _base(request_url: str, provider: str) -> str:
    """Where a provider's follow-up routes live: the router's ``/<provider>`` prefix, or the provider's host."""
    from huggingface_hub import constants

    proxy = constants.INFERENCE_PROXY_TEMPLATE.format(provider=provider)
    if request_url.startswith(proxy + "/"):
        return proxy
    parsed = urlparse(request_url)
    return f"{parsed.scheme}://{parsed.netloc}"


def _path(url: Any) -> str:
    return urlparse(str(url)).path


def dig(value: Any, *keys: Any) -> Any:
    """The value under ``keys`` (dict keys, list indexes) in a provider's JSON answer; None where a step is missing.

    Example:
        >>> dig({"data": {"outputs": ["https://x/v.mp4"]}}, "data", "outputs", 0)
        'https://x/v.mp4'
        >>> dig({"data": None}, "data", "outputs", 0) is None
        True

    """
    for key in keys:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


# media URL of a final answer, by task (fal-ai's result and sync answers)
_FAL_MEDIA = {
    "text-to-video": ("video", "url"),
    "image-to-video": ("video", "url"),
    "text-to-image": ("images", 0, "url"),
    "image-to-image": ("images", 0, "url"),
}


class _Queue:
    """One provider's job protocol: start from the submit answer, read a status answer, find the media."""

    cancels = False

    def start(self, task: str, request: Any, answer: dict[str, Any]) -> Job | None:
        raise NotImplementedError

    def read(self, job: Job, answer: dict[str, Any]) -> None:
        raise NotImplementedError

    def media_url(self, task: str, job: Job, result: Any) -> Any:
        raise NotImplementedError


class _FalQueue(_Queue):
    cancels = True

    def start(self, task: str, request: Any, answer: dict[str, Any]) -> Job | None:
        if not answer.get("request_id") or not answer.get("response_url") or task not in _FAL_MEDIA:
            return None
        parsed = urlparse(request.url)
        query = f"?{parsed.query}" if parsed.query else ""
        app = _path(answer["response_url"])  # .../<app>/requests/<id>, possibly not the mapped model's path
        base = _base(request.url, "fal-ai")
        job = Job(
            "fal-ai",
            None,
            request_id=str(answer["request_id"]),
            status_url=f"{base}{app}/status{query}",
            result_url=f"{base}{app}{query}",
            cancel_url=f"{base}{app}/cancel{query}",
        )
        self.read(job, answer)
        return job

    def read(self, job: Job, answer: dict[str, Any]) -> None:
        job.status = str(answer.get("status") or job.status or "IN_QUEUE")
        position = answer.get("queue_position")
        job.queue_position = position if isinstance(position, int) else None
        job.done = job.status == "COMPLETED"

    def media_url(self, task: str, job: Job, result: Any) -> Any:
        return dig(result, *_FAL_MEDIA[task])


class _ReplicateQueue(_Queue):
    def start(self, task: str, request: Any, answer: dict[str, Any]) -> Job | None:
        if "output" not in answer and "status" not in answer:
            return None
        job = Job("replicate", None, request_id=answer.get("id"), answer=answer)
        get = dig(answer, "urls", "get") or (f"/v1/predictions/{answer['id']}" if answer.get("id") else None)
        if get:
            job.status_url = _base(request.url, "replicate") + _path(get)
        self.read(job, answer)
        return job

    def read(self, job: Job, answer: dict[str, Any]) -> None:
        job.answer = answer
        job.status = str(answer.get("status") or ("succeeded" if answer.get("output") else "starting"))
        job.done = job.status == "succeeded" or (answer.get("output") is not None and job.status not in _FAILED)

    def media_url(self, task: str, job: Job, result: Any) -> Any:
        output = job.answer.get("output")
        return output if isinstance(output, str) else dig(output, 0)


class _TogetherQueue(_Queue):
    def start(self, task: str, request: Any, answer: dict[str, Any]) -> Job | None:
        if not answer.get("id") or not request.url.rstrip("/").endswith("/v2/videos"):
            return None
        job = Job("together", None, request_id=str(answer["id"]), status_url=f"{request.url}/{answer['id']}")
        self.read(job, answer)
        return job

    def read(self, job: Job, answer: dict[str, Any]) -> None:
        job.answer = answer
        job.status = str(answer.get("status") or "queued")
        job.done = job.status == "completed"

    def media_url(self, task: str, job: Job, result: Any) -> Any:
        return dig(job.answer, "outputs", "video_url")


class _WavespeedQueue(_Queue):
    def start(self, task: str, request: Any, answer: dict[str, Any]) -> Job | None:
        get = dig(answer, "data", "urls", "get")
        if not get:
            return None
        job = Job("wavespeed", None, request_id=dig(answer, "data", "id"))
        job.status_url = _base(request.url, "wavespeed") + _path(get)
        self.read(job, answer)
        return job

    def read(self, job: Job, answer: dict[str, Any]) -> None:
        job.answer = answer
        job.status = str(dig(answer, "data", "status") or "created")
        job.done = job.status == "completed"

    def media_url(self, task: str, job: Job, result: Any) -> Any:
        return dig(job.answer, "data", "outputs", 0)


class _NovitaAnswer(_Queue):
    """Novita answers with the video at once: a job that is done when submitted."""

    def start(self, task: str, request: Any, answer: dict[str, Any]) -> Job | None:
        if not dig(answer, "video", "video_url"):
            return None
        return Job("novita", "completed", answer=answer, done=True)

    def media_url(self, task: str, job: Job, result: Any) -> Any:
        return dig(job.answer, "video", "video_url")


_FAILED = frozenset({"failed", "canceled", "cancelled", "error"})

QUEUES: dict[str, _Queue] = {
    "fal-ai": _FalQueue(),
    "replicate": _ReplicateQueue(),
    "together": _TogetherQueue(),
    "wavespeed": _WavespeedQueue(),
    "novita": _NovitaAnswer(),
}
"""Provider name → how its jobs are driven (providers not listed answer at once)."""


def _json(body: bytes) -> dict[str, Any] | None:
    if body[:1] not in (b"{", b"["):
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _failure(job: Job) -> HFResponseError:
    detail = job.answer.get("error") or dig(job.answer, "data", "error") or "no reason given"
    if isinstance(detail, dict):
        detail = detail.get("message") or detail
    return HFResponseError(f"the {job.provider} job ended with status {job.status!r}: {detail}")


def _too_large(ctx: JobContext) -> HFResponseError:
    return HFResponseError(
        f"the generated media is larger than media_max_output_bytes ({ctx.max_bytes} bytes)", model=ctx.model
    )


def _check_status(response: Any) -> None:
    from huggingface_hub import hf_raise_for_status

    hf_raise_for_status(response)


def _check_streamed(response: Any) -> None:
    if response.status_code >= 400:
        response.read()
    _check_status(response)


async def _acheck_streamed(response: Any) -> None:
    if response.status_code >= 400:
        await response.aread()
    _check_status(response)


# -- shared by the sync and async drivers ----------------------------------------------------------
def _start(ctx: JobContext, helper: Any, request: Any, body: Any) -> tuple[_Queue, Job] | None:
    """The provider's queue and the job its submit answer started, or None for an answer that is no job."""
    answer = _json(bytes(body)) if isinstance(body, (bytes, bytearray)) else body
    queue = QUEUES.get(str(helper.provider))
    job = queue.start(ctx.task, request, answer) if queue is not None and answer is not None else None
    return None if job is None or queue is None else (queue, job)


def _next_wait(ctx: JobContext, job: Job) -> float:
    """Seconds to wait before the next status request; raises if the job cannot go on."""
    if job.status in _FAILED:
        raise _failure(job)
    ctx.check_time_left()
    left = ctx.remaining()
    if job.status_url is None:
        raise HFResponseError(f"the {job.provider} job gave no status URL", model=ctx.model)
    return ctx.poll_interval if left is None else min(ctx.poll_interval, left)


def _progress(job: Job) -> dict[str, Any]:
    """The keywords of a progress event for ``job``'s current status."""
    return {"queue_position": job.queue_position, "request_id": job.request_id}


class _Capped:
    """The chunks of a media download, refused beyond ``ctx.max_bytes`` (declared or received)."""

    def __init__(self, ctx: JobContext, url: Any, provider: str) -> None:
        if not isinstance(url, str) or not url:
            raise HFResponseError(f"the {provider} answer holds no media URL", model=ctx.model)
        self.ctx, self.url = ctx, url
        self.chunks: list[bytes] = []
        self.size = 0

    def declared(self, headers: Any) -> None:
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.ctx.max_bytes:
            raise _too_large(self.ctx)

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.ctx.max_bytes:
            raise _too_large(self.ctx)
        self.chunks.append(chunk)

    def data(self) -> bytes:
        return b"".join(self.chunks)


# -- sync ------------------------------------------------------------------------------------------
def run_job(ctx: JobContext, client: Any, helper: Any, request: Any) -> bytes:
    """Submit ``request`` on a sync ``InferenceClient``, drive the job, return the media's bytes."""
    from huggingface_hub import get_session

    ctx.check_time_left()
    body = client._inner_post(request)
    started = _start(ctx, helper, request, body)
    if started is None:  # an answer, not a job
        return bytes(helper.get_response(body, request))
    queue, job = started
    session = get_session()
    try:
        ctx.report(job.provider, "submitted", request_id=job.request_id)
        ctx.report(job.provider, job.status or "", **_progress(job))
        while not job.done:
            time.sleep(_next_wait(ctx, job))
            response = session.get(str(job.status_url), headers=request.headers, timeout=ctx.request_timeout())
            _check_status(response)
            queue.read(job, response.json())
            ctx.report(job.provider, job.status or "", **_progress(job))
        result: Any = None
        if job.result_url is not None:
            response = session.get(job.result_url, headers=request.headers, timeout=ctx.request_timeout())
            _check_status(response)
            result = response.json()
    except BaseException:
        if queue.cancels and job.cancel_url and not job.done:
            _cancel(session, job, request.headers, ctx)
        raise
    return _download(session, _Capped(ctx, queue.media_url(ctx.task, job, result), job.provider), ctx)


def _cancel(session: Any, job: Job, headers: dict[str, Any], ctx: JobContext) -> None:
    try:
        response = session.put(str(job.cancel_url), headers=headers, timeout=min(ctx.timeout, 10.0))
        logger.info("hf_tools: cancelled %s job %s (HTTP %s)", job.provider, job.request_id, response.status_code)
        ctx.report(job.provider, _cancel_word(response), request_id=job.request_id, http_status=response.status_code)
    except Exception as exc:  # noqa: BLE001 - a failed cancel must not hide why the job stopped
        logger.warning("hf_tools: could not cancel %s job %s: %r", job.provider, job.request_id, exc)


def _cancel_word(response: Any) -> str:
    """The provider's word for a cancel answer (fal-ai: ``CANCELLATION_REQUESTED``), else ``canceled``."""
    answer = _json(response.content) if 200 <= response.status_code < 300 else None
    word = (answer or {}).get("status")
    return word if isinstance(word, str) and word else ("canceled" if response.status_code < 300 else "cancel_failed")


def _download(session: Any, capped: _Capped, ctx: JobContext) -> bytes:
    with session.stream("GET", capped.url, timeout=ctx.request_timeout()) as response:
        _check_streamed(response)
        capped.declared(response.headers)
        for chunk in response.iter_bytes():
            capped.add(chunk)
    return capped.data()


# -- async -----------------------------------------------------------------------------------------
async def arun_job(ctx: JobContext, client: Any, helper: Any, request: Any, session: Any) -> bytes:
    """Async :func:`run_job` on an ``AsyncInferenceClient`` and the loop's async HTTP ``session``.

    Cancelling the task that awaits it stops the polling at once and cancels a fal-ai job.
    """
    ctx.check_time_left()
    body = await client._inner_post(request)
    started = _start(ctx, helper, request, body)
    if started is None:  # an answer, not a job
        # huggingface_hub's helper decodes the answer (and may fetch a media URL): off the event loop
        return bytes(await asyncio.to_thread(helper.get_response, body, request))
    queue, job = started
    try:
        await ctx.areport(job.provider, "submitted", request_id=job.request_id)
        await ctx.areport(job.provider, job.status or "", **_progress(job))
        while not job.done:
            await asyncio.sleep(_next_wait(ctx, job))
            response = await session.get(str(job.status_url), headers=request.headers, timeout=ctx.request_timeout())
            _check_status(response)
            queue.read(job, response.json())
            await ctx.areport(job.provider, job.status or "", **_progress(job))
        result: Any = None
        if job.result_url is not None:
            response = await session.get(job.result_url, headers=request.headers, timeout=ctx.request_timeout())
            _check_status(response)
            result = response.json()
    except BaseException:
        if queue.cancels and job.cancel_url and not job.done:
            await _acancel(session, job, request.headers, ctx)
        raise
    return await _adownload(session, _Capped(ctx, queue.media_url(ctx.task, job, result), job.provider), ctx)


async def _acancel(session: Any, job: Job, headers: dict[str, Any], ctx: JobContext) -> None:
    # Runs while the awaiting task is being cancelled: the PUT gets its own short budget.
    try:
        put = session.put(str(job.cancel_url), headers=headers, timeout=min(ctx.timeout, 10.0))
        response = await asyncio.wait_for(asyncio.shield(put), min(ctx.timeout, 10.0))
        logger.info("hf_tools: cancelled %s job %s (HTTP %s)", job.provider, job.request_id, response.status_code)
        word = _cancel_word(response)
        await ctx.areport(job.provider, word, request_id=job.request_id, http_status=response.status_code)
    except BaseException as exc:  # noqa: BLE001 - a failed cancel must not hide why the job stopped
        logger.warning("hf_tools: could not cancel %s job %s: %r", job.provider, job.request_id, exc)


async def _adownload(session: Any, capped: _Capped, ctx: JobContext) -> bytes:
    async with session.stream("GET", capped.url, timeout=ctx.request_timeout()) as response:
        await _acheck_streamed(response)
        capped.declared(response.headers)
        async for chunk in response.aiter_bytes():
            capped.add(chunk)
    return capped.data()
