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

import functools
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextvars import ContextVar, Token
from typing import Any, TypeVar, cast

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

    __slots__ = ("_token", "answered", "method", "model", "route", "settings", "task")

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

    def __enter__(self) -> Meter:
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        if self.answered and self.route is not None:
            self.route.answered = self.answered


_current: ContextVar[Meter | None] = ContextVar("hf_tools_meter", default=None)


def _router_provider(url: str) -> str | None:
    """The provider of a ``<router>/<provider>/...`` URL (None for the auto route or another host)."""
    from huggingface_hub import constants

    base = constants.INFERENCE_PROXY_TEMPLATE.split("{provider}", 1)[0]
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
    name = response.headers.get(PROVIDER_HEADER) or _router_provider(str(response.request.url))
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


def _hook_shared_session() -> None:
    from huggingface_hub import get_session

    hook_session(get_session())


def _meter(fn: Callable[..., Any], self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Meter:
    """The meter of one call of client method ``fn`` (``post_json(url, ...)`` or ``<name>(method, model, ...)``)."""
    if fn.__name__.endswith("post_json"):
        return Meter(self.settings, "post_json", args[0], None, None)
    return Meter(self.settings, args[0], args[1], kwargs.get("task"), kwargs.get("route"))


def metered(fn: F) -> F:
    """Wrap a sync client method: the requests it makes are attributed."""

    @functools.wraps(fn)
    def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        _hook_shared_session()
        with _meter(fn, self, args, kwargs):
            return fn(self, *args, **kwargs)

    return cast(F, wrapper)


def ametered(fn: F) -> F:
    """Async :func:`metered`."""

    @functools.wraps(fn)
    async def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        with _meter(fn, self, args, kwargs):
            return await fn(self, *args, **kwargs)

    return cast(F, wrapper)


def metered_stream(fn: F) -> F:
    """Wrap a sync streaming client method: the requests made before the first chunk are attributed."""

    @functools.wraps(fn)
    def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks: Iterator[Any] = fn(self, *args, **kwargs)
        _hook_shared_session()
        with _meter(fn, self, args, kwargs):
            first = next(chunks, _END)  # the request, its retries and failovers happen here
        if first is _END:
            return
        yield first
        yield from chunks

    return cast(F, wrapper)


def ametered_stream(fn: F) -> F:
    """Async :func:`metered_stream`."""

    @functools.wraps(fn)
    async def wrapper(self: Any, /, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        chunks: AsyncGenerator[Any, None] = fn(self, *args, **kwargs)
        try:
            with _meter(fn, self, args, kwargs):
                first = await anext(chunks, _END)
            if first is _END:
                return
            yield first
            async for chunk in chunks:
                yield chunk
        finally:
            await chunks.aclose()

    return cast(F, wrapper)
