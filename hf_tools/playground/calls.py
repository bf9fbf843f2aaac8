"""One playground call: run a task through ``hf_tools.runnable`` and note its route, time and usage.

Example:
    >>> from hf_tools import TASKS
    >>> from hf_tools.testing import LoopbackServer
    >>> with LoopbackServer() as server:
    ...     done = run_call(TASKS["summarization"], {"text": "Short. Text."}, settings={"base_url": server.base_url})
    >>> done.output.summary_text, done.route.provider, done.error
    ('Short.', 'endpoint', None)

"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

from hf_tools.errors import HFError, redact
from hf_tools.route_events import ROUTE_EVENT
from hf_tools.tasks import TaskSpec

__all__ = ["CallResult", "Route", "error_text", "run_call", "usage_block"]

log = logging.getLogger("hf_tools.playground")


@dataclass
class Route:
    """Who answered one call, and what it took.

    Attributes:
        model: the model the call resolved to (an id or an endpoint URL).
        provider: the provider that answered; ``"endpoint"`` for a URL (``base_url``), ``"auto"``
            when the route was not reported.
        tried: providers tried before the one that answered.
        seconds: from the call's start to its typed output.
        usage: tokens and cost when usage tracking is available (``requests``, ``input_tokens``,
            ``output_tokens``, ``cost_usd``), else None.

    Example:
        >>> Route(model="org/m", provider="together", tried=["fal-ai"], seconds=0.0123).describe()
        'model `org/m` · provider `together` (after fal-ai) · 12 ms'

    """

    model: str
    provider: str
    tried: list[str] = field(default_factory=list)
    seconds: float = 0.0
    usage: dict[str, Any] | None = None

    def describe(self) -> str:
        """One Markdown line: model, provider (and those tried first), time, tokens and cost."""
        after = f" (after {', '.join(self.tried)})" if self.tried else ""
        parts = [f"model `{self.model}`", f"provider `{self.provider}`{after}", f"{self.seconds * 1000:.0f} ms"]
        if self.usage and (self.usage.get("input_tokens") or self.usage.get("output_tokens")):
            tokens = f"{self.usage.get('input_tokens', 0)} in / {self.usage.get('output_tokens', 0)} out tokens"
            cost = self.usage.get("cost_usd")
            parts.append(tokens + (f", ${cost:.6f}" if isinstance(cost, (int, float)) else ""))
        return " · ".join(parts)


@dataclass
class CallResult:
    """The output of one call (None after an error), its route and the error's one-line text."""

    output: Any
    route: Route
    error: str | None = None


class _RouteSeen(BaseCallbackHandler):
    """Keeps the ``hf_tools_route`` events of a run."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        if name == ROUTE_EVENT and isinstance(data, dict):
            self.events.append(data)


@contextlib.contextmanager
def usage_block() -> Iterator[Any]:
    """``hf_tools.usage.track_usage()`` where this version of hf_tools has it, else a block yielding None."""
    try:
        track = importlib.import_module("hf_tools.usage").track_usage
    except (ImportError, AttributeError):
        yield None
        return
    with track() as usage:
        yield usage


def usage_of(tracker: Any) -> dict[str, Any] | None:
    """Tokens and cost of a usage tracker (None without one)."""
    if tracker is None:
        return None
    cost = getattr(tracker, "cost_usd", None)
    return {
        "requests": getattr(tracker, "requests", 0),
        "input_tokens": getattr(tracker, "input_tokens", 0),
        "output_tokens": getattr(tracker, "output_tokens", 0),
        "cost_usd": float(cost) if cost is not None else None,
    }


def error_text(exc: BaseException) -> str:
    """``Type: message`` on one line, the token redacted: what the page shows instead of a traceback."""
    message = redact(" ".join(str(exc).split()), os.environ.get("HF_TOKEN")) or "(no message)"
    return f"{type(exc).__name__}: {message}"


def run_call(
    spec: TaskSpec, data: dict[str, Any], *, model: str | None = None, settings: dict[str, Any] | None = None
) -> CallResult:
    """Validate ``data`` (a typed error before any request), run the task, and note the route.

    Args:
        spec: the task.
        data: its input as tool arguments.
        model: the model (None: the task's default).
        settings: :class:`~hf_tools.settings.HFSettings` fields (``base_url``, ``provider``, ...).

    Never raises: an error comes back as :attr:`CallResult.error`, one line.
    """
    from hf_tools.runnables import runnable

    settings = dict(settings or {})
    endpoint = bool(settings.get("base_url")) or bool(model and model.startswith(("http://", "https://")))
    route = Route(model=model or spec.default_model, provider="endpoint" if endpoint else "auto")
    seen = _RouteSeen()
    started = time.perf_counter()
    try:
        value = spec.coerce_input(data)
        task = runnable(spec.name, model=model or None, **settings)
        route.model = str(getattr(task, "target_model", None) or route.model)
        with usage_block() as usage:
            output = task.invoke(value, {"callbacks": [seen]})
        route.usage = usage_of(usage)
    except HFError as exc:
        route.seconds = time.perf_counter() - started
        return CallResult(None, route, error_text(exc))
    except Exception as exc:
        log.debug("playground call of %s failed", spec.name, exc_info=True)
        route.seconds = time.perf_counter() - started
        return CallResult(None, route, error_text(exc))
    route.seconds = time.perf_counter() - started
    if seen.events:
        last = seen.events[-1]
        route.model = str(last.get("model") or route.model)
        route.provider = str(last.get("provider") or route.provider)
        route.tried = [str(p) for p in last.get("tried") or []]
    return CallResult(output, route)
