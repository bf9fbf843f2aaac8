"""The pre-call model check against a loopback Hub (no request ever leaves 127.0.0.1).

With a model id and no base_url the inference call would go to the Hugging Face router, so
tests where the check passes replace ``HFClient.call``/``acall`` with a recorder: they show
the call went on, and no request reaches a public host.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from huggingface_hub import SummarizationOutput

import hf_tools
import hf_tools.errors
from hf_tools.client import HFClient
from hf_tools.errors import HFModelNotFoundError, HFModelNotServedError, HFTaskMismatchError
from hf_tools.hub import check
from hf_tools.testing import LoopbackServer
from hf_tools.testing.hub_server import HubModel, HubProvider, LoopbackHub

TOKEN = "hf_check_secret_0123456789"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
BART = "facebook/bart-large-cnn"
UNSERVED = "someone/summarizer-nobody-serves"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """Record inference calls instead of sending them to the router."""
    made: list[tuple[str, str | None]] = []

    def answer(method: str) -> Any:
        if method == "chat_completion":
            return {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}
        return "ok" if method == "text_generation" else SummarizationOutput(summary_text="ok")

    def call(self: HFClient, method: str, model: str | None, /, *args: Any, **kwargs: Any) -> Any:
        made.append((method, model))
        return answer(method)

    async def acall(self: HFClient, method: str, model: str | None, /, *args: Any, **kwargs: Any) -> Any:
        made.append((method, model))
        return answer(method)

    monkeypatch.setattr(HFClient, "call", call)
    monkeypatch.setattr(HFClient, "acall", acall)
    return made


def _runnable(task: str, model: str, hub: LoopbackHub, **kw: Any) -> hf_tools.HFTaskRunnable:
    return hf_tools.runnable(task, model=model, token=TOKEN, hub_endpoint=hub.endpoint, max_retries=0, **kw)


def test_chat_model_for_text_generation_is_answered_through_chat(hub: LoopbackHub, calls: list[Any]) -> None:
    generate = _runnable("text-generation", LLAMA, hub)
    assert generate.invoke("Once upon a time") == "ok"
    assert calls == [("chat_completion", LLAMA)]  # no provider serves raw text-generation: chat instead
    assert generate.plan().providers == ("novita",)  # nebius: not in the installed huggingface_hub
    assert hub.count(LLAMA) == 1


def test_chat_model_for_another_task_is_refused_with_the_call_to_use(hub: LoopbackHub, calls: list[Any]) -> None:
    summarize = _runnable("summarization", LLAMA, hub)
    with pytest.raises(HFTaskMismatchError) as info:
        summarize.invoke("Once upon a time")
    err = info.value
    assert err.task == "summarization"
    assert err.served_tasks == ("conversational",)
    assert "conversational" in str(err) and LLAMA in str(err)
    assert err.suggestion == f'hf_tools.ChatHFInference(model="{LLAMA}")'
    assert err.suggestion in str(err)
    assert isinstance(err, hf_tools.HFInputError)
    assert calls == []  # refused before any inference request
    assert hub.count(LLAMA) == 1


def test_mismatch_names_the_runnable_for_the_served_task(hub: LoopbackHub, calls: list[Any]) -> None:
    classify = _runnable("text-classification", BART, hub)
    with pytest.raises(HFTaskMismatchError) as info:
        classify.invoke("I love it")
    assert info.value.served_tasks == ("summarization",)
    assert f'hf_tools.runnable("summarization", model="{BART}")' in str(info.value)
    # the suggested call passes the check and goes on
    summarize = _runnable("summarization", BART, hub)
    summarize.invoke("Some long text.")
    assert calls == [("summarization", BART)]
    assert hub.count(BART) == 1  # one Hub request for both tasks


def test_model_no_provider_serves_lists_providers_serving_the_task(hub: LoopbackHub, calls: list[Any]) -> None:
    with pytest.raises(HFModelNotServedError) as info:
        _runnable("summarization", UNSERVED, hub).invoke("text")
    err = info.value
    assert "no inference provider serves" in str(err)
    assert err.providers_for_task == ("hf-inference",)
    assert BART in str(err) and "hf-inference" in str(err)
    assert isinstance(err, hf_tools.errors.HFModelNotFoundError)
    assert calls == []


def test_unserved_model_with_another_pipeline_tag_is_a_mismatch(hub: LoopbackHub) -> None:
    with pytest.raises(HFTaskMismatchError) as info:
        _runnable("fill-mask", UNSERVED, hub).invoke("Paris is the [MASK] of France.")
    assert "no inference provider serves it" in str(info.value)
    assert info.value.served_tasks == ("summarization",)


def test_pinned_provider_that_does_not_serve_the_model(hub: LoopbackHub, calls: list[Any]) -> None:
    with pytest.raises(HFModelNotServedError) as info:
        _runnable("summarization", BART, hub, provider="together").invoke("text")
    assert "provider='hf-inference'" in str(info.value)
    _runnable("summarization", BART, hub, provider="hf-inference").invoke("text")
    assert calls == [("summarization", BART)]


def test_gated_and_staging_models_that_serve_the_task_pass(hub: LoopbackHub, calls: list[Any]) -> None:
    hub.add(
        HubModel(
            "org/gated-classifier",
            "text-classification",
            gated="manual",
            providers=(HubProvider("hf-inference", "text-classification", status="staging"),),
        )
    )
    _runnable("text-classification", "org/gated-classifier", hub).invoke("fine")
    assert calls == [("text_classification", "org/gated-classifier")]


def test_unknown_model_is_not_found(hub: LoopbackHub, calls: list[Any]) -> None:
    with pytest.raises(HFModelNotFoundError, match="not on the Hub"):
        _runnable("summarization", "nobody/nothing", hub).invoke("text")
    assert calls == []


def test_one_hub_request_per_model_per_ttl(hub: LoopbackHub, calls: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(check, "_clock", lambda: now[0])
    summarize = _runnable("summarization", BART, hub, model_check_ttl=600)
    for _ in range(50):
        summarize.invoke("text")
    hf_tools.tool("summarization", model=BART, token=TOKEN, hub_endpoint=hub.endpoint).invoke({"text": "t"})
    assert hub.count(BART) == 1
    assert len(calls) == 51
    now[0] += 599
    summarize.invoke("text")
    assert hub.count(BART) == 1
    now[0] += 2  # past the TTL
    summarize.invoke("text")
    assert hub.count(BART) == 2


def test_cached_mismatch_is_raised_again_without_a_hub_request(hub: LoopbackHub) -> None:
    generate = _runnable("summarization", LLAMA, hub)
    for _ in range(3):
        with pytest.raises(HFTaskMismatchError):
            generate.invoke("hi")
    assert hub.count(LLAMA) == 1


def test_concurrent_first_calls_make_one_hub_request(hub: LoopbackHub, calls: list[Any]) -> None:
    summarize = _runnable("summarization", BART, hub, max_concurrency=16)
    summarize.batch(["text"] * 32)
    assert hub.count(BART) == 1
    assert len(calls) == 32


async def test_async_paths_check_too(hub: LoopbackHub, calls: list[Any]) -> None:
    with pytest.raises(HFTaskMismatchError):
        await _runnable("summarization", LLAMA, hub).ainvoke("hi")
    summarize = _runnable("summarization", BART, hub)
    await asyncio.gather(*(summarize.ainvoke("text") for _ in range(8)))
    assert hub.count(BART) == 1
    assert len(calls) == 8


def test_streams_are_checked(hub: LoopbackHub) -> None:
    with pytest.raises(HFTaskMismatchError):
        list(_runnable("text-generation", BART, hub).stream("hi"))


async def test_async_streams_are_checked(hub: LoopbackHub) -> None:
    with pytest.raises(HFTaskMismatchError):
        async for _ in _runnable("text-generation", BART, hub).astream("hi"):
            pass


def test_hub_down_degrades_to_a_warning_and_the_call_goes_on(
    hub: LoopbackHub, calls: list[Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [50.0]
    monkeypatch.setattr(check, "_clock", lambda: now[0])
    hub.down(503)
    summarize = _runnable("summarization", BART, hub)
    with caplog.at_level(logging.WARNING, logger="hf_tools"):
        summarize.invoke("text")
        summarize.invoke("text")
    assert calls == [("summarization", BART)] * 2
    assert "could not check model" in caplog.text and "503" in caplog.text
    assert hub.count(BART) == 1  # the failure is remembered for a while, not retried per call
    hub.up()
    now[0] += check.RETRY_FAILED_AFTER + 1
    with pytest.raises(HFTaskMismatchError):
        _runnable("text-classification", BART, hub).invoke("text")
    assert hub.count(BART) == 2
    assert TOKEN not in caplog.text


def test_hub_unreachable_degrades_to_a_warning(calls: list[Any], caplog: pytest.LogCaptureFixture) -> None:
    hub = LoopbackHub().start()
    endpoint = hub.endpoint
    hub.stop()  # nothing listens on the port any more
    summarize = hf_tools.runnable("summarization", model=BART, token=TOKEN, hub_endpoint=endpoint)
    with caplog.at_level(logging.WARNING, logger="hf_tools"):
        summarize.invoke("text")
    assert calls == [("summarization", BART)]
    assert "could not check model" in caplog.text


def test_no_check_with_base_url_or_url_model_or_when_switched_off(hub: LoopbackHub) -> None:
    with LoopbackServer() as server:
        out = _runnable("summarization", LLAMA, hub, base_url=server.base_url).invoke("A. B.")
        assert out.summary_text
        url_model = f"{server.url}/models/{BART}"
        assert _runnable("summarization", url_model, hub).invoke("A. B.").summary_text
    assert hub.count() == 0


def test_switched_off(hub: LoopbackHub, calls: list[Any]) -> None:
    _runnable("text-generation", LLAMA, hub, check_model=False).invoke("hi")
    assert hub.count() == 0
    assert calls == [("text_generation", LLAMA)]


def test_no_token_skips_the_check_and_fails_at_once(hub: LoopbackHub, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    summarize = hf_tools.runnable("summarization", model=LLAMA, hub_endpoint=hub.endpoint)
    with pytest.raises(hf_tools.errors.HFMissingTokenError):
        summarize.invoke("text")
    assert hub.count() == 0


def test_token_never_shows(hub: LoopbackHub, caplog: pytest.LogCaptureFixture) -> None:
    generate = _runnable("summarization", LLAMA, hub)
    with caplog.at_level(logging.DEBUG), pytest.raises(HFTaskMismatchError) as info:
        generate.invoke("hi")
    for text in (str(info.value), repr(info.value), repr(generate), caplog.text, str(info.value.__dict__)):
        assert TOKEN not in text


def test_task_tool_is_checked(hub: LoopbackHub) -> None:
    generate = hf_tools.tool("summarization", model=LLAMA, token=TOKEN, hub_endpoint=hub.endpoint)
    with pytest.raises(HFTaskMismatchError):
        generate.runnable.invoke({"text": "hi"})
    # As a tool, the mismatch is a message the model can act on, naming the call to use instead.
    message = generate.invoke({"type": "tool_call", "id": "1", "name": generate.name, "args": {"text": "hi"}})
    assert message.status == "error"
    assert "hf_tools." in message.content and LLAMA in message.content
