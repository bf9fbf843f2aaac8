"""``bill_to``: every kind of call through the Hugging Face router carries ``X-HF-Bill-To``.

The real ``InferenceClient``/``AsyncInferenceClient`` call the loopback router (``hf_router``
fixture); the router records every request's headers (minus the authorization).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import chromadb
import pytest

import hf_tools
from hf_tools.testing.hub_server import HubModel, HubProvider
from hf_tools.testing.router import LoopbackRouter, routed, router_models

TOKEN = "hf_billing_0123456789"
FAST = {"token": TOKEN, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "deadline": 30}
QWEN = "Qwen/Qwen2.5-7B-Instruct"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
ORG = "acme-research"


def bill_to_of_every_request(router: LoopbackRouter) -> list[str | None]:
    return [request.header("X-HF-Bill-To") for request in router.requests]


@pytest.fixture
def router() -> Iterator[LoopbackRouter]:
    """The router, with an embedding model hf-inference serves (as on today's router)."""
    embedder = HubModel(MINILM, "feature-extraction", 1, providers=(HubProvider("hf-inference", "feature-extraction"),))
    with routed([*router_models(), embedder]) as (served, _):
        yield served


def test_task_runnable_and_tool_send_bill_to(router: LoopbackRouter) -> None:
    hf_tools.runnable("summarization", bill_to=ORG, **FAST).invoke("Short. Text.")
    hf_tools.tool("summarization", bill_to=ORG, **FAST).invoke({"text": "Short. Text."})
    asyncio.run(hf_tools.runnable("summarization", bill_to=ORG, **FAST).ainvoke("Short. Text."))
    hf_tools.HFToolkit(tasks=["summarization"], bill_to=ORG, **FAST).get_tools()[0].invoke({"text": "A. B."})
    assert bill_to_of_every_request(router) == [ORG] * 4


def test_media_job_requests_send_bill_to(router: LoopbackRouter) -> None:
    """The raw-bytes path (hf_tools drives the provider's own request) carries it too."""
    image = hf_tools.runnable("text-to-image", provider="fal-ai", bill_to=ORG, **FAST).invoke("a red fox")
    assert image.data
    assert bill_to_of_every_request(router) == [ORG]


def test_chat_invoke_stream_and_astream_send_bill_to(router: LoopbackRouter) -> None:
    chat = hf_tools.ChatHFInference(model=QWEN, bill_to=ORG, **FAST)
    chat.invoke("Hi")
    "".join(str(c.content) for c in chat.stream("Hi"))

    async def astream() -> None:
        async for _ in chat.astream("Hi"):
            pass

    asyncio.run(astream())
    pinned = hf_tools.ChatHFInference(
        model=QWEN, provider="together", settings=hf_tools.HFSettings(bill_to=ORG, token=TOKEN)
    )
    pinned.invoke("Hi")
    assert bill_to_of_every_request(router) == [ORG] * 4


def test_embeddings_and_chromadb_function_send_bill_to(router: LoopbackRouter) -> None:
    embeddings = hf_tools.HFInferenceEmbeddings(model=MINILM, provider="hf-inference", bill_to=ORG, **FAST)
    assert len(embeddings.embed_documents(["a", "b"])) == 2
    assert len(asyncio.run(embeddings.aembed_query("c"))) == 384
    ef = hf_tools.HFEmbeddingFunction(model=MINILM, provider="hf-inference", bill_to=ORG, **FAST)
    collection = chromadb.EphemeralClient().get_or_create_collection("billing", embedding_function=ef)
    collection.add(ids=["x"], documents=["the cat purrs"])
    assert bill_to_of_every_request(router) == [ORG] * 3


def test_endpoint_posts_hf_tools_sends_itself_carry_bill_to(router: LoopbackRouter) -> None:
    """``post_json`` (e.g. a TEI endpoint's batches) sends the header as the hub client does."""
    url = f"{router.url}/hf-inference/models/{MINILM}/pipeline/feature-extraction"
    embeddings = hf_tools.HFInferenceEmbeddings(model=url, bill_to=ORG, **FAST)
    embeddings.embed_documents(["a"])
    asyncio.run(embeddings.aembed_documents(["b"]))
    assert bill_to_of_every_request(router) == [ORG] * 2


def test_hf_bill_to_is_the_default(router: LoopbackRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_BILL_TO", ORG)
    hf_tools.runnable("summarization", **FAST).invoke("Short. Text.")
    hf_tools.ChatHFInference(model=QWEN, **FAST).invoke("Hi")
    monkeypatch.delenv("HF_BILL_TO")
    hf_tools.runnable("summarization", **FAST).invoke("Short. Text.")
    assert bill_to_of_every_request(router) == [ORG, ORG, None]


def test_a_bad_organization_name_is_refused_before_any_request(router: LoopbackRouter) -> None:
    for bad in ("two words", "org\r\nX-Injected: 1", ""):
        with pytest.raises(ValueError, match="bill_to"):
            hf_tools.runnable("summarization", bill_to=bad, **FAST)
        with pytest.raises(ValueError, match="bill_to"):
            hf_tools.ChatHFInference(model=QWEN, bill_to=bad, **FAST)
    assert router.requests == []


async def test_mcp_tools_send_bill_to(router: LoopbackRouter) -> None:
    pytest.importorskip("mcp")
    from mcp.shared.memory import create_connected_server_and_client_session

    from hf_tools.mcp import create_server

    server = create_server(["summarization"], find_model=False, bill_to=ORG, **FAST)
    async with create_connected_server_and_client_session(server) as session:
        result = await session.call_tool("summarization", {"text": "Short. Text."})
    assert not result.isError
    assert bill_to_of_every_request(router) == [ORG]


@pytest.mark.slow
def test_cli_run_sends_bill_to(router: LoopbackRouter) -> None:
    base_url = f"{router.url}/hf-inference/models/{{model}}/pipeline/{{task}}"
    env = {**os.environ, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_BILL_TO", None)
    command = [sys.executable, "-m", "hf_tools.cli", "run", "summarization", "Short. Text.", "--base-url", base_url]
    done = subprocess.run([*command, "--bill-to", ORG], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    refused = subprocess.run([*command, "--bill-to", "no spaces"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "bill_to" in refused.stderr
    assert bill_to_of_every_request(router) == [ORG]
