"""Video through the other faces: an Inference Endpoint (base_url) and the MCP server (real SDK client)."""

from __future__ import annotations

import base64

import pytest

import hf_tools
from hf_tools.media import VideoArtifact
from hf_tools.testing import LoopbackServer
from hf_tools.testing.answers.media import mp4_text


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
