"""ChatHFInference tells the run which provider answered after a failover: the ``hf_tools_route``
custom event reaches callback handlers and ``astream_events`` on invoke, batch, stream, astream,
inside a chain, and when ``invoke`` streams for ``astream_events`` (langchain-core hands no run
manager to a chat model's ``_stream``: these paths are tested on their own).

The real ``InferenceClient`` calls the loopback router (``hf_router`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableLambda

import hf_tools
from hf_tools.testing import Reply
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_route_events_0123456789"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}
QWEN = "Qwen/Qwen2.5-7B-Instruct"
EXPECTED = {
    "task": "chat-completion",
    "model": QWEN,
    "provider": "together",
    "tried": ["featherless-ai"],
    "skipped": [],
}


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        self.seen.append((name, data))


@pytest.fixture
def chat(hf_router: LoopbackRouter) -> hf_tools.ChatHFInference:
    hf_router.fail("featherless-ai", *[Reply.error(503, "down")] * 4)
    return hf_tools.ChatHFInference(model=QWEN, provider=["featherless-ai", "together"], **FAST)


def test_invoke_sends_the_route(chat: hf_tools.ChatHFInference) -> None:
    events = Events()
    reply = chat.invoke("Hi", {"callbacks": [events]})
    assert reply.response_metadata["provider"] == "together"
    assert events.seen == [("hf_tools_route", EXPECTED)]


def test_batch_sends_one_route_per_input(chat: hf_tools.ChatHFInference) -> None:
    events = Events()
    chat.batch(["Hi", "Ho"], {"callbacks": [events], "max_concurrency": 1})
    assert [name for name, _ in events.seen] == ["hf_tools_route", "hf_tools_route"]
    assert events.seen[0][1] == EXPECTED  # the first call failed over
    assert events.seen[1][1]["provider"] == "together"


def test_stream_sends_the_route(chat: hf_tools.ChatHFInference) -> None:
    events = Events()
    text = "".join(str(chunk.content) for chunk in chat.stream("Hi there", {"callbacks": [events]}))
    assert text == "You said: Hi there"
    assert events.seen == [("hf_tools_route", EXPECTED)]


async def test_astream_and_ainvoke_send_the_route(chat: hf_tools.ChatHFInference) -> None:
    events = Events()
    [chunk async for chunk in chat.astream("Hi", {"callbacks": [events]})]
    await chat.ainvoke("Hi", {"callbacks": [events]})
    assert [data["provider"] for _, data in events.seen] == ["together", "together"]
    assert events.seen[0][1] == EXPECTED


@pytest.mark.parametrize("through", ["model", "chain", "invoke inside a chain"])
async def test_astream_events_shows_the_route(chat: hf_tools.ChatHFInference, through: str) -> None:
    runnable: Any = chat
    if through == "chain":
        runnable = RunnableLambda(lambda text: f"Say: {text}") | chat
    elif through == "invoke inside a chain":  # invoke streams for astream_events, without a run manager
        runnable = RunnableLambda(lambda text: chat.invoke(text))
    events = [event async for event in runnable.astream_events("Hi", version="v2")]
    custom = [event for event in events if event["event"] == "on_custom_event"]
    assert [event["name"] for event in custom] == ["hf_tools_route"]
    assert custom[0]["data"] == EXPECTED
    starts = {event["run_id"] for event in events if event["event"] == "on_chat_model_start"}
    assert custom[0]["run_id"] in starts  # reported as the chat model's own run
    streamed = [event for event in events if event["event"] == "on_chat_model_stream"]
    assert streamed and "".join(str(event["data"]["chunk"].content) for event in streamed).startswith("You said")


def test_no_route_event_without_a_provider_list(hf_router: LoopbackRouter) -> None:
    events = Events()
    hf_tools.ChatHFInference(model=QWEN, **FAST).invoke("Hi", {"callbacks": [events]})
    assert events.seen == []  # the router's own choice: nothing was routed client-side
