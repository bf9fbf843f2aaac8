"""Every task as an MCP tool: ``hf-tools mcp``, on the official ``mcp`` SDK (extra ``mcp``).

One tool per registered task (names and descriptions from the registry, ``inputSchema`` from the
task's input model, ``outputSchema`` and ``structuredContent`` from its typed output), ``find_model``,
and with a retriever ``search_documents``. Transports: stdio and streamable HTTP (no SSE). Images
and audio come back as MCP image/audio content, or as resource links to saved files; errors come
back as ``isError`` results with one line a model can act on; media inputs are guarded as for the
LangChain tools; the token never appears in a result. Names are imported on first use (a stdio
server answers ``initialize`` before the SDK and the tasks are imported: see :mod:`hf_tools.mcp.early`).

Example:
    >>> import anyio
    >>> from hf_tools.mcp import create_server
    >>> server = create_server(["translation"], find_model=False)
    >>> (tool,) = anyio.run(server.list_tools)
    >>> tool.name, tool.inputSchema["required"], tool.outputSchema["properties"]["translation_text"]["type"]
    ('translation', ['text'], 'string')

"""

from __future__ import annotations

from hf_tools.lazy import exports_from_stub, lazy_exports

_EXPORTS = exports_from_stub(__file__)
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
