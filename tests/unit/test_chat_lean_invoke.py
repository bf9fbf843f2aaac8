"""ChatHFInference.invoke skips LangChain's run set-up only when nothing would observe the call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from call_spies import record_calls
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.globals import set_debug, set_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables import RunnableLambda
from langchain_core.tracers.context import collect_runs

import hf_tools
from hf_tools import ChatHFInference
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.chat import chat_completion_body, chat_reply

MODEL = "org/lean-chat"


class Seen(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append("start")

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append("end")

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append(f"chain:{kwargs.get('name')}")


class AsyncSeen(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[str] = []

    async def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append("start")


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as loopback:
        yield loopback


@pytest.fixture
def chat(server: LoopbackServer) -> ChatHFInference:
    return ChatHFInference(model=MODEL, base_url=server.url + "/v1", token="hf_lean_0123456789", timeout=5)


def _chat_requests(server: LoopbackServer) -> int:
    return sum(1 for request in server.requests if request.path.endswith("/chat/completions"))


@pytest.fixture
def full_path(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each call that went through LangChain's run set-up (``generate``/``agenerate``)."""
    return record_calls(monkeypatch, ChatHFInference, BaseChatModel, "generate", "agenerate")


def _comparable(message: Any) -> dict[str, Any]:
    """The message without what differs per answer (the server's response id)."""
    data = message.model_dump()
    data.pop("id")
    data["response_metadata"].pop("id")
    return data


async def test_with_nobody_listening_the_set_up_is_skipped_and_the_message_is_the_same(
    chat: ChatHFInference, server: LoopbackServer, full_path: list[str]
) -> None:
    server.enqueue(MODEL, chat_reply("lean"), chat_reply("lean"), chat_reply("lean"), chat_reply("lean"))
    lean = chat.invoke("hi")
    alean = await chat.ainvoke("hi")
    assert full_path == []
    full = chat.invoke("hi", config={"callbacks": [Seen()]})
    afull = await chat.ainvoke("hi", config={"callbacks": [AsyncSeen()]})
    assert full_path == ["sync", "async"]
    assert lean.content == "lean"
    assert _comparable(lean) == _comparable(full) == _comparable(alean) == _comparable(afull)
    assert type(lean.id) is type(full.id)


@pytest.mark.parametrize("text", ["hi", "", "héllo ✓ 日本", "two\nlines"])
def test_a_string_is_sent_as_the_full_run_sends_it(chat: ChatHFInference, server: LoopbackServer, text: str) -> None:
    server.enqueue(MODEL, chat_reply("ok"), chat_reply("ok"))
    before = len(server.requests)
    chat.invoke(text)
    chat.invoke(text, config={"callbacks": [Seen()]})
    lean, full = (request.body for request in server.requests[before:])
    assert lean == full
    assert lean["messages"] == [{"role": "user", "content": text}]


def test_the_message_id_is_the_runs_when_the_answer_has_none(chat: ChatHFInference, server: LoopbackServer) -> None:
    body = chat_completion_body("no id")
    body.pop("id")
    server.enqueue(MODEL, Reply.ok(body), Reply.ok(body))
    run_id = uuid4()
    assert chat.invoke("hi", config={"run_id": run_id}).id == f"lc_run--{run_id}-0"
    assert str(chat.invoke("hi").id).startswith("lc_run--")


def test_handlers_tracers_and_debug_output_see_the_run(
    chat: ChatHFInference, full_path: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    seen = Seen()
    chat.invoke("hi", config={"callbacks": [seen]})
    assert seen.events == ["start", "end"]
    chat.batch(["a", "b"], config={"callbacks": [seen]})
    assert seen.events.count("start") == 3
    with collect_runs() as collector:  # a configure hook, as tracers use
        chat.invoke("hi")
    assert [run.run_type for run in collector.traced_runs] == ["llm"]
    set_debug(True)
    try:
        chat.invoke("hi")
    finally:
        set_debug(False)
    assert "ChatHFInference" in capsys.readouterr().out
    model_handler = Seen()
    chat.model_copy(update={"callbacks": [model_handler]}).invoke("hi")
    assert model_handler.events == ["start", "end"]
    assert len(full_path) == 6


def test_a_chain_sees_the_chat_run_also_when_a_function_calls_invoke(chat: ChatHFInference) -> None:
    seen = Seen()
    (RunnableLambda(lambda text: text.upper(), name="shout") | chat).invoke("hi", config={"callbacks": [seen]})
    assert seen.events.count("start") == 1
    inner = Seen()
    RunnableLambda(lambda text: chat.invoke(text), name="outer").invoke("hi", config={"callbacks": [inner]})
    assert inner.events[0] == "chain:outer" and "start" in inner.events


async def test_astream_events_sees_the_run(chat: ChatHFInference) -> None:
    events = [event["event"] async for event in chat.astream_events("hi", version="v2")]
    assert events[0] == "on_chat_model_start" and events[-1] == "on_chat_model_end"


def test_langchains_cache_answers_the_second_call(
    chat: ChatHFInference, server: LoopbackServer, full_path: list[str]
) -> None:
    before = _chat_requests(server)
    set_llm_cache(InMemoryCache())
    try:
        first, second = chat.invoke("cached?"), chat.invoke("cached?")
    finally:
        set_llm_cache(None)
    assert first.content == second.content
    assert _chat_requests(server) == before + 1
    own = chat.model_copy(update={"cache": InMemoryCache()})
    own.invoke("mine"), own.invoke("mine")
    assert _chat_requests(server) == before + 2
    assert len(full_path) == 4


def test_a_rate_limiter_is_asked_before_each_call(chat: ChatHFInference, full_path: list[str]) -> None:
    limiter = InMemoryRateLimiter(requests_per_second=1000, max_bucket_size=10)
    asked: list[bool] = []
    acquire = limiter.acquire

    def counting(*, blocking: bool = True) -> bool:
        asked.append(blocking)
        return acquire(blocking=blocking)

    object.__setattr__(limiter, "acquire", counting)
    chat.model_copy(update={"rate_limiter": limiter}).invoke("hi")
    assert asked == [True] and full_path == ["sync"]


def test_usage_is_counted_on_the_lean_path(chat: ChatHFInference, full_path: list[str]) -> None:
    with hf_tools.track_usage() as usage:
        chat.invoke("hi")
    assert full_path == []
    assert usage.requests == 1 and usage.output_tokens > 0


def test_streaming_settings_take_the_full_path(chat: ChatHFInference, full_path: list[str]) -> None:
    assert "".join(str(chunk.content) for chunk in chat.stream("hi"))
    streaming = chat.model_copy(update={"streaming": True})
    streaming.model_fields_set.add("streaming")
    assert streaming.invoke("hi").content
    assert full_path == ["sync"]
