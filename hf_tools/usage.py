"""What a block of code spent: ``with hf_tools.track_usage() as usage:``.

Every inference call hf_tools makes inside the block (task runnables, tools, the chat model,
embeddings, media jobs, in any thread or task started inside it with the block's context) is
counted as one :class:`UsageRecord`: the model, the provider that answered, the task, the input and
output tokens a chat answer reports, its cost and its duration. The cost is the tokens times the
router's ``/v1/models`` price for the provider that answered (see :mod:`hf_tools.router_catalog`);
calls the router prices no tokens for (task and media calls, endpoints) count as requests, with
cost 0. Blocks nest: an outer block sees the calls of inner ones.

``track_usage(max_cost_usd=X)``: once the cost spent in the block exceeds ``X``, the next call
raises :class:`~hf_tools.errors.HFBudgetExceededError` before it sends any request.

The blocks are kept in a context variable (as LangChain's ``get_openai_callback`` does): threads
started with the block's context (``Runnable.batch``, ``asyncio.to_thread``, LangChain's
``ContextThreadPoolExecutor``) and asyncio tasks created inside count; totals are updated under a
lock. :func:`add_usage_listener` sees every record (also outside any block), e.g. to make a
tracing span from it.

Example:
    >>> import hf_tools
    >>> from hf_tools.testing.router import routed
    >>> with routed() as (router, hub), hf_tools.track_usage() as usage:
    ...     chat = hf_tools.ChatHFInference(model="Qwen/Qwen2.5-7B-Instruct", token="hf_example")
    ...     _ = chat.invoke("one two three")
    >>> usage.requests, usage.input_tokens, usage.output_tokens, usage.cost_usd
    (1, 3, 5, 3.6e-06)
    >>> usage.by_provider["together"].cost_usd
    3.6e-06

"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hf_tools.errors import HFBudgetExceededError

__all__ = ["UsageRecord", "UsageTotals", "UsageTracker", "add_usage_listener", "remove_usage_listener", "track_usage"]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One inference call: what a usage total or a tracing span is made from.

    Attributes:
        model: the model id (a ``:suffix`` dropped) or endpoint URL.
        provider: the provider that answered (``"endpoint"`` for a URL, ``"auto"`` when unknown).
        task: the hf_tools task (``"chat-completion"`` for chat), or None.
        method: the huggingface_hub method called (``"chat_completion"``, ``"post_json"``, ...).
        input_tokens: prompt tokens the answer reports (0 when none).
        output_tokens: completion tokens the answer reports (0 when none).
        cost_usd: dollars at the router's price for the provider, or None when not priced.
        duration_s: seconds from the call's start to its answer (retries and failovers included).
        bill_to: the organization billed, when set.

    """

    model: str
    provider: str
    task: str | None
    method: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None
    duration_s: float
    bill_to: str | None = None


@dataclass
class UsageTotals:
    """Totals of some calls: ``requests``, ``input_tokens``, ``output_tokens``, ``cost_usd``."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = field(default_factory=Decimal)

    @property
    def cost_usd(self) -> float:
        """Dollars spent (summed exactly, as decimals)."""
        return float(self.cost)

    def _add(self, record: UsageRecord) -> None:
        self.requests += 1
        self.input_tokens += record.input_tokens
        self.output_tokens += record.output_tokens
        if record.cost_usd is not None:
            self.cost += record.cost_usd

    def as_dict(self) -> dict[str, Any]:
        """The totals as plain JSON-able values."""
        return {
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
        }


class UsageTracker(UsageTotals):
    """The totals of one ``track_usage`` block, also ``by_provider[name]`` and ``by_model[id]``.

    Example:
        >>> tracker = UsageTracker(max_cost_usd=1.0)
        >>> tracker.requests, tracker.by_provider, tracker.max_cost_usd
        (0, {}, 1.0)

    """

    def __init__(self, max_cost_usd: float | None = None) -> None:
        super().__init__()
        if max_cost_usd is not None and max_cost_usd < 0:
            from hf_tools.errors import HFInputError

            raise HFInputError(f"max_cost_usd must be >= 0, got {max_cost_usd}")
        self.max_cost_usd = max_cost_usd
        self._budget = None if max_cost_usd is None else Decimal(str(max_cost_usd))
        self.by_provider: dict[str, UsageTotals] = {}
        self.by_model: dict[str, UsageTotals] = {}
        self._lock = threading.Lock()

    def add(self, record: UsageRecord) -> None:
        """Count one call."""
        with self._lock:
            self._add(record)
            by_provider = self.by_provider.get(record.provider)
            if by_provider is None:
                by_provider = self.by_provider[record.provider] = UsageTotals()
            by_provider._add(record)
            by_model = self.by_model.get(record.model)
            if by_model is None:
                by_model = self.by_model[record.model] = UsageTotals()
            by_model._add(record)

    def spent(self) -> bool:
        """Whether the cost has passed ``max_cost_usd``."""
        return self._budget is not None and self.cost > self._budget

    def as_dict(self) -> dict[str, Any]:
        """Totals, by provider and by model, as plain JSON-able values."""
        with self._lock:
            return {
                **super().as_dict(),
                "by_provider": {name: t.as_dict() for name, t in self.by_provider.items()},
                "by_model": {name: t.as_dict() for name, t in self.by_model.items()},
            }

    def __repr__(self) -> str:
        return (
            f"UsageTracker(requests={self.requests}, input_tokens={self.input_tokens},"
            f" output_tokens={self.output_tokens}, cost_usd={self.cost_usd})"
        )


_active: ContextVar[tuple[UsageTracker, ...]] = ContextVar("hf_tools_usage", default=())
_listeners: list[Callable[[UsageRecord], None]] = []


@contextlib.contextmanager
def track_usage(max_cost_usd: float | None = None) -> Iterator[UsageTracker]:
    """Count the inference calls made inside the block (see the module docs); works in sync and async code.

    Args:
        max_cost_usd: once the block's cost exceeds it, the next call raises
            :class:`~hf_tools.errors.HFBudgetExceededError` before any request.

    """
    tracker = UsageTracker(max_cost_usd)
    token = _active.set((*_active.get(), tracker))
    try:
        yield tracker
    finally:
        _active.reset(token)


def add_usage_listener(listener: Callable[[UsageRecord], None]) -> None:
    """Call ``listener(record)`` after every inference call (in the calling thread; keep it fast)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_usage_listener(listener: Callable[[UsageRecord], None]) -> None:
    """Stop calling ``listener``."""
    with contextlib.suppress(ValueError):
        _listeners.remove(listener)


def wanted() -> bool:
    """Whether anything counts calls right now (a block or a listener)."""
    return bool(_active.get()) or bool(_listeners)


def check_budget(model: str | None) -> None:
    """Raise :class:`HFBudgetExceededError` when an enclosing block's budget is spent."""
    for tracker in _active.get():
        if tracker.spent():
            raise HFBudgetExceededError(
                f"the usage budget of ${tracker.max_cost_usd} is spent (${tracker.cost_usd} so far):"
                " no further request is sent in this track_usage block",
                model=model,
            )


def record(entry: UsageRecord) -> None:
    """Count ``entry`` in every enclosing block and tell the listeners."""
    for tracker in _active.get():
        tracker.add(entry)
    for listener in list(_listeners):
        listener(entry)
