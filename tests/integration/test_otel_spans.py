"""OpenTelemetry spans with the GenAI semantic conventions, read with the SDK's in-memory exporter:
one client span per inference call (chat with its tokens, cost and the provider that answered; a
task; a failed call with its error type), children of the application's current span, and nothing
at all when no tracer provider is configured."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import hf_tools
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_otel_test_0123456789"
QWEN = "Qwen/Qwen2.5-7B-Instruct"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}

_EXPORTER = InMemorySpanExporter()
_PROVIDER = TracerProvider()
_PROVIDER.add_span_processor(SimpleSpanProcessor(_EXPORTER))


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    # the global provider can be set once per process: point the API's getter at ours for the test
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: _PROVIDER)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def _attributes(span: Any) -> dict[str, Any]:
    return dict(span.attributes or {})


def test_a_chat_call_is_a_span_with_tokens_cost_and_the_answering_provider(
    hf_router: LoopbackRouter, spans: InMemorySpanExporter
) -> None:
    chat = hf_tools.ChatHFInference(model=QWEN, provider="together", **FAST)
    tracer = _PROVIDER.get_tracer("app")
    with tracer.start_as_current_span("app request") as parent:
        reply = chat.invoke("Hi there")
    (span,) = [s for s in spans.get_finished_spans() if s.name != "app request"]
    attributes = _attributes(span)
    assert span.name == f"chat {QWEN}" and span.kind == trace.SpanKind.CLIENT
    assert span.parent is not None and span.parent.span_id == parent.get_span_context().span_id
    assert attributes["gen_ai.system"] == "huggingface" and attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.request.model"] == QWEN
    assert attributes["hf_tools.inference_provider"] == "together"
    usage = reply.usage_metadata
    assert usage is not None
    assert attributes["gen_ai.usage.input_tokens"] == usage["input_tokens"] > 0
    assert attributes["gen_ai.usage.output_tokens"] == usage["output_tokens"] > 0
    with hf_tools.track_usage() as tracked:
        chat.invoke("Hi there")
    assert attributes["hf_tools.cost_usd"] == pytest.approx(float(tracked.cost_usd))


def test_a_task_call_and_a_failed_call(spans: InMemorySpanExporter) -> None:
    with LoopbackServer() as server:
        model = hf_tools.TASKS["summarization"].default_model
        summarize = hf_tools.runnable("summarization", base_url=server.base_url, max_retries=0)
        summarize.invoke("Cats sleep. Dogs bark.")
        server.enqueue(model, Reply.error(400, "bad input"))
        with pytest.raises(hf_tools.errors.HFInvalidRequestError):
            summarize.invoke("Cats sleep. Dogs bark.")
    ok, failed = spans.get_finished_spans()
    assert ok.name == f"summarization {model}" and _attributes(ok)["hf_tools.task"] == "summarization"
    assert _attributes(ok)["hf_tools.inference_provider"] == "endpoint"
    assert "error.type" not in _attributes(ok)
    assert _attributes(failed)["error.type"] and failed.status.status_code == trace.StatusCode.ERROR
    assert TOKEN not in str([_attributes(s) for s in (ok, failed)])


def test_no_span_without_a_configured_provider_and_import_hf_tools_stays_light() -> None:
    program = (
        "import sys, hf_tools\n"
        "print('opentelemetry' in sys.modules)\n"
        "from hf_tools import telemetry\n"
        "from hf_tools.testing import LoopbackServer\n"
        "with LoopbackServer() as s:\n"
        "    hf_tools.runnable('fill-mask', base_url=s.base_url).invoke('a [MASK]')\n"
        "print(telemetry.start_span('fill-mask', 'm').recording)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
