"""What keeps a server of hf_tools serving when clients misbehave: the MCP transport's and the playground's.

* **File descriptors.** :func:`raise_fd_limit` raises the soft ``RLIMIT_NOFILE`` to the hard limit
  where the system allows it; :func:`connection_limits` caps open connections well below what is
  left; :func:`guarded_protocol` closes a connection over the cap as soon as it is accepted, and
  one that starts no request within ``idle_timeout`` seconds. Idle or half-open connections can no
  longer make a server run out of descriptors (which ended the MCP server's process and made the
  playground refuse every new visitor).
* **Request size.** :class:`BodyLimit` answers 413 to a body over its limit.
* **Accept errors.** :func:`log_accept_errors_briefly` reports "out of system resource" accept
  errors in one line.

Nothing here needs the ``mcp`` SDK or Gradio; uvicorn is imported when a protocol is made.

Example:
    >>> limits = connection_limits(soft=256, in_use=40)
    >>> limits.max_connections + limits.accept_burst < 256 - 40
    True

"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BodyLimit",
    "ConnectionLimits",
    "connection_limits",
    "guarded_protocol",
    "listening_socket",
    "log_accept_errors_briefly",
    "open_descriptors",
    "raise_fd_limit",
]


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


def open_descriptors() -> int:
    """How many file descriptors the process holds now (a fair guess where /proc is missing)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # pragma: no cover - not on Linux
        return 64


@dataclass(frozen=True)
class ConnectionLimits:
    """How many client connections a server holds at once, and how many it accepts in one go.

    Example:
        >>> ConnectionLimits(max_connections=100, accept_burst=16).accept_burst
        16

    """

    max_connections: int
    accept_burst: int


def connection_limits(soft: int, in_use: int, max_connections: int | None = None) -> ConnectionLimits:
    """Limits that keep the process below ``soft`` descriptors with ``in_use`` already open.

    A quarter of what is left stays free for upstream requests, files and logs; the accept burst
    (asyncio accepts up to the listen backlog in one go, before any connection is counted) is
    taken off the cap too. ``max_connections`` lowers the cap further, never raises it.
    """
    headroom = max(16, soft - in_use)
    burst = min(128, max(4, headroom // 8))
    cap = max(1, headroom - headroom // 4 - burst)
    if max_connections is not None:
        cap = max(1, min(cap, max_connections))
    return ConnectionLimits(max_connections=cap, accept_burst=burst)


def listening_socket(host: str, port: int, *, backlog: int = 128) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: a free port) and listening with ``backlog``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every JSON response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)  # connections wait in the backlog until the server accepts them
    return sock


def guarded_protocol(max_connections: int, idle_timeout: float) -> type[asyncio.Protocol]:
    """The h11 protocol of uvicorn, refusing connections over ``max_connections`` and closing silent ones.

    A connection that has not started a request ``idle_timeout`` seconds after it opened is closed
    (uvicorn's keep-alive timeout covers the time between requests; this covers the time before the
    first, including a request whose headers never finish).
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

    At once when its ``Content-Length`` says so, else as soon as that much has arrived.

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


def log_accept_errors_briefly(loop: asyncio.AbstractEventLoop, name: str = "hf_tools") -> None:
    """Report the loop's "out of system resource" accept errors in one line on the ``name`` logger.

    asyncio already pauses accepting for a second after such an error; formatting a traceback then
    needs files the process cannot open.
    """
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and "accept" in str(context.get("message", "")):
            logging.getLogger(name).warning("%s: not accepting connections for a moment: %s", name, exc.strerror or exc)
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
