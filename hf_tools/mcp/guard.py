"""What keeps the MCP server's HTTP transport serving when clients misbehave or it is exposed.

* **File descriptors.** The limits of :mod:`hf_tools.listen_guard` (shared with the playground):
  the soft ``RLIMIT_NOFILE`` raised, connections capped below what is left, a connection over the cap
  closed as soon as it is accepted, one that sends no request within ``idle_timeout`` seconds closed
  too. Idle or half-open connections can no longer make the server run out of descriptors (which
  used to end the process).
* **Credentials.** :class:`BearerAuth` answers 401 to any request without ``Authorization: Bearer
  <token>`` (compared in constant time).
* **DNS rebinding.** :func:`transport_security` keeps the SDK's Host and Origin checks on for every
  bind: Host must be a loopback name, the bound address, this machine's names or one the operator
  allows; an ``Origin`` (sent by browsers only) must be one the operator lists.

Example:
    >>> transport_security("127.0.0.1", allowed_origins=["https://app.example"]).allowed_origins
    ['https://app.example']

"""

from __future__ import annotations

import hmac
import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp.server.transport_security import TransportSecuritySettings

from hf_tools.media.netguard import is_loopback

__all__ = ["BearerAuth", "HTTPGuard", "is_loopback", "transport_security"]

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
