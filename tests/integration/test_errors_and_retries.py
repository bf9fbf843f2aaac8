"""Every error class and every retry rule, through the real client against the loopback server."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from huggingface_hub import AsyncInferenceClient, InferenceClient
from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

import hf_tools
from hf_tools import retry
from hf_tools.client import HFClient
from hf_tools.errors import (
    HFAuthenticationError,
    HFConnectionError,
    HFDeadlineExceededError,
    HFError,
    HFInputError,
    HFInvalidRequestError,
    HFMissingTokenError,
    HFModelLoadingError,
    HFModelNotFoundError,
    HFPaymentRequiredError,
    HFPermissionError,
    HFRateLimitError,
    HFResponseError,
    HFServerError,
    HFTimeoutError,
)
from hf_tools.settings import HFSettings
from hf_tools.testing import LoopbackServer, Reply

TASK = "summarization"
MODEL = hf_tools.TASKS[TASK].default_model
TEXT = "One sentence. Another one."


def _settings(server: LoopbackServer, **overrides: Any) -> HFSettings:
    base: dict[str, Any] = {
        "base_url": server.base_url,
        "backoff_base": 0.01,
        "backoff_max": 0.02,
        "timeout": 2,
        "deadline": 10,
        "max_retries": 3,
    }
    return HFSettings(**{**base, **overrides})


async def _invoke(server: LoopbackServer, mode: str, **overrides: Any) -> Any:
    summarize = hf_tools.runnable(TASK, settings=_settings(server, **overrides))
    if mode == "sync":
        return summarize.invoke(TEXT)
    return await summarize.ainvoke(TEXT)


MODES = ["sync", "async"]

NOT_RETRIED = [
    (400, HFInvalidRequestError, ModelInvalidRequestError),
    (401, HFAuthenticationError, ModelAuthenticationError),
    (402, HFPaymentRequiredError, HFError),
    (403, HFPermissionError, ModelPermissionDeniedError),
    (404, HFModelNotFoundError, ModelNotFoundError),
    (413, HFInvalidRequestError, ModelInvalidRequestError),
    (422, HFInvalidRequestError, ModelInvalidRequestError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "error", "langchain_error"), NOT_RETRIED)
async def test_client_errors_map_to_typed_errors_and_are_not_retried(
    hf_server: LoopbackServer, mode: str, status: int, error: type, langchain_error: type
) -> None:
    hf_server.enqueue(MODEL, Reply.error(status, f"server says {status}"))
    with pytest.raises(error) as caught:
        await _invoke(hf_server, mode)
    assert isinstance(caught.value, langchain_error)
    assert caught.value.status_code == status
    assert caught.value.server_message == f"server says {status}"
    assert f"server says {status}" in str(caught.value)
    assert len(hf_server.requests) == 1, "must not be retried"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the client asks for between attempts (sync and async), recorded, not slept.

    Only the retry loop's clock seam (``hf_tools.retry.sleep/asleep/monotonic``) is replaced:
    its time stands still except for the recorded waits, so a deadline runs out exactly when
    the waits say, whatever the machine's load. ``time.sleep`` and ``asyncio.sleep`` stay real
    (the loopback server sleeps with them).
    """
    recorded: list[float] = []
    now = [1000.0]

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        now[0] += seconds

    async def fake_asleep(seconds: float) -> None:
        fake_sleep(seconds)

    monkeypatch.setattr(retry, "sleep", fake_sleep)
    monkeypatch.setattr(retry, "asleep", fake_asleep)
    monkeypatch.setattr(retry, "monotonic", lambda: now[0])
    return recorded


@pytest.mark.parametrize("mode", MODES)
async def test_model_loading_waits_estimated_time_then_succeeds(
    hf_server: LoopbackServer, mode: str, waits: list[float]
) -> None:
    hf_server.enqueue(MODEL, Reply.error(503, "Model is loading", estimated_time=0.3))
    out = await _invoke(hf_server, mode)
    assert out.summary_text == "One sentence."
    assert len(hf_server.requests) == 2
    assert waits == [0.3], "the retry must wait the server's estimated_time"


@pytest.mark.parametrize("mode", MODES)
async def test_model_loading_wait_is_capped(hf_server: LoopbackServer, mode: str, waits: list[float]) -> None:
    hf_server.enqueue(MODEL, Reply.error(503, "Model is loading", estimated_time=500))
    await _invoke(hf_server, mode, max_retry_wait=2, deadline=None)
    assert waits == [2]


@pytest.mark.parametrize("mode", MODES)
async def test_rate_limit_honours_retry_after(hf_server: LoopbackServer, mode: str, waits: list[float]) -> None:
    hf_server.enqueue(MODEL, Reply.error(429, "slow down", retry_after=0.3))
    await _invoke(hf_server, mode)
    assert waits == [0.3]
    assert len(hf_server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reply", [Reply.error(500, "boom"), Reply.error(502, "bad gateway"), Reply.dropped()])
async def test_server_errors_and_dropped_connections_are_retried(
    hf_server: LoopbackServer, mode: str, reply: Reply
) -> None:
    hf_server.enqueue(MODEL, reply, reply)
    out = await _invoke(hf_server, mode)
    assert out.summary_text == "One sentence."
    assert len(hf_server.requests) == 3


@pytest.mark.parametrize("mode", MODES)
async def test_timeouts_are_retried(hf_server: LoopbackServer, mode: str) -> None:
    hf_server.enqueue(MODEL, Reply.slow(1.5))
    out = await _invoke(hf_server, mode, timeout=0.5)
    assert out.summary_text == "One sentence."
    assert len(hf_server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("reply", "error", "langchain_error"),
    [
        (Reply.error(500, "boom"), HFServerError, ModelAPIError),
        (Reply.error(503, "Model is loading", estimated_time=0.01), HFModelLoadingError, ModelAPIError),
        (Reply.error(429, "slow down", retry_after=0.01), HFRateLimitError, ModelRateLimitError),
        (Reply.dropped(), HFConnectionError, ModelConnectionError),
    ],
)
async def test_retries_give_up_after_max_retries_with_the_last_error(
    hf_server: LoopbackServer, mode: str, reply: Reply, error: type, langchain_error: type
) -> None:
    hf_server.enqueue(MODEL, *[reply] * 5)
    with pytest.raises(error) as caught:
        await _invoke(hf_server, mode, max_retries=2)
    assert isinstance(caught.value, langchain_error)
    assert len(hf_server.requests) == 3


@pytest.mark.parametrize("mode", MODES)
async def test_timeout_error_after_retries(hf_server: LoopbackServer, mode: str) -> None:
    hf_server.enqueue(MODEL, Reply.slow(1), Reply.slow(1))
    with pytest.raises(HFTimeoutError) as caught:
        await _invoke(hf_server, mode, timeout=0.2, max_retries=1)
    assert isinstance(caught.value, ModelTimeoutError) and isinstance(caught.value, TimeoutError)


@pytest.mark.parametrize("mode", MODES)
async def test_deadline_stops_a_retry_loop(hf_server: LoopbackServer, mode: str, waits: list[float]) -> None:
    hf_server.enqueue(MODEL, *[Reply.error(503, "Model is loading", estimated_time=60)] * 3)
    with pytest.raises(HFDeadlineExceededError, match="deadline"):
        await _invoke(hf_server, mode, deadline=30, timeout=10, max_retry_wait=120, max_retries=10)
    assert waits == [], "a wait that would end past the deadline is not started"
    assert len(hf_server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_deadline_runs_out_after_the_waits_that_fit(
    hf_server: LoopbackServer, mode: str, waits: list[float]
) -> None:
    hf_server.enqueue(MODEL, *[Reply.error(503, "Model is loading", estimated_time=4)] * 5)
    with pytest.raises(HFDeadlineExceededError, match="after 3 attempt"):
        await _invoke(hf_server, mode, deadline=10, timeout=10, max_retries=10)
    assert waits == [4, 4], "the third wait would end past the deadline"
    assert len(hf_server.requests) == 3


@pytest.mark.parametrize("mode", MODES)
async def test_deadline_bounds_a_slow_request(hf_server: LoopbackServer, mode: str) -> None:
    hf_server.enqueue(MODEL, Reply.slow(3))
    with pytest.raises(HFTimeoutError):
        await _invoke(hf_server, mode, deadline=0.5, timeout=10, max_retries=0)


@pytest.mark.parametrize("mode", MODES)
async def test_malformed_body_is_a_response_error_not_retried(hf_server: LoopbackServer, mode: str) -> None:
    hf_server.enqueue(MODEL, Reply.malformed())
    with pytest.raises(HFResponseError):
        await _invoke(hf_server, mode)
    assert len(hf_server.requests) == 1


MALFORMED = [
    ("summarization", Reply.ok({"unexpected": 1})),
    ("summarization", Reply.ok([])),
    ("text-generation", Reply.ok({"no_generated_text": 1})),
    ("text-to-image", Reply.ok(b"not an image")),
    ("feature-extraction", Reply.ok([[1.0, 2.0], [1.0]])),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("task", "reply"), MALFORMED, ids=[f"{t}-{i}" for i, (t, _) in enumerate(MALFORMED)])
async def test_a_2xx_body_of_the_wrong_shape_is_a_response_error(
    hf_server: LoopbackServer, mode: str, task: str, reply: Reply
) -> None:
    spec = hf_tools.TASKS[task]
    hf_server.enqueue(spec.default_model, reply)
    run = hf_tools.runnable(task, settings=_settings(hf_server))
    # the hub's decoders say "malformed response"; hf_tools' own (exact image bytes) say what was unexpected
    with pytest.raises(HFResponseError, match=f"malformed response|unexpected {task} response"):
        await (run.ainvoke(spec.example) if mode == "async" else _as_awaitable(run.invoke, spec.example))
    assert len(hf_server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reply", [Reply.malformed(), Reply.ok({"choices": 5})], ids=["not-json", "wrong-shape"])
async def test_a_malformed_chat_answer_is_a_response_error(hf_server: LoopbackServer, mode: str, reply: Reply) -> None:
    hf_server.enqueue("my/model", reply)
    chat = hf_tools.ChatHFInference(model="my/model", base_url=hf_server.url + "/v1", token="hf_x", max_retries=3)
    with pytest.raises(HFResponseError):
        await (chat.ainvoke("Hi") if mode == "async" else _as_awaitable(chat.invoke, "Hi"))
    assert len(hf_server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_misspelled_keyword_propagates_as_type_error(hf_server: LoopbackServer, mode: str) -> None:
    client = HFClient(_settings(hf_server))
    with pytest.raises(TypeError, match="unexpected keyword argument 'txt'") as caught:
        if mode == "sync":
            client.call("summarization", MODEL, txt=TEXT)
        else:
            await client.acall("summarization", MODEL, txt=TEXT)
    assert not isinstance(caught.value, HFError)
    assert hf_server.requests == [], "a bug is neither sent nor retried"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bug", [TypeError("a bug"), KeyError("a bug"), IndexError("a bug"), ValueError("user code")])
async def test_an_error_of_the_code_inside_a_call_propagates_unchanged(
    hf_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, mode: str, bug: Exception
) -> None:
    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise bug

    async def abroken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise bug

    monkeypatch.setattr(InferenceClient, "summarization", broken)
    monkeypatch.setattr(AsyncInferenceClient, "summarization", abroken)
    with pytest.raises(type(bug)) as caught:
        await _invoke(hf_server, mode)
    assert caught.value is bug, "not wrapped, not replaced"
    assert not isinstance(caught.value, HFError)


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_model_is_not_found(hf_server: LoopbackServer, mode: str) -> None:
    runnable = hf_tools.runnable(TASK, model=hf_server.model_url("nobody/nothing"))
    with pytest.raises(HFModelNotFoundError, match="does not exist"):
        await (runnable.ainvoke(TEXT) if mode == "async" else _as_awaitable(runnable.invoke, TEXT))


async def _as_awaitable(func: Any, *args: Any) -> Any:
    return func(*args)


@pytest.mark.parametrize("mode", MODES)
async def test_bad_input_fails_before_any_request(hf_server: LoopbackServer, mode: str) -> None:
    runnable = hf_tools.runnable("zero-shot-classification", settings=_settings(hf_server))
    with pytest.raises(HFInputError, match="candidate_labels"):
        if mode == "sync":
            runnable.invoke({"text": "x", "candidate_labels": []})
        else:
            await runnable.ainvoke({"text": "x", "candidate_labels": []})
    assert hf_server.requests == []


def test_missing_token_for_the_router_fails_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", "/nonexistent-hf-home")
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)
    with pytest.raises(HFMissingTokenError, match="HF_TOKEN"):
        hf_tools.runnable(TASK).invoke(TEXT)


def test_stream_retries_before_the_first_token(hf_server: LoopbackServer) -> None:
    model = hf_tools.TASKS["text-generation"].default_model
    hf_server.enqueue(model, Reply.error(503, "loading", estimated_time=0.01))
    generate = hf_tools.runnable("text-generation", settings=_settings(hf_server))
    assert "".join(generate.stream({"prompt": "Hi", "max_new_tokens": 3})) == " word0 word1 word2"
    assert len(hf_server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
async def test_error_event_mid_stream_is_typed_and_not_retried(hf_server: LoopbackServer, mode: str) -> None:
    model = hf_tools.TASKS["text-generation"].default_model
    hf_server.enqueue(model, Reply.stream_error(after_tokens=2, message="CUDA out of memory"))
    generate = hf_tools.runnable("text-generation", settings=_settings(hf_server))
    received: list[str] = []
    with pytest.raises(HFServerError, match="CUDA out of memory"):
        if mode == "sync":
            for chunk in generate.stream({"prompt": "Hi", "max_new_tokens": 5}):
                received.append(chunk)
        else:
            async for chunk in generate.astream({"prompt": "Hi", "max_new_tokens": 5}):
                received.append(chunk)
    assert received == [" word0", " word1"]
    assert len(hf_server.requests) == 1


def test_retries_are_logged_without_the_token(hf_server: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    hf_server.enqueue(MODEL, Reply.error(500, "boom"))
    with caplog.at_level(logging.DEBUG):
        hf_tools.runnable(TASK, settings=_settings(hf_server, token="hf_never_logged")).invoke(TEXT)
    assert "retry 1" in caplog.text
    assert "hf_never_logged" not in caplog.text


def test_with_retry_of_langchain_works_on_the_typed_errors(hf_server: LoopbackServer) -> None:
    hf_server.enqueue(MODEL, Reply.error(500, "boom"))
    summarize = hf_tools.runnable(TASK, settings=_settings(hf_server, max_retries=0))
    retried = summarize.with_retry(retry_if_exception_type=(ModelAPIError,), stop_after_attempt=2)
    assert retried.invoke(TEXT).summary_text == "One sentence."
