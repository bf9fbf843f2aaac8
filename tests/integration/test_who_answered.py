"""Who answered: with the router's own choice (``provider="auto"``) the chat answer names the
provider the router picked (its ``x-inference-provider`` header), on invoke, stream, ainvoke and
astream; task runnables' route events name the provider too. Reading the header changes nothing
for other users of huggingface_hub in the process.

The real ``InferenceClient``/``AsyncInferenceClient`` call the loopback router (``hf_router`` fixture).
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

import hf_tools
from hf_tools import metering
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_who_answered_0123456789"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}
QWEN = "Qwen/Qwen2.5-7B-Instruct"


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        self.seen.append(data)


def test_auto_chat_names_the_provider_the_router_picked(hf_router: LoopbackRouter) -> None:
    hf_router.offer(QWEN, "featherless-ai")  # listed second: the router's default pick stays together
    chat = hf_tools.ChatHFInference(model=QWEN, **FAST)
    assert chat.invoke("Hi").response_metadata["provider"] == "together"
    last = list(chat.stream("Hi"))
    assert [c.response_metadata.get("provider") for c in last if c.response_metadata.get("finish_reason")] == [
        "together"
    ]
    suffixed = hf_tools.ChatHFInference(model=QWEN + ":featherless-ai", **FAST)
    assert suffixed.invoke("Hi").response_metadata["provider"] == "featherless-ai"
    assert hf_router.providers_called() == ["auto", "auto", "auto"]


def test_auto_chat_names_the_provider_on_the_async_paths(hf_router: LoopbackRouter) -> None:
    hf_router.offer(QWEN, "featherless-ai", input_price=0.01, output_price=0.01)
    chat = hf_tools.ChatHFInference(model=QWEN + ":cheapest", **FAST)

    async def run() -> tuple[str, list[str]]:
        reply = await chat.ainvoke("Hi")
        streamed = [c.response_metadata.get("provider") async for c in chat.astream("Hi")]
        return reply.response_metadata["provider"], [p for p in streamed if p]

    provider, streamed = asyncio.run(run())
    assert provider == "featherless-ai"
    assert streamed == ["featherless-ai"]


def test_auto_chat_without_the_header_says_auto(hf_router: LoopbackRouter) -> None:
    """A model the router lists no provider for: no header, so hf_tools does not guess."""
    hf_router.hub.models.pop(QWEN)  # type: ignore[union-attr]
    reply = hf_tools.ChatHFInference(model=QWEN, **FAST).invoke("Hi")
    assert reply.response_metadata["provider"] == "auto"


def test_task_route_event_names_the_provider_under_auto(hf_router: LoopbackRouter) -> None:
    events = Events()
    hf_tools.runnable("summarization", model="facebook/bart-large-cnn", **FAST).invoke(
        "Short. Text.", {"callbacks": [events]}
    )
    assert events.seen == [
        {"task": "summarization", "model": "facebook/bart-large-cnn", "provider": "hf-inference", "tried": [],
         "via_chat": False}
    ]  # fmt: skip


def test_other_users_of_huggingface_hub_are_untouched(hf_router: LoopbackRouter) -> None:
    """The hook on the shared session records only inside hf_tools' calls; user-made async clients get no hook."""
    from huggingface_hub import AsyncInferenceClient, InferenceClient, get_session

    hf_tools.ChatHFInference(model=QWEN, **FAST).invoke("Hi")  # the shared session now has the hook
    assert metering._on_response in get_session().event_hooks["response"]
    out = InferenceClient(token=TOKEN).chat_completion([{"role": "user", "content": "Hi"}], model=QWEN)
    assert out.choices[0].message.content == "You said: Hi"
    assert metering._current.get() is None  # nothing was being metered, so the hook did nothing

    async def users_own_client() -> list[Any]:
        async with AsyncInferenceClient(token=TOKEN) as client:
            await client.chat_completion([{"role": "user", "content": "Hi"}], model=QWEN)
            session = await client._get_async_client()
            return list(session.event_hooks["response"])

    assert metering._aon_response not in asyncio.run(users_own_client())
