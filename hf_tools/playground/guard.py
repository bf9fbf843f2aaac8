"""What keeps the playground's server serving when clients misbehave or it is exposed.

Gradio's own ``launch()`` starts uvicorn with no limits; :func:`serve_page` mounts the page on a
FastAPI app (Gradio's ``mount_gradio_app``) and runs uvicorn itself, with the protections of the
MCP server's HTTP transport (:mod:`hf_tools.mcp.guard`; repeated here so that the ``ui`` extra
does not need the ``mcp`` one):

* **File descriptors.** The soft ``RLIMIT_NOFILE`` is raised to the hard limit where allowed; open
  connections are capped below what is left, a connection over the cap is closed as soon as it is
  accepted, and one that starts no request within ``idle_timeout`` seconds is closed too. Idle
  connections can no longer starve the page of descriptors (which made every new visitor's
  connection fail until they went away, and they never did).
* **Request size.** A request body over ``max_body`` bytes is answered 413 (at once when its
  ``Content-Length`` says so, else as soon as that much has arrived); uploads are capped at the
  media guards' limit; headers over h11's 16 KiB, or bytes that are not HTTP, get a 4xx.
* **Credentials.** ``login`` puts the page behind Gradio's login form (``auth=``): without the
  session cookie the page is the login form and the API answers 401.

Example:
    >>> limits = connection_limits(soft=1024, in_use=40)
    >>> 0 < limits.max_connections < 1024 - 40 - limits.accept_burst
    True

"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BodyLimit",
    "ConnectionLimits",
    "PageGuard",
    "connection_limits",
    "guarded_protocol",
    "raise_fd_limit",
    "serve_page",
]

MAX_BODY = 32 * 1024 * 1024
"""The largest request body: a 20 MiB medium as base64 (the media guards' limit) with room to spare."""


@dataclass(frozen=True)
class PageGuard:
    """How the page's server protects itself.

    Attributes:
        login: ``(user, password)`` visitors must log in with; None: no login form.
        max_connections: at most this many client connections at once (default: from the open-file limit).
        idle_timeout: seconds a new connection may take to start its first request.
        max_body: the largest request body in bytes.
        max_file_size: the largest upload in bytes (Gradio's ``max_file_size``).

    Example:
        >>> guard = PageGuard(login=("me", "s3cret"))
        >>> "s3cret" in repr(guard), guard.idle_timeout
        (False, 10.0)

    """

    login: tuple[str, str] | None = field(default=None, repr=False)
    max_connections: int | None = None
    idle_timeout: float = 10.0
    max_body: int = MAX_BODY
    max_file_size: int = 20 * 1024 * 1024


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit where allowed; the soft limit in force."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def _open_descriptors() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # pragma: no cover - not on Linux
        return 64


@dataclass(frozen=True)
class ConnectionLimits:
    """How many client connections the server holds at once, and how many it accepts in one go."""

    max_connections: int
    accept_burst: int


def connection_limits(soft: int, in_use: int, max_connections: int | None = None) -> ConnectionLimits:
    """Limits that keep the process below ``soft`` descriptors with ``in_use`` already open.

    A quarter of what is left stays free for the calls' own connections, uploads and the media
    written for the page; the accept burst is taken off the cap too. ``max_connections`` lowers
    the cap, never raises it.
    """
    headroom = max(16, soft - in_use)
    burst = min(128, max(4, headroom // 8))
    cap = max(1, headroom - headroom // 4 - burst)
    if max_connections is not None:
        cap = max(1, min(cap, max_connections))
    return ConnectionLimits(max_connections=cap, accept_burst=burst)


def guarded_protocol(max_connections: int, idle_timeout: float) -> type[asyncio.Protocol]:
    """The h11 protocol of uvicorn, refusing connections over ``max_connections`` and closing silent ones.

    A connection that has not started a request ``idle_timeout`` seconds after it opened is closed
    (uvicorn's keep-alive timeout covers the time between requests; this covers the time before
    the first, including a request whose headers never finish).
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        refused = False
        first_request_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) >= max_connections:
                self.refused = True
                transport.abort()
                return
            super().connection_made(transport)
            self.first_request_timer = self.loop.call_later(idle_timeout, self._close_if_silent)

        def _close_if_silent(self) -> None:
            if self.cycle is None and not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if not self.refused:
                super().data_received(data)

        def connection_lost(self, exc: Exception | None) -> None:
            if self.refused:
                return
            if self.first_request_timer is not None:
                self.first_request_timer.cancel()
            super().connection_lost(exc)

    return GuardedH11Protocol


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 and not read further.

    Example:
        >>> from starlette.applications import Starlette
        >>> from starlette.testclient import TestClient
        >>> app = BodyLimit(Starlette(), 10)
        >>> TestClient(app).post("/", content=b"x" * 11).status_code
        413

    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, send: Any) -> None:
        body = b'{"error": "request body too large"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await self._refuse(send)
                    return
        received = 0
        started = refused = False

        async def counted_receive() -> Any:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # answer 413 now; the app sees the client gone
                    refused = True
                    if not started:
                        await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Any) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)


def _listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def serve_page(
    blocks: Any,
    host: str,
    port: int,
    guard: PageGuard,
    *,
    ready: Callable[[str], None] | None = None,
    **mount_options: Any,
) -> None:
    """Serve the Gradio ``blocks`` at ``host:port`` (0: a free port) until interrupted.

    Args:
        blocks: the page (its queue already configured).
        host: the address to bind.
        port: the port to bind; 0 picks a free one.
        guard: the login and the limits.
        ready: called with the page's URL once the server accepts connections.
        **mount_options: more keyword arguments of ``gradio.mount_gradio_app`` (``css``, ``theme``,
            ``allowed_paths``, ...).

    """
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    limits = connection_limits(raise_fd_limit(), _open_descriptors(), guard.max_connections)
    sock = _listening_socket(host, port, limits.accept_burst)
    bound = sock.getsockname()[1]
    outer = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    gr.mount_gradio_app(
        outer,
        blocks,
        path="/",
        server_name=host,
        server_port=bound,
        auth=guard.login,
        max_file_size=guard.max_file_size,
        **mount_options,
    )
    config = uvicorn.Config(
        BodyLimit(outer, guard.max_body),
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=guarded_protocol(limits.max_connections, guard.idle_timeout),
        backlog=limits.accept_burst,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="hf-tools-playground")
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise OSError(f"the playground's server did not start on {host}:{bound}")
            thread.join(0.05)
        if ready is not None:
            shown = f"[{host}]" if ":" in host else host
            ready(f"http://{shown}:{bound}/")
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
