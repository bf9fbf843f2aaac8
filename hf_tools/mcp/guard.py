"""What keeps the MCP server's HTTP transport serving when clients misbehave or it is exposed.

* **File descriptors.** At start the soft ``RLIMIT_NOFILE`` is raised to the hard limit where the
  system allows it; open connections are then capped well below what is left (:func:`connection_limits`),
  a connection over the cap is closed as soon as it is accepted, and one that sends no request within
  ``idle_timeout`` seconds is closed too. Idle or half-open connections can no longer make the server
  run out of descriptors (which used to end the process).
* **Credentials.** :class:`BearerAuth` answers 401 to any request without ``Authorization: Bearer
  <token>`` (compared in constant time).
* **DNS rebinding.** :func:`transport_security` keeps the SDK's Host and Origin checks on for every
  bind: Host must be a loopback name, the bound address, this machine's names or one the operator
  allows; an ``Origin`` (sent by browsers only) must be one the operator lists.

Example:
    >>> limits = connection_limits(soft=256, in_use=40)
    >>> limits.max_connections < 256 - 40 and limits.max_connections + limits.accept_burst < 256 - 40
    True
    >>> transport_security("127.0.0.1", allowed_origins=["https://app.example"]).allowed_origins
    ['https://app.example']

"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp.server.transport_security import TransportSecuritySettings

from hf_tools.media.netguard import is_loopback

__all__ = [
    "BearerAuth",
    "HTTPGuard",
    "ConnectionLimits",
    "connection_limits",
    "guarded_protocol",
    "is_loopback",
    "log_accept_errors_briefly",
    "open_descriptors",
    "raise_fd_limit",
    "transport_security",
]

logger = logging.getLogger("hf_tools.mcp")

LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")


@dataclass(frozen=True)
class HTTPGuard:
    """How the streamable HTTP transport protects itself; give it to :func:`~hf_tools.mcp.serve_http`.

    Attributes:
        auth_token: clients must send ``Authorization: Bearer <auth_token>``. Needed when the server
            binds an address other machines can reach, unless ``allow_unauthenticated``.
        allow_unauthenticated: serve a non-loopback address without a credential (anyone who can reach
            it spends the Hugging Face token's money).
        allowed_hosts: more ``Host`` header values to accept (see :func:`transport_security`).
        allowed_origins: browser origins allowed to call the server (none by default).
        max_connections: at most this many client connections at once (default: from the open-file limit).
        idle_timeout: seconds a new connection may take to start its first request.

    Example:
        >>> guard = HTTPGuard(auth_token="s3cret", allowed_origins=("https://app.example",))
        >>> "s3cret" in repr(guard), guard.idle_timeout
        (False, 10.0)

    """

    auth_token: str | None = field(default=None, repr=False)
    allow_unauthenticated: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_connections: int | None = None
    idle_timeout: float = 10.0


def _with_port(host: str) -> str:
    """``name`` → ``name:*``; ``name:port``, ``name:*`` and ``[v6]:port`` as given; bare IPv6 bracketed."""
    if host.startswith("["):
        return host if "]:" in host else f"{host}:*"
    if host.count(":") > 1:
        return f"[{host}]:*"
    return host if ":" in host else f"{host}:*"


def transport_security(
    host: str, *, allowed_hosts: Sequence[str] = (), allowed_origins: Sequence[str] = ()
) -> TransportSecuritySettings:
    """The SDK's DNS-rebinding protection for a server bound to ``host``, always on.

    Args:
        host: the bound address.
        allowed_hosts: more ``Host`` values to accept (``name``, ``name:port`` or ``name:*``).
        allowed_origins: the browser origins allowed to call the server (``https://app.example``,
            ``http://localhost:*``); none by default, so no web page can, while clients that send
            no ``Origin`` (programs, desktop apps) are unaffected.

    """
    hosts = list(LOOPBACK_HOSTS)
    unspecified = host in ("0.0.0.0", "::", "")  # the wildcard addresses
    if unspecified:
        hosts += [_with_port(name) for name in {socket.gethostname(), socket.getfqdn()} if name]
    elif not is_loopback(host):
        hosts.append(_with_port(host))
    hosts += [_with_port(extra) for extra in allowed_hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(allowed_origins),
    )


class BearerAuth:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``.

    Example:
        >>> from starlette.applications import Starlette
        >>> from starlette.testclient import TestClient
        >>> app = BearerAuth(Starlette(), "s3cret")
        >>> TestClient(app).get("/mcp").status_code
        401

    """

    def __init__(self, app: Any, token: str) -> None:
        if not token:
            raise ValueError("BearerAuth needs a non-empty token")
        self.app = app
        self._expected = f"Bearer {token}".encode()

    def __repr__(self) -> str:
        return f"BearerAuth({self.app!r}, token=***)"

    def _authorized(self, scope: dict[str, Any]) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                return hmac.compare_digest(value, self._expected)
        return False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": "unauthorized: send Authorization: Bearer <the server's token>"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="hf-tools mcp"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit where allowed; the soft limit in force."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20) if soft != resource.RLIM_INFINITY else 1 << 20
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
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
    """How many client connections the server holds at once, and how many it accepts in one go."""

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


def log_accept_errors_briefly(loop: asyncio.AbstractEventLoop) -> None:
    """Report the loop's "out of system resource" accept errors in one line, without a traceback.

    asyncio already pauses accepting for a second after such an error; formatting a traceback then
    needs files the process cannot open.
    """
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and "accept" in str(context.get("message", "")):
            logger.warning("hf_tools.mcp: not accepting connections for a moment: %s", exc.strerror or exc)
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
