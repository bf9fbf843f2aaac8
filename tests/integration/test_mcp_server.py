"""`hf-tools mcp` with real MCP clients: the mcp SDK's ClientSession over stdio (a subprocess) and
over streamable HTTP (a subprocess), in memory for the finer cases, and langchain-mcp-adapters
loading the tools into ``langchain.agents.create_agent`` with a scripted chat model.

Every ``ClientSession.call_tool`` also checks ``structuredContent`` against the tool's
``outputSchema`` (the SDK does it), so each successful call here checks the output schema too.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp")

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import AudioContent, CallToolResult, ImageContent, ResourceLink, TextContent

import hf_tools
from hf_tools.mcp import create_server
from hf_tools.testing import LoopbackServer, Reply
from hf_tools.testing.answers import png_bytes

SECRET = "hf_mcp_test_SECRET_token"
TASKS = "summarization,text-to-image,translation,image-classification"
SUMMARIZER = hf_tools.TASKS["summarization"].default_model
ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def inference() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


def _server_env() -> dict[str, str]:
    return {
        **os.environ,
        "HF_TOKEN": SECRET,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


def _server_args(inference: LoopbackServer, media_dir: Path) -> list[str]:
    return [
        "-m", "hf_tools.cli", "mcp", "--tasks", TASKS, "--base-url", inference.base_url,
        "--max-retries", "0", "--media-dir", str(media_dir),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mcp-media")
    (folder / "cat.png").write_bytes(png_bytes(16, 16))
    return folder


@pytest.fixture(scope="module")
def http_url(inference: LoopbackServer, media_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`hf-tools mcp --transport http --port 0` in its own process; its stderr is kept for the token check."""
    log = tmp_path_factory.mktemp("mcp-log") / "stderr.txt"
    with log.open("w+") as errors:
        proc = subprocess.Popen(
            [sys.executable, *_server_args(inference, media_dir), "--transport", "http", "--port", "0"],
            env=_server_env(),
            stdout=subprocess.DEVNULL,
            stderr=errors,
            text=True,
        )
        try:
            url = _wait_for_url(proc, log)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert SECRET not in log.read_text()


def _wait_for_url(proc: subprocess.Popen[str], log: Path) -> str:
    import time

    for _ in range(600):  # the server imports for a few seconds on a busy machine
        found = re.search(r"streamable HTTP at (http://\S+)", log.read_text())
        if found:
            return found.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"hf-tools mcp exited: {log.read_text()}")
        time.sleep(0.05)
    raise RuntimeError(f"hf-tools mcp did not start: {log.read_text()}")


@asynccontextmanager
async def http_session(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


async def check_session(session: ClientSession, inference: LoopbackServer, media_dir: Path) -> None:
    """What every transport must do: list, a text task, a media task, and failing calls."""
    listed = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(listed) == {"summarization", "text_to_image", "translation", "image_classification", "find_model"}
    summarize = listed["summarization"]
    assert summarize.description == hf_tools.TASKS["summarization"].description
    assert summarize.inputSchema == hf_tools.TASKS["summarization"].input_model.model_json_schema()
    assert summarize.outputSchema is not None and "summary_text" in summarize.outputSchema["properties"]
    assert summarize.annotations is not None and summarize.annotations.readOnlyHint is True

    text = await session.call_tool("summarization", {"text": "Cats sleep a lot. They also eat."})
    assert not text.isError and text_of(text) == "Cats sleep a lot."
    assert text.structuredContent == {"summary_text": "Cats sleep a lot."}

    image = await session.call_tool("text_to_image", {"prompt": "a cat", "width": 48, "height": 32})
    assert not image.isError
    (picture,) = [block for block in image.content if isinstance(block, ImageContent)]
    assert picture.mimeType == "image/png"
    assert hf_tools.ImageArtifact.from_bytes(base64.b64decode(picture.data)).width == 48
    assert image.structuredContent == {"mime_type": "image/png", "path": None, "width": 48, "height": 32}

    requests = len(inference.requests)
    invalid = await session.call_tool("translation", {"text": "Good morning", "tgt_lang": "de"})
    assert invalid.isError and text_of(invalid).startswith("Invalid arguments: tgt_lang: give both src_lang")
    refused = await session.call_tool("image_classification", {"image": str(media_dir.parent / "secret.png")})
    assert refused.isError and "outside the allowed media folders" in text_of(refused)
    assert str(media_dir.parent) not in text_of(refused)
    assert len(inference.requests) == requests  # refused before any request

    inference.enqueue(SUMMARIZER, Reply.error(500, f"CUDA out of memory (token {SECRET})"))
    failed = await session.call_tool("summarization", {"text": "A. B."})
    assert failed.isError and "\n" not in text_of(failed)
    assert text_of(failed).startswith(f"Error: summarization with model '{SUMMARIZER}' failed: HTTP 500, server error")
    assert "Retrying later may help" in text_of(failed) and SECRET not in text_of(failed)

    ok = await session.call_tool("image_classification", {"image": str(media_dir / "cat.png")})
    assert not ok.isError and ok.structuredContent is not None and ok.structuredContent["result"][0]["label"]


async def test_stdio_client(inference: LoopbackServer, media_dir: Path, tmp_path: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=_server_args(inference, media_dir), env=_server_env())
    log = tmp_path / "stderr.txt"
    with log.open("w") as errors:
        async with stdio_client(params, errlog=errors) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await check_session(session, inference, media_dir)
    assert "hf-tools MCP server on stdio" in log.read_text() and SECRET not in log.read_text()


async def test_streamable_http_client(http_url: str, inference: LoopbackServer, media_dir: Path) -> None:
    assert http_url.startswith("http://127.0.0.1:") and http_url.endswith("/mcp")
    async with http_session(http_url) as session:
        await check_session(session, inference, media_dir)


async def test_langchain_mcp_adapters_tools_in_create_agent(http_url: str, inference: LoopbackServer) -> None:
    from langchain.agents import create_agent
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
    from langchain_mcp_adapters.tools import load_mcp_tools

    class Scripted(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kwargs: Any) -> Scripted:
            return self

    def call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
        return AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])

    inference.enqueue(SUMMARIZER, Reply.error(503, "overloaded"))
    model = Scripted(
        messages=iter(
            [
                call("summarization", {"text": "A. B."}, "c1"),  # the provider fails: the model is told
                call("translation", {"text": "Good morning", "tgt_lang": "de"}, "c2"),  # invalid: the model is told
                call("summarization", {"text": "Cats sleep a lot. They also eat."}, "c3"),
                AIMessage("Cats sleep a lot."),
            ]
        )
    )
    async with http_session(http_url) as session:
        tools = await load_mcp_tools(session)
        assert {t.name for t in tools} >= {"summarization", "translation", "text_to_image", "find_model"}
        agent = create_agent(model, tools=tools)
        state = await agent.ainvoke({"messages": [HumanMessage("Summarize: Cats sleep a lot. They also eat.")]})
    failed, invalid, ok = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert failed.status == "error" and "HTTP 503" in str(failed.content) and "Retrying later may help" in str(
        failed.content
    )
    assert invalid.status == "error" and "tgt_lang: give both src_lang" in str(invalid.content)
    assert ok.status == "success" and "Cats sleep a lot." in str(ok.content)
    assert ok.artifact["structured_content"] == {"summary_text": "Cats sleep a lot."}
    assert state["messages"][-1].content == "Cats sleep a lot."


# -- in memory: the same server object, a real ClientSession, no transport -------------------------


@asynccontextmanager
async def memory_session(**options: Any) -> AsyncIterator[ClientSession]:
    server = create_server(**options)
    async with create_connected_server_and_client_session(server) as session:
        yield session


async def test_every_task_answers_with_content_valid_for_its_output_schema(inference: LoopbackServer) -> None:
    async with memory_session(base_url=inference.base_url, find_model=False) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        for name, spec in hf_tools.TASKS.items():
            assert tools[spec.tool_name].outputSchema["type"] == "object"  # type: ignore[index]
            result = await session.call_tool(spec.tool_name, spec.example)  # the SDK validates structuredContent
            assert not result.isError, (name, text_of(result))
            assert result.structuredContent is not None and text_of(result)
            kinds = {block.type for block in result.content}
            if name in ("text-to-image", "image-to-image", "image-segmentation"):
                assert "image" in kinds
            elif name in ("text-to-speech", "audio-to-audio"):
                assert "audio" in kinds
            elif name in ("text-to-video", "image-to-video"):
                assert "resource" in kinds  # MCP has no video content type
            else:
                assert kinds == {"text"}, name


async def test_speech_comes_back_as_audio_content(inference: LoopbackServer) -> None:
    async with memory_session(tasks=["text-to-speech"], base_url=inference.base_url, find_model=False) as session:
        result = await session.call_tool("text_to_speech", {"text": "Hello there."})
    (audio,) = [block for block in result.content if isinstance(block, AudioContent)]
    assert audio.mimeType == "audio/wav" and base64.b64decode(audio.data)[:4] == b"RIFF"
    assert result.structuredContent is not None and result.structuredContent["duration"] > 0


async def test_media_links_point_at_saved_files(inference: LoopbackServer, tmp_path: Path) -> None:
    out = tmp_path / "made"
    async with memory_session(
        tasks=["text-to-image"], base_url=inference.base_url, media_output_dir=str(out), media_links=True
    ) as session:
        result = await session.call_tool("text_to_image", {"prompt": "a cat", "width": 20, "height": 20})
    assert not any(isinstance(block, ImageContent) for block in result.content)
    (link,) = [block for block in result.content if isinstance(block, ResourceLink)]
    saved = Path(str(link.uri).removeprefix("file://"))
    assert saved.parent == out.resolve() and saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert link.mimeType == "image/png" and link.name == saved.name and link.size == saved.stat().st_size
    assert result.structuredContent is not None and result.structuredContent["path"] == f"made/{saved.name}"
    assert str(tmp_path) not in text_of(result)  # the model is told 'saved to made/image-….png'


def test_media_links_need_an_output_folder() -> None:
    with pytest.raises(hf_tools.HFInputError, match="media_output_dir"):
        create_server(["text-to-image"], media_links=True)


async def test_lists_sent_as_json_text_are_accepted(inference: LoopbackServer) -> None:
    async with memory_session(tasks=["zero-shot-classification"], base_url=inference.base_url) as session:
        result = await session.call_tool(
            "zero_shot_classification", {"text": "The match ended 2-2.", "candidate_labels": '["sport", "politics"]'}
        )
    assert not result.isError and {r["label"] for r in result.structuredContent["result"]} == {"sport", "politics"}  # type: ignore[index]


class Corpus(BaseRetriever):
    root: Path

    def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        return [
            Document("Ada lives in London.", metadata={"source": str(self.root / "people" / "ada.md")}),
            Document("Page two.", metadata={"source": str(self.root / "report.pdf"), "page": 2}),
        ]


async def test_search_documents_numbers_passages_with_relative_sources(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    async with memory_session(tasks=[], retriever=Corpus(root=corpus), corpus_roots=[str(corpus)]) as session:
        names = [tool.name for tool in (await session.list_tools()).tools]
        result = await session.call_tool("search_documents", {"query": "Where does Ada live?"})
        empty = await session.call_tool("search_documents", {"query": "  "})
    assert names == ["find_model", "search_documents"]
    assert text_of(result).split("\n\n") == [
        "[1] corpus/people/ada.md\nAda lives in London.",
        "[2] corpus/report.pdf, page 2\nPage two.",
    ]
    assert result.structuredContent == {
        "result": [
            {"number": 1, "source": "corpus/people/ada.md", "page": None, "text": "Ada lives in London."},
            {"number": 2, "source": "corpus/report.pdf", "page": 2, "text": "Page two."},
        ]
    }
    assert empty.isError and text_of(empty).startswith("Invalid arguments: query:")


async def test_find_model_answers_from_the_hub(hub: Any) -> None:
    async with memory_session(tasks=[], hub_endpoint=hub.endpoint) as session:
        result = await session.call_tool("find_model", {"task": "summarization", "limit": 1})
    assert text_of(result).startswith("facebook/bart-large-cnn [summarization]")
    assert result.structuredContent is not None
    assert result.structuredContent["result"][0]["id"] == "facebook/bart-large-cnn"


async def test_an_unexpected_fault_is_an_error_result_not_a_dropped_connection(
    inference: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hf_tools.tools import HFTaskTool

    def broken(self: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"bug with {SECRET}")

    monkeypatch.setattr(HFTaskTool, "_arun", broken)
    async with memory_session(tasks=["summarization"], base_url=inference.base_url, token=SECRET) as session:
        result = await session.call_tool("summarization", {"text": "A. B."})
        again = await session.list_tools()  # the session is still alive
    assert result.isError and text_of(result).startswith("Error: summarization failed unexpectedly (RuntimeError)")
    assert SECRET not in text_of(result) and again.tools
