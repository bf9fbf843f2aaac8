"""What each provider can do, for a chat call that goes through a provider list or an ordering.

The router lists every chat model's offers at ``GET <router>/v1/models`` (read once per
``model_check_ttl``, see :mod:`hf_tools.router_catalog`): per provider ``supports_tools``,
``supports_structured_output``, ``context_length``, ``pricing`` and, when the router gives them,
``latency`` and ``throughput``. A chat call with ``provider=[...]`` (client-side failover) or
``provider="cheapest"``/``"fastest"`` uses them before any request:

* **skips** a provider whose offer says ``supports_tools: false`` when tools are bound,
  ``supports_structured_output: false`` for ``json_schema`` structured output, or a
  ``context_length`` below the prompt's estimated size (:func:`estimate_prompt_tokens`); each
  skip is in the call's route event as ``skipped: [{"provider", "reason"}]``;
* **orders** the candidates for ``"cheapest"`` by the offer's input + output price (dollars per
  million tokens, the sum the router's ``:cheapest`` suffix ranks by) and for ``"fastest"`` by
  ``throughput`` (tokens per second, highest first), then by ``latency`` (seconds, lowest first)
  for offers with no throughput; ties keep the Hub's order. An ordering's candidates are the
  providers the Hub maps the model to as chat (else, when the Hub cannot be read, the live
  providers of ``/v1/models``); the call fails over along that order.

A provider ``/v1/models`` does not list is kept (its capabilities are unknown), and an ordering puts
it last; an unknown field (``supports_tools`` missing) never skips. A user's list keeps its order.
When ``/v1/models`` cannot be read, this is logged once and the providers are used as given
(an ordering then follows the Hub's order; with neither listing readable it is left to the router's
own ``:cheapest``/``:fastest`` suffix). When every candidate is skipped, the call raises
:class:`~hf_tools.errors.HFNoCapableProviderError`, naming each provider and why, before any request.

Example:
    >>> from hf_tools.router_catalog import Offer
    >>> offers = {
    ...     "groq": Offer("groq", supports_tools=False, input_price=0.1, output_price=0.1),
    ...     "together": Offer("together", input_price=0.2, output_price=0.6),
    ...     "novita": Offer("novita", input_price=0.1, output_price=0.2),
    ... }
    >>> chosen = select(("groq", "together", "novita"), Needs(tools=True), offers, "cheapest")
    >>> chosen.providers
    ('novita', 'together')
    >>> chosen.skipped
    ({'provider': 'groq', 'reason': 'tools are bound and its offer says supports_tools: false'},)

"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hf_tools import router_catalog
from hf_tools.errors import HFModelNotServedError, HFNoCapableProviderError
from hf_tools.router_catalog import Offer
from hf_tools.routing.plan import CHAT_TASK, chat_providers, served_chat_providers
from hf_tools.settings import HFSettings

__all__ = ["ChatRoute", "Needs", "Selection", "chat_route", "estimate_prompt_tokens", "select"]

logger = logging.getLogger("hf_tools")

CHARS_PER_TOKEN = 4
"""Characters per token in the prompt-size estimate."""
TOKENS_PER_MESSAGE = 4
"""Tokens a chat template adds around each message (role and separators), in the estimate."""


def estimate_prompt_tokens(messages: Sequence[Mapping[str, Any]], body: Mapping[str, Any]) -> int:
    """The tokens a chat request needs from a provider's context, estimated.

    The characters of every text the model reads (message contents and text parts, tool calls'
    names and arguments, the bound tools' and the ``response_format`` schema's JSON) divided by
    ``CHARS_PER_TOKEN`` (4) and rounded up, plus ``TOKENS_PER_MESSAGE`` (4) per message, plus the
    answer's room: ``max_tokens`` (or ``max_completion_tokens``) when set. Images are not counted.
    About right for English; scripts such as Chinese take more tokens per character.

    Example:
        >>> estimate_prompt_tokens([{"role": "user", "content": "x" * 400}], {"max_tokens": 50})
        154

    """
    chars = sum(len(text) for message in messages for text in _texts(message))
    for key in ("tools", "response_format"):
        if body.get(key):
            chars += len(json.dumps(body[key]))
    room = body.get("max_tokens") or body.get("max_completion_tokens") or 0
    room = room if isinstance(room, int) and not isinstance(room, bool) else 0
    return -(-chars // CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * len(messages) + room


def _texts(message: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        texts.extend(str(p["text"]) for p in content if isinstance(p, Mapping) and p.get("type") == "text")
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            texts.extend(str(function.get(key) or "") for key in ("name", "arguments"))
    return texts


@dataclass(frozen=True)
class Needs:
    """What one chat call needs from a provider.

    Example:
        >>> Needs.of_request([{"role": "user", "content": "hi"}], {"tools": [{"type": "function"}]}).tools
        True

    """

    tools: bool = False
    structured_output: bool = False
    prompt_tokens: int = 0

    @classmethod
    def of_request(cls, messages: Sequence[Mapping[str, Any]], body: Mapping[str, Any]) -> Needs:
        """The needs of a request: tools bound, ``json_schema`` output, the estimated prompt size."""
        response_format = body.get("response_format")
        return cls(
            tools=bool(body.get("tools")),
            structured_output=isinstance(response_format, Mapping) and response_format.get("type") == "json_schema",
            prompt_tokens=estimate_prompt_tokens(messages, body),
        )


@dataclass(frozen=True)
class Selection:
    """The providers a call may go to, in order, and those skipped with the reason."""

    providers: tuple[str, ...]
    skipped: tuple[dict[str, str], ...] = ()


def _reason(offer: Offer, needs: Needs) -> str | None:
    """Why ``offer`` cannot take the call (None: it can, or nothing says it cannot)."""
    if needs.tools and offer.supports_tools is False:
        return "tools are bound and its offer says supports_tools: false"
    if needs.structured_output and offer.supports_structured_output is False:
        return "json_schema structured output is asked and its offer says supports_structured_output: false"
    if offer.context_length is not None and offer.context_length < needs.prompt_tokens:
        return (
            f"its context_length {offer.context_length} is below the prompt's estimated"
            f" {needs.prompt_tokens} tokens (characters/4 + 4 per message + max_tokens)"
        )
    return None


def _cheapest(offer: Offer | None) -> tuple[int, Any]:
    if offer is None:
        return (2, 0)
    if offer.input_price is None or offer.output_price is None:
        return (1, 0)
    return (0, offer.input_price + offer.output_price)


def _fastest(offer: Offer | None) -> tuple[int, float]:
    if offer is None:
        return (3, 0.0)
    if offer.throughput is not None:
        return (0, -offer.throughput)
    if offer.latency is not None:
        return (1, offer.latency)
    return (2, 0.0)


def select(
    candidates: Sequence[str], needs: Needs, offers: Mapping[str, Offer] | None, ordering: str | None = None
) -> Selection:
    """The candidates that can take a call with ``needs``, in order (``ordering``: ``"cheapest"``,
    ``"fastest"`` or None for the order given). ``offers`` None: nothing is known, all are kept in order.
    """
    if offers is None:
        return Selection(tuple(candidates))
    kept: list[str] = []
    skipped: list[dict[str, str]] = []
    for name in candidates:
        offer = offers.get(name)
        reason = None if offer is None else _reason(offer, needs)
        if reason is None:
            kept.append(name)
        else:
            skipped.append({"provider": name, "reason": reason})
    if ordering == "cheapest":
        kept.sort(key=lambda name: _cheapest(offers.get(name)))
    elif ordering == "fastest":
        kept.sort(key=lambda name: _fastest(offers.get(name)))
    return Selection(tuple(kept), tuple(skipped))


@dataclass(frozen=True)
class ChatRoute:
    """Where one chat call goes: ``providers`` in order (``(None,)``: the router's own choice), the
    ``model`` to send (with the router's ``:cheapest``/``:fastest`` suffix when the choice is left to
    it) and the providers ``skipped``.
    """

    providers: tuple[str | None, ...]
    model: str
    skipped: tuple[dict[str, str], ...] = ()


_unread_logged: set[str] = set()


def _log_unread(model: str) -> None:
    base = router_catalog.router_base()
    if base in _unread_logged:
        return
    _unread_logged.add(base)
    logger.warning(
        "hf_tools: the router's model listing (%s/v1/models) could not be read: chat providers for %s"
        " are tried as given, without capability checks",
        base,
        model,
    )


def chat_route(model: str, settings: HFSettings, needs: Needs) -> ChatRoute:
    """The route of a chat call with a provider list or ``"cheapest"``/``"fastest"`` (see the module docs).

    Raises:
        HFNoCapableProviderError: every candidate was skipped (no request is sent).
        HFModelNotServedError: the Hub maps the model to no provider serving it as chat.
        HFModelNotFoundError: the Hub has no such model.

    """
    ordering = settings.provider_ordering
    if ordering is None:
        listed: tuple[str, ...] = tuple(p for p in chat_providers(model, settings) if p is not None)
    else:
        served = served_chat_providers(model, settings)
        if served is not None and not served:
            raise HFModelNotServedError(
                f"no provider serves {model!r} as chat, so provider={ordering!r} has nothing to order",
                task=CHAT_TASK,
                model=model,
            )
        listed = served or ()
    offers = router_catalog.known_offers(
        model, settings.resolved_token(), ttl=settings.model_check_ttl, timeout=settings.hub_timeout
    )
    if offers is None:
        _log_unread(model)
    if ordering is not None and not listed:  # the Hub was not read: the live providers of the listing
        listed = tuple(name for name, offer in (offers or {}).items() if offer.status == "live" and _callable(name))
        if not listed:  # neither listing knows: leave the ordering to the router's own suffix
            return ChatRoute((None,), f"{model}:{ordering}")
    chosen = select(listed, needs, offers, ordering)
    if not chosen.providers:
        why = "; ".join(f"{s['provider']}: {s['reason']}" for s in chosen.skipped)
        raise HFNoCapableProviderError(
            f"no provider of {model!r} can take this call, so nothing was sent ({why})",
            task=CHAT_TASK,
            model=model,
            skipped=chosen.skipped,
        )
    return ChatRoute(chosen.providers, model, chosen.skipped)


def _callable(provider: str) -> bool:
    """Whether the installed huggingface_hub has a chat helper for ``provider``."""
    from huggingface_hub.inference._providers import PROVIDERS

    return CHAT_TASK in PROVIDERS.get(provider, {})  # type: ignore[call-overload]
