"""Provider failover for one routed call: which provider the next attempt goes to.

A :class:`Route` is made per call from the providers that serve the model for the task
(``HFSettings.provider``'s list order, else the Hub mapping's order; see
:mod:`hf_tools.routing`). :class:`~hf_tools.client.HFClient` asks it, after each failed
attempt, whether to move on:

* a retryable failure (429, 5xx, 503 model loading, timeout, dropped connection) moves the
  call to the next provider at once, without waiting;
* once every provider has failed in a round, the client backs off (the usual retry policy)
  and starts the next round at the first provider;
* any other error (400, 401, 402, 403, 404, 413, 422, a malformed body) is raised at once:
  another provider would refuse the same request.

The call's one deadline covers every provider and every round. The provider that answered is
:attr:`Route.answered`; providers left out before the call (a chat call's capability checks, see
:mod:`hf_tools.routing.capabilities`) are :attr:`Route.skipped`, with the reason.

Example:
    >>> from hf_tools.errors import HFRateLimitError, HFInvalidRequestError
    >>> route = Route(("together", "fal-ai"))
    >>> route.provider
    'together'
    >>> route.fail_over(HFRateLimitError("busy"))
    True
    >>> route.provider, route.tried
    ('fal-ai', ['together'])
    >>> route.fail_over(HFRateLimitError("busy"))  # every provider failed: back off, start again
    False
    >>> route.provider
    'together'
    >>> Route(("a", "b")).fail_over(HFInvalidRequestError("bad input"))
    False

"""

from __future__ import annotations

import logging

from hf_tools.errors import HFError
from hf_tools.retry import is_retryable

__all__ = ["Route"]

logger = logging.getLogger("hf_tools")


class Route:
    """The providers one call may use, in order, and where the call is now.

    Args:
        providers: provider names in order; ``None`` in it means "let huggingface_hub (or the
            router) choose" (no failover is possible then).
        model: the model, for log lines.
        skipped: ``{"provider", "reason"}`` of each provider left out before the call.

    """

    __slots__ = ("answered", "failovers", "index", "model", "providers", "skipped", "tried")

    def __init__(
        self,
        providers: tuple[str | None, ...] = (None,),
        model: str | None = None,
        skipped: tuple[dict[str, str], ...] = (),
    ) -> None:
        self.providers = providers or (None,)
        self.model = model
        self.skipped = skipped
        self.index = 0
        self.tried: list[str] = []
        self.failovers = 0
        self.answered: str | None = None

    @property
    def provider(self) -> str | None:
        """The provider the next attempt goes to (None: the client's own choice)."""
        return self.providers[self.index]

    def fail_over(self, error: HFError) -> bool:
        """After ``error`` from :attr:`provider`: True if the call moved to the next provider now."""
        current = self.provider
        if current is not None:
            self.tried.append(current)
        if not is_retryable(error) or len(self.providers) < 2:
            return False
        if self.index + 1 < len(self.providers):
            self.index += 1
            self.failovers += 1
            logger.info(
                "hf_tools: provider %s failed for %s (%s); trying %s",
                current,
                self.model,
                type(error).__name__,
                self.provider,
            )
            return True
        self.index = 0  # a full round failed: back off, then start again at the first provider
        return False

    def succeeded(self) -> None:
        """Record that :attr:`provider` answered."""
        self.answered = self.provider
        if self.failovers:
            logger.info(
                "hf_tools: %s answered by provider %s after %s failed", self.model, self.answered, ", ".join(self.tried)
            )
        else:
            logger.debug("hf_tools: %s answered by provider %s", self.model, self.answered or "auto")

    def __repr__(self) -> str:
        return f"Route(providers={self.providers!r}, answered={self.answered!r})"
