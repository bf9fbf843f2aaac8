"""The hf-tools MCP server: build it (:func:`create_server`) and serve it over stdio or streamable HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import anyio
from langchain_core.retrievers import BaseRetriever
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.tools import Tool

from hf_tools.errors import HFInputError
from hf_tools.hub import ModelSummary
from hf_tools.hub.tools import model_tools
from hf_tools.listen_guard import (
    connection_limits,
    guarded_protocol,
    listening_socket,
    log_accept_errors_briefly,
    open_descriptors,
    raise_fd_limit,
)
from hf_tools.mcp.about import INSTRUCTIONS, package_version
from hf_tools.mcp.early import EarlyStart, run_stdio
from hf_tools.mcp.guard import BearerAuth, HTTPGuard, is_loopback, transport_security
from hf_tools.mcp.scrub import scrubbed_logs
from hf_tools.mcp.tools import DocumentSearchTool, LangChainTool, LinkedFiles
from hf_tools.media import AudioArtifact, AudioTrack, ImageArtifact, Segment, VideoArtifact
from hf_tools.settings import HFSettings
from hf_tools.tasks import TASKS
from hf_tools.tool_feedback import media_roots
from hf_tools.tools import HFToolkit

__all__ = ["INSTRUCTIONS", "HFToolsMCP", "create_server", "run", "serve_http"]


_MEDIA_OUTPUTS: tuple[Any, ...] = (ImageArtifact, AudioArtifact, VideoArtifact, list[Segment], list[AudioTrack])


def _secret(settings: HFSettings) -> str | None:
    try:
        return settings.resolved_token()
    except Exception:  # noqa: BLE001 - an unreadable stored login means no token to scrub
        return None


class HFToolsMCP(FastMCP[Any]):
    """The SDK's ``FastMCP`` that also knows the token it must keep out of every log line while serving.

    Build it with :func:`create_server`; serve it with :func:`run` or :func:`serve_http`.

    Example:
        >>> server = create_server(["summarization"], find_model=False, token="hf_example")
        >>> "hf_example" in repr(server) or "hf_example" in repr(vars(server))
        False

    """

    def __init__(self, *, secret: str | None = None, linked_files: LinkedFiles | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._scrubber = _Secret(secret)
        self.linked_files = linked_files or LinkedFiles()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """While the block runs: the token scrubbed from every log record; after it, linked files removed."""
        try:
            with scrubbed_logs(self._scrubber.value):
                yield
        finally:
            self.linked_files.remove_all()


class _Secret:
    """Holds the token without showing it in any repr."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "_Secret(***)"


def create_server(
    tasks: Iterable[str] | None = None,
    models: Mapping[str, str] | None = None,
    *,
    find_model: bool = True,
    retriever: BaseRetriever | None = None,
    corpus_roots: Sequence[str] = (),
    media_links: bool = False,
    keep_media: bool = False,
    name: str = "hf-tools",
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = "/mcp",
    json_response: bool = False,
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING",
    **settings: Any,
) -> HFToolsMCP:
    """An MCP server (the official SDK's ``FastMCP``) with one tool per task, ``find_model`` and ``search_documents``.

    Args:
        tasks: the tasks to offer (default: every registered task).
        models: ``{task: model id or endpoint URL}``; other tasks use their default model.
        find_model: offer ``find_model`` (models the Hub's inference providers serve for a task).
        retriever: offer ``search_documents`` over this retriever (e.g. a Chroma store's).
        corpus_roots: folders the documents' sources are shown relative to.
        media_links: answer generated images/audio with resource links to the files saved in
            ``media_output_dir`` (needed) instead of their bytes, for clients that drop binary content.
            The linked files are removed when :func:`run` or :func:`serve_http` returns.
        keep_media: keep the linked files when the server stops.
        name: the server's name.
        host: address of the streamable HTTP transport.
        port: its port (0: any free port).
        path: its endpoint path.
        json_response: answer HTTP requests with plain JSON instead of an SSE stream.
        log_level: the server's log level (logs go to standard error).
        **settings: :class:`~hf_tools.settings.HFSettings` fields (``provider``, ``base_url``,
            ``timeout``, ``deadline``, ``media_dirs``, ...) or ``settings=HFSettings(...)``.

    Raises:
        HFInputError: an unknown task, or ``media_links`` without ``media_output_dir``.

    Example:
        >>> import anyio
        >>> server = create_server(["summarization", "text-to-image"], find_model=False)
        >>> [tool.name for tool in anyio.run(server.list_tools)]
        ['summarization', 'text_to_image']

    """
    kit = HFToolkit(tasks, models, **settings)
    if media_links and kit.settings.media_output_dir is None:
        raise HFInputError("media_links needs media_output_dir: the folder the linked files are saved in")
    secret = _secret(kit.settings)
    roots = media_roots(kit.settings)
    linked = LinkedFiles()
    tools: list[Tool] = []
    for task, lc_tool in zip(kit.tasks, kit.get_tools(), strict=True):
        spec = TASKS[task]
        tools.append(
            LangChainTool.of(
                lc_tool,
                input_schema=spec.input_model.model_json_schema(),
                output_type=spec.output_type,
                returns_media=any(spec.output_type == kind for kind in _MEDIA_OUTPUTS),
                media_links=media_links,
                roots=roots,
                secret=secret,
                title=spec.name.replace("-", " ").capitalize(),
                linked_files=None if keep_media else linked,
            )
        )
    if find_model:
        (finder,) = model_tools([], settings=kit.settings)  # find_model alone
        tools.append(
            LangChainTool.of(
                finder,
                input_schema=finder.tool_call_schema.model_json_schema(),  # type: ignore[union-attr]
                output_type=list[ModelSummary],
                secret=secret,
                title="Find a model for a task",
            )
        )
    if retriever is not None:
        tools.append(DocumentSearchTool.of(retriever, roots=corpus_roots, secret=secret))
    server = HFToolsMCP(
        secret=secret,
        linked_files=linked,
        name=name,
        instructions=INSTRUCTIONS,
        tools=tools,
        host=host,
        port=port,
        streamable_http_path=path,
        json_response=json_response,
        log_level=log_level,
    )
    server._mcp_server.version = package_version()  # serverInfo names hf-tools' version, not the SDK's
    return server


async def serve_http(
    server: HFToolsMCP, *, ready: Callable[[str], None] | None = None, guard: HTTPGuard | None = None
) -> None:
    """Serve ``server`` over streamable HTTP at its host, port and path until cancelled.

    ``ready`` is called with the endpoint URL once the port is open (port 0 picks a free one).
    ``guard`` says how the transport protects itself (credential, allowed hosts and origins, connection
    limits); a server bound to an address other machines can reach needs ``guard.auth_token`` or
    ``guard.allow_unauthenticated``.

    Raises:
        HFInputError: a non-loopback address without a credential (and not explicitly allowed).

    """
    import uvicorn

    guard = guard or HTTPGuard()
    settings = server.settings
    if not is_loopback(settings.host) and not guard.auth_token and not guard.allow_unauthenticated:
        raise HFInputError(
            f"serving MCP on {settings.host} lets anyone who can reach it spend your token: give an auth token "
            "(clients send Authorization: Bearer <token>), or allow unauthenticated access explicitly"
        )
    settings.transport_security = transport_security(
        settings.host, allowed_hosts=guard.allowed_hosts, allowed_origins=guard.allowed_origins
    )
    limits = connection_limits(raise_fd_limit(), open_descriptors(), guard.max_connections)
    sock = listening_socket(settings.host, settings.port, backlog=limits.accept_burst)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{sock.getsockname()[1]}{settings.streamable_http_path}"
    app: Any = server.streamable_http_app()
    if guard.auth_token:
        app = BearerAuth(app, guard.auth_token)
    config = uvicorn.Config(
        app,
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
        http=guarded_protocol(limits.max_connections, guard.idle_timeout),
        backlog=limits.accept_burst,  # asyncio accepts up to this many at once, before any is counted
    )
    log_accept_errors_briefly(asyncio.get_running_loop(), "hf_tools.mcp")
    if ready is not None:
        ready(url)
    with server.serving():
        await uvicorn.Server(config).serve(sockets=[sock])


def run(
    server: HFToolsMCP,
    transport: Literal["stdio", "http"] = "stdio",
    *,
    ready: Callable[[str], None] | None = None,
    guard: HTTPGuard | None = None,
    early: EarlyStart | None = None,
) -> None:
    """Serve ``server`` over stdio (desktop and IDE clients) or streamable HTTP until stopped.

    ``guard`` applies to HTTP only (see :func:`serve_http`); ``early`` is the stdio client's first
    message when it was read (and ``initialize`` answered) before the server was built.
    """
    if transport == "stdio":
        if ready is not None:
            ready("stdio")
        with server.serving():
            if early is None:
                anyio.run(server.run_stdio_async)
            else:
                anyio.run(run_stdio, server, early)
    else:
        anyio.run(lambda: serve_http(server, ready=ready, guard=guard))
