"""What each provider can do: a chat call with a provider list or ``provider="cheapest"``/``"fastest"``
skips the providers whose ``/v1/models`` offer cannot take it (tools, json_schema output, context length)
before any request, orders the candidates client-side, and says what it skipped in the route event.
Real hub clients (huggingface_hub 1.x and 2.x) against the ``hf_router`` fixture.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from pydantic import BaseModel, SecretStr

import hf_tools
from hf_tools import router_catalog
from hf_tools.errors import HFInputError, HFNoCapableProviderError
from hf_tools.route_events import ROUTE_EVENT
from hf_tools.settings import HFSettings
from hf_tools.testing import Reply
from hf_tools.testing.hub_server import HubModel, HubProvider
from hf_tools.testing.router import LoopbackRouter

TOKEN = "hf_capabilities_0123456789"
FAST: dict[str, Any] = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}
MODEL = "org/chat-model"
PROVIDERS = ("together", "groq", "novita")  # the Hub's order


@pytest.fixture(autouse=True)
def _fresh_catalog() -> None:
    router_catalog.clear_catalog()


@pytest.fixture
def router(hf_router: LoopbackRouter) -> LoopbackRouter:
    assert hf_router.hub is not None
    hf_router.hub.add(
        HubModel(MODEL, "text-generation", providers=tuple(HubProvider(p, "conversational") for p in PROVIDERS))
    )
    return hf_router


class Events(BaseCallbackHandler):
    """Collects the route events of a run."""

    def __init__(self) -> None:
        self.routes: list[dict[str, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        if name == ROUTE_EVENT:
            self.routes.append(data)


def chat(**options: Any) -> hf_tools.ChatHFInference:
    return hf_tools.ChatHFInference(model=MODEL, **{**FAST, **options})


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class City(BaseModel):
    name: str
    population: int


def listing_reads(router: LoopbackRouter) -> int:
    return sum(1 for entry in router.log if entry == ("GET", "/v1/models"))


# -- skips ------------------------------------------------------------------------------------------
def test_tools_bound_skip_a_provider_without_tools(router: LoopbackRouter) -> None:
    router.offer(MODEL, "groq", supports_tools=False)
    events = Events()
    reply = chat(provider=["groq", "together"]).bind_tools([add]).invoke("Add 2 and 3", {"callbacks": [events]})
    assert reply.response_metadata["provider"] == "together"
    assert router.providers_called() == ["together"]  # nothing was sent to groq
    assert router.requests[0].body["tools"][0]["function"]["name"] == "add"
    [event] = events.routes
    assert event["provider"] == "together" and event["tried"] == []
    assert event["skipped"] == [
        {"provider": "groq", "reason": "tools are bound and its offer says supports_tools: false"}
    ]
    chat(provider=["groq", "together"]).invoke("no tools here")  # without tools groq takes the call
    assert router.providers_called() == ["together", "groq"]
    assert listing_reads(router) == 1  # read once, not once per call


def test_json_schema_output_skips_a_provider_without_structured_output(router: LoopbackRouter) -> None:
    router.offer(MODEL, "together", supports_structured_output=False)
    events = Events()
    model = chat(provider=["together", "novita"])

    async def run() -> Any:
        return await model.with_structured_output(City).ainvoke("Largest city?", {"callbacks": [events]})

    assert asyncio.run(run()) == City(name="example", population=1)
    assert router.providers_called() == ["novita"]
    assert router.requests[0].body["response_format"]["type"] == "json_schema"
    assert events.routes[0]["skipped"][0]["provider"] == "together"
    assert "supports_structured_output: false" in events.routes[0]["skipped"][0]["reason"]
    model.bind(response_format={"type": "json_object"}).invoke("Largest city? Answer in JSON.")
    assert router.providers_called() == ["novita", "together"]  # json_mode needs no json_schema support


def test_a_context_shorter_than_the_prompt_is_skipped(router: LoopbackRouter) -> None:
    router.offer(MODEL, "groq", context_length=200)
    events = Events()
    chat(provider=["groq", "together"]).invoke("x" * 1000, {"callbacks": [events]})  # 250 + 4 tokens
    assert router.providers_called() == ["together"]
    assert events.routes[0]["skipped"] == [
        {
            "provider": "groq",
            "reason": "its context_length 200 is below the prompt's estimated 254 tokens"
            " (characters/4 + 4 per message + max_tokens)",
        }
    ]
    chat(provider=["groq", "together"]).invoke("short")  # 2 + 4 tokens: fits
    chat(provider=["groq", "together"], max_tokens=300).invoke("short")  # the answer's room counts: 306
    assert router.providers_called() == ["together", "groq", "together"]


def test_skips_reach_astream_events_of_a_stream(router: LoopbackRouter) -> None:
    router.offer(MODEL, "groq", supports_tools=False)
    bound = chat(provider=["groq", "novita"]).bind_tools([add])

    async def run() -> list[Any]:
        return [e async for e in bound.astream_events("Add 2 and 3", version="v2") if e["event"] == "on_custom_event"]

    [event] = asyncio.run(run())
    assert event["name"] == ROUTE_EVENT
    assert event["data"]["provider"] == "novita"
    assert [s["provider"] for s in event["data"]["skipped"]] == ["groq"]
    assert router.providers_called() == ["novita"]


# -- every candidate skipped ---------------------------------------------------------------------------
def test_every_provider_skipped_raises_before_any_request(router: LoopbackRouter) -> None:
    router.offer(MODEL, "groq", supports_tools=False)
    router.offer(MODEL, "together", context_length=10)
    bound = chat(provider=["groq", "together"]).bind_tools([add])
    with pytest.raises(HFNoCapableProviderError) as caught:
        bound.invoke("Add 2 and 3")
    error = caught.value
    assert [s["provider"] for s in error.skipped] == ["groq", "together"]
    assert "groq: tools are bound" in str(error) and "together: its context_length 10" in str(error)
    assert error.model == MODEL and error.is_retryable is False
    with pytest.raises(HFNoCapableProviderError):
        list(bound.stream("Add 2 and 3"))
    with pytest.raises(HFNoCapableProviderError):
        asyncio.run(bound.ainvoke("Add 2 and 3"))
    for offer in ("groq", "together", "novita"):
        router.offer(MODEL, offer, supports_tools=False)
    router_catalog.clear_catalog()  # the listing is kept for model_check_ttl: read the changed one
    with pytest.raises(HFNoCapableProviderError):
        chat(provider="cheapest").bind_tools([add]).invoke("Add 2 and 3")
    assert router.count() == 0  # no chat request at all


# -- cheapest / fastest ---------------------------------------------------------------------------------
def test_cheapest_orders_by_price_and_fails_over_along_that_order(router: LoopbackRouter) -> None:
    router.offer(MODEL, "together", input_price=0.2, output_price=0.6)  # 0.8
    router.offer(MODEL, "groq", input_price=0.5, output_price=0.5)  # 1.0
    router.offer(MODEL, "novita", input_price=0.1, output_price=0.2)  # 0.3
    router.fail("novita", Reply.error(503, "busy"))
    events = Events()
    reply = chat(provider="cheapest").invoke("Hi", {"callbacks": [events]})
    assert reply.response_metadata["provider"] == "together"
    assert router.providers_called() == ["novita", "together"]
    assert events.routes[0]["tried"] == ["novita"] and events.routes[0]["skipped"] == []
    router.fail("novita", Reply.error(503, "busy"))
    router.fail("together", Reply.error(429, "slow down"))
    chat(provider="cheapest").invoke("Hi")
    assert router.providers_called()[2:] == ["novita", "together", "groq"]


def test_fastest_orders_by_throughput_then_latency_and_unlisted_last(router: LoopbackRouter) -> None:
    router.offer(MODEL, "together", throughput=80.0)
    router.offer(MODEL, "groq", throughput=400.0)
    router.offer(MODEL, "novita", latency=0.2)  # no throughput: after those with one
    router.fail("groq", Reply.error(503, "busy"))
    router.fail("together", Reply.error(503, "busy"))
    reply = chat(provider="fastest").invoke("Hi")
    assert router.providers_called() == ["groq", "together", "novita"]
    assert reply.response_metadata["provider"] == "novita"
    router.offer(MODEL, "groq", listed=False)  # /v1/models does not list it: kept (unknown), ordered last
    router_catalog.clear_catalog()
    router.fail("together", Reply.error(503, "busy"))
    router.fail("novita", Reply.error(503, "busy"))
    chat(provider="fastest").invoke("Hi")
    assert router.providers_called()[3:] == ["together", "novita", "groq"]


def test_an_unlisted_provider_is_not_skipped_for_what_nobody_knows(router: LoopbackRouter) -> None:
    router.offer(MODEL, "groq", listed=False)
    router.offer(MODEL, "together", supports_tools=False)
    events = Events()
    chat(provider=["together", "groq"]).bind_tools([add]).invoke("Add 2 and 3", {"callbacks": [events]})
    assert router.providers_called() == ["groq"]
    assert [s["provider"] for s in events.routes[0]["skipped"]] == ["together"]


# -- when the listing cannot be read --------------------------------------------------------------------
def _listing_down(router: LoopbackRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    serve = router.get

    def get(path: str) -> Reply:
        return Reply.error(503, "listing unavailable") if path.startswith("/v1/models") else serve(path)

    monkeypatch.setattr(router, "get", get)


def test_an_unreadable_listing_keeps_the_list_as_given_and_logs_once(
    router: LoopbackRouter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _listing_down(router, monkeypatch)
    monkeypatch.setattr("hf_tools.routing.capabilities._unread_logged", set())
    caplog.set_level(logging.WARNING, logger="hf_tools")
    events = Events()
    bound = chat(provider=["groq", "together"]).bind_tools([add])
    bound.invoke("Add 2 and 3", {"callbacks": [events]})
    bound.invoke("Add 2 and 3")
    assert router.providers_called() == ["groq", "groq"]  # unchecked, in the order given
    assert events.routes[0]["skipped"] == []
    unread = [r for r in caplog.records if "could not be read: chat providers" in r.getMessage()]
    assert len(unread) == 1


def test_with_neither_listing_readable_the_ordering_is_left_to_the_router(
    router: LoopbackRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    _listing_down(router, monkeypatch)
    assert router.hub is not None
    router.hub.down()
    reply = hf_tools.ChatHFInference(model="Qwen/Qwen2.5-7B-Instruct", provider="cheapest", **FAST).invoke("Hi")
    assert [(r.provider, r.body["model"]) for r in router.requests] == [("auto", "Qwen/Qwen2.5-7B-Instruct:cheapest")]
    assert reply.response_metadata["provider"] == "together"  # the router's x-inference-provider


# -- not for tasks ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("ordering", ["cheapest", "fastest"])
def test_task_runnables_refuse_an_ordering_before_any_request(router: LoopbackRouter, ordering: str) -> None:
    with pytest.raises(HFInputError, match="ChatHFInference only"):
        hf_tools.runnable("summarization", provider=ordering, **FAST)
    with pytest.raises(HFInputError, match="ChatHFInference only"):
        hf_tools.HFTaskRunnable(
            task="summarization", settings=HFSettings(provider=ordering, token=SecretStr(TOKEN))
        ).invoke("Short. Text.")
    with pytest.raises(HFInputError, match="ChatHFInference only"):
        hf_tools.HFToolkit(["summarization"], provider=ordering)
    with pytest.raises(HFInputError, match="ChatHFInference only"):
        hf_tools.HFInferenceEmbeddings(provider=ordering, **FAST)
    with pytest.raises(ValueError, match="not a list"):
        HFSettings(provider=("together", ordering))
    assert router.count() == 0 and listing_reads(router) == 0
