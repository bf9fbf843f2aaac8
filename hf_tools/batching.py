"""``batch``/``abatch`` with a bounded concurrency, for the task Runnables and the chat model.

LangChain's ``Runnable.batch`` runs every input at once unless the config sets
``max_concurrency``; :class:`BoundedBatchMixin` fills in the component's own cap when it is not
set, so a batch of 1,000 inputs keeps at most ``max_concurrency`` requests in flight.

Example:
    >>> from hf_tools import runnable
    >>> from hf_tools.testing import LoopbackServer
    >>> with LoopbackServer() as server:
    ...     classify = runnable("text-classification", base_url=server.base_url, max_concurrency=2)
    ...     labels = [out[0].label for out in classify.batch(["I love it", "I hate it"] * 3)]
    ...     peak = server.max_in_flight
    >>> len(labels), peak <= 2
    (6, True)

"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config
from langchain_core.runnables.utils import Input, Output

__all__ = ["BoundedBatchMixin"]


class BoundedBatchMixin(Runnable[Input, Output]):
    """``batch``/``abatch`` keep at most :meth:`_max_concurrency` calls in flight.

    A config's own ``max_concurrency`` wins. List it before the LangChain base class:
    ``class HFTaskRunnable(BoundedBatchMixin[Any, Any], RunnableSerializable[Any, Any])``.
    """

    def _max_concurrency(self) -> int:
        """The cap used when the config sets none."""
        raise NotImplementedError

    def _with_concurrency(
        self, config: RunnableConfig | list[RunnableConfig] | None
    ) -> RunnableConfig | list[RunnableConfig]:
        if isinstance(config, list):
            return [self._bounded(c) for c in config]
        return self._bounded(config)

    def _bounded(self, config: RunnableConfig | None) -> RunnableConfig:
        config = ensure_config(config)
        if config.get("max_concurrency") is None:
            config["max_concurrency"] = self._max_concurrency()
        return config

    def batch(
        self,
        inputs: list[Input],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any | None,
    ) -> list[Output]:
        return super().batch(inputs, self._with_concurrency(config), return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: list[Input],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any | None,
    ) -> list[Output]:
        return await super().abatch(
            inputs, self._with_concurrency(config), return_exceptions=return_exceptions, **kwargs
        )
