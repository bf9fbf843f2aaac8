"""Every task as an MCP tool: ``hf-tools mcp``, on the official ``mcp`` SDK (extra ``mcp``).

One tool per registered task (names and descriptions from the registry, ``inputSchema`` from the
task's input model, ``outputSchema`` and ``structuredContent`` from its typed output), ``find_model``,
and with a retriever ``search_documents``. Transports: stdio and streamable HTTP (no SSE). Images
and audio come back as MCP image/audio content, or as resource links to saved files; errors come
back as ``isError`` results with one line a model can act on; media inputs are guarded as for the
LangChain tools; the token never appears in a result.

Example:
    >>> import anyio
    >>> from hf_tools.mcp import create_server
    >>> server = create_server(["translation"], find_model=False)
    >>> (tool,) = anyio.run(server.list_tools)
    >>> tool.name, tool.inputSchema["required"], tool.outputSchema["properties"]["translation_text"]["type"]
    ('translation', ['text'], 'string')

"""

from hf_tools.mcp.guard import HTTPGuard
from hf_tools.mcp.server import INSTRUCTIONS, HFToolsMCP, create_server, run, serve_http
from hf_tools.mcp.tools import DocumentSearchTool, LangChainTool, Passage, error_result

__all__ = [
    "INSTRUCTIONS",
    "DocumentSearchTool",
    "HFToolsMCP",
    "HTTPGuard",
    "LangChainTool",
    "Passage",
    "create_server",
    "error_result",
    "run",
    "serve_http",
]
