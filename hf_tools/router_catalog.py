"""The router's chat catalog: ``GET <router>/v1/models``, per model and provider.

Each entry gives ``pricing`` (dollars per million input/output tokens), ``context_length``,
``supports_tools``, ``supports_structured_output`` and ``status``. The router base is derived from
huggingface_hub's ``constants.INFERENCE_PROXY_TEMPLATE`` (``<router>/{provider}``), never
hard-coded. The listing is read once and kept for ``ttl`` seconds (the settings'
``model_check_ttl``, like the Hub mapping); a failed read is retried after a minute at the soonest,
and meanwhile nothing is known (no cost, no capability skips).

Example:
    >>> offer = Offer.from_wire({"provider": "together", "pricing": {"input": 0.2, "output": 0.6}})
    >>> offer.cost(1_000_000, 500_000)
    Decimal('0.5')

"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hf_tools.hub import check
from hf_tools.hub.check import RETRY_FAILED_AFTER

__all__ = [
    "Offer",
    "cached_offers",
    "clear_catalog",
    "known_offers",
    "needs_refresh",
    "offers",
    "refresh",
    "router_base",
]

_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Offer:
    """One provider's offer of one chat model."""

    provider: str
    status: str = "live"
    context_length: int | None = None
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    supports_tools: bool | None = None
    supports_structured_output: bool | None = None
    latency: float | None = None
    throughput: float | None = None

    @classmethod
    def from_wire(cls, entry: dict[str, Any]) -> Offer:
        """From a ``providers[]`` entry of ``/v1/models`` (missing fields stay unknown)."""
        raw = entry.get("pricing")
        pricing: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return cls(
            provider=str(entry.get("provider")),
            status=str(entry.get("status") or "live"),
            context_length=_int(entry.get("context_length")),
            input_price=_price(pricing.get("input")),
            output_price=_price(pricing.get("output")),
            supports_tools=_bool(entry.get("supports_tools")),
            supports_structured_output=_bool(entry.get("supports_structured_output")),
            latency=_float(entry.get("latency")),
            throughput=_float(entry.get("throughput")),
        )

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal | None:
        """Dollars for these tokens at this offer's prices (None when the router lists no price)."""
        if self.input_price is None or self.output_price is None:
            return None
        return (input_tokens * self.input_price + output_tokens * self.output_price) / _MILLION


def _price(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


@functools.cache
def hub() -> Any:
    """huggingface_hub's ``constants`` module and ``get_session``, looked up once (its lazy imports cost µs each)."""
    import types

    from huggingface_hub import constants, get_session

    return types.SimpleNamespace(constants=constants, get_session=get_session)


def router_base() -> str:
    """The router's base URL, from huggingface_hub's ``INFERENCE_PROXY_TEMPLATE`` (read each time: tests move it)."""
    return _base_of(hub().constants.INFERENCE_PROXY_TEMPLATE)


@functools.lru_cache(maxsize=8)
def _base_of(template: str) -> str:
    return template.split("/{provider}", 1)[0]


_Catalog = dict[str, dict[str, Offer]]
_CACHE: dict[str, tuple[float, _Catalog | None]] = {}  # router base → (expires, catalog)
_LOCK = threading.Lock()


def clear_catalog() -> None:
    """Forget the cached listing."""
    _CACHE.clear()


def _clock() -> float:
    return check._clock()


def _fresh() -> _Catalog | None:
    """The cached listing while it is fresh (an empty one after a failed read), else None."""
    hit = _CACHE.get(router_base())
    if hit is None or hit[0] <= _clock():
        return None
    return hit[1] or {}


def cached_offers(model: str) -> dict[str, Offer] | None:
    """The model's offers from the cached listing (None: not read yet, or expired)."""
    catalog = _fresh()
    return None if catalog is None else catalog.get(model.partition(":")[0], {})


def needs_refresh() -> bool:
    """Whether the listing must be read before it can answer."""
    return _fresh() is None


def offers(model: str, token: str | None = None, *, ttl: float = 3600.0, timeout: float = 10.0) -> dict[str, Offer]:
    """``{provider: Offer}`` for chat ``model`` (a ``:suffix`` is ignored); reads the listing when needed."""
    cached = cached_offers(model)
    if cached is not None:
        return cached
    refresh(token, ttl=ttl, timeout=timeout)
    return cached_offers(model) or {}


def known_offers(
    model: str, token: str | None = None, *, ttl: float = 3600.0, timeout: float = 10.0
) -> dict[str, Offer] | None:
    """Like :func:`offers`, but None when the listing could not be read (nothing is known, which is not
    "no provider offers it": ``{}``).
    """
    if needs_refresh():
        refresh(token, ttl=ttl, timeout=timeout)
    hit = _CACHE.get(router_base())
    if hit is None or hit[1] is None:
        return None
    return hit[1].get(model.partition(":")[0], {})


def refresh(token: str | None = None, *, ttl: float = 3600.0, timeout: float = 10.0) -> None:
    """Read ``GET <router>/v1/models`` (one request at a time; a concurrent caller waits for it)."""
    base = router_base()
    with _LOCK:
        if not needs_refresh():
            return
        catalog = _read(base, token, timeout)
        _CACHE[base] = (_clock() + (ttl if catalog is not None else min(ttl, RETRY_FAILED_AFTER)), catalog)


def _read(base: str, token: str | None, timeout: float) -> _Catalog | None:
    import logging

    from huggingface_hub import get_session

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = get_session().get(f"{base}/v1/models", headers=headers, timeout=timeout)
        response.raise_for_status()
        data = response.json().get("data") or []
        return {
            str(model["id"]): {
                offer.provider: offer
                for offer in (Offer.from_wire(p) for p in model.get("providers") or [] if isinstance(p, dict))
            }
            for model in data
            if isinstance(model, dict) and "id" in model
        }
    except Exception as exc:  # noqa: BLE001 - without the listing nothing is priced; never fail a call for it
        logging.getLogger("hf_tools").warning("hf_tools: could not read the router's model listing: %r", exc)
        return None
