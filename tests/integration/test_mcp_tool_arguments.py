"""Bad arguments are the caller's fault on every MCP tool, ``find_model`` included.

Through the mcp SDK's own client, in memory: a tool called with arguments that fail its schema
answers with an ``Invalid arguments: ...`` error result naming each field, never "a fault of
the server", and sends no request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

pytest.importorskip("mcp")

from mcp import ClientSession
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import CallToolResult, TextContent

from hf_tools.mcp import create_server
from hf_tools.testing import LoopbackServer
from hf_tools.testing.hub_server import LoopbackHub


@pytest.fixture
def inference() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@asynccontextmanager
async def session_for(**options: Any) -> AsyncIterator[ClientSession]:
    async with create_connected_server_and_client_session(create_server(**options)) as session:
        yield session


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


BAD_FIND_MODEL = [
    ({"task": None}, "task: Input should be a valid string"),
    ({}, "task: Field required"),
    ({"task": "summarization", "limit": 500}, "limit: Input should be less than or equal to 20"),
    ({"task": "summarization", "limit": "many"}, "limit: Input should be a valid integer"),
    ({"task": ["summarization"], "provider": 3}, "task: Input should be a valid string"),
    ({"task": "summarization", "colour": "red"}, "colour: Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("arguments", "reason"), BAD_FIND_MODEL, ids=[r for _, r in BAD_FIND_MODEL])
async def test_find_model_reports_bad_arguments_as_the_callers(
    hub: LoopbackHub, arguments: dict[str, Any], reason: str
) -> None:
    async with session_for(tasks=[], hub_endpoint=hub.endpoint) as session:
        result = await session.call_tool("find_model", arguments)
    text = text_of(result)
    assert result.isError
    assert text.startswith("Invalid arguments:") and reason in text, text
    assert "fault of the server" not in text
    assert hub.count() == 0


async def test_every_kind_of_tool_reports_bad_arguments_as_the_callers(
    hub: LoopbackHub, inference: LoopbackServer
) -> None:
    async with session_for(
        tasks=["summarization", "zero-shot-classification"], base_url=inference.base_url, hub_endpoint=hub.endpoint
    ) as session:
        names = {tool.name for tool in (await session.list_tools()).tools}
        results = {
            "find_model": await session.call_tool("find_model", {"task": None}),
            "summarization": await session.call_tool("summarization", {"text": None}),
            "zero_shot_classification": await session.call_tool(
                "zero_shot_classification", {"text": "x", "candidate_labels": "not a list of labels"}
            ),
        }
    assert set(results) <= names
    for name, result in results.items():
        assert result.isError and text_of(result).startswith("Invalid arguments:"), (name, text_of(result))
    assert inference.requests == [] and hub.count() == 0
