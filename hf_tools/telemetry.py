"""OpenTelemetry spans for inference requests, named by the GenAI semantic conventions.

When the ``opentelemetry`` API is installed and the application has configured a tracer provider
(``trace.set_tracer_provider(...)``), each call hf_tools makes to a model is one client span:

* name ``"{operation} {model}"`` (``chat Qwen/Qwen2.5-7B-Instruct``, ``summarization facebook/bart-large-cnn``);
* ``gen_ai.system`` / ``gen_ai.provider.name`` ``"huggingface"``, ``gen_ai.operation.name``
  (``chat``, ``embeddings`` or the task), ``gen_ai.request.model``, ``gen_ai.response.model``,
  ``gen_ai.usage.input_tokens`` and ``gen_ai.usage.output_tokens`` where the answer says them;
* ``hf_tools.task``, ``hf_tools.inference_provider`` (the provider that answered) and
  ``hf_tools.cost_usd`` where known; ``error.type`` and an error status when the call failed.

Nothing happens without the package or without a configured provider, and ``import hf_tools``
never imports OpenTelemetry: the first call looks for it once.

Example:
    >>> span = start_span("summarization", "facebook/bart-large-cnn", task="summarization")
    >>> span.end(provider="hf-inference")   # a no-op here: no tracer provider is configured
"""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["InferenceSpan", "start_span"]

_INSTRUMENTATION = "hf_tools"
_available: bool | None = None
_trace: Any = None  # opentelemetry.trace, imported on the first call
_tracers: tuple[Any, Any] = (None, None)  # (provider, its tracer): one lookup per configured provider


def _tracer() -> Any:
    """The tracer to use, or None (no OpenTelemetry, or no tracer provider configured)."""
    global _available, _trace, _tracers
    if _trace is None:
        if _available is None:
            _available = importlib.util.find_spec("opentelemetry") is not None
        if not _available:
            return None
        from opentelemetry import trace

        _trace = trace
    provider = _trace.get_tracer_provider()
    if isinstance(provider, (_trace.ProxyTracerProvider, _trace.NoOpTracerProvider)):
        return None
    known, tracer = _tracers
    if provider is not known:
        tracer = provider.get_tracer(_INSTRUMENTATION)
        _tracers = (provider, tracer)
    return tracer


class InferenceSpan:
    """One call's span; :meth:`end` records what the answer said and closes it."""

    __slots__ = ("_span",)

    def __init__(self, span: Any) -> None:
        self._span = span

    @property
    def recording(self) -> bool:
        """Whether a span is open (OpenTelemetry is configured and the span has not ended)."""
        return self._span is not None

    def end(
        self,
        *,
        provider: str | None = None,
        response_model: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cost_usd: float | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Record the outcome and end the span (no-op without a span)."""
        span = self._span
        if span is None:
            return
        values = {
            "hf_tools.inference_provider": provider,
            "gen_ai.response.model": response_model,
            "gen_ai.usage.input_tokens": input_tokens,
            "gen_ai.usage.output_tokens": output_tokens,
            "hf_tools.cost_usd": cost_usd,
        }
        for key, value in values.items():
            if value is not None:
                span.set_attribute(key, value)
        if error is not None:
            from opentelemetry.trace import Status, StatusCode

            span.set_attribute("error.type", type(error).__name__)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()
        self._span = None


_NO_SPAN = InferenceSpan(None)  # what every call gets without a tracer: ending it does nothing


def _operation(method: str, task: str | None) -> str:
    if method == "chat_completion":
        return "chat"
    if method == "feature_extraction" or task == "feature-extraction":
        return "embeddings"
    return task or method


def start_span(method: str, model: str | None, *, task: str | None = None) -> InferenceSpan:
    """Start the span of one call to ``model`` (``method`` is the client method or the task)."""
    tracer = _tracer()
    if tracer is None:
        return _NO_SPAN
    from opentelemetry.trace import SpanKind

    operation = _operation(method, task)
    attributes: dict[str, Any] = {
        "gen_ai.system": "huggingface",
        "gen_ai.provider.name": "huggingface",
        "gen_ai.operation.name": operation,
    }
    if model:
        attributes["gen_ai.request.model"] = model
    if task:
        attributes["hf_tools.task"] = task
    name = f"{operation} {model}" if model else operation
    return InferenceSpan(tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes))
