"""Calls ``InferenceClient``/``AsyncInferenceClient`` methods with our retries and limits.

One :class:`HFClient` serves every Runnable, Tool and embedder built from the same
:class:`~hf_tools.settings.HFSettings`:

* every request has a timeout (the hub client's default is none) and every call a total
  deadline, retries included;
* retries follow :func:`hf_tools.retry.retry_delay`;
* every failure of a request or of its answer leaves as one of :mod:`hf_tools.errors`, with
  the token scrubbed; any other exception (a bug, a misspelled keyword) propagates unchanged;
* async calls share one ``AsyncInferenceClient`` (one connection pool) per event loop and
  at most ``max_concurrency`` of them are in flight at once; once an ``HFClient`` is no longer
  used (dropped from the shared cache and by every caller), those pools are closed on their
  event loops;
* every call, sync or async, takes a place under the adaptive in-flight limit of the provider or
  endpoint it goes to (:mod:`hf_tools.rate_limit`: a 429 lowers it for every caller in the process);
* sync calls run on huggingface_hub's shared session (it pools connections); each thread keeps
  one ``InferenceClient`` per provider for its one-shot calls (its timeout set for each call,
  and closed after each call, which frees what huggingface_hub 1.x keeps on a client's exit
  stack); a stream gets a client of its own, held until the stream ends.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import cached_property
from typing import Any, TypeVar

from hf_tools import metering, retry
from hf_tools.chat_wire import achat_json, chat_json
from hf_tools.errors import HFDeadlineExceededError, HFError, HFMissingTokenError, HFResponseError, map_error
from hf_tools.exact_media import acall_raw, call_raw
from hf_tools.failover import Route
from hf_tools.jobs import JobContext
from hf_tools.lru import LRUCache
from hf_tools.prepared_call import RawBytes
from hf_tools.rate_limit import AdaptiveLimit, CallSlot, adaptive_limit
from hf_tools.retry import retry_delay
from hf_tools.settings import HFSettings

logger = logging.getLogger("hf_tools")

__all__ = ["MAX_SHARED_CLIENTS", "HFClient", "get_client"]

T = TypeVar("T")

# Methods whose JSON answer hf_tools reads as plain data instead of the hub's typed dataclasses
# (the same request; see hf_tools.chat_wire): method -> (sync, async) call on a hub client.
_AS_JSON: dict[str, tuple[Callable[..., Any], Callable[..., Awaitable[Any]]]] = {
    "chat_completion": (chat_json, achat_json),
}


class _Deadline:
    """A call's total time budget, on :func:`hf_tools.retry.monotonic` (the retry loop's clock)."""

    def __init__(self, seconds: float | None) -> None:
        self.end = None if seconds is None else retry.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self.end is None else self.end - retry.monotonic()

    def request_timeout(self, timeout: float) -> float:
        left = self.remaining()
        return timeout if left is None else max(0.001, min(timeout, left))


class HFClient:
    """Runs Inference API calls for one settings object.

    Example:
        >>> from hf_tools.client import HFClient
        >>> from hf_tools.settings import HFSettings
        >>> client = HFClient(HFSettings(base_url="http://127.0.0.1:9/models/{model}"))
        >>> client.endpoint("org/model")
        'http://127.0.0.1:9/models/org/model'

    """

    def __init__(self, settings: HFSettings) -> None:
        self.settings = settings
        # What this client keeps on each event loop (pools, sessions, the concurrency cap); closed
        # when asyncio.run shuts the loop down, so a loop per call (scripts, web handlers) leaks nothing.
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopResources]
        self._loops = weakref.WeakKeyDictionary()
        self._per_thread = threading.local()  # .clients: this thread's InferenceClient per provider
        # When this client is garbage collected, close its async pools on their loops.
        weakref.finalize(self, _close_async_resources, self._loops).atexit = False

    def __repr__(self) -> str:
        return f"HFClient({self.settings!r})"

    # -- targets and credentials -------------------------------------------------------
    def endpoint(self, model: str | None, task: str | None = None) -> str | None:
        """The URL a request for ``model`` goes to, or None when the Hub routes it."""
        return self.settings.endpoint_for(model, task)

    @cached_property
    def _resolved_token(self) -> str | None:
        return self.settings.resolved_token()

    def _token(self, model: str | None) -> str | None:
        token = self._resolved_token
        if token is None and self.endpoint(model) is None:
            raise HFMissingTokenError(
                "No Hugging Face token: pass token=..., set HF_TOKEN or run `hf auth login`"
                " (a token is needed for the Hugging Face router; a base_url endpoint may not"
                " need one).",
                model=model,
            )
        return token

    def _target(self, model: str | None, task: str | None = None) -> str | None:
        return self.endpoint(model, task) or model

    def _provider(self, route: Route | None) -> str | None:
        """The provider argument of the hub client: the route's, else the setting's first one."""
        if self.settings.base_url:
            return None
        if route is not None and route.provider is not None:
            return route.provider
        names = self.settings.provider_names
        return names[0] if names else None

    def _sync_client(self, token: str | None, deadline: _Deadline, route: Route | None = None) -> Any:
        """A new ``InferenceClient`` for the route's provider (a stream's: held until the stream ends)."""
        return _inference_client_class()(
            provider=self._provider(route),  # type: ignore[arg-type]
            token=token,
            timeout=deadline.request_timeout(self.settings.timeout),
            bill_to=self.settings.bill_to,
        )

    def _thread_client(self, token: str | None, deadline: _Deadline, route: Route | None = None) -> Any:
        """The ``InferenceClient`` this thread uses for the route's provider, with this call's timeout.

        A thread runs one such call at a time, and the call closes the client when it is done
        (huggingface_hub 1.x keeps each answer on the client's exit stack until then); building a
        client per call cost about 70 µs of a 7 ms call on a loaded machine. The token is this
        client's, the same for every call.
        """
        provider = self._provider(route)
        clients: dict[str | None, Any] | None = getattr(self._per_thread, "clients", None)
        if clients is None:
            clients = self._per_thread.clients = {}
        client = clients.get(provider)
        if client is None:
            client = clients[provider] = self._sync_client(token, deadline, route)
        else:
            client.timeout = deadline.request_timeout(self.settings.timeout)
        return client

    async def _on_loop(self) -> _LoopResources:
        """The client's resources on the running loop (made, and tied to the loop's shutdown, on first use)."""
        loop = asyncio.get_running_loop()
        resources = self._loops.get(loop)
        if resources is None:
            resources = self._loops[loop] = _LoopResources(asyncio.Semaphore(self.settings.max_concurrency))
            await resources.close_at_loop_shutdown(self._loops)
        return resources

    async def _async_client(self, token: str | None, route: Route | None = None) -> tuple[Any, asyncio.Semaphore]:
        """The ``AsyncInferenceClient`` for the route's provider on the running loop, and the loop's cap."""
        resources = await self._on_loop()
        provider = self._provider(route)
        client = resources.clients.get(provider)
        if client is None:
            from huggingface_hub import AsyncInferenceClient

            made: Any = AsyncInferenceClient(
                provider=provider,  # type: ignore[arg-type]
                token=token,
                timeout=self.settings.timeout,
                bill_to=self.settings.bill_to,
            )
            await metering.hook_async_client(made)  # reads who answered (see hf_tools.metering)
            client = resources.clients.setdefault(provider, made)
            if client is not made:
                await made.close()
        return client, resources.limit

    # -- adaptive in-flight limits ---------------------------------------------------------
    def _slot(self, model: str | None = None, route: Route | None = None, url: str | None = None) -> CallSlot:
        """A call's place under the in-flight limit of where it goes (see :mod:`hf_tools.rate_limit`).

        An endpoint (``url``, a URL model, ``base_url``: its template, one server) has one limit; a
        router provider one per account. ``adaptive_concurrency=False``: a slot that does nothing.
        """
        if not self.settings.adaptive_concurrency:
            return CallSlot(None)

        def where() -> AdaptiveLimit:
            is_url = model is not None and model.startswith(("http://", "https://"))
            endpoint = url or (model if is_url else self.settings.base_url)
            if endpoint is not None:
                return adaptive_limit(endpoint=endpoint)
            return adaptive_limit(provider=self._provider(route), token=self._resolved_token)

        return CallSlot(where)

    # -- retry loop ----------------------------------------------------------------------
    def _next_delay(
        self,
        exc: Exception,
        attempt: int,
        deadline: _Deadline,
        model: str | None,
        token: str | None,
        route: Route | None = None,
        slot: CallSlot | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt (None: a failover, no wait, no retry counted).

        Raises the mapped error when there is no next attempt. An exception
        :func:`~hf_tools.errors.map_error` does not know is re-raised unchanged.
        """
        if isinstance(exc, HFError):
            raise exc
        error = map_error(exc, model=model, token=token)
        if slot is not None:  # a 429 lowers the limit; the call keeps its place through the wait
            slot.failed(error)
        if route is not None and route.fail_over(error):
            left = deadline.remaining()
            if left is not None and left <= 0:
                raise HFDeadlineExceededError(
                    f"deadline of {self.settings.deadline}s exceeded after trying {', '.join(route.tried)};"
                    f" last error: {error}",
                    model=error.model,
                    status_code=error.status_code,
                ) from error
            return None
        delay = retry_delay(error, attempt, self.settings)
        if delay is None:
            raise error from exc
        left = deadline.remaining()
        if left is not None and delay >= left:
            raise HFDeadlineExceededError(
                f"deadline of {self.settings.deadline}s exceeded after {attempt + 1} attempt(s); last error: {error}",
                model=error.model,
                status_code=error.status_code,
            ) from error
        logger.warning("hf_tools: retry %d in %.2fs after: %s", attempt + 1, delay, error)
        return delay

    def _retry(
        self,
        model: str | None,
        token: str | None,
        attempt_once: Callable[[_Deadline], T],
        route: Route | None = None,
        slot: CallSlot | None = None,
    ) -> T:
        deadline = _Deadline(self.settings.deadline)
        attempt = 0
        while True:
            try:
                if slot is not None:
                    slot.enter(deadline.remaining())
                result = attempt_once(deadline)
            except Exception as exc:  # noqa: BLE001 - _next_delay maps it or re-raises it
                delay = self._next_delay(exc, attempt, deadline, model, token, route, slot)
            else:
                if slot is not None:
                    slot.succeeded()
                if route is not None:
                    route.succeeded()
                return result
            if delay is not None:  # None: failed over to the next provider, at once
                attempt += 1
                retry.sleep(delay)

    async def _aretry(
        self,
        model: str | None,
        token: str | None,
        attempt_once: Callable[[_Deadline], Awaitable[T]],
        route: Route | None = None,
        slot: CallSlot | None = None,
    ) -> T:
        deadline = _Deadline(self.settings.deadline)
        attempt = 0
        while True:
            try:
                if slot is not None:  # before the loop's max_concurrency cap: a full provider holds no cap
                    await slot.aenter(deadline.remaining())
                result = await attempt_once(deadline)
            except Exception as exc:  # noqa: BLE001 - _next_delay maps it or re-raises it
                delay = self._next_delay(exc, attempt, deadline, model, token, route, slot)
            else:
                if slot is not None:
                    slot.succeeded()
                if route is not None:
                    route.succeeded()
                return result
            if delay is not None:
                attempt += 1
                await retry.asleep(delay)

    # -- calls ---------------------------------------------------------------------------
    @metering.metered
    def call(
        self,
        method: str,
        model: str | None,
        /,
        *args: Any,
        task: str | None = None,
        route: Route | None = None,
        raw: RawBytes | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``InferenceClient.<method>(*args, model=..., **kwargs)`` with retries.

        ``chat_completion`` answers with its decoded JSON (a dict) instead of the hub's
        ``ChatCompletionOutput`` (see :mod:`hf_tools.chat_wire`: the same request, one parse less).

        ``route`` (routed calls only) names the providers to fail over along; it records the one
        that answered. ``raw`` (from the prepared call, see :class:`~hf_tools.prepared_call.RawBytes`)
        makes the answer the provider's own bytes instead of the method's decoded object.
        """
        token = self._token(model)
        target = self._target(model, task)
        job = self._job_deadline() if raw is not None else None

        def once(deadline: _Deadline) -> Any:
            client = self._thread_client(token, deadline, route)
            try:
                if raw is not None:
                    assert job is not None
                    return call_raw(self._job(raw, model, job), client, raw, *args, model=target, **kwargs)
                as_json = _AS_JSON.get(method)
                if as_json is not None:
                    return as_json[0](client, *args, model=target, **kwargs)
                return getattr(client, method)(*args, model=target, **kwargs)
            finally:
                client.close()

        slot = self._slot(model, route)
        try:
            return self._retry(model, token, once, route, slot=slot)
        finally:
            slot.close()

    def _job_deadline(self) -> _Deadline:
        """A provider job's budget from the first submit to the bytes: ``job_deadline`` (a video job runs for
        minutes); submits and failovers stay within ``deadline``.
        """
        return _Deadline(self.settings.job_deadline)

    def _job(self, raw: RawBytes, model: str | None, deadline: _Deadline) -> JobContext:
        return JobContext(
            task=raw.task,
            model=model,
            remaining=deadline.remaining,
            poll_interval=self.settings.job_poll_interval,
            max_bytes=self.settings.media_max_output_bytes,
            timeout=self.settings.timeout,
            deadline=self.settings.job_deadline,
        )

    @metering.ametered
    async def acall(
        self,
        method: str,
        model: str | None,
        /,
        *args: Any,
        task: str | None = None,
        route: Route | None = None,
        raw: RawBytes | None = None,
        **kwargs: Any,
    ) -> Any:
        """Await ``AsyncInferenceClient.<method>(...)`` with retries, failover and the concurrency cap."""
        token = self._token(model)
        target = self._target(model, task)
        job = self._job_deadline() if raw is not None else None

        async def once(deadline: _Deadline) -> Any:
            client, limit = await self._async_client(token, route)
            async with limit:
                if raw is not None:  # the job keeps its own deadline (it cancels a queued job when it passes)
                    session = await self._async_session()
                    assert job is not None
                    ctx = self._job(raw, model, job)
                    return await acall_raw(ctx, client, session, raw, *args, model=target, **kwargs)
                as_json = _AS_JSON.get(method)
                call = getattr(client, method) if as_json is None else functools.partial(as_json[1], client)
                coro = call(*args, model=target, **kwargs)
                left = deadline.remaining()
                return await (coro if left is None else asyncio.wait_for(coro, max(left, 0.001)))

        slot = self._slot(model, route)
        try:
            return await self._aretry(model, token, once, route, slot=slot)
        finally:
            slot.close()

    async def _async_session(self) -> Any:
        """The hub's async HTTP session of the running loop (closed with the loop's other resources)."""
        resources = await self._on_loop()
        if resources.session is None:
            from huggingface_hub import get_async_session

            resources.session = get_async_session()
            metering.hook_session(resources.session)
        return resources.session

    @metering.metered_stream
    def stream(
        self,
        method: str,
        model: str | None,
        /,
        *args: Any,
        task: str | None = None,
        route: Route | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Stream ``method(..., stream=True)``; retries and failover apply only before the first chunk."""
        token = self._token(model)
        target = self._target(model, task)

        def open_stream(deadline: _Deadline) -> tuple[Any, Iterator[Any], Any]:
            client = self._sync_client(token, deadline, route)
            try:
                chunks = iter(getattr(client, method)(*args, model=target, stream=True, **kwargs))
                return client, chunks, next(chunks, _END)
            except BaseException:
                client.close()
                raise

        slot = self._slot(model, route)  # held until the stream ends
        try:
            client, chunks, first = self._retry(model, token, open_stream, route, slot=slot)
        except BaseException:
            slot.close()
            raise
        if first is _END:
            client.close()
            slot.close()
            raise _empty_stream(model)
        try:
            yield first
            yield from chunks
        except Exception as exc:
            raise map_error(exc, model=model, token=token) from exc
        finally:
            client.close()
            slot.close()

    @metering.ametered_stream
    async def astream(
        self,
        method: str,
        model: str | None,
        /,
        *args: Any,
        task: str | None = None,
        route: Route | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Async :meth:`stream`: retries and failover only before the first chunk."""
        token = self._token(model)
        target = self._target(model, task)

        async def open_stream(deadline: _Deadline) -> tuple[AsyncIterator[Any], Any]:
            client, _ = await self._async_client(token, route)
            chunks = (await getattr(client, method)(*args, model=target, stream=True, **kwargs)).__aiter__()
            return chunks, await anext(chunks, _END)

        chunks: AsyncIterator[Any]
        first: Any
        slot = self._slot(model, route)  # held until the stream ends
        try:
            chunks, first = await self._aretry(model, token, open_stream, route, slot=slot)
            if first is _END:
                raise _empty_stream(model)
        except BaseException:
            slot.close()
            raise
        try:
            yield first
            async for chunk in chunks:
                yield chunk
        except Exception as exc:
            raise map_error(exc, model=model, token=token) from exc
        finally:
            slot.close()

    # -- plain JSON posts to an explicit endpoint ---------------------------------------------
    @cached_property
    def _json_headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._resolved_token:
            headers["Authorization"] = f"Bearer {self._resolved_token}"
        if self.settings.bill_to:
            headers["X-HF-Bill-To"] = self.settings.bill_to
        return headers

    @metering.metered
    def post_json(self, url: str, payload: Any) -> Any:
        """POST ``payload`` as JSON to the endpoint ``url`` and return the decoded JSON answer.

        For fixed request bodies (e.g. batches of texts to a TEI embeddings server) this skips
        the hub client's per-call work. It still sends through huggingface_hub's HTTP session
        (httpx in 1.x, httpx2 in 2.x), with the same retries, deadline and error mapping as
        :meth:`call`, and decodes with orjson when it is installed.

        Example:
            >>> from hf_tools.client import HFClient
            >>> from hf_tools.settings import HFSettings
            >>> from hf_tools.testing.tei import TEIServer
            >>> with TEIServer() as tei:
            ...     vectors = HFClient(HFSettings()).post_json(tei.url, {"inputs": ["a", "b"]})
            >>> len(vectors), len(vectors[0])
            (2, 384)
        """
        body = _dumps(payload)

        def once(deadline: _Deadline) -> Any:
            from huggingface_hub import get_session

            timeout = deadline.request_timeout(self.settings.timeout)
            return _decode(get_session().post(url, content=body, headers=self._json_headers, timeout=timeout), url)

        slot = self._slot(url=url)
        try:
            return self._retry(url, self._resolved_token, once, slot=slot)
        finally:
            slot.close()

    @metering.ametered
    async def apost_json(self, url: str, payload: Any) -> Any:
        """Async :meth:`post_json`, within this client's ``max_concurrency`` per event loop."""
        body = _dumps(payload)
        limit = (await self._on_loop()).limit
        session = await self._async_session()

        async def once(deadline: _Deadline) -> Any:
            async with limit:
                timeout = deadline.request_timeout(self.settings.timeout)
                response = await session.post(url, content=body, headers=self._json_headers, timeout=timeout)
            return _decode(response, url)

        slot = self._slot(url=url)
        try:
            return await self._aretry(url, self._resolved_token, once, slot=slot)
        finally:
            slot.close()


@functools.cache
def _inference_client_class() -> Any:
    """``huggingface_hub.InferenceClient``, looked up once (each lazy ``from huggingface_hub import`` costs µs)."""
    from huggingface_hub import InferenceClient

    return InferenceClient


def _codec() -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]]:
    try:
        import orjson
    except ImportError:
        return (lambda obj: json.dumps(obj).encode()), json.loads
    return orjson.dumps, orjson.loads


_dumps, _loads = _codec()


def _decode(response: Any, url: str) -> Any:
    from huggingface_hub import hf_raise_for_status

    hf_raise_for_status(response)
    try:
        return _loads(response.content)
    except ValueError as exc:
        raise HFResponseError(f"malformed response from {url!r}: {exc}", model=url) from exc


_END: Any = object()


def _empty_stream(model: str | None) -> HFResponseError:
    """A 2xx answer to a stream request without a single event (e.g. JSON or HTML instead of server-sent events)."""
    where = f" of model {model!r}" if model else ""
    return HFResponseError(f"the stream{where} ended without any event (not an event stream)", model=model)


# Tasks closing the async pools of dropped clients (kept so they are not collected mid-way).
_CLOSING: set[asyncio.Task[Any]] = set()


class _LoopResources:
    """One HFClient's async resources on one event loop.

    ``close_at_loop_shutdown`` starts an async generator whose ``finally`` closes them:
    ``asyncio.run`` (and ``loop.shutdown_asyncgens``) closes every live async generator while
    the loop still runs, so the pools are closed on their own loop before it goes away.
    """

    def __init__(self, limit: asyncio.Semaphore) -> None:
        self.limit = limit
        self.clients: dict[str | None, Any] = {}  # provider (None: the settings' own) → AsyncInferenceClient
        self.session: Any = None  # the hub's async HTTP session for post_json
        self._keeper: AsyncIterator[None] | None = None

    async def aclose(self) -> None:
        """Close every pool and session (errors are logged: closing must not fail a shutdown)."""
        closers = [client.close for client in self.clients.values()]
        if self.session is not None:
            closers.append(self.session.aclose)
        self.clients, self.session = {}, None
        for close in closers:
            try:
                await close()
            except Exception as exc:  # noqa: BLE001 - a pool that fails to close is only logged
                logger.debug("hf_tools: closing an async client failed: %r", exc)

    async def close_at_loop_shutdown(
        self, registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopResources]
    ) -> None:
        async def keeper() -> AsyncIterator[None]:
            try:
                yield
            finally:
                registry.pop(asyncio.get_running_loop(), None)
                await self.aclose()

        self._keeper = keeper()
        await anext(self._keeper)


def _close_async_resources(loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopResources]) -> None:
    """Close a dropped HFClient's async pools and sessions, each on its own event loop."""
    for loop, resources in list(loops.items()):
        if loop.is_closed():
            continue  # its connections went with it
        try:
            loop.call_soon_threadsafe(_start_closing, resources.aclose)
        except RuntimeError:  # the loop closed meanwhile
            continue


def _start_closing(close: Callable[[], Awaitable[Any]]) -> None:
    task = asyncio.ensure_future(close())
    _CLOSING.add(task)
    task.add_done_callback(_closed)


def _closed(task: asyncio.Task[Any]) -> None:
    _CLOSING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.debug("hf_tools: closing an idle async client failed: %r", task.exception())


# The most clients get_client keeps: one per distinct settings value (the token included), so
# a process serving many tokens holds at most this many, each with its async pools per loop.
MAX_SHARED_CLIENTS = 64

_CLIENTS: LRUCache[HFSettings, HFClient] = LRUCache(MAX_SHARED_CLIENTS)


def get_client(settings: HFSettings) -> HFClient:
    """The shared :class:`HFClient` for ``settings`` (one per distinct settings value).

    At most :data:`MAX_SHARED_CLIENTS` are kept, the least recently used dropped first; a
    dropped client's async connection pools are closed once no call uses it any more.
    """
    return _CLIENTS.get_or_create(settings, lambda: HFClient(settings))
