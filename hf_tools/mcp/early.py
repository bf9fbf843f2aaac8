r"""A stdio MCP server that answers ``initialize`` at once, before the SDK and the tasks are imported.

Importing the ``mcp`` SDK, LangChain and the task registry takes one to several seconds, and some
clients give a server only a few seconds to answer ``initialize``. :func:`answer_initialize` reads
the client's first message with the standard library alone and, when it is ``initialize``, answers
it as the SDK would (:func:`hf_tools.mcp.about.initialize_result`). :func:`run_stdio` then serves
the session on the SDK: the same ``initialize`` is handed to it first, so its session state is the
usual one, and its own answer to that request is held back (the client already has one).

Example:
    >>> import io, json
    >>> request = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
    ...            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
    ...                       "clientInfo": {"name": "demo", "version": "1"}}}
    >>> out = io.BytesIO()
    >>> early = answer_initialize(io.BytesIO(json.dumps(request).encode() + b"\n"), out)
    >>> early.answered, json.loads(out.getvalue())["result"]["serverInfo"]["name"]
    (True, 'hf-tools')

"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from hf_tools.mcp.about import INSTRUCTIONS, NAME, initialize_result

if TYPE_CHECKING:
    from hf_tools.mcp.server import HFToolsMCP

__all__ = ["EarlyStart", "answer_initialize", "run_stdio"]

logger = logging.getLogger("hf_tools.mcp")


@dataclass(frozen=True)
class EarlyStart:
    """The client's first message (None at end of input) and whether it was answered already."""

    first: bytes | None
    answered: bool = False
    request_id: Any = None
    result: dict[str, Any] | None = None


def answer_initialize(
    stdin: BinaryIO, stdout: BinaryIO, *, name: str = NAME, instructions: str = INSTRUCTIONS
) -> EarlyStart:
    """Read the first message; if it is ``initialize``, answer it on ``stdout`` now."""
    line = stdin.readline()
    if not line:
        return EarlyStart(None)
    try:
        message = json.loads(line)
    except ValueError:
        return EarlyStart(line)  # the SDK answers what it cannot parse
    if not isinstance(message, dict) or message.get("method") != "initialize" or "id" not in message:
        return EarlyStart(line)
    params = message.get("params")
    requested = params.get("protocolVersion") if isinstance(params, dict) else None
    result = initialize_result(requested, name=name, instructions=instructions)
    answer = {"jsonrpc": "2.0", "id": message["id"], "result": result}
    stdout.write(json.dumps(answer, separators=(",", ":")).encode() + b"\n")
    stdout.flush()
    return EarlyStart(line, answered=True, request_id=message["id"], result=result)


async def run_stdio(server: HFToolsMCP, early: EarlyStart) -> None:
    """Serve ``server`` on stdio, the first message being ``early.first`` (already read)."""
    import anyio
    from mcp.server.stdio import stdio_server
    from mcp.shared.message import SessionMessage
    from mcp.types import JSONRPCMessage, JSONRPCResponse

    async with stdio_server() as (sdk_read, sdk_write):
        to_server, server_reads = anyio.create_memory_object_stream[Any](0)
        server_writes, to_client = anyio.create_memory_object_stream[Any](0)

        async def feed() -> None:
            async with to_server:
                if early.first is not None:
                    try:
                        await to_server.send(SessionMessage(JSONRPCMessage.model_validate_json(early.first)))
                    except ValueError as exc:  # as the SDK's own reader does with a line it cannot parse
                        await to_server.send(exc)
                async for item in sdk_read:
                    await to_server.send(item)

        async def drain() -> None:
            async with to_client, sdk_write:  # closing sdk_write lets the SDK's stdout writer end
                async for item in to_client:
                    message = item.message.root
                    if early.answered and isinstance(message, JSONRPCResponse) and message.id == early.request_id:
                        if message.result != early.result:
                            logger.warning("hf_tools.mcp: the early initialize answer differs from the SDK's")
                        continue  # the client has its answer already
                    await sdk_write.send(item)

        async with anyio.create_task_group() as group:
            group.start_soon(feed)
            group.start_soon(drain)
            async with server_writes:
                await server._mcp_server.run(
                    server_reads, server_writes, server._mcp_server.create_initialization_options()
                )
