"""Video through the other faces: an Inference Endpoint (base_url), the MCP server (real SDK
client), a LangChain agent's ``state["media"]`` and smolagents' agents (real ``ToolCallingAgent``
and ``CodeAgent``)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import Field

import hf_tools
from hf_tools.media import VideoArtifact
from hf_tools.tasks.vision import EXAMPLE_IMAGE
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers.media import mp4_text
from hf_tools.testing.router import LoopbackRouter


def test_text_to_video_on_an_endpoint(hf_server: LoopbackServer) -> None:
    video = hf_tools.runnable("text-to-video", base_url=hf_server.base_url).invoke("a cat surfing")
    assert isinstance(video, VideoArtifact) and video.mime_type == "video/mp4"
    assert mp4_text(video.data) == "a cat surfing"
    assert hf_server.requests[-1].task == "text-to-video"


async def test_mcp_sends_video_as_an_embedded_resource(hf_server: LoopbackServer) -> None:
    pytest.importorskip("mcp")
    from mcp.shared.memory import create_connected_server_and_client_session
    from mcp.types import EmbeddedResource

    from hf_tools.mcp import create_server

    server = create_server(["text-to-video"], base_url=hf_server.base_url, find_model=False)
    async with create_connected_server_and_client_session(server) as session:
        result = await session.call_tool("text_to_video", {"prompt": "a cat surfing"})
    assert not result.isError
    resources = [block for block in result.content if isinstance(block, EmbeddedResource)]
    assert len(resources) == 1
    blob = resources[0].resource
    assert blob.mimeType == "video/mp4"
    assert mp4_text(base64.b64decode(blob.blob)) == "a cat surfing"  # type: ignore[union-attr]


# -- agents: state["media"] ----------------------------------------------------------------------
TOKEN = "hf_video_faces_0123456789"
FAST = {"token": TOKEN, "provider": "fal-ai", "job_poll_interval": 0.01, "timeout": 5}


class _ScriptedChat(GenericFakeChatModel):
    """Answers with the scripted messages in order and records what it was shown."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> _ScriptedChat:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def test_an_agent_keeps_a_generated_video_in_state_media(hf_router: LoopbackRouter) -> None:
    from hf_tools.agents import create_hf_agent

    hf_router.hold_jobs(2)
    call = {"name": "text_to_video", "args": {"prompt": "a cat surfing"}, "id": "vid1", "type": "tool_call"}
    model = _ScriptedChat(messages=iter([AIMessage("", tool_calls=[call]), AIMessage("Here is your clip.")]))
    agent = create_hf_agent(model, tasks=["text-to-video"], offer_images=True, **FAST)
    state = agent.invoke({"messages": [HumanMessage("Make a clip of a cat surfing")]})

    [result] = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert isinstance(result.artifact, VideoArtifact) and result.artifact.data in hf_router.files.values()
    [item] = state["media"]
    assert (item["tool"], item["tool_call_id"], item["kind"], item["mime_type"]) == (
        "text_to_video",
        "vid1",
        "video",
        "video/mp4",
    )
    assert mp4_text(base64.b64decode(item["base64"])) == "a cat surfing"  # the provider's exact bytes
    # a video is kept, never shown to the model as an image
    assert isinstance(model.seen[1][-1], ToolMessage)


# -- smolagents ------------------------------------------------------------------------------------
def _smol_calls(*pairs: tuple[str, dict[str, Any]]) -> Any:
    from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction, MessageRole

    tool_calls = [
        ChatMessageToolCall(id=f"c{i}", type="function", function=ChatMessageToolCallFunction(name=n, arguments=a))
        for i, (n, a) in enumerate(pairs)
    ]
    return ChatMessage(role=MessageRole.ASSISTANT, content="", tool_calls=tool_calls)


def _smol_model(replies: list[Any]) -> Any:
    from smolagents.models import Model

    class Scripted(Model):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(model_id="scripted")
            self.seen: list[str] = []

        def generate(self, messages: list[Any], stop_sequences: Any = None, **kwargs: Any) -> Any:
            self.seen.append(repr(messages))
            return replies.pop(0)

    return Scripted()


def test_smolagents_tool_calling_agent_gets_the_video_file(hf_router: LoopbackRouter) -> None:
    pytest.importorskip("smolagents")
    from smolagents import ToolCallingAgent

    from hf_tools.smolagents import smolagents_tools

    hf_router.hold_jobs(2)
    tools = smolagents_tools(hf_tools.HFToolkit(["text-to-video"], **FAST))
    assert tools[0].output_type == "string"
    model = _smol_model(
        [_smol_calls(("text_to_video", {"prompt": "a cat surfing"})), _smol_calls(("final_answer", {"answer": "ok"}))]
    )
    agent = ToolCallingAgent(tools=tools, model=model, verbosity_level=-1)
    assert agent.run("Make a clip.") == "ok"
    [path] = [Path(word) for word in re.findall(r"/\S+?\.mp4", model.seen[1])]
    assert path.read_bytes() in hf_router.files.values()  # the provider's exact bytes, in a file
    assert mp4_text(path.read_bytes()) == "a cat surfing"


def test_smolagents_code_agent_returns_the_saved_video(hf_router: LoopbackRouter, tmp_path: Path) -> None:
    pytest.importorskip("smolagents")
    from smolagents import CodeAgent
    from smolagents.models import ChatMessage, MessageRole

    from hf_tools.smolagents import smolagents_tools

    kit = hf_tools.HFToolkit(["image-to-video"], media_output_dir=str(tmp_path / "out"), **FAST)
    source = "clip = image_to_video(image=picture, prompt='the cat walks')\nfinal_answer(clip)"
    model = _smol_model([ChatMessage(role=MessageRole.ASSISTANT, content=f"Thought: go.\n<code>\n{source}\n</code>")])
    agent = CodeAgent(tools=smolagents_tools(kit, structured=True), model=model, verbosity_level=-1)
    result = agent.run("Animate it.", additional_args={"picture": EXAMPLE_IMAGE})
    path = Path(str(result))
    assert path.parent == tmp_path / "out" and path.suffix == ".mp4"  # saved where the settings say
    assert path.read_bytes() in hf_router.files.values()
    assert mp4_text(path.read_bytes()) == "the cat walks"


# -- the multimodal workflow -----------------------------------------------------------------------
def test_prompt_to_clip_animates_the_generated_frame_with_progress(hf_router: LoopbackRouter) -> None:
    import asyncio

    from hf_tools.media.workflows import Clip, prompt_to_clip

    hf_router.hold_jobs(2)
    flow = prompt_to_clip(**FAST)

    async def run() -> tuple[list[str], Any]:
        statuses, output = [], None
        async for event in flow.astream_events("a cat surfing", version="v2"):
            if event["event"] == "on_custom_event" and event["name"] == "hf_tools_progress":
                statuses.append(event["data"]["status"])
            elif event["event"] == "on_chain_end" and event["name"] == "prompt_to_clip":
                output = event["data"]["output"]
        return statuses, output

    statuses, clip = asyncio.run(run())
    assert isinstance(clip, Clip) and clip.prompt == "a cat surfing"
    assert clip.video.data in hf_router.files.values()  # the provider's exact bytes
    size = (clip.image.width, clip.image.height)
    assert (clip.video.width, clip.video.height, mp4_text(clip.video.data)) == (*size, "a cat surfing")  # that frame
    assert statuses[0] == "submitted" and statuses[-1] == "COMPLETED"
    assert hf_router.providers_called() == ["fal-ai", "fal-ai"]
