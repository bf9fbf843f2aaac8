"""MCP tools on the official SDK's FastMCP ``Tool``: each runs a LangChain tool (or a retriever).

A task's ``inputSchema`` is its input model's JSON schema; its ``outputSchema`` is the typed
output's (an object at the root, media bytes left out, see :mod:`hf_tools.tool_output`) and every
successful result carries the matching ``structuredContent``. Images and audio come back as MCP
image/audio content (base64 with the MIME type) or, with ``media_links``, as resource links to
the saved files. Whatever goes wrong comes back as an ``isError`` result with one line the model
can act on; the token is scrubbed from every part of every result (text, structured content,
resources, links) as a last guard.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.messages import ToolMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool
from mcp.server.fastmcp.tools import Tool
from mcp.server.fastmcp.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.types import (
    AudioContent,
    CallToolResult,
    ContentBlock,
    ImageContent,
    ResourceLink,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, ConfigDict, Field

from hf_tools.errors import redact
from hf_tools.mcp.scrub import scrub_result
from hf_tools.media import AudioArtifact, Detections, ImageArtifact, MediaArtifact, VideoArtifact
from hf_tools.tool_feedback import display_path, source_label
from hf_tools.tool_output import dialect_schema, find_media, structured_value

__all__ = ["DocumentSearchTool", "LangChainTool", "LinkedFiles", "Passage", "error_result"]

logger = logging.getLogger("hf_tools.mcp")

_READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, openWorldHint=True)


class LinkedFiles:
    """The files a server's resource links point at, removed when the server stops (unless kept).

    Example:
        >>> import tempfile, pathlib
        >>> made = pathlib.Path(tempfile.mkdtemp()) / "image-1.png"
        >>> _ = made.write_bytes(b"png")
        >>> files = LinkedFiles()
        >>> files.add(str(made))
        >>> files.remove_all(), made.exists()
        (1, False)

    """

    def __init__(self) -> None:
        self._paths: set[str] = set()

    def add(self, path: str) -> None:
        """Remember a file a link was sent for."""
        self._paths.add(path)

    def remove_all(self) -> int:
        """Remove every remembered file that still exists; how many were removed."""
        removed = 0
        for path in sorted(self._paths):
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
        self._paths.clear()
        return removed


def error_result(text: str) -> CallToolResult:
    """An ``isError`` tool result with one line of text."""
    return CallToolResult(content=[TextContent(type="text", text=" ".join(text.split()))], isError=True)


async def _not_called(**_: Any) -> None:  # FastMCP's Tool wants a function; run() is overridden
    raise NotImplementedError


class _NoArguments(ArgModelBase):
    """Arguments are validated by the LangChain tool itself (the task's input model)."""


def _string_allowed(schema: dict[str, Any]) -> bool:
    kinds = [schema.get("type")] + [option.get("type") for option in schema.get("anyOf", [])]
    return "string" in kinds or all(kind is None for kind in kinds)


def _pre_parse(arguments: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """Some clients send lists and objects as JSON text: decode those where a string is not allowed."""
    out = dict(arguments)
    for name, value in arguments.items():
        schema = properties.get(name)
        if isinstance(value, str) and isinstance(schema, dict) and not _string_allowed(schema):
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            if isinstance(parsed, (list, dict)):
                out[name] = parsed
    return out


class _HFTool(Tool):
    """Shared parts: the token guard and the one-line error for anything unexpected."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    secret: str | None = Field(default=None, exclude=True, repr=False)

    def _scrub(self, result: CallToolResult) -> CallToolResult:
        return scrub_result(result, self.secret)

    async def run(self, arguments: dict[str, Any], context: Any = None, convert_result: bool = False) -> Any:
        try:
            result = await self.call(arguments)
        except Exception as exc:  # noqa: BLE001 - a bug must not drop the connection
            logger.error("hf_tools.mcp: tool %s failed: %s", self.name, redact(repr(exc), self.secret))
            result = error_result(
                f"Error: {self.name} failed unexpectedly ({type(exc).__name__}); "
                "this is a fault of the server, not of the arguments."
            )
        return self._scrub(result)

    async def call(self, arguments: dict[str, Any]) -> CallToolResult:
        raise NotImplementedError


class LangChainTool(_HFTool):
    """An MCP tool that runs a LangChain tool: an hf_tools task tool, ``find_model``, ...

    Build it with :meth:`of`.
    """

    lc_tool: BaseTool = Field(exclude=True)
    output_type: Any = Field(default=None, exclude=True)
    returns_media: bool = Field(default=False, exclude=True)
    media_links: bool = Field(default=False, exclude=True)
    roots: tuple[str, ...] = Field(default=(), exclude=True)
    linked_files: LinkedFiles | None = Field(default=None, exclude=True)

    @classmethod
    def of(
        cls,
        lc_tool: BaseTool,
        *,
        input_schema: dict[str, Any],
        output_type: Any = None,
        returns_media: bool = False,
        media_links: bool = False,
        roots: Sequence[str] = (),
        secret: str | None = None,
        title: str | None = None,
        linked_files: LinkedFiles | None = None,
    ) -> LangChainTool:
        """The MCP tool for ``lc_tool``.

        Args:
            lc_tool: the tool to run (called with a tool call, so its errors come back as messages).
            input_schema: the ``inputSchema``.
            output_type: the type of the tool's artifact; gives ``outputSchema`` and ``structuredContent``.
            returns_media: the artifact's images/audio are the result (sent as MCP media content).
            media_links: send resource links to the saved files instead of the bytes.
            roots: folders paths in structured content are shown relative to.
            secret: the token, scrubbed from every text.
            title: a human-readable title.
            linked_files: where the files behind resource links are remembered, to remove them later.

        """
        output_schema = dialect_schema(output_type) if output_type is not None else None
        return cls(
            fn=_not_called,
            name=lc_tool.name,
            title=title,
            description=lc_tool.description,
            parameters=input_schema,
            fn_metadata=FuncMetadata(arg_model=_NoArguments, output_schema=output_schema),
            is_async=True,
            context_kwarg=None,
            annotations=_READ_ONLY,
            lc_tool=lc_tool,
            output_type=output_type,
            returns_media=returns_media,
            media_links=media_links,
            roots=tuple(roots),
            secret=secret,
            linked_files=linked_files,
        )

    async def call(self, arguments: dict[str, Any]) -> CallToolResult:
        args = _pre_parse(arguments, self.parameters.get("properties", {}))
        tool_call = {"type": "tool_call", "id": f"mcp-{uuid.uuid4().hex[:12]}", "name": self.name, "args": args}
        message = await self.lc_tool.ainvoke(tool_call)
        if not isinstance(message, ToolMessage):
            return CallToolResult(content=[TextContent(type="text", text=str(message))])
        if message.status == "error":
            return error_result(str(message.content))
        content: list[ContentBlock] = [TextContent(type="text", text=str(message.content))]
        if self.returns_media:
            returned = _returned_media(message.artifact)
            content.extend(self._media_block(media) for media in returned)
            if self.media_links and self.linked_files is not None:
                for media in returned:
                    if media.path:
                        self.linked_files.add(media.path)
        structured = None
        if self.output_type is not None:
            structured = structured_value(message.artifact, self.output_type, self.roots)
        return CallToolResult(content=content, structuredContent=structured)

    def _media_block(self, media: MediaArtifact) -> ContentBlock:
        if self.media_links and media.path:
            path = Path(media.path).resolve()
            return ResourceLink(
                type="resource_link",
                uri=path.as_uri(),  # type: ignore[arg-type]
                name=path.name,
                mimeType=media.mime_type,
                size=media.size,
                description=f"the generated {media.describe()}",
            )
        if isinstance(media, AudioArtifact):
            return AudioContent(type="audio", data=media.base64(), mimeType=media.mime_type)
        if isinstance(media, ImageArtifact):
            return ImageContent(type="image", data=media.base64(), mimeType=media.mime_type)
        # MCP has no video content type: an embedded resource carrying the bytes and MIME type
        from mcp.types import BlobResourceContents, EmbeddedResource

        blob = BlobResourceContents(
            uri=f"hf-tools://media/{media.default_name}",  # type: ignore[arg-type]
            mimeType=media.mime_type,
            blob=media.base64(),
        )
        return EmbeddedResource(type="resource", resource=blob)


def _returned_media(artifact: Any) -> list[MediaArtifact]:
    """The images/audio/video a task produced (not the input image detections keep for annotating)."""
    if isinstance(artifact, Detections):
        return []
    return [m for m in find_media(artifact) if isinstance(m, (ImageArtifact, AudioArtifact, VideoArtifact))]


class Passage(BaseModel):
    """One retrieved passage, as ``search_documents`` returns it."""

    number: int = Field(description="The passage's number in this result, for citing as [n].")
    source: str = Field(description="Its file, relative to the working directory or the corpus folder.")
    page: int | None = Field(default=None, description="Its page, for paged documents.")
    text: str = Field(description="The passage.")


class _SearchInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="What to look for in the documents.")


SEARCH_DESCRIPTION = (
    "Search the ingested documents; returns numbered passages with their source files. "
    "Cite the sources of what you use."
)


class DocumentSearchTool(_HFTool):
    """``search_documents``: the passages a retriever finds, numbered, with their sources.

    Build it with :meth:`of`.
    """

    retriever: BaseRetriever = Field(exclude=True)
    roots: tuple[str, ...] = Field(default=(), exclude=True)

    @classmethod
    def of(
        cls,
        retriever: BaseRetriever,
        *,
        name: str = "search_documents",
        description: str = SEARCH_DESCRIPTION,
        roots: Sequence[str] = (),
        secret: str | None = None,
    ) -> DocumentSearchTool:
        """The search tool over ``retriever``; sources are shown relative to the working directory or ``roots``."""
        return cls(
            fn=_not_called,
            name=name,
            title="Search the documents",
            description=description,
            parameters=_SearchInput.model_json_schema(),
            fn_metadata=FuncMetadata(arg_model=_NoArguments, output_schema=dialect_schema(list[Passage])),
            is_async=True,
            context_kwarg=None,
            annotations=ToolAnnotations(readOnlyHint=True, destructiveHint=False, openWorldHint=False),
            retriever=retriever,
            roots=tuple(roots),
            secret=secret,
        )

    async def call(self, arguments: dict[str, Any]) -> CallToolResult:
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip() or set(arguments) - {"query"}:
            return error_result("Invalid arguments: query: give the text to search for, as one string. Fix it.")
        docs: list[Document] = await self.retriever.ainvoke(query)
        passages, blocks = [], []
        for number, doc in enumerate(docs, 1):
            source = str(doc.metadata.get("source", "unknown"))
            shown = display_path(source, self.roots) if source != "unknown" else source
            passages.append(Passage(number=number, source=shown, page=doc.metadata.get("page"), text=doc.page_content))
            blocks.append(f"[{number}] {source_label(doc.metadata, self.roots)}\n{doc.page_content}")
        return CallToolResult(
            content=[TextContent(type="text", text="\n\n".join(blocks) or "No passage matched.")],
            structuredContent=structured_value(passages, list[Passage]),
        )
