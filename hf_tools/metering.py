"""Who answered each inference call, read from the router's response headers.

huggingface_hub hands back parsed bodies only, so the provider the router picked (its
``x-inference-provider`` response header, e.g. for chat with ``provider="auto"``) is read by a
response event hook:

* sync calls go through huggingface_hub's shared HTTP session (``get_session()``, one per
  process in 1.x and 2.x); the hook is added to that session's ``event_hooks["response"]`` once;
* async calls go through the HTTP client each ``AsyncInferenceClient`` opens for itself
  (``get_async_session()`` makes a new one per client in 1.x and 2.x); hf_tools adds the hook only
  to the clients it owns, and to its own async session.

The hook does nothing unless it runs inside one of hf_tools' own calls: :class:`Meter` sets a
context variable for the duration of a call's requests (never across a ``yield``), so other users
of huggingface_hub's session in the same process see no change. Without the header, a request to
the router's ``/<provider>/...`` routes names its provider (one huggingface_hub has a helper for;
the router base is huggingface_hub's ``INFERENCE_PROXY_TEMPLATE``, read at each response, never
hard-coded).

The client's methods are wrapped with :func:`metered`, :func:`ametered`, :func:`metered_stream`
and :func:`ametered_stream`: one hook point per method.

Example:
    >>> from hf_tools.settings import HFSettings
    >>> meter = Meter(HFSettings(provider="together"), "chat_completion", "org/m", None, None)
    >>> meter.provider
    'together'
    >>> import httpx
    >>> answer = httpx.Response(200, headers={"x-inference-provider": "groq"},
    ...                         request=httpx.Request("POST", "https://router.example/v1/chat/completions"))
    >>> with meter:
    ...     _on_response(answer)
    >>> meter.provider
    'groq'

"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextvars import ContextVar, Token
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from hf_tools import router_catalog, telemetry, usage
from hf_tools.failover import Route
from hf_tools.settings import HFSettings

__all__ = [
    "PROVIDER_HEADER",
    "Meter",
    "ametered",
    "ametered_stream",
    "hook_async_client",
    "hook_session",
    "metered",
    "metered_stream",
]

PROVIDER_HEADER = "x-inference-provider"
"""The router's response header naming the provider that answered."""

F = TypeVar("F", bound=Callable[..., Any])
_END: Any = object()


class Meter:
    """One inference call of :class:`~hf_tools.client.HFClient`: who answered it.

    Args:
        settings: the client's settings (for the provider when no response names one).
        method: the hub client's method (``"chat_completion"``, ``"post_json"``, ...).
        model: the model id or endpoint URL.
        task: the hf_tools task, when known.
        route: the call's route; the provider the router names is recorded on it.

    """

    __slots__ = (
        "_token",
        "answered",
        "input_tokens",
        "method",
        "model",
        "output_tokens",
        "route",
        "settings",
        "span",
        "started",
        "task",
    )

    def __init__(
        self, settings: HFSettings, method: str, model: str | None, task: str | None, route: Route | None
    ) -> None:
        self.settings = settings
        self.method = method
        self.model = model
        self.task = task
        self.route = route
        self.answered: str | None = None
        self._token: Token[Meter | None] | None = None
        self.started = time.perf_counter()
        self.input_tokens = 0
        self.output_tokens = 0
        self.span = telemetry.start_span(method, model, task=task)  # a no-op without OpenTelemetry

    @property
    def provider(self) -> str:
        """Who answered: the router's word, else the route's, else the settings' (``"endpoint"`` for a URL)."""
        if self.answered:
            return self.answered
        if self.route is not None and self.route.answered:
            return self.route.answered
        if self.settings.endpoint_for(self.model) is not None:
            return "endpoint"
        names = self.settings.provider_names
        return names[0] if names else "auto"

    @property
    def counting(self) -> bool:
        """Whether anything wants this call's figures: a ``track_usage`` block, a listener or a span."""
        return usage.wanted() or self.span.recording

    # -- usage (only when a track_usage block, a listener or a span is counting) ----------------
    def see(self, answer: Any) -> None:
        """Take the token counts an answer (or a stream's chunk) reports, if any."""
        reported = _field(answer, "usage")
        if reported:
            self.input_tokens = int(_field(reported, "prompt_tokens") or 0)
            self.output_tokens = int(_field(reported, "completion_tokens") or 0)

    def _priced(self) -> bool:
        """Whether the router prices this call: routed chat tokens from a named provider."""
        return bool(self.input_tokens or self.output_tokens) and self.settings.endpoint_for(self.model) is None

    def needs_catalog(self) -> bool:
        """Whether pricing this call needs the router's listing read first."""
        return self._priced() and router_catalog.needs_refresh()

    def refresh_catalog(self) -> None:
        """Read the router's listing (see :mod:`hf_tools.router_catalog`)."""
        router_catalog.refresh(
            self.settings.resolved_token(), ttl=self.settings.model_check_ttl, timeout=self.settings.hub_timeout
        )

    def finish(self) -> None:
        """Count the call in every enclosing ``track_usage`` block, tell the listeners, end the span."""
        provider = self.provider
        model = self.model or ""
        if not model.startswith(("http://", "https://")):
            model = model.partition(":")[0]
        cost = None
        if self._priced():
            offers = router_catalog.cached_offers(model)
            if offers is None:
                self.refresh_catalog()
                offers = router_catalog.cached_offers(model) or {}
            offer = offers.get(provider)
            cost = offer.cost(self.input_tokens, self.output_tokens) if offer is not None else None
        self.span.end(
            provider=provider,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=float(cost) if cost is not None else None,
        )
        if not usage.wanted():
            return
        usage.record(
            usage.UsageRecord(
                model=model,
                provider=provider,
                task=self.task or ("chat-completion" if self.method == "chat_completion" else None),
                method=self.method,
                input_tokens=self.input_tokens,
                output_tokens=self.output_tokens,
                cost_usd=cost,
                duration_s=time.perf_counter() - self.started,
                bill_to=self.settings.bill_to,
            )
        )

    def __enter__(self) -> Meter:
        self._token = _current.set(self)
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        if self.answered and self.route is not None:
            self.route.answered = self.answered
        if error is not None:  # the call failed: its span says so (a track_usage block counts answers only)
            self.span.end(provider=self.provider, error=error)


_current: ContextVar[Meter | None] = ContextVar("hf_tools_meter", default=None)


def _field(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


@functools.lru_cache(maxsize=8)
def _router_prefix(template: str) -> tuple[str, str]:
    """(the router's host, the URL prefix before ``{provider}``) of ``INFERENCE_PROXY_TEMPLATE``."""
    base = template.split("{provider}", 1)[0]
    return urlsplit(base).hostname or "", base


def _router_provider(url: Any) -> str | None:
    """The provider of a ``<router>/<provider>/...`` URL (None for the auto route or another host).

    ``url`` is the request's (an httpx ``URL``, or a string); another host is told by its host alone,
    without writing the URL out.
    """
    host, base = _router_prefix(router_catalog.hub().constants.INFERENCE_PROXY_TEMPLATE)
    if not isinstance(url, str):
        if getattr(url, "host", host) != host:
            return None
        url = str(url)
    if not url.startswith(base):
        return None
    from huggingface_hub.inference._providers import PROVIDERS

    name = url[len(base) :].split("/", 1)[0].split("?", 1)[0]
    return name if name in PROVIDERS else None  # not the auto route (/v1/...) nor a file the router serves


def _on_response(response: Any) -> None:
    """Record the provider that answered, when this response belongs to an hf_tools call."""
    meter = _current.get()
    if meter is None:
        return
    name = response.headers.get(PROVIDER_HEADER) or _router_provider(response.request.url)
    if name:
        meter.answered = str(name)


async def _aon_response(response: Any) -> None:
    _on_response(response)


def hook_session(session: Any) -> None:
    """Add the response hook to an httpx (1.x) / httpx2 (2.x) client, once."""
    hooks = session.event_hooks.get("response")
    if hooks is None:
        session.event_hooks["response"] = hooks = []
    hook = _aon_response if _is_async(session) else _on_response
    if hook not in hooks:
        hooks.append(hook)


def _is_async(session: Any) -> bool:
    return type(session).__name__ == "AsyncClient"


async def hook_async_client(client: Any) -> None:
    """Add the response hook to the HTTP client of an ``AsyncInferenceClient`` hf_tools owns.

    ``_get_async_client`` (huggingface_hub 1.x and 2.x) opens the client's own HTTP client; if a
    release drops it, answers are attributed from the route and settings instead.
    """
    opener = getattr(client, "_get_async_client", None)
    if opener is not None:
        hook_session(await opener())


_hooked_session: Any = None  # the shared session last hooked (get_session() makes a new one after close_session())


def _hook_shared_session() -> None:
    global _hooked_session
    session = router_catalog.hub().get_session()
    if session is not _hooked_session:
        hook_session(session)
        _hooked_session = session


def _meter(posts_json: bool, self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Meter:
    """The meter of one call of a client method: ``post_json(url, ...)`` or ``<name>(method, model, ...)``."""
    if posts_json:
        meter = Meter(self.settings, "post_json", args[0], None, None)
    else:
        meter = Meter(self.settings, args[0], args[1], kwargs.get("task"), kwargs.get("route"))
    try:
        usage.check_budget(meter.model)  # a spent budget stops the call before any request
    except BaseException as exc:
        meter.span.end(provider=meter.provider, error=exc)
        raise
    return meter


def metered(fn: F) -> F:
    """Wrap a sync client method: the requests it makes are attributed and counted."""
    posts_json = fn.__name__.endswith("post_json")

    @functools.wraps(fn)
    def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        meter = _meter(posts_json, self, args, kwargs)
        _hook_shared_session()
        with meter:
            result = fn(self, *args, **kwargs)
        if meter.counting:
            meter.see(result)
            meter.finish()
        return result

    return cast(F, wrapper)


def ametered(fn: F) -> F:
    """Async :func:`metered` (the router's listing, when it must be read, is read in a worker thread)."""
    posts_json = fn.__name__.endswith("post_json")

    @functools.wraps(fn)
    async def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        meter = _meter(posts_json, self, args, kwargs)
        with meter:
            result = await fn(self, *args, **kwargs)
        if meter.counting:
            meter.see(result)
            if meter.needs_catalog():
                await asyncio.to_thread(meter.refresh_catalog)
            meter.finish()
        return result

    return cast(F, wrapper)


def metered_stream(fn: F) -> F:
    """Wrap a sync streaming client method: the requests made before the first chunk are attributed; the
    call is counted when the stream ends (the last chunk carries the usage) or is closed.
    """
    posts_json = fn.__name__.endswith("post_json")

    @functools.wraps(fn)
    def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks: Iterator[Any] = fn(self, *args, **kwargs)
        meter = _meter(posts_json, self, args, kwargs)
        _hook_shared_session()
        with meter:
            first = next(chunks, _END)  # the request, its retries and failovers happen here
        if first is _END:
            return
        counting = meter.counting
        try:
            if counting:
                meter.see(first)
            yield first
            for chunk in chunks:
                if counting:
                    meter.see(chunk)
                yield chunk
        finally:
            if counting:
                meter.finish()

    return cast(F, wrapper)


def ametered_stream(fn: F) -> F:
    """Async :func:`metered_stream`."""
    posts_json = fn.__name__.endswith("post_json")

    @functools.wraps(fn)
    async def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        chunks: AsyncGenerator[Any, None] = fn(self, *args, **kwargs)
        counting = False
        meter = _meter(posts_json, self, args, kwargs)
        try:
            with meter:
                first = await anext(chunks, _END)
            if first is _END:
                return
            counting = meter.counting
            if counting:
                meter.see(first)
            yield first
            async for chunk in chunks:
                if counting:
                    meter.see(chunk)
                yield chunk
        finally:
            await chunks.aclose()
            if counting:
                if meter.needs_catalog():
                    await asyncio.to_thread(meter.refresh_catalog)
                meter.finish()

    return cast(F, wrapper)
